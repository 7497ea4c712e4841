#include <stdarg.h>

#include "arch/cpu.h"
#include "arch/vmx_insn.h"
#include "console/debug_ring.h"
#include "console/log.h"
#include "console/trace.h"
#include "cpu/percpu.h"
#include "exits/handlers.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;
using R = arch::ExitReason;

struct Table {
  Handler handlers[arch::kMaxExitReason];
};

// Every basic exit reason the SDM defines has a slot; those without a
// dedicated handler stop the guest with a report (never the machine).
constexpr Table make_table() {
  Table t{};
  for (auto& h : t.handlers) h = on_unexpected;
  auto set = [&](R r, Handler h) { t.handlers[uint32_t(r)] = h; };
  set(R::EXCEPTION_OR_NMI, on_exception_or_nmi);
  set(R::EXTERNAL_INTERRUPT, on_external_interrupt);
  set(R::INTERRUPT_WINDOW, on_interrupt_window);
  set(R::NMI_WINDOW, on_nmi_window);
  set(R::MONITOR_TRAP_FLAG, on_monitor_trap_flag);
  set(R::CONTROL_REGISTER_ACCESS, on_control_register_access);
  set(R::INVLPG, on_invlpg);
  set(R::WBINVD, on_skip);
  set(R::INVD, on_skip);
  set(R::MONITOR, on_skip);
  set(R::MWAIT, on_skip);
  set(R::PAUSE, on_pause);
  set(R::GDTR_IDTR_ACCESS, on_descriptor_table);
  set(R::LDTR_TR_ACCESS, on_descriptor_table);
  set(R::TASK_SWITCH, on_task_switch);
  set(R::TRIPLE_FAULT, on_triple_fault);
  set(R::INIT_SIGNAL, on_init_signal);
  set(R::CPUID, on_cpuid);
  set(R::HLT, on_hlt);
  set(R::RDTSC, on_rdtsc);
  set(R::VMCALL, on_vmcall);
  constexpr R kVmxInstructions[] = {R::VMCLEAR, R::VMLAUNCH, R::VMPTRLD, R::VMPTRST, R::VMREAD, R::VMRESUME,
                                    R::VMWRITE, R::VMXOFF,  R::VMXON,   R::INVEPT,  R::INVVPID};
  for (R r : kVmxInstructions) set(r, on_vmx_instruction);
  set(R::IO_INSTRUCTION, on_io_instruction);
  set(R::RDMSR, on_rdmsr);
  set(R::WRMSR, on_wrmsr);
  set(R::ENTRY_FAILURE_GUEST_STATE, on_entry_failure);
  set(R::ENTRY_FAILURE_MSR_LOADING, on_entry_failure);
  set(R::ENTRY_FAILURE_MACHINE_CHECK, on_entry_failure);
  set(R::EPT_VIOLATION, on_ept_violation);
  set(R::EPT_MISCONFIGURATION, on_ept_misconfiguration);
  set(R::VMX_PREEMPTION_TIMER_EXPIRED, on_preemption_timer);
  set(R::XSETBV, on_xsetbv);
  return t;
}
constexpr Table kTable = make_table();

ExitInfo read_exit_info(const guests::Vcpu& v) {
  ExitInfo e{};
  const arch::ExitReasonField reason{v.exits.reason_field};  // read by the exit stub (vmx/entry.S)
  e.reason = reason.basic_reason();
  e.entry_failure = reason.vm_entry_failure();
  e.qualification = v.exits.qualification;
  e.instruction_length = uint32_t(vmx::read(F::VM_EXIT_INSTRUCTION_LENGTH));
  e.idt_vectoring_info = {uint32_t(vmx::read(F::IDT_VECTORING_INFORMATION))};
  e.guest_rip = vmx::read(F::GUEST_RIP);
  return e;
}

// The guest's named behaviour for this exit (on_exit in the profile), for
// the actions that do not need the reason's handler.
bool apply_generic_behaviour(guests::Vcpu& v, const ExitInfo& e, Flow& flow) {
  const uint16_t b = v.behaviour_for_exit[e.reason];
  if (b == guests::kNoBehaviour) return false;
  const blob::Behaviour& beh = v.behaviours[b];
  switch (blob::Action(beh.action)) {
    case blob::Action::Stop:
      flow = finish(v, guests::Outcome::Stopped, "on_exit stop: %s at rip 0x%lx", arch::exit_reason_name(e.reason),
                    e.guest_rip);
      return true;
    case blob::Action::Skip:
      skip_instruction(e);
      flow = Flow::Resume;
      return true;
    case blob::Action::Log:
    case blob::Action::Trace:
      // The guest console (COM1) is not worth a line per byte.
      if (e.reason == uint32_t(R::IO_INSTRUCTION) && (arch::IoQualification{e.qualification}.port() & 0xFFF8) == 0x3F8) return false;
      LOG("vmm: guest %s exit %s rip=0x%lx qualification=0x%lx", v.name, arch::find_exit_reason(e.reason)->profile_name,
          e.guest_rip, e.qualification);
      return false;  // and then the handler
    default: return false;  // reason-specific actions are read by the handler
  }
}
// An exit that interrupted the delivery of an event (IDT-vectoring
// information valid, SDM 27.2.4) loses that event unless the VMM delivers it
// again on the next entry (book 7.1.2.3). A handler that injected something
// itself takes precedence.
void reinject_interrupted_event(const ExitInfo& e) {
  const arch::InterruptionInfo vectoring = e.idt_vectoring_info;
  if (!vectoring.valid()) return;
  if (arch::InterruptionInfo{uint32_t(vmx::read(F::VM_ENTRY_INTERRUPTION_INFORMATION))}.valid()) return;
  const uint32_t error = vectoring.deliver_error_code() ? uint32_t(vmx::read(F::IDT_VECTORING_ERROR_CODE)) : 0;
  inject(vectoring.for_reinjection(), error, vectoring.software_event() ? e.instruction_length : 0);
}

