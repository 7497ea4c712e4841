// `configgen run --json` and `run --junit FILE`: the verdict for programs.
// JSON is one object (the outcome, the run's setup, every check, each
// guest's end); JUnit XML has one testcase per check (the end line and each
// expectation), a failed one carrying the verdict's sentence.
#pragma once
#include <string>
#include <vector>

#include "appliance/serial_log.h"
#include "appliance/verdict.h"
#include "commands/xml_text.h"

namespace configgen::commands {

struct RunFacts {
  std::string input;     // the profile, blob or ISO run
  std::string emulator;  // "bochs 3.0"
  std::string boot;      // cdrom, net, kernel
  int cpus = 0;
  std::string log_path;  // the serial log kept in the work directory
  bool timed_out = false;
  int exit_status = 0;
};

std::string verdict_json(const appliance::Verdict& v, const appliance::SerialLog& log, const RunFacts& run);
std::string verdict_junit(const appliance::Verdict& v, const RunFacts& run);

// The run summary's exit-reason histogram: per guest (from its ended line),
// a heading with the total, then one row per reason, most frequent first,
// with a bar scaled to that guest's most frequent reason.
std::vector<std::string> exit_histogram(const appliance::SerialLog& log);

}  // namespace configgen::commands
