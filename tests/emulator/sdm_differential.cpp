// Bochs as the oracle for the VM-entry rules (issue 13 item 4). For every
// rule row a profile can influence, configgen checks and the hypervisor
// names, the row's case in tests/host/rule_cases.def is compiled past
// configgen (`configgen run --allow-rule RULE`) and booted in Bochs. A row
// agrees when Bochs refuses the entry and the hypervisor's log names the
// same rule configgen named. Rows the data lists as "Bochs accepts" (Bochs
// omits the check) or "hypervisor keeps the rule" (it writes the VMCS so the
// rule holds) are booted too and must still get past the entry, so the list
// cannot go stale; rows "not booted" say why.
// Prints one line per row and fails unless every booted row is as listed.
//
// usage: sdm_differential CONFIGGEN WORK_DIR [JOBS]
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "arch/entry_rules.h"
#include "rule_case_profiles.h"
#include "rule_cases.h"

namespace {
namespace fs = std::filesystem;
using namespace rule_cases;

struct Case {
  const char* rule;
  std::string bad;
  Oracle oracle;
  const char* reason;
  std::string also_allow;  // rules the profile breaks with it, space-separated
};

// Only the failing profile and the oracle are needed here; the passing
// profile and the target are the host test's.
const std::vector<Case> kCases = {
#define RULE_CASE(rule, bad, good, target, oracle, reason, also_allow) Case{rule, bad, Oracle::oracle, reason, also_allow},
#include "rule_cases.def"
#undef RULE_CASE
};

// What one boot showed, read from configgen's output and the serial log.
enum class Seen { agree, entry_accepted, other_rule, refused_before_entry, configgen_refused, no_verdict };
const char* seen_name(Seen s) {
  switch (s) {
    case Seen::agree: return "agree";
    case Seen::entry_accepted: return "entry accepted";
    case Seen::other_rule: return "hypervisor names other rule";
    case Seen::refused_before_entry: return "hypervisor refused before entry";
    case Seen::configgen_refused: return "configgen refused despite --allow-rule";
    case Seen::no_verdict: return "no guest verdict in the log";
  }
  return "?";
}

struct Row {
  const arch::EntryRuleInfo* rule;
  const Case* c = nullptr;  // nullptr: no failing profile for the row in rule_cases.def
  Seen seen = Seen::no_verdict;
  std::string detail;  // the log line that decided it
  bool pass = true;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    out.push_back(l);
  }
  return out;
}

// The hypervisor names a rule as "failed check ID" (the guest's failure
// line) or "VM-entry check failed: ID [SDM x]" (one line per failing rule
// after a VMfail).
bool names_rule(const std::string& line, const std::string& id) {
  for (const std::string& lead : {"failed check " + id, "VM-entry check failed: " + id}) {
    const size_t at = line.find(lead);
    if (at == std::string::npos) continue;
    const size_t end = at + lead.size();
    if (end == line.size() || line[end] == ' ' || line[end] == ':' || line[end] == ';') return true;
  }
  return false;
}

bool names_any_rule(const std::string& line) {
  return line.find("failed check ") != std::string::npos || line.find("VM-entry check failed: ") != std::string::npos;
}

