// Exceptions and NMIs that the exception bitmap turned into exits (SDM
// 25.2, book 7.1). The profile's behaviour for the vector decides: reflect
// or reinject delivers the event back to the guest (software exceptions
// with their instruction length, book 7.1.2.1), stop ends the guest.
#include "arch/cpu.h"
#include "console/log.h"
#include "exits/handlers.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;
constexpr arch::InterruptionInfo kUndefinedOpcode = arch::InterruptionInfo::hardware_exception(uint8_t(arch::Vector::UD), false);
}  // namespace

Flow on_exception_or_nmi(guests::Vcpu& v, const ExitInfo& e) {
  const arch::InterruptionInfo interruption_info{uint32_t(vmx::read(F::VM_EXIT_INTERRUPTION_INFORMATION))};
  const uint32_t interruption_error = uint32_t(vmx::read(F::VM_EXIT_INTERRUPTION_ERROR_CODE));
  const uint32_t vector = interruption_info.vector();
  if (interruption_info.type() == arch::InterruptionType::Nmi) {
    // A physical NMI while the guest ran (NMI exiting is always on, SDM
    // 25.3): its IDT never sees it unless it takes NMIs (on_exit nmi:
    // reflect or reinject), then it is injected as soon as the guest can
    // take it (scheduler.cpp). Either way it is not lost.
    arch::iret_to_self();
    if (v.takes_nmis) {
      v.nmi_pending = true;
      guests::refresh_fast_path(v);
      LOG("vmm: guest %s: NMI exit at rip 0x%lx: pending for the guest (interruptibility 0x%lx)", v.name, e.guest_rip,
          vmx::read(F::GUEST_INTERRUPTIBILITY_STATE));
    } else {
      ++v.nmis_to_host;
      LOG("vmm: guest %s: NMI exit at rip 0x%lx: handled by the host (the guest does not take NMIs)", v.name, e.guest_rip);
    }
    return Flow::Resume;
  }
  const uint16_t b = vector < 32 ? v.behaviour_for_vector[vector] : guests::kNoBehaviour;
  const blob::Action action = b == guests::kNoBehaviour ? blob::Action::Reflect : blob::Action(v.behaviours[b].action);
  const arch::ExceptionInfo* info = arch::find_exception(vector);
  const char* mnemonic = info ? info->mnemonic : "?";
  // What example 4-1 needs to see: the event, and the debug state the CPU
  // saved with it (pending debug exceptions, blocking by MOV SS; SDM 24.4.2).
  if (action == blob::Action::Log || action == blob::Action::Trace || action == blob::Action::Reinject)
    LOG("vmm: guest %s: exit exception-or-nmi vector %u (#%s) type %u length %u at rip 0x%lx, error code 0x%x, "
        "pending debug exceptions 0x%lx, interruptibility 0x%lx",
        v.name, vector, mnemonic, uint32_t(interruption_info.type()), e.instruction_length, e.guest_rip, interruption_error,
        vmx::read(F::GUEST_PENDING_DEBUG_EXCEPTIONS), vmx::read(F::GUEST_INTERRUPTIBILITY_STATE));
  if (action == blob::Action::Stop) {
    console_flush(v);
    return finish(v, guests::Outcome::Stopped, "on_exit stop: exception #%s (vector %u) at rip 0x%lx", mnemonic, vector,
                  e.guest_rip);
  }
  // The IntDelivery hook: an INT n stopped by the shrunk IDT limit.
  if (vector == uint32_t(arch::Vector::GP) && int_delivery_hooked(v)) {
    Flow flow;
    if (deliver_intercepted_int(v, e, interruption_error, flow)) return flow;
  }
  // The SysenterTrap hook's fault: resume at the target the guest asked for.
  if (vector == uint32_t(arch::Vector::PF) && v.sysenter_trapped && e.qualification == kSysenterTrapAddress) {
    LOG("vmm: guest %s: #PF at the SYSENTER trap address: resuming at the real IA32_SYSENTER_EIP 0x%lx", v.name,
        v.sysenter_eip_real);
    vmx::write(F::GUEST_RIP, v.sysenter_eip_real);
    return Flow::Resume;
  }
  // Reflect / reinject: the same event, delivered by the next VM entry.
  if (vector == uint32_t(arch::Vector::PF)) arch::write_cr2(e.qualification);
  if (vector == uint32_t(arch::Vector::PF)) v.regs.cr2 = e.qualification;
  // Bit 12 (NMI unblocking by IRET) has no meaning on entry (SDM 24.8.3).
  inject(interruption_info.for_reinjection(), interruption_error,
         interruption_info.software_event() ? e.instruction_length : 0);
  return Flow::Resume;
}

Flow on_vmx_instruction(guests::Vcpu&, const ExitInfo&) {
  inject(kUndefinedOpcode, 0, 0);  // this hypervisor offers no nested VMX
  return Flow::Resume;
}

}  // namespace exits
