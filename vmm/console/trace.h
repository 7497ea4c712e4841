// The run trace (blob/trace_format.h, docs/trace.md): each CPU appends
// fixed-size records to its own ring, without a lock and without output;
// the rings go out once, at the end of the run. Off unless the command line
// says `trace`: then boot hands over the storage, allocated before any guest
// runs, and a record costs a few dozen instructions on the exit path.
#pragma once
#include <stdint.h>

#include "blob/trace_format.h"

namespace console {

// The most CPUs the trace keeps rings for; a CPU beyond them records nothing.
inline constexpr uint32_t kMaxTraceCpus = 256;

// storage holds cpus * records_per_cpu records (zeroed).
void trace_init(trace::Record* storage, uint32_t cpus, uint32_t records_per_cpu);
namespace detail {
extern bool g_trace_enabled;  // set once by trace_init, before any guest runs
}
// Inline: the exit path asks on every exit, and an untraced run pays a load.
inline bool trace_enabled() { return detail::g_trace_enabled; }
// A record on the calling CPU's ring; tsc 0 = now (a raw RDTSC value; the
// ring adds its clock's offset).
void trace_record(trace::Kind kind, uint8_t code, uint16_t guest, uint32_t value, uint64_t tsc = 0);
// After a VM exit that set the host's TSC (an exit MSR-load list that writes
// it): the calling CPU's trace clock goes on from where it stood at the VM
// entry (raw RDTSC before_entry), so the timeline keeps its order; the time
// spent in the guest is lost, and the dump counts such resets.
void trace_clock_continue(uint64_t before_entry);
// The dump (after every CPU is done): `vmm: trace: ...` header line, then
// the caller's guest lines, then trace_dump_rings() with every CPU's records
// and checksum and the end line.
void trace_dump_header();
void trace_dump_rings();

}  // namespace console