// Inlined into dispatch(): the exit path pays no extra call for the trace's wrapper.
[[gnu::always_inline]] inline Flow handle(guests::Vcpu& v, const ExitInfo& e) {
  // The counts are the watchdog's too (exits/lifecycle.cpp, end_of_slice).
  ++v.exits.total;
  ++v.full_path_exits;
  if (e.reason >= arch::kMaxExitReason) return finish(v, guests::Outcome::Stopped, "exit reason %u is beyond the SDM's list", e.reason);
  ++v.exits.counts[e.reason];
  if (e.entry_failure) return on_entry_failure(v, e);
  Flow flow = Flow::Resume;
  if (!apply_generic_behaviour(v, e, flow)) flow = kTable.handlers[e.reason](v, e);
  if (flow == Flow::Resume && !v.vectoring_consumed) reinject_interrupted_event(e);
  v.vectoring_consumed = false;
  return flow;
}
}  // namespace

// The trace's exit record is stamped when its handling ends, so a CPU's
// records stay in time order (the handler's own, an injection say, come
// first); its value is the host's time for the exit, from the VM exit (the
// scheduler's stamp) to here.
Flow dispatch(guests::Vcpu& v) {
  const ExitInfo e = read_exit_info(v);
  const Flow flow = handle(v, e);
  if (console::trace_enabled()) {
    const uint64_t now = arch::rdtsc(), host = now - v.time.exit_tsc;
    console::trace_record(trace::Kind::Exit, uint8_t(e.reason < 255 ? e.reason : 255), uint16_t(v.guest_index),
                          host < 0xFFFFFFFFu ? uint32_t(host) : 0xFFFFFFFFu, now);
  }
  return flow;
}

Flow on_unexpected(guests::Vcpu& v, const ExitInfo& e) {
  return finish(v, guests::Outcome::Stopped, "unhandled exit %s (reason %u) at rip 0x%lx, qualification 0x%lx",
                arch::exit_reason_name(e.reason), e.reason, e.guest_rip, e.qualification);
}

Flow finish(guests::Vcpu& v, guests::Outcome outcome, const char* format, ...) {
  va_list args;
  va_start(args, format);
  console::format_to(v.detail, sizeof v.detail, format, args);
  va_end(args);
  v.outcome = outcome;
  console::debug_record("guest ended", v.guest_index, uint64_t(outcome), v.exits.total);
  console::trace_record(trace::Kind::GuestEnd, uint8_t(outcome), uint16_t(v.guest_index), v.exits.total);
  if (v.vcpu_total > 1)
    sibling_finished(v);  // its guest's end, decided once for all its vCPUs
  else
    v.state = guests::State::Finished;
  return Flow::End;
}

void skip_instruction(const ExitInfo& e) {
  vmx::write(F::GUEST_RIP, e.guest_rip + e.instruction_length);
  // Skipping an instruction ends blocking by STI/MOV SS (SDM 26.7.1 note, book 4.16.2).
  const arch::InterruptibilityState interruptibility{vmx::read(F::GUEST_INTERRUPTIBILITY_STATE)};
  if (interruptibility.blocking_by_sti_or_mov_ss())
    vmx::write(F::GUEST_INTERRUPTIBILITY_STATE, interruptibility.without_sti_and_mov_ss_blocking().raw);
}

void inject(arch::InterruptionInfo info, uint32_t error_code, uint32_t instruction_length) {
  vmx::write(F::VM_ENTRY_INTERRUPTION_INFORMATION, info.raw);
  vmx::write(F::VM_ENTRY_EXCEPTION_ERROR_CODE, error_code);
  vmx::write(F::VM_ENTRY_INSTRUCTION_LENGTH, instruction_length);
  // Injections happen only for the VMCS current on this CPU: its guest.
  if (!console::trace_enabled()) return;
  if (const guests::Vcpu* v = cpu::this_cpu().current)
    console::trace_record(trace::Kind::Injection, uint8_t(info.vector()), uint16_t(v->guest_index), info.raw);
}

}  // namespace exits
