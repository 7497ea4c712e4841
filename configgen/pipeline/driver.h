// The whole compile pipeline behind one call, for commands that need a blob
// from a profile (compile, run, image).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/diagnostics.h"
#include "model/expect.h"
#include "model/lowered.h"
#include "model/profile.h"
#include "model/target.h"

namespace configgen {

struct CompileOptions {
  std::string target_override;  // empty = the profile's appliance.target
  bool werror = false;
  // What ${build} in image paths means (--build-dir); empty: the directory
  // holding the data's guest_images/ (install::image_root()).
  std::string build_dir;
  // Which emulator's captures a family target name (bochs-tigerlake) means:
  // `run` sets the version of the Bochs it boots (parse::load_target).
  std::string bochs_version = model::kDefaultBochsVersion;
  // Testing only (`configgen run --allow-rule ID`, the SDM differential
  // test): these rules' errors become notes so the blob reaches the CPU.
  // An allowed rule the profile does not break is itself an error.
  std::vector<std::string> allowed_rules;
};

struct CompiledProfile {
  std::string name;        // appliance.name
  std::string target;      // capability set used
  unsigned min_cpus = 1;
  // The fewest CPUs that satisfy min_cpus and every guest's CPU list (what
  // `run` boots when --cpus is not given).
  unsigned cpus_needed = 1;
  std::vector<std::string> guest_names;
  std::vector<std::uint8_t> blob;
  std::vector<model::Expectation> expectations;
};

// Parses, validates, lowers and emits PATH. Diagnostics go to stderr with
// file:line:col. Returns nullopt when the profile is invalid or unreadable;
// `unreadable`, if given, tells which (the exit statuses differ: 1 and 2).
std::optional<CompiledProfile> compile_profile_file(const std::string& path, const CompileOptions& options,
                                                    bool* unreadable = nullptr);

// The same pipeline, keeping every stage for commands and tests.
struct Pipeline {
  model::Profile profile;
  std::optional<model::Target> target;
  model::LoweredProfile lowered;
  std::vector<std::uint8_t> blob;
  Diagnostics diags;
  bool readable = false;  // false: I/O or YAML failure (exit status 2)
  bool ok(bool werror) const { return readable && !diags.has_errors(werror) && !blob.empty(); }
};
Pipeline run_pipeline(const std::string& path, const CompileOptions& options);

}  // namespace configgen
