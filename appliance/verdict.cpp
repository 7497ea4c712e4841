#include "appliance/verdict.h"

#include <optional>
#include <regex>

namespace appliance {
namespace {
std::string where(const configgen::model::Expectation& e) {
  return e.loc.file.empty() ? "" : e.loc.file + ":" + std::to_string(e.loc.line) + ": ";
}
bool in_bounds(long n, const configgen::model::Expectation& e) {
  return (!e.min_count || n >= *e.min_count) && (!e.max_count || n <= *e.max_count);
}
std::string bounds(const configgen::model::Expectation& e) {
  if (e.min_count && e.max_count && *e.min_count == *e.max_count) return "exactly " + std::to_string(*e.min_count);
  std::string s;
  if (e.min_count) s += "at least " + std::to_string(*e.min_count);
  if (e.max_count) s += (s.empty() ? "" : " and ") + std::string("at most ") + std::to_string(*e.max_count);
  return s;
}
std::string about(const configgen::model::Expectation& e) { return e.guest.empty() ? "" : " about guest " + e.guest; }

// What an expectation asks for, in the profile's words.
std::string check_name(const configgen::model::Expectation& e) {
  using Kind = configgen::model::Expectation::Kind;
  const std::string counted = e.min_count || e.max_count ? " " + bounds(e) + " time(s)" : "";
  switch (e.kind) {
    case Kind::SerialMatch: return "serial '" + e.pattern + "'" + counted + about(e);
    case Kind::SerialAbsent: return "serial_absent '" + e.pattern + "'" + about(e);
    case Kind::GuestEnd:
      return "guest " + e.guest + " ends " + e.outcome + (e.exit_code ? " with code " + std::to_string(*e.exit_code) : "");
    case Kind::ExitCount: return "guest " + e.guest + " exit " + e.exit_reason + " " + bounds(e);
  }
  return e.pattern;
}
}  // namespace

std::string Verdict::summary() const {
  if (pass) return "PASS";
  std::string s = "FAIL: ";
  for (size_t i = 0; i < failures.size(); ++i) s += (i ? "; " : "") + failures[i];
  return s;
}

// An exited guest's detail starts "code N" (docs/serial-log.md).
static std::optional<long> exit_code(const std::string& detail) {
  std::smatch m;
  static const std::regex code("^code ([0-9]+)");
  if (!std::regex_search(detail, m, code)) return std::nullopt;
  return std::stol(m[1].str());
}

// Appends the failure of one expectation, if it does not hold.
static void judge_one(const SerialLog& log, const configgen::model::Expectation& e, Verdict& v) {
  switch (e.kind) {
    case configgen::model::Expectation::Kind::SerialMatch:
    case configgen::model::Expectation::Kind::SerialAbsent: {
      std::regex re;
      try {
        re = std::regex(e.pattern);
      } catch (const std::regex_error&) {
        v.failures.push_back(where(e) + "bad regular expression '" + e.pattern + "'");
        return;
      }
      // With `guest:`, only the lines about that guest count.
      long n = 0;
      for (size_t i = 0; i < log.lines.size(); ++i)
        if ((e.guest.empty() || log.line_guests[i] == e.guest) && std::regex_search(log.lines[i], re)) ++n;
      if (e.kind == configgen::model::Expectation::Kind::SerialAbsent) {
        if (n) v.failures.push_back(where(e) + "'" + e.pattern + "' appeared " + std::to_string(n) + " time(s)" + about(e));
      } else if (!e.min_count && !e.max_count ? n == 0 : !in_bounds(n, e)) {
        v.failures.push_back(where(e) + "'" + e.pattern + "' matched " + std::to_string(n) + " line(s)" + about(e) +
                             (e.min_count || e.max_count ? ", expected " + bounds(e) : ""));
      }
      break;
    }
    case configgen::model::Expectation::Kind::GuestEnd: {
      auto it = log.guests.find(e.guest);
      if (it == log.guests.end()) v.failures.push_back(where(e) + "guest " + e.guest + " has no end line");
      else if (!it->second.known)
        v.failures.push_back(where(e) + "guest " + e.guest + " ended with '" + it->second.outcome +
                             "', which is not an outcome the hypervisor reports (blob/vocabulary.def)");
      else if (it->second.outcome != e.outcome)
        v.failures.push_back(where(e) + "guest " + e.guest + " ended " + it->second.outcome + " (" + it->second.detail +
                             "), expected " + e.outcome);
      else if (e.exit_code && exit_code(it->second.detail) != e.exit_code)
        v.failures.push_back(where(e) + "guest " + e.guest + " exited (" + it->second.detail + "), expected code " +
                             std::to_string(*e.exit_code));
      break;
    }
    case configgen::model::Expectation::Kind::ExitCount: {
      auto it = log.guests.find(e.guest);
      if (it == log.guests.end()) {
        v.failures.push_back(where(e) + "guest " + e.guest + " has no end line");
        break;
      }
      auto c = it->second.exits.find(e.exit_reason);
      const long n = c == it->second.exits.end() ? 0 : c->second;
      if (!in_bounds(n, e))
        v.failures.push_back(where(e) + "guest " + e.guest + " had " + std::to_string(n) + " " + e.exit_reason +
                             " exit(s), expected " + bounds(e));
      break;
    }
  }
}

bool expects_clean_end(const std::vector<configgen::model::Expectation>& expectations) {
  for (const auto& e : expectations)
    if (e.kind == configgen::model::Expectation::Kind::GuestEnd && e.outcome != "halted" && e.outcome != "exited") return false;
  return true;
}

Verdict judge(const SerialLog& log, const std::vector<configgen::model::Expectation>& expectations, bool require_end_pass) {
  Verdict v;
  if (!log.end_pass) v.failures.push_back("the hypervisor never printed its end line (crash or hang)");
  else if (require_end_pass && !*log.end_pass) v.failures.push_back("the hypervisor ended with `vmm: end: fail`");
  v.checks.push_back({require_end_pass ? "vmm: end: pass" : "vmm: end line", v.failures.empty() ? "" : v.failures.back(), {}});
  // Each expectation adds at most one failure: the check holds if none came.
  for (const auto& e : expectations) {
    const size_t before = v.failures.size();
    judge_one(log, e, v);
    v.checks.push_back({check_name(e), v.failures.size() > before ? v.failures.back() : "", e.loc});
  }
  v.pass = v.failures.empty();
  return v;
}

}  // namespace appliance
