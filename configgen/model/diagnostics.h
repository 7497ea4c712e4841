// Diagnostics as values (style.md: errors are values): every message has a
// source location, a rule name and a severity; they are collected and
// printed together, clang-style, with the source line and a caret.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/expect.h"

namespace configgen {

enum class Severity { Error, Warning, Note };

struct Diagnostic {
  Severity severity = Severity::Error;
  model::SourceLoc loc;
  std::string rule;     // e.g. "unknown-key", "unrestricted-guest-needs-ept [SDM 26.2.1.1]"
  std::string message;
  std::string hint;     // optional "did you mean" or fix
};

// "0x1f": how numbers appear in diagnostics, inspect and diff.
std::string hex(uint64_t v);

class Diagnostics {
 public:
  void error(const model::SourceLoc& loc, std::string rule, std::string message, std::string hint = {});
  void warning(const model::SourceLoc& loc, std::string rule, std::string message, std::string hint = {});
  // A related location for the diagnostic just added (clang's "note:").
  void note(const model::SourceLoc& loc, std::string message);
  bool has_errors(bool werror) const;
  // Testing only (`configgen run --allow-rule`): every error whose rule is
  // `id` (spelled "id" or "id, SDM x.y") becomes a note saying it was
  // allowed, so a profile that breaks that one rule still yields a blob.
  // Returns how many errors it turned into notes.
  size_t allow_rule(const std::string& id);
  size_t error_count() const;
  const std::vector<Diagnostic>& all() const { return items_; }
  size_t warning_count() const;
  // file:line:col: error: MESSAGE [rule], the source line, a caret, the hint;
  // with `color`, ANSI colours around the same text (clang's).
  std::string render(bool color = false) const;
  // The closing count: "2 error(s)", or with --werror "3 error(s) (1 of them
  // warning(s) treated as errors by --werror)".
  std::string summary(bool werror) const;

 private:
  void add(Diagnostic d);
  std::vector<Diagnostic> items_;
};

}  // namespace configgen
