// NMIs in VMX root operation (docs/isolation.md, "Interrupts and NMIs").
// The hypervisor keeps "NMI exiting" on for every guest, so an NMI in
// non-root operation is a VM exit (exits/exceptions.cpp); one that arrives
// while the CPU is in root operation (handling an exit, scheduling, idle
// after its guests, booting) goes through the host IDT's vector 2, whose
// handler only counts it. The count is routed and reported outside the
// handler, which may not take the log's lock.
#pragma once
#include "cpu/percpu.h"

namespace run {

// Routes the NMIs this CPU took in root operation since the last call: to
// `current` (the guest being served) if it takes NMIs, else to the host,
// with one log line each. current = nullptr when no guest is being served.
void route_host_nmis(cpu::PerCpu& c, guests::Vcpu* current);

// The idle loop of a CPU whose guests are finished: HLT, waking for NMIs
// (interrupts stay off), reporting each.
[[noreturn]] void idle_forever(cpu::PerCpu& c);

inline uint32_t nmis_taken(const cpu::PerCpu& c) { return __atomic_load_n(&c.nmis_in_root, __ATOMIC_ACQUIRE); }
// The scheduler's check before every entry: cheap, inline.
inline bool nmis_waiting(const cpu::PerCpu& c) { return nmis_taken(c) != c.nmis_routed; }

}  // namespace run
