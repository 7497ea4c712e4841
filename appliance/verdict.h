// Deciding a run from its serial log and the profile's expectations.
#pragma once
#include <string>
#include <vector>

#include "appliance/serial_log.h"
#include "model/expect.h"

namespace appliance {

struct Verdict {
  bool pass = false;
  std::vector<std::string> failures;  // one sentence per expectation that did not hold
  std::string summary() const;
};

// With `require_end_pass`, the hypervisor's own `vmm: end: pass` is needed
// too (every guest finished normally); negative profiles that expect a guest
// to be stopped turn it off.
Verdict judge(const SerialLog& log, const std::vector<configgen::model::Expectation>& expectations, bool require_end_pass);

}  // namespace appliance
