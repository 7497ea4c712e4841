// The VMX capability MSRs of one CPU (SDM Appendix A, book 2.5) and the
// allowed-0/allowed-1 reconciliation of control words (book 2.5.5.2).
// Plain logic: also compiled into configgen and the host tests.
#pragma once
#include <stdint.h>

#include "arch/vmx_formats.h"
#include "arch/vmx_table.h"

namespace arch {

struct Capabilities {
  VmxBasic basic;
  uint64_t pinbased, procbased, exit, entry;  // TRUE_ variants when basic[55]
  uint64_t procbased2;                        // 0 when secondary controls are unavailable
  VmxMisc misc;
  uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
  uint64_t vmcs_enum;
  EptVpidCap ept_vpid_cap;  // 0 when neither EPT nor VPID can be enabled
  uint64_t vmfunc;        // 0 when VM functions cannot be enabled

  bool has_true_controls() const { return basic.true_controls(); }
  uint32_t revision_id() const { return basic.revision_identifier(); }
  uint64_t control_msr(arch::ControlWord w) const;
  // VMX-preemption timer rate: the timer counts down by 1 every 2^rate TSC ticks (SDM A.6).
  uint32_t preemption_timer_rate() const { return misc.preemption_timer_rate(); }
};

// Result of fitting a wanted control word to its capability MSR.
struct ControlFit {
  uint32_t value;      // wanted | allowed-0 bits, what goes into the VMCS
  uint32_t forbidden;  // wanted bits whose allowed-1 setting is 0
};

// Book 2.5.5.2: bits that must be 1 (allowed-0 = 1, the MSR's low half) are
// forced on; a wanted bit that may not be 1 (allowed-1 = 0, high half) is
// reported rather than silently dropped.
constexpr ControlFit fit_control(uint32_t wanted, uint64_t capability_msr) {
  const uint32_t allowed0 = uint32_t(capability_msr);
  const uint32_t allowed1 = uint32_t(capability_msr >> 32);
  return {(wanted | allowed0) & allowed1, wanted & ~allowed1};
}

// What a capability MSR allows for one control bit (book 2.5.5): allowed-0
// (low half) = 1 means the bit must be 1; allowed-1 (high half) = 0 means
// it must be 0.
enum class ControlSetting : uint8_t { MustBeZero, MustBeOne, Either };
constexpr ControlSetting control_setting(uint64_t capability_msr, uint32_t bit) {
  if ((capability_msr >> bit) & 1) return ControlSetting::MustBeOne;
  if (!((capability_msr >> (32 + bit)) & 1)) return ControlSetting::MustBeZero;
  return ControlSetting::Either;
}
constexpr const char* control_setting_text(ControlSetting s) {
  return s == ControlSetting::MustBeOne ? "must be 1" : s == ControlSetting::MustBeZero ? "must be 0" : "0 or 1";
}

struct ReconcileResult {
  bool ok;
  uint32_t values[arch::kControlWordCount];
  // First forbidden control when !ok: its word, bit, and the MSR that forbids it.
  arch::ControlWord word;
  uint8_t bit;
  arch::Msr msr;
  const char* control_name;  // SDM name from vmx_controls.def, or "reserved bit"
};

ReconcileResult reconcile_controls(const uint32_t wanted[arch::kControlWordCount], const Capabilities& caps);

// Applies CR0/CR4 fixed bits (SDM A.7, A.8) to a guest value. With unrestricted
// guest, CR0.PE and CR0.PG may be 0 (SDM 26.3.1.1).
uint64_t apply_cr0_fixed(uint64_t value, const Capabilities& caps, bool unrestricted_guest);
uint64_t apply_cr4_fixed(uint64_t value, const Capabilities& caps);

}  // namespace arch
