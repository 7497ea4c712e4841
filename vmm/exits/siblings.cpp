// The vCPUs of one guest (guests[].vcpus, guests/siblings.h): interrupt
// commands between their virtual APICs, the start-up IPI that starts
// vCPUs 1..n in real mode (SDM 9.4, 11.6.1), and the guest's one end.
// A sender only posts to the receiver's mailbox; the receiver's own CPU
// takes the posts before its next entry, with its VMCS current.
#include "arch/cpu.h"
#include "console/debug_ring.h"
#include "console/log.h"
#include "console/trace.h"
#include "cpu/percpu.h"
#include "exits/handlers.h"
#include "guests/virtual_apic.h"
#include "lib/string.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
// For the guest's end: a vCPU at a HLT only a sibling can end is as good
// as halted; one waiting for a start-up IPI that was already posted is as
// good as running.
guests::SiblingState sibling_state(const guests::Vcpu& s) {
  switch (__atomic_load_n(&s.state, __ATOMIC_ACQUIRE)) {
    case guests::State::Ready:  // an IPI posted to it will end its HLT
      return __atomic_load_n(&s.waits_for_siblings_only, __ATOMIC_ACQUIRE) && guests::mailbox_empty(s.mailbox)
                 ? guests::SiblingState::Halted
                 : guests::SiblingState::Running;
    case guests::State::WaitingForStartup:
      return __atomic_load_n(&s.mailbox.signals, __ATOMIC_ACQUIRE) & guests::kSignalStartup ? guests::SiblingState::Running
                                                                                            : guests::SiblingState::WaitingForStartup;
    case guests::State::Finished: break;
  }
  return s.outcome == guests::Outcome::Halted ? guests::SiblingState::Halted : guests::SiblingState::Ended;
}

// The group's end decided with the lock held: `halted` for a vCPU that
// halted or went back to waiting; `detail` is its reason.
void decide_group_end_locked(guests::Vcpu& v, bool halted, guests::Outcome outcome, const char* detail) {
  guests::GuestGroup& g = v.bsp->group;
  if (g.ended) return;
  guests::SiblingState states[guests::kMaxVcpusPerGuest];
  for (uint32_t k = 0; k < v.vcpu_total; ++k) states[k] = sibling_state(v.bsp[k]);
  if (halted) states[v.vcpu_index] = guests::SiblingState::Halted;
  const guests::GroupEnd end = guests::group_end(halted, states, v.vcpu_total);
  if (end == guests::GroupEnd::GoesOn) return;
  g.outcome = outcome;
  // The vCPU's own words first: readers of the outcome line parse them (docs/serial-log.md).
  if (end == guests::GroupEnd::EndsHalted)
    console::format(g.detail, sizeof g.detail, "%s (vcpu %u, the last one running)", detail, v.vcpu_index);
  else
    console::format(g.detail, sizeof g.detail, "%s (vcpu %u)", detail, v.vcpu_index);
  __atomic_store_n(&g.ended, true, __ATOMIC_RELEASE);
}

}  // namespace

bool ipi_line_allowed(guests::Vcpu& v) { return v.ipi_log_lines++ < kLoggedIpiLines; }

uint32_t send_to_siblings(guests::Vcpu& v, uint32_t icr_low, uint32_t destination) {
  using guests::IcrDelivery;
  const IcrDelivery mode = guests::icr_delivery(icr_low);
  if (guests::is_init_deassert(icr_low)) return 1;  // a no-op by design (SDM 11.6.1)
  uint32_t reached = 0;
  for (uint32_t k = 0; k < v.vcpu_total; ++k) {
    guests::Vcpu& s = v.bsp[k];
    if (&s == &v || __atomic_load_n(&s.state, __ATOMIC_ACQUIRE) == guests::State::Finished) continue;
    if (!virtual_apic_of(s).addressed_by(icr_low, destination, false)) continue;
    switch (mode) {
      case IcrDelivery::Fixed: guests::post_fixed(s.mailbox, uint8_t(icr_low)); break;
      case IcrDelivery::Nmi: guests::post_signal(s.mailbox, guests::kSignalNmi); break;
      case IcrDelivery::Init: guests::post_signal(s.mailbox, guests::kSignalInit); break;
      case IcrDelivery::Startup: guests::post_signal(s.mailbox, guests::kSignalStartup, uint8_t(icr_low)); break;
      default:
        if (ipi_line_allowed(v))
          LOG("vmm: guest %s: vcpu %u: %s IPI 0x%x to vcpu %u dropped: delivery mode not emulated", v.name, v.vcpu_index,
              guests::delivery_name(mode), icr_low, s.vcpu_index);
        continue;
    }
    ++reached;
  }
  return reached;
}

