// Helpers for configgen host tests: write a profile to a temporary file,
// run the pipeline, and look for a diagnostic by rule.
#pragma once
#include <unistd.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "pipeline/driver.h"

namespace test_support {

inline std::string write_temp(const std::string& name, const std::string& text) {
  // One directory per test process: CTest runs the tests in parallel, and
  // two of them writing the same file name raced (a half-written profile).
  const auto dir = std::filesystem::temp_directory_path() / ("configgen-tests-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

inline configgen::Pipeline compile_text(const std::string& name, const std::string& yaml, const std::string& target = "") {
  configgen::CompileOptions o;
  o.target_override = target;
  return configgen::run_pipeline(write_temp(name, yaml), o);
}

inline bool has_rule(const configgen::Pipeline& p, const std::string& rule_prefix) {
  for (const auto& d : p.diags.all())
    if (d.rule.rfind(rule_prefix, 0) == 0) return true;
  return false;
}

inline std::string rendered(const configgen::Pipeline& p) { return p.diags.render(); }

// A minimal valid guest to build variants from (image: the demo guest).
inline std::string base_profile(const std::string& guest_extra = "", const std::string& entry = "{mode: protected, rip: 0x100000, rsp: 0x90000}") {
  return std::string("appliance: {name: t, target: bochs-tigerlake}\n"
                     "images:\n  demo: {file: \"") + VTX_BINARY_DIR + "/guest_images/demo.bin\"}\n"
                     "guests:\n"
                     "  - name: g\n"
                     "    cpus: [0]\n"
                     "    memory:\n"
                     "      - {gpa: 0, size: 1M}\n"
                     "      - {gpa: 0x100000, size: 64K, image: demo, perm: rx}\n"
                     "    entry: " + entry + "\n" + guest_extra;
}

inline std::string profile_with_memory(const std::string& memory_lines, const std::string& cpus = "[0]") {
  return std::string("appliance: {name: t, target: bochs-tigerlake}\n"
                     "images:\n  demo: {file: \"") + VTX_BINARY_DIR + "/guest_images/demo.bin\"}\n"
                     "guests:\n"
                     "  - name: g\n"
                     "    cpus: " + cpus + "\n"
                     "    memory:\n" + memory_lines +
                     "    entry: {mode: protected, rip: 0x100000, rsp: 0x90000}\n";
}

}  // namespace test_support
