#include "arch/vmx_capabilities.h"

#include "arch/cpu.h"

namespace arch {

uint64_t Capabilities::control_msr(arch::ControlWord w) const {
  switch (w) {
    case arch::ControlWord::PIN: return pinbased;
    case arch::ControlWord::PROC: return procbased;
    case arch::ControlWord::PROC2: return procbased2;
    case arch::ControlWord::EXIT: return exit;
    case arch::ControlWord::ENTRY: return entry;
  }
  return 0;
}

ReconcileResult reconcile_controls(const uint32_t wanted[arch::kControlWordCount], const Capabilities& caps) {
  ReconcileResult r{};
  r.ok = true;
  for (uint32_t i = 0; i < arch::kControlWordCount; ++i) {
    const auto w = arch::ControlWord(i);
    uint32_t want = wanted[i];
    // Secondary controls only take effect when the primary word activates them (SDM 24.6.2).
    if (w == arch::ControlWord::PROC2 && !(r.values[uint32_t(arch::ControlWord::PROC)] &
                                           arch::ctl::ACTIVATE_SECONDARY_CONTROLS.mask()))
      want = 0;
    const ControlFit fit = fit_control(want, caps.control_msr(w));
    r.values[i] = fit.value;
    if (fit.forbidden && r.ok) {
      r.ok = false;
      r.word = w;
      r.bit = uint8_t(__builtin_ctz(fit.forbidden));
      r.msr = arch::control_capability_msr(w, caps.has_true_controls());
      r.control_name = "reserved bit";
      for (const auto& info : arch::kControlBits)
        if (info.control.word == w && info.control.bit == r.bit) r.control_name = info.sdm_name;
    }
  }
  return r;
}

uint64_t apply_cr0_fixed(uint64_t value, const Capabilities& caps, bool unrestricted_guest) {
  uint64_t fixed0 = caps.cr0_fixed0;
  if (unrestricted_guest) fixed0 &= ~(arch::cr0::PE | arch::cr0::PG);
  return (value | fixed0) & caps.cr0_fixed1;
}

uint64_t apply_cr4_fixed(uint64_t value, const Capabilities& caps) {
  return (value | caps.cr4_fixed0) & caps.cr4_fixed1;
}

}  // namespace arch