namespace {
// INIT (SDM 9.4.2, 11.4.7.3): an AP's registers and APIC return to their
// state after INIT, its ID kept, and it waits for a start-up IPI again.
void take_init(guests::Vcpu& v) {
  if (v.vcpu_index == 0) {
    finish(v, guests::Outcome::Stopped, "INIT IPI from a sibling vCPU to the bootstrap processor: a reset, which is not emulated");
    return;
  }
  {
    lib::SpinlockGuard hold(v.bsp->group.lock);
    if (v.state != guests::State::Ready) return;
    __atomic_store_n(&v.state, guests::State::WaitingForStartup, __ATOMIC_RELEASE);
    // Waiting now, it may have been the last vCPU running.
    decide_group_end_locked(v, true, guests::Outcome::Halted, "INIT sent it back to wait for a start-up IPI");
  }
  reset_virtual_apic(v);
  v.waiting_hlt_length = 0;
  v.waits_for_siblings_only = false;
  v.nmi_pending = false;
  guests::refresh_fast_path(v);
  if (ipi_line_allowed(v)) LOG("vmm: guest %s: vcpu %u: INIT: waits for a start-up IPI", v.name, v.vcpu_index);
}

void take_startup(guests::Vcpu& v, uint8_t vector) {
  if (v.state != guests::State::WaitingForStartup) {
    if (ipi_line_allowed(v))
      LOG("vmm: guest %s: vcpu %u: start-up IPI 0x%02x ignored: it is not waiting for one (SDM 9.4.4.1)", v.name, v.vcpu_index, vector);
    return;
  }
  if (!vmx::load_startup_state(v, cpu::this_cpu(), vector)) {
    finish(v, guests::Outcome::Stopped, "start-up IPI 0x%02x: VMWRITE of field 0x%x failed", vector, cpu::this_cpu().failed_vmwrite_field);
    return;
  }
  {
    lib::SpinlockGuard hold(v.bsp->group.lock);
    __atomic_store_n(&v.state, guests::State::Ready, __ATOMIC_RELEASE);
  }
  const guests::StartupState at = guests::startup_state(vector);
  if (ipi_line_allowed(v))
    LOG("vmm: guest %s: vcpu %u started by a start-up IPI, vector 0x%02x: real mode at %04x:0000 (0x%x)", v.name, v.vcpu_index,
      vector, at.cs_selector, at.cs_base);
}
}  // namespace

void take_sibling_ipis(guests::Vcpu& v) {
  if (guests::mailbox_empty(v.mailbox)) return;
  const guests::TakenIpis t = guests::take_ipis(v.mailbox);
  if (t.signals & guests::kSignalInit) take_init(v);
  if (v.state == guests::State::Finished) return;
  if (t.signals & guests::kSignalStartup) take_startup(v, t.startup_vector);
  if (v.state != guests::State::Ready) return;  // a vCPU waiting for a start-up IPI takes no interrupts (SDM 9.4)
  if (t.signals & guests::kSignalFixed) {
    guests::VirtualApic apic = virtual_apic_of(v);
    for (uint32_t i = 0; i < 8; ++i)
      for (uint32_t bits = t.fixed[i]; bits; bits &= bits - 1) apic.receive_fixed(uint8_t(i * 32 + uint32_t(__builtin_ctz(bits))));
  }
  if (t.signals & guests::kSignalNmi) {
    v.nmi_pending = true;  // delivered before the next entry (run/scheduler.cpp)
    guests::refresh_fast_path(v);
  }
}

