#include "vmx/probe.h"

#include "arch/cpu.h"
#include "arch/vmx_capabilities.h"
#include "arch/vmx_insn.h"
#include "console/log.h"
#include "guests/vcpu.h"
#include "lib/string.h"
#include "memory/ept.h"
#include "memory/phys.h"
#include "vmx/vmcs.h"

extern "C" int vmx_enter(guests::GuestRegisters* regs, uint64_t launched, uint64_t* host_rsp);
extern "C" char vmx_exit_stub[];

namespace vmx {
namespace {
using F = arch::VmcsField;
using arch::ExitReason;

// The probe guest: one 4K page at guest-physical 0, run as an unrestricted
// real-mode guest (SDM 26.3.1.1 lets CR0.PE/PG be 0), with HLT exiting so
// that every probe ends at a HLT when the probed exit does not come first.
constexpr uint16_t kSteppedNops = 0x00;  // nop x4; hlt   (MTF: exit after the first nop, RIP 1)
constexpr uint16_t kCountdown = 0x10;    // mov ecx, 0x100000; 1: dec ecx; jnz 1b; hlt  (timer)
constexpr uint16_t kHaltAtOnce = 0x20;   // hlt   (window exits arrive before it)
constexpr uint8_t kProbeCode[] = {
    0x90, 0x90, 0x90, 0x90, 0xF4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0x66, 0xB9, 0x00, 0x00, 0x10, 0x00, 0x66, 0x49, 0x75, 0xFC, 0xF4, 0, 0, 0, 0, 0,
    0xF4,
};
constexpr uint32_t kPreemptionTimerTicks = 50;  // far less than the ~2 M instructions of the countdown
constexpr int kExternalInterruptRetries = 3;

struct ProbeGuest {
  uint64_t vmcs, eptp;
};

struct ProbeRun {
  bool entered;
  uint32_t exit_reason;
  uint64_t rip;
};

memory::PageSource probe_pages() {
  return {nullptr, [](void*) { return memory::phys_allocate_page(); },
          [](void*, uint64_t hpa) { return memory::phys_to_virt<uint64_t>(hpa); }};
}

bool make_probe_guest(const cpu::PerCpu& c, ProbeGuest& g) {
  const uint64_t code = memory::phys_allocate_page();
  g.vmcs = memory::phys_allocate_page();
  if (!code || !g.vmcs) return false;
  memcpy(memory::phys_to_virt<void>(code), kProbeCode, sizeof kProbeCode);
  memory::EptBuilder ept;
  const bool allow_2m = c.caps.ept_vpid_cap.pde_2mb_pages(), allow_1g = c.caps.ept_vpid_cap.pdpte_1gb_pages();
  if (!ept.init(probe_pages(), allow_2m, allow_1g)) return false;
  constexpr uint32_t kWriteBack = 6;
  if (!ept.map(0, code, 4096, memory::kEptRead | memory::kEptWrite | memory::kEptExecute, kWriteBack, 4096)) return false;
  g.eptp = ept.eptp(false);
  return true;
}

void write_real_mode_segment(F selector, F base, F limit, F access, uint32_t access_rights) {
  write(selector, 0);
  write(base, 0);
  write(limit, 0xFFFF);
  write(access, access_rights);
}

// One probe: a fresh VMCS with the wanted controls (fitted to the
// capability MSRs), entered at `rip`; returns how the guest left.
ProbeRun run_probe(const cpu::PerCpu& c, const ProbeGuest& g, const uint32_t wanted[arch::kControlWordCount],
                   uint16_t rip, uint64_t rflags) {
  ProbeRun run{false, 0, 0};
  const arch::ReconcileResult fit = arch::reconcile_controls(wanted, c.caps);
  if (!fit.ok) return run;
  *memory::phys_to_virt<uint32_t>(g.vmcs) = c.caps.revision_id();
  if (arch::vmclear(g.vmcs) != arch::VmxResult::Succeed || arch::vmptrld(g.vmcs) != arch::VmxResult::Succeed) return run;
  write(F::PIN_BASED_VM_EXECUTION_CONTROLS, fit.values[uint32_t(arch::ControlWord::PIN)]);
  write(F::PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, fit.values[uint32_t(arch::ControlWord::PROC)]);
  write(F::SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, fit.values[uint32_t(arch::ControlWord::PROC2)]);
  write(F::VM_EXIT_CONTROLS, fit.values[uint32_t(arch::ControlWord::EXIT)]);
  write(F::VM_ENTRY_CONTROLS, fit.values[uint32_t(arch::ControlWord::ENTRY)]);
  write(F::EXCEPTION_BITMAP, 0);
  write(F::CR3_TARGET_COUNT, 0);
  write(F::EPT_POINTER, g.eptp);
  write(F::CR0_GUEST_HOST_MASK, 0);
  write(F::CR4_GUEST_HOST_MASK, arch::cr4::VMXE);
  write(F::CR4_READ_SHADOW, 0);
  write(F::VM_ENTRY_INTERRUPTION_INFORMATION, 0);
  write(F::VM_ENTRY_MSR_LOAD_COUNT, 0);
  write(F::VM_EXIT_MSR_STORE_COUNT, 0);
  write(F::VM_EXIT_MSR_LOAD_COUNT, 0);
  write(F::VMX_PREEMPTION_TIMER_VALUE, kPreemptionTimerTicks);
  write_host_state(fit.values, c, reinterpret_cast<uint64_t>(vmx_exit_stub));
  write(F::GUEST_CR0, apply_cr0_fixed(arch::cr0::NE | arch::cr0::ET, c.caps, true));
  write(F::GUEST_CR3, 0);
  write(F::GUEST_CR4, arch::apply_cr4_fixed(0, c.caps));
  write(F::GUEST_DR7, 0x400);
  write(F::GUEST_RIP, rip);
  write(F::GUEST_RSP, 0xFF0);
  write(F::GUEST_RFLAGS, rflags | arch::rflags::RESERVED_1);
  constexpr uint32_t kCode = 0x9B, kData = 0x93, kBusyTss = 0x8B, kUnusable = 1u << 16;
  write_real_mode_segment(F::GUEST_CS_SELECTOR, F::GUEST_CS_BASE, F::GUEST_CS_LIMIT, F::GUEST_CS_ACCESS_RIGHTS, kCode);
  write_real_mode_segment(F::GUEST_SS_SELECTOR, F::GUEST_SS_BASE, F::GUEST_SS_LIMIT, F::GUEST_SS_ACCESS_RIGHTS, kData);
  write_real_mode_segment(F::GUEST_DS_SELECTOR, F::GUEST_DS_BASE, F::GUEST_DS_LIMIT, F::GUEST_DS_ACCESS_RIGHTS, kData);
  write_real_mode_segment(F::GUEST_ES_SELECTOR, F::GUEST_ES_BASE, F::GUEST_ES_LIMIT, F::GUEST_ES_ACCESS_RIGHTS, kData);
  write_real_mode_segment(F::GUEST_FS_SELECTOR, F::GUEST_FS_BASE, F::GUEST_FS_LIMIT, F::GUEST_FS_ACCESS_RIGHTS, kData);
  write_real_mode_segment(F::GUEST_GS_SELECTOR, F::GUEST_GS_BASE, F::GUEST_GS_LIMIT, F::GUEST_GS_ACCESS_RIGHTS, kData);
  write_real_mode_segment(F::GUEST_TR_SELECTOR, F::GUEST_TR_BASE, F::GUEST_TR_LIMIT, F::GUEST_TR_ACCESS_RIGHTS, kBusyTss);
  write_real_mode_segment(F::GUEST_LDTR_SELECTOR, F::GUEST_LDTR_BASE, F::GUEST_LDTR_LIMIT, F::GUEST_LDTR_ACCESS_RIGHTS,
                          kUnusable);
  write(F::GUEST_GDTR_BASE, 0);
  write(F::GUEST_GDTR_LIMIT, 0xFFFF);
  write(F::GUEST_IDTR_BASE, 0);
  write(F::GUEST_IDTR_LIMIT, 0xFFFF);
  write(F::GUEST_IA32_DEBUGCTL, 0);
  write(F::GUEST_IA32_SYSENTER_CS, 0);
  write(F::GUEST_IA32_SYSENTER_ESP, 0);
  write(F::GUEST_IA32_SYSENTER_EIP, 0);
  write(F::GUEST_ACTIVITY_STATE, uint32_t(arch::ActivityState::Active));
  write(F::GUEST_INTERRUPTIBILITY_STATE, 0);
  write(F::GUEST_PENDING_DEBUG_EXCEPTIONS, 0);
  write(F::VMCS_LINK_POINTER, ~0ull);
  // The exit stub stores the exit-reason field and qualification after the
  // registers, where a Vcpu has its ExitRecord (vmx/entry.S): the probe's
  // record has both, or those stores land in this stack frame's neighbours
  // (they once set bit 35 of a caller's saved register: exit reason 8).
  struct ProbeRecord {
    guests::GuestRegisters regs;
    guests::ExitRecord exits;
  } record{};
  static_assert(__builtin_offsetof(ProbeRecord, exits.reason_field) == VCPU_EXIT_REASON_FIELD &&
                __builtin_offsetof(ProbeRecord, exits.qualification) == VCPU_EXIT_QUALIFICATION &&
                __builtin_offsetof(ProbeRecord, exits.counts) == VCPU_EXIT_COUNTS);
  uint64_t host_rsp = 0;
  if (vmx_enter(&record.regs, 0, &host_rsp) != 0) return run;
  const arch::ExitReasonField reason{uint32_t(read(F::EXIT_REASON))};
  run.rip = read(F::GUEST_RIP);
  run.entered = !reason.vm_entry_failure();
  run.exit_reason = reason.basic_reason();
  return run;
}

struct ProbeSpec {
  ExitReason expected;
  uint16_t rip;
  uint64_t rflags;
  uint64_t expected_rip;
};

ProbeSpec spec_for(arch::ControlBit control) {
  if (control.word == arch::ctl::MONITOR_TRAP_FLAG.word && control.bit == arch::ctl::MONITOR_TRAP_FLAG.bit)
    return {ExitReason::MONITOR_TRAP_FLAG, kSteppedNops, 0, kSteppedNops + 1};  // after exactly one instruction
  if (control.word == arch::ctl::ACTIVATE_VMX_PREEMPTION_TIMER.word)
    return {ExitReason::VMX_PREEMPTION_TIMER_EXPIRED, kCountdown, 0, ~0ull};      // anywhere in the countdown
  if (control.bit == arch::ctl::INTERRUPT_WINDOW_EXITING.bit)
    return {ExitReason::INTERRUPT_WINDOW, kHaltAtOnce, arch::rflags::IF, kHaltAtOnce};  // before the HLT
  return {ExitReason::NMI_WINDOW, kHaltAtOnce, 0, kHaltAtOnce};
}

ProbeResult probe_one(const cpu::PerCpu& c, const ProbeGuest& g, arch::ControlBit control, ProbeRun& run) {
  if (!((c.caps.control_msr(control.word) >> 32) & control.mask())) return ProbeResult::NotAdvertised;
  uint32_t wanted[arch::kControlWordCount] = {};
  wanted[uint32_t(arch::ControlWord::PIN)] = arch::ctl::EXTERNAL_INTERRUPT_EXITING.mask();
  wanted[uint32_t(arch::ControlWord::PROC)] = arch::ctl::HLT_EXITING.mask() | arch::ctl::ACTIVATE_SECONDARY_CONTROLS.mask();
  wanted[uint32_t(arch::ControlWord::PROC2)] = arch::ctl::ENABLE_EPT.mask() | arch::ctl::UNRESTRICTED_GUEST.mask();
  wanted[uint32_t(arch::ControlWord::EXIT)] = arch::ctl::HOST_ADDRESS_SPACE_SIZE.mask();
  wanted[uint32_t(control.word)] |= control.mask();
  // NMI-window exiting needs virtual NMIs, which need NMI exiting (SDM 26.2.1.1).
  if (control.bit == arch::ctl::NMI_WINDOW_EXITING.bit && control.word == arch::ctl::NMI_WINDOW_EXITING.word)
    wanted[uint32_t(arch::ControlWord::PIN)] |= arch::ctl::NMI_EXITING.mask() | arch::ctl::VIRTUAL_NMIS.mask();
  const ProbeSpec spec = spec_for(control);
  for (int attempt = 0; attempt <= kExternalInterruptRetries; ++attempt) {
    run = run_probe(c, g, wanted, spec.rip, spec.rflags);
    if (!run.entered) return ProbeResult::ProbeFailed;
    if (run.exit_reason != uint32_t(ExitReason::EXTERNAL_INTERRUPT)) break;  // a host interrupt got in the way
  }
  if (run.exit_reason == uint32_t(spec.expected) && (spec.expected_rip == ~0ull || run.rip == spec.expected_rip))
    return ProbeResult::Delivered;
  return ProbeResult::NotDelivered;
}
}  // namespace

const char* probe_result_text(ProbeResult r) {
  switch (r) {
    case ProbeResult::NotAdvertised: return "not advertised";
    case ProbeResult::Delivered: return "delivered";
    case ProbeResult::NotDelivered: return "advertised but not delivered";
    case ProbeResult::ProbeFailed: return "probe failed";
  }
  return "?";
}

void probe_controls(cpu::PerCpu& c) {
  for (uint32_t& w : c.undelivered) w = 0;
  ProbeGuest g{};
  const bool ready = make_probe_guest(c, g);
  for (arch::ControlBit control : kProbedControls) {
    ProbeRun run{false, 0, 0};
    const ProbeResult r = ready ? probe_one(c, g, control, run) : ProbeResult::ProbeFailed;
    if (r == ProbeResult::NotDelivered || r == ProbeResult::ProbeFailed) c.undelivered[uint32_t(control.word)] |= control.mask();
    // The BSP reports every probe (caps import reads these lines); the
    // other CPUs only what differs from "works or absent".
    if (c.index != 0 && (r == ProbeResult::Delivered || r == ProbeResult::NotAdvertised)) continue;
    const char* name = "?";
    for (const auto& info : arch::kControlBits)
      if (info.control.word == control.word && info.control.bit == control.bit) name = info.profile_name;
    const char* msr = arch::msr_ident(uint32_t(arch::control_capability_msr(control.word, c.caps.has_true_controls())));
    if (r == ProbeResult::Delivered || r == ProbeResult::NotDelivered)
      LOG("vmm: probe: control %s (%s bit %u): %s (exit %u %s at rip 0x%lx)", name, msr, control.bit, probe_result_text(r),
          run.exit_reason, arch::exit_reason_name(run.exit_reason), run.rip);
    else
      LOG("vmm: probe: control %s (%s bit %u): %s", name, msr, control.bit, probe_result_text(r));
  }
  if (g.vmcs) arch::vmclear(g.vmcs);
  c.current = nullptr;
}

}  // namespace vmx
