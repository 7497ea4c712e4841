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
// usage: sdm_differential CONFIGGEN WORK_DIR [JOBS [GUESTS_PER_BOOT]]
// (defaults 2 and 8: each boot runs up to eight rows, one guest per CPU)
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
#include "pipeline/driver.h"
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

// Rows booted together: row i of a batch is guest gNN on CPU i, so the
// hypervisor's lines for it carry "guest gNN" or the "[cpuI]" prefix.
struct Batch {
  std::vector<Row*> rows;
  fs::path dir;
};

std::string guest_name(size_t i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "g%02zu", i);
  return buf;
}

// One profile holding each row's guest g, renamed and moved to its own CPU.
// Every case is base_profile's header with guest g on CPU 0 after it.
bool batch_profile(const Batch& b, std::string& out, std::string& error) {
  const std::string guest = "  - name: g\n    cpus: [0]\n";
  for (size_t i = 0; i < b.rows.size(); ++i) {
    const std::string text = profile_of(b.rows[i]->c->bad);
    const size_t at = text.find(guest);
    if (at == std::string::npos || text.find("  - name: ", at + guest.size()) != std::string::npos) {
      error = std::string(b.rows[i]->rule->id) + ": the case is not one guest g on CPU 0";
      return false;
    }
    if (i == 0) out = text.substr(0, at);
    else if (text.substr(0, at) != out.substr(0, at)) {
      error = std::string(b.rows[i]->rule->id) + ": the case's appliance and images differ from the batch's";
      return false;
    }
    out += "  - name: " + guest_name(i) + "\n    cpus: [" + std::to_string(i) + "]\n" + text.substr(at + guest.size());
    if (out.back() != '\n') out += '\n';
  }
  return true;
}

