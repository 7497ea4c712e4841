// CPUID always exits (SDM 25.1.2). The guest gets the real answer as
// guests/cpuid_view adjusts it (features it cannot use hidden, the bits
// computed from its own state), unless the profile overrides the leaf
// (`on_exit: {cpuid: {action: override, leaf: 1, eax: 0x633}}`, book 5.5).
#include "arch/cpu.h"
#include "exits/handlers.h"
#include "guests/cpuid_view.h"
#include "memory/phys.h"
#include "vmx/vmcs.h"

namespace exits {

Flow on_cpuid(guests::Vcpu& v, const ExitInfo& e) {
  const uint32_t leaf = uint32_t(v.regs.rax), subleaf = uint32_t(v.regs.rcx);
  const arch::CpuidResult real = arch::cpuid(leaf, subleaf);
  guests::CpuidRegisters r{real.eax, real.ebx, real.ecx, real.edx};
  uint64_t cr4 = 0;  // the guest's view, only for the leaves that report it (three VMREADs)
  if (leaf == 1 || leaf == 7) {
    const uint64_t mask = vmx::read(arch::VmcsField::CR4_GUEST_HOST_MASK);
    cr4 = (vmx::read(arch::VmcsField::GUEST_CR4) & ~mask) | (vmx::read(arch::VmcsField::CR4_READ_SHADOW) & mask);
  }
  const uint8_t apic_id = uint8_t(*memory::phys_to_virt<uint32_t>(v.virtual_apic + 0x20) >> 24);
  guests::adjust_cpuid(leaf, subleaf, {v.controls, cr4, apic_id, cpuid_apic_view(v)}, r);
  for (uint32_t i = 0; i < v.config->behaviour_count; ++i) guests::apply_cpuid_override(v.behaviours[i], leaf, subleaf, r);
  v.regs.rax = r.eax;
  v.regs.rbx = r.ebx;
  v.regs.rcx = r.ecx;
  v.regs.rdx = r.edx;
  skip_instruction(e);
  return Flow::Resume;
}

}  // namespace exits