// PAUSE exiting is on where a guest's vCPUs share a CPU (configgen and
// run/setup.cpp check_multi_vcpu_controls derive it): a vCPU spinning on a lock or flag gives its CPU to whatever else is ready
// there, a sibling that holds the lock or a start-up IPI to take, instead
// of spinning out its slice (the lock-holder problem).
// The yield keeps the rest of its slice (v.yielded_slice_left), less the
// host time of this exit: ping-pong between vCPUs that all spin never
// restarts a slice, each turn costs its exit's time, and the slice ends as
// any does, where the watchdog, which does not count PAUSE exits as exits of
// the guest's own, stops a spin that lasts its period.
Flow on_pause(guests::Vcpu& v, const ExitInfo& e) {
  skip_instruction(e);
  if (v.vcpu_total < 2 || !sibling_waits_on_this_cpu(v)) return Flow::Resume;
  const uint32_t rate = cpu::this_cpu().caps.preemption_timer_rate();
  const uint64_t host = rate >= 64 || !v.time.exit_tsc ? 0 : (arch::rdtsc() - v.time.exit_tsc) >> rate;
  const uint64_t left = uint64_t(uint32_t(vmx::read(arch::VmcsField::VMX_PREEMPTION_TIMER_VALUE))) + v.timer_clamp_extra;
  v.timer_clamp_extra = 0;
  if (left <= host) {
    v.time.exit_tsc = 0;
    return end_of_slice(v, e.guest_rip);
  }
  v.yielded_slice_left = uint32_t(left - host);
  return Flow::Yield;
}

bool sibling_waits_on_this_cpu(const guests::Vcpu& v) {
  for (uint32_t k = 0; k < v.vcpu_total; ++k) {
    const guests::Vcpu& s = v.bsp[k];
    if (&s == &v || s.cpu != v.cpu) continue;
    const guests::State state = __atomic_load_n(&s.state, __ATOMIC_ACQUIRE);
    if (state == guests::State::Ready || (state == guests::State::WaitingForStartup && !guests::mailbox_empty(s.mailbox)))
      return true;
  }
  return false;
}

bool sibling_running(const guests::Vcpu& v) {
  for (uint32_t k = 0; k < v.vcpu_total; ++k) {
    const guests::Vcpu& s = v.bsp[k];
    if (&s != &v && sibling_state(s) == guests::SiblingState::Running) return true;
  }
  return false;
}

bool group_has_ended(const guests::Vcpu& v) {
  return v.vcpu_total > 1 && __atomic_load_n(&v.bsp->group.ended, __ATOMIC_ACQUIRE);
}

void end_with_group(guests::Vcpu& v) {
  {
    lib::SpinlockGuard hold(v.bsp->group.lock);
    if (v.state == guests::State::Finished) return;
    v.outcome = v.bsp->group.outcome;
    console::format(v.detail, sizeof v.detail, "ended with its guest");
    __atomic_store_n(&v.state, guests::State::Finished, __ATOMIC_RELEASE);
  }
  console_flush(v);  // a partial line of its console
  console::debug_record("guest ended", v.guest_index, uint64_t(v.outcome), v.exits.total);
  console::trace_record(trace::Kind::GuestEnd, uint8_t(v.outcome), uint16_t(v.guest_index), v.exits.total);
}

// Called by finish() for a vCPU of a guest with several: the guest's end
// is decided once, under the group's lock (guests::group_end).
void sibling_finished(guests::Vcpu& v) {
  lib::SpinlockGuard hold(v.bsp->group.lock);
  __atomic_store_n(&v.state, guests::State::Finished, __ATOMIC_RELEASE);
  decide_group_end_locked(v, v.outcome == guests::Outcome::Halted, v.outcome, v.detail);
}

}  // namespace exits
