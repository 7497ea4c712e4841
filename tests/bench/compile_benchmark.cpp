// configgen throughput (docs/benchmarks.md): compiling a generated profile
// with 256 guests and 4,096 memory regions, next to yaml-cpp only parsing the
// same file. Target: compiling costs at most twice the parse.
#include <benchmark/benchmark.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "pipeline/driver.h"

namespace {
std::string large_profile() {
  static std::string path;
  if (!path.empty()) return path;
  std::ostringstream o;
  o << "appliance: {name: large, target: bochs-tigerlake}\nimages:\n  demo: {file: \"" << VTX_BINARY_DIR
    << "/guest_images/demo.bin\"}\nguests:\n";
  for (int g = 0; g < 256; ++g) {
    o << "  - name: g" << g << "\n    cpus: [" << g % 8 << "]\n    memory:\n";
    o << "      - {gpa: 0x100000, size: 64K, image: demo, perm: rx}\n";
    for (int r = 0; r < 15; ++r) o << "      - {gpa: " << (0x200000 + r * 0x10000) << ", size: 64K, kind: ram, perm: rw}\n";
    o << "    entry: {mode: protected, rip: 0x100000, rsp: 0x90000}\n";
    o << "    exceptions: {trap: [bp, gp]}\n    io: {trap: [0x70, \"0x92-0x93\"]}\n";
  }
  path = (std::filesystem::temp_directory_path() / "configgen-large-profile.yaml").string();
  std::ofstream(path) << o.str();
  return path;
}

void ParseOnly(benchmark::State& state) {
  const std::string path = large_profile();
  for (auto _ : state) benchmark::DoNotOptimize(YAML::LoadFile(path));
}
BENCHMARK(ParseOnly)->Unit(benchmark::kMillisecond);

void Compile(benchmark::State& state) {
  const std::string path = large_profile();
  configgen::CompileOptions options;
  for (auto _ : state) {
    auto p = configgen::run_pipeline(path, options);
    if (!p.ok(false)) state.SkipWithError("the generated profile does not compile");
    benchmark::DoNotOptimize(p.blob.data());
  }
}
BENCHMARK(Compile)->Unit(benchmark::kMillisecond);

// One guest with N 4 KiB RAM regions: compile time must grow linearly with
// N (the overlap check was quadratic: 64 K regions took 11.3 s).
std::string one_guest_profile(int regions) {
  std::ostringstream o;
  o << "appliance: {name: regions, target: bochs-tigerlake}\nimages:\n  demo: {file: \"" << VTX_BINARY_DIR
    << "/guest_images/demo.bin\"}\nguests:\n  - name: g\n    cpus: [0]\n    memory:\n"
    << "      - {gpa: 0x100000, size: 64K, image: demo, perm: rx}\n";
  for (int r = 0; r < regions; ++r) o << "      - {gpa: " << (0x200000ull + uint64_t(r) * 0x1000) << ", size: 4K, kind: ram}\n";
  o << "    entry: {mode: protected, rip: 0x100000, rsp: 0x90000}\n";
  const std::string path = (std::filesystem::temp_directory_path() / ("configgen-regions-" + std::to_string(regions) + ".yaml")).string();
  std::ofstream(path) << o.str();
  return path;
}

void CompileRegionsInOneGuest(benchmark::State& state) {
  const std::string path = one_guest_profile(int(state.range(0)));
  configgen::CompileOptions options;
  for (auto _ : state) {
    auto p = configgen::run_pipeline(path, options);
    if (!p.ok(false)) state.SkipWithError("the generated profile does not compile");
    benchmark::DoNotOptimize(p.blob.data());
  }
  state.SetComplexityN(state.range(0));
}
BENCHMARK(CompileRegionsInOneGuest)->RangeMultiplier(4)->Range(4096, 65536)->Unit(benchmark::kMillisecond)->Complexity();
}  // namespace

BENCHMARK_MAIN();