// Boots the row's failing profile and classifies what happened to guest g.
void boot_row(Row& row, const std::string& configgen, const fs::path& work) {
  const std::string id = row.rule->id;
  const fs::path dir = work / id;
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path profile = dir / "profile.yaml";
  std::ofstream(profile) << profile_of(row.c->bad);
  const fs::path out = dir / "configgen.out";
  std::string allow = " --allow-rule " + id;
  std::istringstream also(row.c->also_allow);
  for (std::string other; also >> other;) allow += " --allow-rule " + other;
  const std::string cmd = "'" + configgen + "' run '" + profile.string() + "'" + allow + " --cpus 1 --quiet --timeout 60 --keep '" +
                          (dir / "run").string() + "' >'" + out.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  const std::string said = slurp(out);
  if (said.find("--allow-rule " + id + ": configgen's check of rule " + id + " is overridden") == std::string::npos) {
    row.seen = Seen::configgen_refused;
    row.detail = "configgen run did not say the rule was overridden";
  }
  if (said.find("does not compile") != std::string::npos || (WIFEXITED(status) && WEXITSTATUS(status) == 2)) {
    row.seen = Seen::configgen_refused;
    const auto l = lines_of(said);
    for (const auto& s : l)
      if (s.find(": error: ") != std::string::npos) {
        row.detail = s.substr(s.find(": error: ") + 2);
        break;
      }
    if (row.detail.empty() && !l.empty()) row.detail = l.back();
    return;
  }
  if (row.seen == Seen::configgen_refused) return;
  const auto log = lines_of(slurp(dir / "run" / "serial.log"));
  std::string ended, failure, named;
  bool names_id = false;
  for (const auto& l : log) {
    if (l.find("guest g refused: ") != std::string::npos) {
      row.seen = Seen::refused_before_entry;
      row.detail = l.substr(l.find("guest g refused: "));
      return;
    }
    if (l.find("guest g ended: ") != std::string::npos && ended.empty()) ended = l.substr(l.find("guest g ended: "));
    if ((l.find("guest g: VM entry failed") != std::string::npos || l.find("guest g: VMLAUNCH failed") != std::string::npos) && failure.empty())
      failure = l.substr(l.find("guest g: "));
    if (names_rule(l, id)) names_id = true;
    else if (names_any_rule(l) && named.empty()) named = l.substr(l.find("vmm: ") == std::string::npos ? 0 : l.find("vmm: ") + 5);
  }
  if (ended.empty()) {
    row.seen = Seen::no_verdict;
    row.detail = log.empty() ? "empty serial log" : log.back();
    return;
  }
  if (ended.find("ended: entry-failed") == std::string::npos) {
    row.seen = Seen::entry_accepted;
    row.detail = ended;
    return;
  }
  row.seen = names_id ? Seen::agree : Seen::other_rule;
  row.detail = names_id ? failure : (named.empty() ? failure : named);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: sdm_differential CONFIGGEN WORK_DIR [JOBS]\n";
    return 2;
  }
  const std::string configgen = argv[1];
  const fs::path work = argv[2];
  const unsigned jobs = argc > 3 ? unsigned(std::max(1, std::atoi(argv[3]))) : 2;
  fs::create_directories(work);

  std::vector<Row> rows;
  for (const auto& r : arch::kEntryRules) {
    if (!(r.profile_can_influence && r.checked_by_configgen && r.named_by_hypervisor)) continue;
    Row row{&r};
    for (const auto& c : kCases)
      if (c.oracle != Oracle::none && c.rule == std::string(r.id)) row.c = &c;
    rows.push_back(row);
  }

  // One Bochs boot per booted row, `jobs` at a time.
  std::vector<Row*> queue;
  for (auto& row : rows)
    if (row.c && row.c->oracle != Oracle::not_booted) queue.push_back(&row);
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < jobs; ++j)
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < queue.size();) boot_row(*queue[i], configgen, work);
    });
  for (auto& w : workers) w.join();

  int agree = 0, accepts = 0, keeps = 0, not_booted = 0, no_case = 0, failed = 0;
  std::printf("%-58s %-9s %s\n", "rule", "SDM", "result");
  for (auto& row : rows) {
    std::string result;
    if (!row.c) {
      result = "no failing profile in rule_cases.def (not covered)";
      ++no_case;
    } else if (row.c->oracle == Oracle::not_booted) {
      result = std::string("not booted: ") + row.c->reason;
      ++not_booted;
    } else {
      const Seen expected = row.c->oracle == Oracle::boot ? Seen::agree : Seen::entry_accepted;
      row.pass = row.seen == expected;
      result = row.pass && row.c->oracle != Oracle::boot ? oracle_name(row.c->oracle) : seen_name(row.seen);
      if (row.c->oracle != Oracle::boot) result += std::string(" (listed: ") + row.c->reason + ")";
      if (!row.pass)
        result += std::string(" -- FAIL, expected ") + seen_name(expected) + (row.detail.empty() ? "" : ": " + row.detail) + " [log " +
                  (work / row.rule->id).string() + "]";
      agree += row.seen == Seen::agree && row.pass;
      accepts += row.c->oracle == Oracle::bochs_accepts && row.pass;
      keeps += row.c->oracle == Oracle::hypervisor_keeps && row.pass;
      failed += !row.pass;
    }
    std::printf("%-58s %-9s %s\n", row.rule->id, row.rule->sdm_section, result.c_str());
  }
  std::printf("\n%zu rows (profile, configgen and hypervisor all yes): %d agree, %d Bochs accepts (listed), %d hypervisor keeps the rule "
              "(listed), %d not booted (listed), %d without a failing profile, %d failed\n",
              rows.size(), agree, accepts, keeps, not_booted, no_case, failed);
  return failed ? 1 : 0;
}
