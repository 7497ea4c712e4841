// Reading the run trace back (blob/trace_format.h, docs/trace.md): the
// hypervisor's `vmm: trace ...` lines of a serial log, decoded and checked
// into every CPU's records, and those records compared with the log's own
// per-guest exit counts.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "appliance/serial_log.h"
#include "blob/trace_format.h"

namespace appliance {

struct TraceCpu {
  uint32_t index = 0;
  uint64_t overwritten = 0;  // records the ring lost before the dump (oldest first)
  // Oldest first, each stamp at or after the one before: where the host's
  // TSC went back (blob/trace_format.h), the CPU's trace clock went on from
  // where it was, and clock_resets counts the times (the hypervisor's, and
  // any the reader had to make).
  std::vector<trace::Record> records;
  uint64_t clock_resets = 0;
};

struct TraceGuest {
  uint32_t index = 0;
  std::string name;
  uint32_t cpu = 0;
};

struct RunTrace {
  uint32_t format = 0;
  uint32_t records_per_cpu = 0;
  std::vector<TraceCpu> cpus;
  std::map<uint32_t, TraceGuest> guests;  // by blob index
  bool complete() const;  // no CPU lost a record
};

// One time slice: a guest on a CPU from its start to its end record. A
// slice whose start the ring overwrote begins at the CPU's first record;
// one still open at the end of the trace ends at the CPU's last.
struct TraceSlice {
  uint16_t guest = 0;
  uint64_t start = 0, end = 0;  // stamps (TraceCpu::records)
  uint32_t exits = 0;           // the guest's exits within it
  std::string ended;            // yield, finished, or running (at the end of the trace)
};
std::vector<TraceSlice> trace_slices(const TraceCpu& cpu);

// The trace in a serial log. Empty with `error` empty: the log has none (the
// run was not traced). Empty with `error` set: it is there but damaged
// (a line cut short, a checksum that does not match, a format we do not
// read); the error names the line.
std::optional<RunTrace> read_run_trace(const SerialLog& log, std::string& error);

// The trace's exit counts per guest and reason, against the guest's
// `ended ... exits:` line: one sentence per difference (none = they agree).
// Meaningful only for a complete trace.
std::vector<std::string> trace_count_mismatches(const RunTrace& trace, const SerialLog& log);

// A dump line with records (`vmm: trace cpu N data: ...`): the live serial
// stream leaves these out, they are for the trace file, not for reading.
bool is_trace_data_line(const std::string& line);

// The exit-reason name of a record's code (the profile's word, or
// "reason-N" for a number the table lacks).
std::string trace_exit_name(uint8_t code);

}  // namespace appliance
