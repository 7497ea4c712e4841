#include "guests/cpuid_view.h"

#include "arch/registers.h"

namespace guests {
namespace {
bool on(const CpuidGuestState& g, arch::ControlBit c) { return g.controls[uint32_t(c.word)] & c.mask(); }
void keep_if(uint32_t& reg, uint32_t bit, bool keep) {
  if (!keep) reg &= ~bit;
}
void mirror(uint32_t& reg, uint32_t bit, bool set) { reg = set ? reg | bit : reg & ~bit; }
constexpr bool has_feature_enables(uint32_t leaf) { return leaf == 7 || leaf == 0xD || leaf == 0x80000001; }
static_assert([] {
  for (const CpuidFeatureEnable& f : kCpuidFeatureEnables)
    if (!has_feature_enables(f.leaf)) return false;
  return true;
}(), "a kCpuidFeatureEnables row for a leaf has_feature_enables() does not list: adjust_cpuid would skip it");
}  // namespace

bool cpuid_leaf_adjusted(uint32_t leaf) {
  return leaf == 1 || leaf == 7 || leaf == 0xB || leaf == 0x1F || has_feature_enables(leaf);
}

void adjust_cpuid(uint32_t leaf, uint32_t subleaf, const CpuidGuestState& g, CpuidRegisters& r) {
  if (!cpuid_leaf_adjusted(leaf)) return;  // the contract the fast path relies on
  switch (leaf) {
    case 1:
      r.ecx &= ~(arch::cpuid1_ecx::VMX | arch::cpuid1_ecx::X2APIC | arch::cpuid1_ecx::TSC_DEADLINE);
      if (g.apic.x2apic) r.ecx |= arch::cpuid1_ecx::X2APIC;  // the emulation's, whatever the processor has
      if (g.apic.tsc_deadline) r.ecx |= arch::cpuid1_ecx::TSC_DEADLINE;
      if (g.apic.disabled) r.edx &= ~arch::cpuid1_edx::APIC;
      if (r.ecx & arch::cpuid1_ecx::XSAVE) mirror(r.ecx, arch::cpuid1_ecx::OSXSAVE, g.cr4 & arch::cr4::OSXSAVE);
      r.ebx = (r.ebx & 0x00FFFFFF) | uint32_t(g.apic_id) << 24;  // EBX[31:24]: initial APIC ID
      break;
    case 0xB:
    case 0x1F:
      // EDX: the x2APIC ID (SDM Vol. 2A CPUID leaf 0BH; Vol. 3A 11.12), the
      // guest's own as leaf 1's initial APIC ID is, never the processor's.
      r.edx = g.apic_id;
      break;
    case 7:
      if (subleaf == 0) mirror(r.ecx, arch::cpuid7_ecx::OSPKE, g.cr4 & arch::cr4::PKE);
      break;
    default: break;
  }
  // Every CPUID exits (SDM 25.1.2): the table is scanned only for the leaves it has.
  if (!has_feature_enables(leaf)) return;
  uint32_t* regs[4] = {&r.eax, &r.ebx, &r.ecx, &r.edx};
  for (const CpuidFeatureEnable& f : kCpuidFeatureEnables)
    if (f.leaf == leaf && (f.subleaf == kAnySubleaf || f.subleaf == subleaf)) keep_if(*regs[f.reg], f.bit, on(g, f.enable));
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
