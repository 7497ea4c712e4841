// The handlers behind the dispatch table, one family per file.
#pragma once
#include "exits/exit.h"
#include "guests/virtual_apic.h"

namespace guests {
struct CpuidApic;
}

namespace exits {
Flow on_unexpected(guests::Vcpu&, const ExitInfo&);        // dispatch.cpp
Flow on_exception_or_nmi(guests::Vcpu&, const ExitInfo&);  // exceptions.cpp
Flow on_triple_fault(guests::Vcpu&, const ExitInfo&);      // lifecycle.cpp
Flow on_init_signal(guests::Vcpu&, const ExitInfo&);       // lifecycle.cpp
Flow on_hlt(guests::Vcpu&, const ExitInfo&);               // lifecycle.cpp
Flow on_preemption_timer(guests::Vcpu&, const ExitInfo&);  // lifecycle.cpp
Flow on_entry_failure(guests::Vcpu&, const ExitInfo&);     // lifecycle.cpp
Flow on_xsetbv(guests::Vcpu&, const ExitInfo&);            // xsetbv.cpp
// lifecycle.cpp: a guest's time slice (docs/isolation.md, "Time").
void start_slice(guests::Vcpu& v);
Flow end_of_slice(guests::Vcpu& v, uint64_t rip);
Flow on_cpuid(guests::Vcpu&, const ExitInfo&);             // cpuid.cpp
Flow on_io_instruction(guests::Vcpu&, const ExitInfo&);    // io.cpp
Flow on_vmcall(guests::Vcpu&, const ExitInfo&);            // vmcall.cpp
Flow on_rdmsr(guests::Vcpu&, const ExitInfo&);             // msr.cpp
Flow on_wrmsr(guests::Vcpu&, const ExitInfo&);             // msr.cpp
Flow on_rdtsc(guests::Vcpu&, const ExitInfo&);             // msr.cpp
Flow on_ept_violation(guests::Vcpu&, const ExitInfo&);     // ept.cpp
Flow on_ept_misconfiguration(guests::Vcpu&, const ExitInfo&);  // ept.cpp
Flow on_vmx_instruction(guests::Vcpu&, const ExitInfo&);   // exceptions.cpp: #UD into the guest
Flow on_external_interrupt(guests::Vcpu&, const ExitInfo&);  // interrupts.cpp
Flow on_monitor_trap_flag(guests::Vcpu&, const ExitInfo&);  // mtf.cpp
Flow on_control_register_access(guests::Vcpu&, const ExitInfo&);  // control_registers.cpp
Flow on_invlpg(guests::Vcpu&, const ExitInfo&);                   // control_registers.cpp
Flow on_skip(guests::Vcpu&, const ExitInfo&);                     // control_registers.cpp
Flow on_descriptor_table(guests::Vcpu&, const ExitInfo&);         // descriptor_tables.cpp
Flow on_task_switch(guests::Vcpu&, const ExitInfo&);              // task_switch.cpp
// mtf.cpp: one decoded line for the instruction at `rip` (CS-relative).
void log_executed_instruction(guests::Vcpu& v, uint64_t rip, const char* why);
// mtf.cpp: before each VM entry with the monitor trap flag on, what the
// next MTF exit is compared with.
void record_mtf_entry(guests::Vcpu& v);
Flow on_interrupt_window(guests::Vcpu&, const ExitInfo&);    // interrupts.cpp
Flow on_nmi_window(guests::Vcpu&, const ExitInfo&);          // interrupts.cpp
// Turns interrupt-window or NMI-window exiting on or off (SDM 25.2).
void request_window(guests::Vcpu& v, arch::ControlBit window, bool on);

// interrupts.cpp: the guest's 8259 as the hypervisor models it, and
// injection of forwarded IRQs before each VM entry.
bool virtual_pic_io(guests::Vcpu& v, uint16_t port, bool in, uint32_t& value);
void deliver_pending_interrupts(guests::Vcpu& v);

// The address planted in IA32_SYSENTER_EIP by the SysenterTrap hook: no
// guest maps it, so SYSENTER raises #PF there.
inline constexpr uint64_t kSysenterTrapAddress = 0xFFFFF000;

// local_apic.cpp: the software local APIC of book 7.2.1.1.
bool is_local_apic_hook(const guests::Vcpu& v, uint64_t gpa, const blob::EptHook* hooks, uint32_t count);
Flow emulate_local_apic_access(guests::Vcpu& v, const ExitInfo& e, uint64_t gpa);
bool apic_base_read(guests::Vcpu& v, uint64_t& value);
bool apic_base_write(guests::Vcpu& v, uint64_t value);

// virtual_apic.cpp: the virtual local APIC of devices.local_apic.
inline bool has_virtual_apic(const guests::Vcpu& v) { return v.config->devices & blob::kDeviceLocalApic; }
void reset_virtual_apic(guests::Vcpu& v);
// The register view of v's virtual-APIC page (guests/virtual_apic.h).
guests::VirtualApic virtual_apic_of(guests::Vcpu& v);
Flow emulate_virtual_apic_access(guests::Vcpu& v, const ExitInfo& e, uint64_t gpa);
void deliver_virtual_apic(guests::Vcpu& v);  // before each VM entry
Flow wait_for_virtual_interrupt(guests::Vcpu& v, const ExitInfo& e);  // HLT with IF = 1
// The host TSC at which the virtual APIC's timer or the 8254's IRQ 0 next
// fires, or 0; `source` names which (may be null).
uint64_t next_virtual_interrupt_tsc(guests::Vcpu& v, uint64_t now, const char** source);
// Before an entry: the VMX-preemption timer cut to that deadline, the rest
// of the slice held back (lifecycle.cpp).
void clamp_timer_to_virtual_deadline(guests::Vcpu& v);
// Its MSRs: IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC range. False:
// the access raises #GP(0) (the reason logged).
bool is_virtual_apic_msr(const guests::Vcpu& v, uint32_t msr);
bool virtual_apic_rdmsr(guests::Vcpu& v, uint32_t msr, uint64_t& value);
bool virtual_apic_wrmsr(guests::Vcpu& v, uint32_t msr, uint64_t value);
// The guest's TSC offset changed by `delta` (a write of IA32_TIME_STAMP_COUNTER).
void virtual_apic_tsc_moved(guests::Vcpu& v, int64_t delta);
// What CPUID says of the guest's local APIC (guests/cpuid_view.h).
guests::CpuidApic cpuid_apic_view(const guests::Vcpu& v);
// siblings.cpp: a guest's several vCPUs (guests/siblings.h). An interrupt
// command from v's APIC, posted to each sibling it addresses; returns how
// many it reached. Before an entry (and while waiting for a start-up IPI),
// v's CPU takes what its siblings posted. finish() calls sibling_finished
// for such a vCPU; a vCPU whose guest has ended ends with it.
uint32_t send_to_siblings(guests::Vcpu& v, uint32_t icr_low, uint32_t destination);
void take_sibling_ipis(guests::Vcpu& v);
bool group_has_ended(const guests::Vcpu& v);
void end_with_group(guests::Vcpu& v);
void sibling_finished(guests::Vcpu& v);
// Log lines about interrupt commands that a guest can cause over and over
// (dropped commands, ignored start-up IPIs, INITs): the first
// kLoggedIpiLines of each vCPU are written; false after those.
inline constexpr uint32_t kLoggedIpiLines = 16;
bool ipi_line_allowed(guests::Vcpu& v);
// Whether another vCPU of v's guest runs (not at a HLT only a sibling can
// end, not waiting for a start-up IPI nobody sent): one that could still
// send v an IPI.
bool sibling_running(const guests::Vcpu& v);
// Whether a sibling on v's CPU could run if v gave the CPU up.
bool sibling_waits_on_this_cpu(const guests::Vcpu& v);
Flow on_pause(guests::Vcpu& v, const ExitInfo& e);  // PAUSE: yields for a vCPU with siblings

// Whether an 8259's INT passes the guest's LINT0 (guests/virtual_apic.h).
bool virtual_apic_accepts_extint(guests::Vcpu& v);
// An interrupt is about to be injected into a guest waiting at its HLT: the
// HLT completes (RIP past it) and the STI shadow of `sti; hlt` ends with it.
// Returns the interruptibility state the injection is checked against.
arch::InterruptibilityState complete_waiting_hlt(guests::Vcpu& v);

// legacy_devices.cpp: the 8259A pair of devices.pic and the 8254 of devices.pit.
inline bool has_legacy_pic(const guests::Vcpu& v) { return v.config->devices & blob::kDevicePic; }
void reset_legacy_devices(guests::Vcpu& v);
// An I/O access (1, 2 or 4 bytes) to their ports, for a guest with
// has_legacy_pic (the caller tests it); false if `port` is not one.
bool legacy_device_io(guests::Vcpu& v, uint16_t port, uint8_t size, bool in, uint32_t& value);
bool legacy_interrupt_ready(guests::Vcpu& v, uint64_t tsc);
// The host TSC at which IRQ 0 next rises with a chance to be delivered, or 0.
uint64_t legacy_next_interrupt_tsc(guests::Vcpu& v, uint64_t tsc);
void deliver_legacy_interrupts(guests::Vcpu& v);  // before each VM entry

// int_delivery.cpp: INT n interception through a shrunk IDT limit (book 7.3.1).
bool int_delivery_hooked(const guests::Vcpu& v);
bool deliver_intercepted_int(guests::Vcpu& v, const ExitInfo& e, uint32_t error_code, Flow& flow);
// The IDT limit the guest gets while the hook is on: vectors 0-31 only.
inline constexpr uint32_t kShrunkIdtLimit = 32 * 8 - 1;

// Guest console: collects bytes into lines tagged with the guest's name.
void console_put(guests::Vcpu& v, char c);
void console_flush(guests::Vcpu& v);
}  // namespace exits
