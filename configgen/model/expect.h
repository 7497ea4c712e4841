// What an unattended run must show (the profile's `expect:` list). Checked by
// appliance/verdict against the hypervisor's serial log.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace configgen::model {

struct SourceLoc {
  std::string file;
  int line = 0;  // 1-based
  int column = 0;
};

struct Expectation {
  enum class Kind {
    SerialMatch,   // `serial: REGEX` appears (count bounds optional)
    SerialAbsent,  // `serial_absent: REGEX` never appears
    GuestEnd,      // `guest: NAME` + `ends: OUTCOME` (halted, vmcall-exit, stopped, ...)
    ExitCount,     // `guest: NAME` + `exit: REASON` + count / min / max
  };
  Kind kind = Kind::SerialMatch;
  std::string pattern;      // ECMAScript regex for Serial*, matched against each log line
  std::string guest;        // guest name for GuestEnd / ExitCount (and optional filter for Serial*)
  std::string outcome;      // GuestEnd
  std::string exit_reason;  // ExitCount: profile name from arch/exit_reasons.def
  std::optional<long> min_count, max_count;
  std::optional<long> exit_code;  // GuestEnd with outcome exited: the code the guest gave
  SourceLoc loc;            // where the expectation was written
};

}  // namespace configgen::model