// What the serial log says about row i's guest.
void judge_row(Row& row, size_t i, const std::vector<std::string>& log) {
  const std::string id = row.rule->id, g = "guest " + guest_name(i), cpu = "[cpu" + std::to_string(i) + "]";
  std::string ended, failure, named;
  bool names_id = false;
  for (const auto& l : log) {
    // CPU 0 also prints every guest's end line: a line on this CPU is the
    // row's only when it names no other guest.
    const bool names_me = l.find(g + " ") != std::string::npos || l.find(g + ":") != std::string::npos;
    const bool mine = names_me || (l.rfind(cpu, 0) == 0 && l.find("guest g") == std::string::npos);
    if (!mine) continue;
    if (l.find(g + " refused: ") != std::string::npos) {
      row.seen = Seen::refused_before_entry;
      row.detail = l.substr(l.find(g));
      return;
    }
    if (l.find(g + " ended: ") != std::string::npos && ended.empty()) ended = l.substr(l.find(g));
    if ((l.find(g + ": VM entry failed") != std::string::npos || l.find(g + ": VMLAUNCH failed") != std::string::npos) && failure.empty())
      failure = l.substr(l.find(g));
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

// Compiles the batch past configgen (--allow-rule for each row's rule and
// what it cannot help breaking too), boots it once, and judges every row.
void boot_batch(Batch& b, const std::string& configgen) {
  auto all = [&b](Seen seen, const std::string& detail) {
    for (Row* r : b.rows) r->seen = seen, r->detail = detail;
  };
  fs::remove_all(b.dir);
  fs::create_directories(b.dir);
  std::string text, error;
  if (!batch_profile(b, text, error)) return all(Seen::configgen_refused, error);
  const fs::path profile = b.dir / "profile.yaml";
  std::ofstream(profile) << text;
  std::vector<std::string> allowed;
  for (Row* r : b.rows) {
    allowed.push_back(r->rule->id);
    std::istringstream also(r->c->also_allow);
    for (std::string other; also >> other;) allowed.push_back(other);
  }
  std::sort(allowed.begin(), allowed.end());
  allowed.erase(std::unique(allowed.begin(), allowed.end()), allowed.end());
  std::string flags;
  for (const auto& id : allowed) flags += " --allow-rule " + id;
  const fs::path out = b.dir / "configgen.out";
  const std::string cmd = "'" + configgen + "' run '" + profile.string() + "'" + flags + " --cpus " + std::to_string(b.rows.size()) +
                          " --target bochs-3.0-tigerlake --quiet --timeout 90 --keep '" + (b.dir / "run").string() + "' >'" + out.string() + "' 2>&1";
  const int status = std::system(cmd.c_str());
  const std::string said = slurp(out);
  if (said.find("does not compile") != std::string::npos || (WIFEXITED(status) && WEXITSTATUS(status) == 2)) {
    const auto l = lines_of(said);
    std::string first = l.empty() ? "no output" : l.back();
    for (const auto& x : l)
      if (x.find(": error: ") != std::string::npos) {
        first = x;
        break;
      }
    return all(Seen::configgen_refused, first);
  }
  // The oracles in rule_cases.def are Bochs 3.0's; another Bochs (2.7 on
  // PATH when VTX_BOCHS is unset) would disagree for reasons of its own.
  if (const size_t at = said.find("(bochs "); at != std::string::npos && said.compare(at, 11, "(bochs 3.0.") != 0 &&
                                              said.compare(at, 11, "(bochs 3.0,") != 0)
    return all(Seen::no_verdict, "booted " + said.substr(at + 1, said.find(',', at) - at - 1) +
                                     "; rule_cases.def describes Bochs 3.0 (set VTX_BOCHS to its binary)");
  const auto log = lines_of(slurp(b.dir / "run" / "serial.log"));
  for (size_t i = 0; i < b.rows.size(); ++i) {
    Row& row = *b.rows[i];
    const std::string id = row.rule->id;
    if (said.find("--allow-rule " + id + ": configgen's check of rule " + id + " is overridden") == std::string::npos) {
      row.seen = Seen::configgen_refused;
      row.detail = "configgen run did not say the rule was overridden";
      continue;
    }
    judge_row(row, i, log);
  }
}

// A batch is compiled with every row's --allow-rule, so each row is first
// compiled alone with its own: only its rule (and its also_allow) may be
// what configgen refuses.
bool compiles_alone(Row& row, const fs::path& work) {
  const fs::path dir = work / "alone";
  fs::create_directories(dir);
  const fs::path profile = dir / (std::string(row.rule->id) + ".yaml");
  std::ofstream(profile) << profile_of(row.c->bad);
  configgen::CompileOptions o;
  o.target_override = "bochs-3.0-tigerlake";
  o.allowed_rules.push_back(row.rule->id);
  std::istringstream also(row.c->also_allow);
  for (std::string other; also >> other;) o.allowed_rules.push_back(other);
  const configgen::Pipeline p = configgen::run_pipeline(profile.string(), o);
  if (p.ok(false)) return true;
  row.seen = Seen::configgen_refused;
  for (const auto& d : p.diags.all())
    if (d.severity == configgen::Severity::Error) {
      row.detail = d.message + " [" + d.rule + "]";
      break;
    }
  return false;
}

void boot_all(std::vector<Batch>& batches, unsigned jobs, const std::string& configgen) {
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (unsigned j = 0; j < jobs; ++j)
    workers.emplace_back([&] {
      for (size_t i; (i = next++) < batches.size();) boot_batch(batches[i], configgen);
    });
  for (auto& w : workers) w.join();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: sdm_differential CONFIGGEN WORK_DIR [JOBS [GUESTS_PER_BOOT]]\n";
    return 2;
  }
  const std::string configgen = argv[1];
  const fs::path work = argv[2];
  const unsigned jobs = argc > 3 ? unsigned(std::max(1, std::atoi(argv[3]))) : 2;
  const size_t per_boot = argc > 4 ? size_t(std::clamp(std::atoi(argv[4]), 1, 16)) : 8;
  fs::create_directories(work);

  std::vector<Row> rows;
  for (const auto& r : arch::kEntryRules) {
    if (!(r.profile_can_influence && r.checked_by_configgen && r.named_by_hypervisor)) continue;
    Row row{&r};
    for (const auto& c : kCases)
      if (c.oracle != Oracle::none && c.rule == std::string(r.id)) row.c = &c;
    rows.push_back(row);
  }

  // Rows booted in batches of `per_boot` guests (one CPU each), `jobs`
  // boots at a time: a boot costs seconds, a guest's failed entry nothing.
  std::vector<Batch> batches;
  for (auto& row : rows) {
    if (!row.c || row.c->oracle == Oracle::not_booted || !compiles_alone(row, work)) continue;
    if (batches.empty() || batches.back().rows.size() == per_boot) batches.push_back({{}, work / ("boot-" + std::to_string(batches.size()))});
    batches.back().rows.push_back(&row);
  }
  boot_all(batches, jobs, configgen);
  // A batch configgen refuses says nothing about which row did it: its rows
  // are booted again one by one.
  std::vector<Batch> alone;
  for (const auto& b : batches)
    if (b.rows.size() > 1 && std::all_of(b.rows.begin(), b.rows.end(), [](const Row* r) { return r->seen == Seen::configgen_refused; }))
      for (Row* r : b.rows) alone.push_back({{r}, work / r->rule->id});
  boot_all(alone, jobs, configgen);
  batches.insert(batches.end(), alone.begin(), alone.end());
  std::vector<std::string> where(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) where[i] = (work / "alone" / (std::string(rows[i].rule->id) + ".yaml")).string();
  for (const auto& b : batches)
    for (size_t i = 0; i < b.rows.size(); ++i) where[size_t(b.rows[i] - rows.data())] = (b.dir / "run/serial.log").string() + ", guest " + guest_name(i);

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
        result += std::string(" -- FAIL, expected ") + seen_name(expected) + (row.detail.empty() ? "" : ": " + row.detail) + " [" + where[size_t(&row - rows.data())] + "]";
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
