// Target files: reading configgen/targets/NAME.yaml (or a path) into a
// model::Target, importing one from a serial log's capability lines, and
// writing one back.
#pragma once
#include <optional>
#include <string>

#include "model/target.h"

namespace configgen::parse {
using model::kDefaultBochsVersion;
using model::Target;

// Loads NAME from the targets directory, or a file path. Empty error = ok.
// Targets measured on an emulator carry its version (bochs-3.0-tigerlake,
// bochs-2.7-tigerlake); a family name without one (bochs-tigerlake) means
// the capture for `bochs_version`, the Bochs a run uses.
std::optional<Target> load_target(const std::string& name_or_path, std::string& error,
                                  const std::string& bochs_version = kDefaultBochsVersion);
// The file a target name resolves to (see load_target).
std::string resolve_target_path(const std::string& name_or_path, const std::string& bochs_version);
// The targets directory of the data configgen found (install/data_paths.h).
std::string targets_directory();
// Parses `vmm: caps: msr 0xNNN NAME = 0xVALUE` lines of a serial log (the
// first CPU's block) and the `vmm: probe: control NAME (...): RESULT` lines
// (a control not delivered on any CPU counts as not delivered) into a target.
std::optional<Target> import_capabilities_log(const std::string& log_text, const std::string& name, std::string& error);
std::string target_to_yaml(const Target& t);

// Expands ${target.msr.NAME} (the MSR's value as the hypervisor prints it,
// 0x%016x) and ${target.allowed.CONTROL} ("must be 0", "must be 1" or
// "0 or 1", as the decoded capability lines say) in an expectation, so a
// profile's expectations follow the target a run uses. Empty error = ok.
std::string expand_target_references(const std::string& text, const Target& t, std::string& error);

}  // namespace configgen::parse
