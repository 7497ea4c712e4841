// One guest's virtual CPU: its registers, VMCS, EPT, bitmaps, exit
// statistics and outcome. Vcpus are built once at boot from the blob and
// live in a fixed array (no allocation on the exit path).
#pragma once
#include <stdint.h>

#include "arch/instruction_decoder.h"
#include "arch/vmx_table.h"
#include "blob/format.h"
#include "guests/fw_cfg.h"
#include "guests/siblings.h"
#include "guests/vcpu_offsets.h"
#include "guests/virtual_8254.h"
#include "guests/virtual_8259.h"
#include "guests/virtual_apic.h"
#include "lib/spinlock.h"
#include "memory/ept.h"

namespace guests {

// Layout is fixed: vmx/entry.S loads and saves these by offset.
struct GuestRegisters {
  uint64_t rax, rcx, rdx, rbx, rsp_unused, rbp, rsi, rdi;
  uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
  uint64_t cr2;  // not in the VMCS; swapped by the scheduler

  // General register n in the SDM's encoding (0 = RAX .. 15 = R15; 4 is RSP,
  // which lives in the VMCS, so it names the unused slot). A switch, not
  // pointer arithmetic across members, which would be undefined behaviour.
  uint64_t& gpr(uint32_t n) {
    switch (n & 15) {
      case 0: return rax;   case 1: return rcx;   case 2: return rdx;   case 3: return rbx;
      case 4: return rsp_unused; case 5: return rbp; case 6: return rsi; case 7: return rdi;
      case 8: return r8;    case 9: return r9;    case 10: return r10;  case 11: return r11;
      case 12: return r12;  case 13: return r13;  case 14: return r14;  default: return r15;
    }
  }
  uint64_t gpr(uint32_t n) const { return const_cast<GuestRegisters*>(this)->gpr(n); }
};
static_assert(sizeof(GuestRegisters) == 17 * 8);
// Every offset vmx/entry.S uses, pinned (the asm spells them as literals).
static_assert(__builtin_offsetof(GuestRegisters, rax) == 0x00 && __builtin_offsetof(GuestRegisters, rcx) == 0x08);
static_assert(__builtin_offsetof(GuestRegisters, rdx) == 0x10 && __builtin_offsetof(GuestRegisters, rbx) == 0x18);
static_assert(__builtin_offsetof(GuestRegisters, rbp) == 0x28 && __builtin_offsetof(GuestRegisters, rsi) == 0x30);
static_assert(__builtin_offsetof(GuestRegisters, rdi) == 0x38 && __builtin_offsetof(GuestRegisters, r8) == 0x40);
static_assert(__builtin_offsetof(GuestRegisters, r9) == 0x48 && __builtin_offsetof(GuestRegisters, r10) == 0x50);
static_assert(__builtin_offsetof(GuestRegisters, r11) == 0x58 && __builtin_offsetof(GuestRegisters, r12) == 0x60);
static_assert(__builtin_offsetof(GuestRegisters, r13) == 0x68 && __builtin_offsetof(GuestRegisters, r14) == 0x70);
static_assert(__builtin_offsetof(GuestRegisters, r15) == 0x78);

enum class State : uint8_t {
  Ready,              // runnable
  WaitingForStartup,  // a guest's vCPU 1..n before its start-up IPI (SDM 9.4): built, never entered yet
  Finished,           // ended; outcome says how
};

using Outcome = blob::Outcome;  // words in blob/vocabulary.def
const char* outcome_word(Outcome o);

// The guest's view of its 8259 (book 7.3.3.3): what the hypervisor learns
// by snooping its initialization and mask writes, and the IRQs it owes it.
struct VirtualPic {
  uint8_t vector_base;   // from ICW2 (master)
  uint8_t mask;          // OCW1 (master)
  uint8_t init_step;     // 0 = ready, 1..3 = expecting ICW2..ICW4
  bool expects_icw4;
  uint16_t pending;      // forwarded IRQs not yet injected
  uint16_t in_service;   // injected, waiting for the guest's EOI
  bool scancode_placed;
};

// What the VMCS does not switch between guests sharing a CPU, kept while
// the guest is switched out (guests/cpu_state.cpp, docs/isolation.md).
inline constexpr uint32_t kSwitchedMsrCount = 9;  // STAR LSTAR CSTAR FMASK KERNEL_GS_BASE TSC_AUX SPEC_CTRL XSS PAT
struct SwitchedState {
  uint64_t msr[kSwitchedMsrCount];
  uint64_t dr[4], dr6;    // DR7 and IA32_DEBUGCTL go through the VMCS (load/save debug controls)
  uint64_t cr8;           // TPR, when the guest writes CR8 without a TPR shadow
  uint64_t xcr0;          // as the guest set it with XSETBV
  uint64_t extended_area; // host-physical page: the XSAVE (or FXSAVE) image
  bool pat_in_software;   // the CPU lacks the VMCS PAT controls
};

// The guest's share of its CPU's time (docs/isolation.md, "Time").
struct TimeAccount {
  bool default_watchdog;     // the profile asked for no timer: the hypervisor's watchdog runs
  // The exit counts when the last slice ended: the watchdog compares them
  // (an exit of its own since then: any but the timer's and external
  // interrupts; any but the timer's resets watchdog_slices), so the fast
  // path's exits count for it without a store of their own.
  uint64_t own_exits_at_slice_end;
  uint64_t non_timer_exits_at_slice_end;
  uint32_t slice_ticks;      // timer ticks loaded at the start of the current slice
  uint64_t charged_ticks;    // host time of its exits in this slice, in timer ticks
  uint64_t exit_tsc;         // TSC at its last VM exit; 0 = nothing to charge
  uint32_t storm_slices;     // slices in a row more than half spent on its exits
  uint64_t storm_ticks;      // their length, in timer ticks
  uint64_t quiet_ticks;      // slices in a row without an exit of its own, in timer ticks
  uint64_t total_charged;    // over its life, timer ticks
};

// IA32_APIC_BASE at reset: base FEE00000H, APIC enabled (bit 11); bit 8 marks the BSP.
inline constexpr uint64_t kApicBaseDefault = 0xFEE00800, kApicBaseBsp = 1ull << 8;

// The physical vector that notifies a CPU of posted interrupts (SDM 29.6):
// the hypervisor's choice, outside the exception range and never used by
// the host for anything else.
inline constexpr uint8_t kPostedInterruptNotificationVector = 0xF2;

// The exit path's shared record (vmx/entry.S reads and writes it by offset,
// guests/vcpu_offsets.h). The fast path (docs/exit-fast-path.md) is gated
// by `fast_path_reasons`: a bit per basic exit reason it may take, 0 while
// anything must go through the full dispatcher (guests/fast_path.h says
// what); it counts its exits here as the full path does.
struct ExitRecord {
  uint64_t fast_path_reasons;
  uint32_t fast_path_cpuid_leaves;
  uint32_t reason_field;  // the VM-exit reason field (SDM 24.9.1), read once by the stub
  uint64_t scratch;
  uint64_t qualification;  // the exit qualification (SDM 27.2.1), read once by the stub
  // Host time of the fast path's exits, kFastPathExitTsc each, waiting for
  // the next charge or the slice's end (docs/isolation.md, "Time").
  uint64_t fast_tsc_pending;
  // How many more fast-path exits the rest of the slice pays for: set at
  // each charge and slice start (guests::fast_path_budget); the fast path
  // counts it down and, once spent, hands the exit to the full path, whose
  // charge then ends the slice on time (the preemption timer counts guest
  // time only).
  int64_t fast_path_budget;
  uint64_t total;
  uint32_t counts[arch::kMaxExitReason];
};

inline constexpr uint32_t kConsoleLine = 160;
inline constexpr uint32_t kDetail = 240;
inline constexpr uint16_t kNoBehaviour = 0xFFFF;

// A guest with several vCPUs (guests/siblings.h): what they share, kept on
// vCPU 0. State changes of its vCPUs happen under the lock, so the guest's
// end is decided once.
struct GuestGroup {
  lib::Spinlock lock;
  bool memory_ready;  // vCPU 0's EPT is built: the others take its EPTP (release/acquire)
  bool ended;         // every vCPU ends at its next look (release/acquire)
  uint32_t built;     // vCPUs prepared (or refused): vCPU 0 is first entered when all are
  Outcome outcome;
  char detail[kDetail];
};

struct Vcpu {
  GuestRegisters regs;  // first: entry.S addresses it through the Vcpu pointer
  ExitRecord exits;     // second: entry.S too
  uint64_t fast_path_allowed;  // fast_path_reasons when nothing pending blocks it (guests/fast_path.h)
  uint64_t full_path_exits;    // exits the dispatcher handled; the rest of exits.total took the fast path
  // Work before every entry (run/scheduler.cpp): forwarded IRQs, a virtual
  // APIC or the monitor trap flag (static), a queued event or pending NMI.
  bool static_entry_duties;
  bool entry_duties;
  SwitchedState cpu_state;
  uint32_t guest_index;  // in the blob
  uint32_t cpu;          // physical CPU (boot order)
  const blob::Guest* config;
  const char* name;
  uint64_t vmcs;  // host-physical
  uint64_t host_rsp;  // HOST_RSP last written to this VMCS
  bool launched;
  // Its VM-exit MSR-load list writes IA32_TIME_STAMP_COUNTER: every exit
  // sets the host's TSC back, and the run trace's clock must not follow.
  bool exit_loads_host_tsc;
  State state;
  Outcome outcome;
  char detail[kDetail];
  memory::EptBuilder ept;
  memory::EptBuilder ept_alternate;  // view 1 for EPTP switching
  uint64_t eptp_list;                // host-physical page of EPTPs, 0 = none
  uint64_t eptp;
  uint16_t vpid;
  uint64_t io_bitmap_a, io_bitmap_b, msr_bitmap;
  uint64_t msr_area;  // page holding the MSR-load/store lists
  uint64_t pool;      // map-on-demand pages (host-physical, contiguous)
  uint32_t pool_used;
  uint32_t controls[arch::kControlWordCount];  // as reconciled for this CPU
  const blob::Behaviour* behaviours;  // this guest's run in the blob
  const blob::Event* events;          // events to inject, in order
  const blob::EptHook* ept_hooks;     // hooked pages
  const blob::Region* regions;        // this guest's run of regions (config->region_count)
  const blob::MsrGrant* msr_grants;   // this guest's MSR grants (an MSR not listed is denied)
  uint32_t msr_grant_count;
  uint16_t behaviour_for_exit[arch::kMaxExitReason];  // index into behaviours, or kNoBehaviour
  uint16_t behaviour_for_vector[32];
  uint32_t next_event;          // next blob event to inject
  uint32_t slices_without_exit; // watchdog
  uint32_t timer_value;         // preemption timer reload
  uint32_t timer_clamp_extra;   // the slice's timer ticks held back while the timer is cut to a virtual device's deadline
  TimeAccount time;
  bool takes_nmis;              // on_exit nmi: reflect/reinject: NMIs are delivered to it
  bool nmi_pending;             // an NMI it owes, waiting for injection
  uint32_t nmis_delivered, nmis_to_host;
  VirtualPic pic;
  // At the last VM entry, while the monitor trap flag is on (exits/mtf.cpp):
  // where the next instruction is and the code size it runs at (a far JMP
  // or IRET changes both before the exit); RCX, which tells a REP string
  // iteration from an exit before any instruction; whether the entry
  // injects an event (then the exit comes before any instruction).
  uint64_t mtf_rip, mtf_cs_base, mtf_rcx;
  arch::CpuMode mtf_code_mode;
  bool mtf_injecting;
  uint32_t mtf_steps;
  uint64_t virtual_apic;       // virtual-APIC page (host-physical): TPR shadow and the LocalApic hook
  uint64_t apic_access;        // APIC-access page mapped at the guest's APIC base, with "virtualize APIC accesses"
  uint64_t apic_base_msr;      // the guest's IA32_APIC_BASE when the profile traps it
  uint64_t posted_descriptor;  // posted-interrupt descriptor (SDM 29.6), with "process posted interrupts"
  uint64_t real_idt_base;      // IntDelivery hook: the IDT the guest loaded
  uint32_t real_idt_limit;
  bool idt_shrunk;
  bool vectoring_consumed;  // the handler completed the interrupted event itself: do not re-inject it
  uint64_t sysenter_eip_real;  // SysenterTrap hook: what the guest wrote
  bool sysenter_trapped;
  char console[kConsoleLine];
  uint32_t console_length;
  FwCfgState fw_cfg;  // devices.fw_cfg
  ApicTimer apic_timer;         // devices.local_apic: the timer beside the virtual-APIC page
  uint32_t waiting_hlt_length;  // devices.local_apic or pic: the guest waits at a HLT of this length (0 = not waiting)
  uint64_t waiting_hlt_rip;     // where that HLT is
  uint64_t waiting_since_tsc;   // when it began to wait there
  Virtual8259 i8259;            // devices.pic
  Virtual8254 i8254;            // devices.pit
  uint64_t i8254_epoch_tsc;     // devices.pit: the host TSC at the guest's set-up, the 8254's tick 0
  // guests[].vcpus (guests/siblings.h): its place among its guest's vCPUs.
  uint16_t vcpu_index;  // 0 = the bootstrap processor
  uint16_t vcpu_total;  // 1 for a guest of one vCPU
  Vcpu* bsp;            // vCPU 0 of its guest (itself for vCPU 0)
  IpiMailbox mailbox;   // what its siblings sent it, taken by its own CPU
  GuestGroup group;     // on vCPU 0 only
  uint32_t ipi_log_lines;  // lines logged about its interrupt commands (exits::ipi_line_allowed)
  // It waits at a HLT that only a sibling's IPI can end (no virtual timer
  // counts): for the guest's end it is as good as halted.
  bool waits_for_siblings_only;
  // Timer ticks left of its slice when a PAUSE gave the CPU to another
  // vCPU (exits/siblings.cpp): its next turn goes on with them, so PAUSE
  // cannot restart the slice and escape the watchdog; 0 = a new slice.
  uint32_t yielded_slice_left;
  Vcpu* next_on_cpu;
};

// The fast path's gate as things pending now allow (guests/fast_path.h):
// called wherever an NMI becomes pending or is delivered and when the last
// queued event goes in; the host's NMI handler closes it itself.
// The same pending state, with the set-up's, tells the scheduler whether
// anything is to be done before an entry (entry_duties).
inline void refresh_fast_path(Vcpu& v) {
  const bool pending = v.nmi_pending || v.next_event < v.config->event_count;
  v.exits.fast_path_reasons = pending ? 0 : v.fast_path_allowed;
  v.entry_duties = pending || v.static_entry_duties;
}

// Every offset vmx/entry.S uses, pinned.
static_assert(__builtin_offsetof(Vcpu, regs) == VCPU_RAX && __builtin_offsetof(Vcpu, regs.rbx) == VCPU_RBX &&
              __builtin_offsetof(Vcpu, regs.rdi) == VCPU_RDI);
static_assert(__builtin_offsetof(Vcpu, exits.fast_path_reasons) == VCPU_FAST_PATH_REASONS);
static_assert(__builtin_offsetof(Vcpu, exits.fast_path_cpuid_leaves) == VCPU_FAST_PATH_CPUID_LEAVES);
static_assert(__builtin_offsetof(Vcpu, exits.reason_field) == VCPU_EXIT_REASON_FIELD);
static_assert(__builtin_offsetof(Vcpu, exits.scratch) == VCPU_EXIT_SCRATCH);
static_assert(__builtin_offsetof(Vcpu, exits.qualification) == VCPU_EXIT_QUALIFICATION);
static_assert(__builtin_offsetof(Vcpu, exits.fast_tsc_pending) == VCPU_FAST_TSC_PENDING);
static_assert(__builtin_offsetof(Vcpu, exits.fast_path_budget) == VCPU_FAST_PATH_BUDGET);
static_assert(__builtin_offsetof(Vcpu, exits.total) == VCPU_TOTAL_EXITS);
static_assert(__builtin_offsetof(Vcpu, exits.counts) == VCPU_EXIT_COUNTS);
static_assert(uint32_t(arch::ExitReason::CPUID) == EXIT_REASON_CPUID && uint32_t(arch::ExitReason::VMCALL) == EXIT_REASON_VMCALL &&
              uint32_t(arch::ExitReason::IO_INSTRUCTION) == EXIT_REASON_IO_INSTRUCTION);

// Host-physical address of a guest-physical one, through this guest's EPT;
// 0 when unmapped. `length` bytes must lie in one mapping.
uint64_t guest_to_host(const Vcpu& v, uint64_t gpa, uint64_t length);

}  // namespace guests
