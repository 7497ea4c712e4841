// CPUID always exits (SDM 25.1.2). The guest gets the real answer, with
// the VMX feature hidden, unless the profile overrides the leaf
// (`on_exit: {cpuid: {action: override, leaf: 1, eax: 0x633}}`, book 5.5).
#include "arch/cpu.h"
#include "exits/handlers.h"

namespace exits {

Flow on_cpuid(guests::Vcpu& v, const ExitInfo& e) {
  const uint32_t leaf = uint32_t(v.regs.rax), subleaf = uint32_t(v.regs.rcx);
  arch::CpuidResult r = arch::cpuid(leaf, subleaf);
  if (leaf == 1) r.ecx &= ~arch::cpuid1_ecx::VMX;  // no nested VMX
  for (uint32_t i = 0; i < v.config->behaviour_count; ++i) {
    const blob::Behaviour& b = v.behaviours[i];
    if (b.kind != uint32_t(blob::BehaviourKind::ExitReason) || b.selector != uint32_t(arch::ExitReason::CPUID) ||
        b.action != uint32_t(blob::Action::Override) || b.arg != leaf ||
        (b.subleaf != blob::kNone && b.subleaf != subleaf))
      continue;
    uint32_t* regs[4] = {&r.eax, &r.ebx, &r.ecx, &r.edx};
    for (int k = 0; k < 4; ++k)
      if (b.reg_mask & (1u << k)) *regs[k] = b.values[k];
  }
  v.regs.rax = r.eax;
  v.regs.rbx = r.ebx;
  v.regs.rcx = r.ecx;
  v.regs.rdx = r.edx;
  skip_instruction(e);
  return Flow::Resume;
}

}  // namespace exits
