// A guest with several vCPUs (guests[].vcpus, docs/external-guests.md):
// what its vCPUs, on one physical CPU or several, hand each other. An
// interrupt command one vCPU's virtual APIC sends to another is posted to
// the receiver's mailbox with atomic operations and taken by the receiver's
// CPU before its next entry: only a vCPU's own CPU touches its virtual-APIC
// page and VMCS. The guest's end is one decision for all its vCPUs
// (group_end below). Plain logic (vmm/host_logic.cmake): host-tested.
#pragma once
#include <stdint.h>

#include "blob/format.h"

namespace guests {

inline constexpr uint32_t kMaxVcpusPerGuest = blob::kMaxVcpusPerGuest;  // the blob reader's bound

// How long a running vCPU of such a guest goes at most without looking at
// its mailbox, in TSC ticks: the VMX-preemption timer is cut to it before
// each entry (exits/lifecycle.cpp), so an IPI to a vCPU that spins arrives
// within this time; one that waits at a HLT looks at every HLT exit.
inline constexpr uint64_t kSiblingPollTsc = 200000;

// What siblings posted, not yet taken (SDM 11.6.1: fixed, NMI, INIT, start-up).
struct IpiMailbox {
  uint32_t fixed[8];        // a bit per vector
  uint32_t signals;         // kSignal* bits
  uint32_t startup_vector;  // of the last start-up IPI posted
};
inline constexpr uint32_t kSignalFixed = 1u << 0, kSignalNmi = 1u << 1, kSignalInit = 1u << 2, kSignalStartup = 1u << 3;

inline void post_fixed(IpiMailbox& m, uint8_t vector) {
  __atomic_fetch_or(&m.fixed[vector / 32], 1u << (vector % 32), __ATOMIC_RELAXED);
  __atomic_fetch_or(&m.signals, kSignalFixed, __ATOMIC_RELEASE);
}
inline void post_signal(IpiMailbox& m, uint32_t signal, uint8_t startup_vector = 0) {
  if (signal == kSignalStartup) __atomic_store_n(&m.startup_vector, startup_vector, __ATOMIC_RELAXED);
  __atomic_fetch_or(&m.signals, signal, __ATOMIC_RELEASE);
}
inline bool mailbox_empty(const IpiMailbox& m) { return __atomic_load_n(&m.signals, __ATOMIC_ACQUIRE) == 0; }

struct TakenIpis {
  uint32_t signals;
  uint8_t startup_vector;
  uint32_t fixed[8];
};
// Everything posted so far, and the mailbox empty again. A vector posted
// while this runs is either taken now or stays for the next take.
inline TakenIpis take_ipis(IpiMailbox& m) {
  TakenIpis t{};
  t.signals = __atomic_exchange_n(&m.signals, 0u, __ATOMIC_ACQUIRE);
  if (t.signals & kSignalStartup) t.startup_vector = uint8_t(__atomic_load_n(&m.startup_vector, __ATOMIC_RELAXED));
  if (t.signals & kSignalFixed)
    for (uint32_t i = 0; i < 8; ++i) t.fixed[i] = __atomic_exchange_n(&m.fixed[i], 0u, __ATOMIC_RELAXED);
  return t;
}

// Where a vCPU stands, as the guest's end sees it.
enum class SiblingState : uint8_t { WaitingForStartup, Running, Halted, Ended };

// The guest ends when one vCPU ends in any way but a halt (an exit code, a
// stop, a fault: a misbehaving vCPU stops its whole guest and only it), or
// when no vCPU is left running (all halted, or halted and never started).
// `ended` is the state of the vCPU that just ended, the others as they are.
enum class GroupEnd : uint8_t { GoesOn, EndsWithThisOutcome, EndsHalted };
inline GroupEnd group_end(bool halted, const SiblingState* states, uint32_t count) {
  if (!halted) return GroupEnd::EndsWithThisOutcome;
  for (uint32_t i = 0; i < count; ++i)
    if (states[i] == SiblingState::Running) return GroupEnd::GoesOn;
  return GroupEnd::EndsHalted;
}

// The real-mode state a start-up IPI gives (SDM 9.4.4.2, 11.6.1): CS
// selector vector << 8, base vector << 12, IP 0.
struct StartupState {
  uint16_t cs_selector;
  uint32_t cs_base;
};
inline constexpr StartupState startup_state(uint8_t vector) { return {uint16_t(vector << 8), uint32_t(vector) << 12}; }

}  // namespace guests
