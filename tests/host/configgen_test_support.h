// Helpers for configgen host tests: write a profile to a temporary file,
// run the pipeline, and look for a diagnostic by rule.
#pragma once
#include <unistd.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "pipeline/driver.h"
#include "rule_case_profiles.h"

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
using rule_cases::base_profile;
using rule_cases::profile_with_memory;

}  // namespace test_support
