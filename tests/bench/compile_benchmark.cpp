// configgen throughput (docs/benchmarks.md, issue 16 item 4): generated
// profiles with many guests and with many regions in one guest, each size
// both compiled (parse, validate, lower, emit) and only parsed by yaml-cpp,
// so that the two can be compared file by file. Targets: compiling costs at
// most 1.5x the parse's time and 3x its peak heap at every size.
// Every benchmark reports `peak_heap_bytes`: the most heap in use at once
// during one iteration, above what was in use when it started.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "parse/tree.h"
#include "pipeline/driver.h"

// Heap accounting: every C++ allocation of the process (configgen's and
// yaml-cpp's, which allocates only through new) passes through these.
namespace {
std::atomic<size_t> heap_in_use{0};
std::atomic<size_t> heap_peak{0};

void* counted_allocation(size_t size) {
  void* p = std::malloc(size ? size : 1);
  if (!p) throw std::bad_alloc();
  const size_t now = heap_in_use.fetch_add(malloc_usable_size(p), std::memory_order_relaxed) + malloc_usable_size(p);
  size_t peak = heap_peak.load(std::memory_order_relaxed);
  while (now > peak && !heap_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
  return p;
}
void counted_release(void* p) {
  if (!p) return;
  heap_in_use.fetch_sub(malloc_usable_size(p), std::memory_order_relaxed);
  std::free(p);
}
}  // namespace

void* operator new(size_t size) { return counted_allocation(size); }
void* operator new[](size_t size) { return counted_allocation(size); }
void operator delete(void* p) noexcept { counted_release(p); }
void operator delete[](void* p) noexcept { counted_release(p); }
void operator delete(void* p, size_t) noexcept { counted_release(p); }
void operator delete[](void* p, size_t) noexcept { counted_release(p); }

namespace {
// Runs `work` once per iteration and records the largest peak of any iteration.
template <typename Work>
void measured(benchmark::State& state, Work work) {
  size_t peak = 0;
  for (auto _ : state) {
    const size_t base = heap_in_use.load();
    heap_peak.store(base);
    work();
    peak = std::max(peak, heap_peak.load() - base);
  }
  state.counters["peak_heap_bytes"] = double(peak);
}

std::string write_profile(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / ("configgen-bench-" + name + ".yaml")).string();
  std::ofstream(path) << text;
  return path;
}

// N guests, each with 16 regions (one image, 15 RAM), an entry, trapped
// exceptions and I/O ports: the shape of a real appliance, repeated.
std::string guests_profile(int guests) {
  static std::map<int, std::string> made;
  if (made.count(guests)) return made[guests];
  std::ostringstream o;
  o << "appliance: {name: large, target: bochs-tigerlake}\nimages:\n  demo: {file: \"" << VTX_BINARY_DIR
    << "/guest_images/demo.bin\"}\nguests:\n";
  for (int g = 0; g < guests; ++g) {
    o << "  - name: g" << g << "\n    cpus: [" << g % 8 << "]\n    memory:\n";
    o << "      - {gpa: 0x100000, size: 64K, image: demo, perm: rx}\n";
    for (int r = 0; r < 15; ++r) o << "      - {gpa: " << (0x200000 + r * 0x10000) << ", size: 64K, kind: ram, perm: rw}\n";
    o << "    entry: {mode: protected, rip: 0x100000, rsp: 0x90000}\n";
    o << "    exceptions: {trap: [bp, gp]}\n    io: {trap: [0x70, \"0x92-0x93\"]}\n";
  }
  return made[guests] = write_profile("guests-" + std::to_string(guests), o.str());
}

// One guest with N 4 KiB RAM regions (the overlap check was quadratic: 64 K
// regions took 11.3 s).
std::string regions_profile(int regions) {
  static std::map<int, std::string> made;
  if (made.count(regions)) return made[regions];
  std::ostringstream o;
  o << "appliance: {name: regions, target: bochs-tigerlake}\nimages:\n  demo: {file: \"" << VTX_BINARY_DIR
    << "/guest_images/demo.bin\"}\nguests:\n  - name: g\n    cpus: [0]\n    memory:\n"
    << "      - {gpa: 0x100000, size: 64K, image: demo, perm: rx}\n";
  for (int r = 0; r < regions; ++r) o << "      - {gpa: " << (0x200000ull + uint64_t(r) * 0x1000) << ", size: 4K, kind: ram}\n";
  o << "    entry: {mode: protected, rip: 0x100000, rsp: 0x90000}\n";
  return made[regions] = write_profile("regions-" + std::to_string(regions), o.str());
}

void parse(benchmark::State& state, const std::string& path) {
  measured(state, [&] { benchmark::DoNotOptimize(YAML::LoadFile(path)); });
}
void compile(benchmark::State& state, const std::string& path) {
  configgen::CompileOptions options;
  measured(state, [&] {
    auto p = configgen::run_pipeline(path, options);
    if (!p.ok(false)) state.SkipWithError("the generated profile does not compile");
    benchmark::DoNotOptimize(p.blob.data());
  });
}

void ParseGuests(benchmark::State& state) { parse(state, guests_profile(int(state.range(0)))); }
void CompileGuests(benchmark::State& state) { compile(state, guests_profile(int(state.range(0)))); }
void ParseRegions(benchmark::State& state) { parse(state, regions_profile(int(state.range(0)))); }
void CompileRegions(benchmark::State& state) { compile(state, regions_profile(int(state.range(0)))); }

// The node limit (configgen/parse/tree.h) at the sizes issue 16 names:
// 20,000 guests and 200,000 regions load without a size error. One
// iteration each; the figure is that they load at all.
void load_or_fail(benchmark::State& state, const std::string& path) {
  measured(state, [&] {
    configgen::parse::Tree tree;
    configgen::Diagnostics diags;
    if (!tree.load(path, diags)) state.SkipWithError(("refused: " + diags.render()).c_str());
    state.counters["nodes"] = double(tree.size());
  });
}
void LoadGuests(benchmark::State& state) { load_or_fail(state, guests_profile(int(state.range(0)))); }
void LoadRegions(benchmark::State& state) { load_or_fail(state, regions_profile(int(state.range(0)))); }

// The sizes: issue 16's by default; with VTX_BENCH_QUICK=1 in the
// environment one small size of each, so that tests/bench/run-benchmarks.sh
// --quick (CTest bench_doc_figures) fills every figure in a few seconds.
// A full run repeats each compile and parse benchmark three times and
// reports the median: at 4,096 guests one iteration takes seconds, and one
// run alone put the compile below the parse it contains.
void register_all(bool quick) {
  const int repetitions = quick ? 1 : 3;
  const std::vector<int> guests = quick ? std::vector<int>{64} : std::vector<int>{256, 1024, 4096};
  const std::vector<int> regions = quick ? std::vector<int>{1024} : std::vector<int>{4096, 16384, 65536};
  for (int n : guests) {
    benchmark::RegisterBenchmark("ParseGuests", ParseGuests)->Arg(n)->Unit(benchmark::kMillisecond)->Repetitions(repetitions)->ReportAggregatesOnly(!quick);
    benchmark::RegisterBenchmark("CompileGuests", CompileGuests)->Arg(n)->Unit(benchmark::kMillisecond)->Repetitions(repetitions)->ReportAggregatesOnly(!quick);
  }
  for (int n : regions) {
    benchmark::RegisterBenchmark("ParseRegions", ParseRegions)->Arg(n)->Unit(benchmark::kMillisecond)->Repetitions(repetitions)->ReportAggregatesOnly(!quick);
    benchmark::RegisterBenchmark("CompileRegions", CompileRegions)->Arg(n)->Unit(benchmark::kMillisecond)->Repetitions(repetitions)->ReportAggregatesOnly(!quick);
  }
  benchmark::RegisterBenchmark("LoadGuests", LoadGuests)->Arg(quick ? 200 : 20000)->Iterations(1)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("LoadRegions", LoadRegions)->Arg(quick ? 2000 : 200000)->Iterations(1)->Unit(benchmark::kMillisecond);
}
}  // namespace

int main(int argc, char** argv) {
  const char* quick = std::getenv("VTX_BENCH_QUICK");
  register_all(quick && std::string(quick) == "1");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
