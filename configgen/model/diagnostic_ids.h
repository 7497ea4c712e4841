// configgen's own diagnostic ids as a table (model/diagnostic_ids.def): for
// `configgen explain ID`, the generated reference and the SARIF rules. The
// VM-entry rules' ids are arch/entry_rules.def.
#pragma once

namespace configgen::model {

struct DiagnosticIdInfo {
  const char* id;
  const char* severity;  // "error" or "warning": what the validators give it
  const char* meaning;
  const char* sdm_section;
  const char* book_section;
};

inline constexpr DiagnosticIdInfo kDiagnosticIds[] = {
#define DIAGNOSTIC(id, severity, meaning, sdm, book) {id, severity, meaning, sdm, book},
#include "model/diagnostic_ids.def"
};

}  // namespace configgen::model
