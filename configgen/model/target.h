// Target CPUs: capability sets as data (configgen/targets/NAME.yaml), the
// values of every VMX capability MSR of one CPU model, so that a profile is
// checked before boot against the CPU it will meet (book 2.5).
#pragma once
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "arch/vmx_capabilities.h"

namespace configgen::model {

struct Target {
  std::string name;
  std::string description;
  uint32_t max_cpus = 8;
  bool max_cpus_given = false;  // by `caps import --max-cpus`: written with a note
  uint64_t tsc_hz = 1000000000;  // for preemption_timer.time
  // CPUID.80000008H:EAX[7:0]; 36 when the capture does not say (SDM Vol. 3 4.1.4).
  uint32_t physical_address_bits = 36;
  std::map<std::string, uint64_t> msrs;  // by SDM name (arch/msrs.def ident)
  // Capability probes at boot (vmm/vmx/probe.h), by control profile name:
  // "delivered", "advertised but not delivered", "not advertised", "probe failed".
  std::map<std::string, std::string> probes;
  // MSRs this CPU refuses to load through the VM-entry MSR-load list for
  // model-specific reasons (SDM 26.4), as its documentation or a lab run
  // found them (key msr_load_refused: names or numbers). Bochs refuses none
  // beyond what its WRMSR refuses, so the shipped targets list none.
  std::vector<uint32_t> msr_load_refused;
  arch::Capabilities caps{};

  // True when the probe found the control advertised but not acting.
  bool not_delivered(const std::string& control) const {
    auto it = probes.find(control);
    return it != probes.end() && (it->second == "advertised but not delivered" || it->second == "probe failed");
  }

  // preemption_timer.time in timer ticks: TSC ticks at tsc_hz shifted right
  // by IA32_VMX_MISC[4:0] (SDM 25.5.1). Saturates instead of overflowing.
  uint64_t preemption_timer_ticks(double seconds) const {
    const double tsc = seconds * double(tsc_hz);
    if (!(tsc < 9.0e18)) return UINT64_MAX;
    return uint64_t(std::llround(tsc)) >> caps.preemption_timer_rate();
  }
};

// The Bochs version whose captured targets a family name means when the
// caller does not say (Bochs 3.0 is the main platform, docs/emulators.md).
inline constexpr const char* kDefaultBochsVersion = "3.0";

// Builds caps from the named MSRs (TRUE_ controls when VMX_BASIC[55]).
void derive_capabilities(Target& t);
}  // namespace configgen::model
