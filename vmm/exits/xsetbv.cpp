// XSETBV exits unconditionally (SDM 25.1.2). The #UD for CR4.OSXSAVE = 0 and
// the #GP for CPL > 0 come before the exit (SDM 25.1.1); what is left is
// the value: a valid one becomes the guest's XCR0 (switched with the rest
// of its state, guests/cpu_state.cpp), anything else is the #GP(0) the CPU
// would raise.
#include "exits/handlers.h"
#include "guests/cpu_state.h"

namespace exits {
namespace {
}

Flow on_xsetbv(guests::Vcpu& v, const ExitInfo& e) {
  const uint64_t value = (v.regs.rdx & 0xFFFFFFFF) << 32 | (v.regs.rax & 0xFFFFFFFF);
  if ((v.regs.rcx & 0xFFFFFFFF) != 0 || !guests::set_guest_xcr0(v, value)) {
    inject(arch::InterruptionInfo::hardware_exception(uint8_t(arch::Vector::GP), true), 0, 0);
    return Flow::Resume;
  }
  skip_instruction(e);
  return Flow::Resume;
}

}  // namespace exits
