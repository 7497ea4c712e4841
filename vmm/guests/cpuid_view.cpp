#include "guests/cpuid_view.h"

#include "arch/registers.h"

namespace guests {
namespace {
bool on(const CpuidGuestState& g, arch::ControlBit c) { return g.controls[uint32_t(c.word)] & c.mask(); }
void keep_if(uint32_t& reg, uint32_t bit, bool keep) {
  if (!keep) reg &= ~bit;
}
void mirror(uint32_t& reg, uint32_t bit, bool set) { reg = set ? reg | bit : reg & ~bit; }
}  // namespace

void adjust_cpuid(uint32_t leaf, uint32_t subleaf, const CpuidGuestState& g, CpuidRegisters& r) {
  namespace ctl = arch::ctl;
  switch (leaf) {
    case 1:
      r.ecx &= ~(arch::cpuid1_ecx::VMX | arch::cpuid1_ecx::X2APIC);
      if (r.ecx & arch::cpuid1_ecx::XSAVE) mirror(r.ecx, arch::cpuid1_ecx::OSXSAVE, g.cr4 & arch::cr4::OSXSAVE);
      r.ebx = (r.ebx & 0x00FFFFFF) | uint32_t(g.apic_id) << 24;  // EBX[31:24]: initial APIC ID
      break;
    case 7:
      if (subleaf != 0) break;
      keep_if(r.ebx, arch::cpuid7_ebx::INVPCID, on(g, ctl::ENABLE_INVPCID));
      keep_if(r.ecx, arch::cpuid7_ecx::RDPID, on(g, ctl::ENABLE_RDTSCP));
      keep_if(r.ecx, arch::cpuid7_ecx::WAITPKG, on(g, ctl::ENABLE_USER_WAIT_AND_PAUSE));
      mirror(r.ecx, arch::cpuid7_ecx::OSPKE, g.cr4 & arch::cr4::PKE);
      break;
    case 0xD:
      if (subleaf == 1) keep_if(r.eax, arch::cpuid0d1_eax::XSAVES, on(g, ctl::ENABLE_XSAVES_XRSTORS));
      break;
    case 0x80000001:
      keep_if(r.edx, arch::cpuid80000001_edx::RDTSCP, on(g, ctl::ENABLE_RDTSCP));
      break;
    default: break;
  }
}

bool apply_cpuid_override(const blob::Behaviour& b, uint32_t leaf, uint32_t subleaf, CpuidRegisters& r) {
  if (b.kind != uint32_t(blob::BehaviourKind::ExitReason) || b.selector != uint32_t(arch::ExitReason::CPUID) ||
      b.action != uint32_t(blob::Action::Override) || b.arg != leaf || (b.subleaf != blob::kNone && b.subleaf != subleaf))
    return false;
  uint32_t* regs[4] = {&r.eax, &r.ebx, &r.ecx, &r.edx};
  for (int k = 0; k < 4; ++k) {
    *regs[k] = (*regs[k] & ~b.clear_bits[k]) | b.set_bits[k];
    if (b.reg_mask & (1u << k)) *regs[k] = b.values[k];
  }
  return true;
}

}  // namespace guests
