// `configgen run --trace FILE` and `configgen trace LOG`: the run trace as a
// Chrome-trace JSON document (the Trace Event Format that Perfetto and
// chrome://tracing open): one process per CPU, one thread per guest, its
// time slices and VM exits as complete events, injections and its end as
// instant events (docs/trace.md).
#pragma once
#include <string>

#include "appliance/run_trace.h"

namespace configgen::commands {

std::string chrome_trace_json(const appliance::RunTrace& trace);

// The same timeline as text, `width` columns across the whole run: a row of
// letters per CPU (each column: the guest that ran longest in it), then each
// guest's slices, time in them, exits and the host's time handling them.
std::string trace_timeline_text(const appliance::RunTrace& trace, size_t width = 72);

// Reads the trace from a serial log, writes the Chrome-trace file and checks
// its exit counts against every guest's ended line; problems name `source`
// (the serial log). The exit status: Ok, Failed (a damaged trace, counts
// that disagree, or none at all when absent_is_error), UsageOrIo (the file
// cannot be written). A run that ended early (a refused blob) has none.
int write_trace_file(const appliance::SerialLog& log, const std::string& file, const std::string& source, bool absent_is_error);

}  // namespace configgen::commands
