// libFuzzer target: the YAML front end and the whole compile pipeline. Any
// input must give either a blob or at least one diagnostic; never a crash,
// a hang or a leak.
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "pipeline/driver.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/configgen-fuzz-" + std::to_string(getpid()) + ".yaml";
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), std::streamsize(size));
  configgen::CompileOptions options;
  const configgen::Pipeline p = configgen::run_pipeline(path, options);
  if (!p.ok(false) && p.diags.all().empty()) std::abort();  // a rejected input without a diagnostic
  return 0;
}
