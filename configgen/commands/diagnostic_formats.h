// `configgen check --format json|sarif`: the same diagnostics as the text
// output, for programs. JSON is an array with one object per diagnostic
// (notes nested under the diagnostic they belong to); SARIF 2.1.0 is the
// format CI systems and editors read.
#pragma once
#include <string>

#include "model/diagnostics.h"

namespace configgen::commands {

// A diagnostic's rule as written ("ept-execute-only, SDM 28.3.3.1",
// "unrestricted-guest-needs-ept [SDM 26.2.1.1]") split into the id and the
// SDM section it cites (empty if none).
struct RuleName {
  std::string id;
  std::string sdm_section;
};
RuleName split_rule(const std::string& rule);

// Under --werror a warning is reported as an error (with "werror": true in
// JSON, properties.werror in SARIF), so the documents agree with the exit
// status; the text output keeps the word "warning" and counts them instead.
std::string diagnostics_json(const Diagnostics& diags, bool werror = false);
std::string diagnostics_sarif(const Diagnostics& diags, const std::string& tool_version, bool werror = false);

}  // namespace configgen::commands
