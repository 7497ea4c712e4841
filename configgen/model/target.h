// Target CPUs: capability sets as data (configgen/targets/NAME.yaml), the
// values of every VMX capability MSR of one CPU model, so that a profile is
// checked before boot against the CPU it will meet (book 2.5).
#pragma once
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "vmx/capabilities.h"

namespace configgen::model {

struct Target {
  std::string name;
  std::string description;
  uint32_t max_cpus = 8;
  uint64_t tsc_hz = 1000000000;  // for preemption_timer.time
  // CPUID.80000008H:EAX[7:0]; 36 when the capture does not say (SDM Vol. 3 4.1.4).
  uint32_t physical_address_bits = 36;
  std::map<std::string, uint64_t> msrs;  // by SDM name (arch/msrs.def ident)
  vmx::Capabilities caps{};

  // preemption_timer.time in timer ticks: TSC ticks at tsc_hz shifted right
  // by IA32_VMX_MISC[4:0] (SDM 25.5.1). Saturates instead of overflowing.
  uint64_t preemption_timer_ticks(double seconds) const {
    const double tsc = seconds * double(tsc_hz);
    if (!(tsc < 9.0e18)) return UINT64_MAX;
    return uint64_t(std::llround(tsc)) >> caps.preemption_timer_rate();
  }
};

// Loads NAME from the targets directory, or a file path. Empty error = ok.
std::optional<Target> load_target(const std::string& name_or_path, std::string& error);
std::string targets_directory();
// Builds caps from the named MSRs (TRUE_ controls when VMX_BASIC[55]).
void derive_capabilities(Target& t);
// Parses `vmm: caps: msr 0xNNN NAME = 0xVALUE` lines of a serial log (the
// first CPU's block) into a target.
std::optional<Target> import_capabilities_log(const std::string& log_text, const std::string& name, std::string& error);
std::string target_to_yaml(const Target& t);

}  // namespace configgen::model
