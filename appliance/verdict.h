// Deciding a run from its serial log and the profile's expectations.
#pragma once
#include <string>
#include <vector>

#include "appliance/serial_log.h"
#include "model/expect.h"

namespace appliance {

// One thing the verdict checked: the hypervisor's end line, or one
// expectation (for JUnit's testcases and run --json).
struct Check {
  std::string name;     // what was expected, e.g. "serial 'guest demo\\| hello'", "guest demo ends halted"
  std::string failure;  // the sentence in failures; empty when it held
  configgen::model::SourceLoc loc;  // where the expectation was written (none for the end line)
};

struct Verdict {
  bool pass = false;
  std::vector<std::string> failures;  // one sentence per expectation that did not hold
  std::vector<Check> checks;          // every check in order, passed or not
  std::string summary() const;
};

// With `require_end_pass`, the hypervisor's own `vmm: end: pass` is needed
// too (every guest finished normally); negative profiles that expect a guest
// to be stopped turn it off.
// Whether a profile's expectations need `vmm: end: pass`: not when one
// expects a guest to end other than halted or exited (a negative profile).
bool expects_clean_end(const std::vector<configgen::model::Expectation>& expectations);

Verdict judge(const SerialLog& log, const std::vector<configgen::model::Expectation>& expectations, bool require_end_pass);

}  // namespace appliance
