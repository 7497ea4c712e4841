#include "commands/verdict_formats.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace configgen::commands {
namespace {
using json = nlohmann::ordered_json;

std::string outcome_word(const appliance::Verdict& v, const RunFacts& run) {
  return run.timed_out ? "timeout" : v.pass ? "pass" : "fail";
}

}  // namespace

std::vector<std::string> exit_histogram(const appliance::SerialLog& log) {
  constexpr long kBarWidth = 30;
  std::vector<std::string> out;
  for (const auto& [name, g] : log.guests) {
    std::vector<std::pair<std::string, long>> rows(g.exits.begin(), g.exits.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    long total = 0, most = 0;
    size_t width = 0;
    for (const auto& [reason, n] : rows) total += n, most = std::max(most, n), width = std::max(width, reason.size());
    if (rows.empty()) {
      out.push_back("exits of guest " + name + ": none");
      continue;
    }
    out.push_back("exits of guest " + name + " (" + std::to_string(total) + " in all):");
    const size_t digits = std::to_string(most).size();
    for (const auto& [reason, n] : rows) {
      const long bar = std::max(1L, (n * kBarWidth + most - 1) / most);  // every reason that occurred shows
      const std::string count = std::to_string(n);
      out.push_back("  " + reason + std::string(width - reason.size(), ' ') + "  " + std::string(digits - count.size(), ' ') + count +
                    "  " + std::string(size_t(bar), '#'));
    }
  }
  return out;
}

std::string verdict_json(const appliance::Verdict& v, const appliance::SerialLog& log, const RunFacts& run) {
  json checks = json::array();
  for (const auto& c : v.checks) {
    json j = {{"name", c.name}, {"passed", c.failure.empty()}};
    if (!c.failure.empty()) j["failure"] = c.failure;
    if (!c.loc.file.empty()) j["location"] = {{"file", c.loc.file}, {"line", c.loc.line}, {"column", c.loc.column}};
    checks.push_back(j);
  }
  json guests = json::array();
  for (const auto& [name, g] : log.guests) {
    json exits = json::object();
    for (const auto& [reason, n] : g.exits) exits[reason] = n;
    guests.push_back({{"name", name}, {"outcome", g.outcome}, {"detail", g.detail}, {"exits", exits}});
  }
  json out = {{"verdict", outcome_word(v, run)},
              {"pass", v.pass && !run.timed_out},
              {"exit_status", run.exit_status},
              {"input", run.input},
              {"emulator", run.emulator},
              {"boot", run.boot},
              {"cpus", run.cpus},
              {"serial_log", run.log_path},
              {"end_line", log.end_pass ? json(*log.end_pass ? "pass" : "fail") : json(nullptr)},
              {"failures", v.failures},
              {"checks", checks},
              {"guests", guests}};
  return out.dump(2) + "\n";
}

std::string verdict_junit(const appliance::Verdict& v, const RunFacts& run) {
  size_t failures = 0;
  for (const auto& c : v.checks) failures += !c.failure.empty();
  const std::string suite = std::filesystem::path(run.input).stem().string();
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<testsuites name=\"configgen run\" tests=\"" << v.checks.size() << "\" failures=\"" << failures << "\">\n";
  o << "  <testsuite name=\"" << xml_text(suite) << "\" tests=\"" << v.checks.size() << "\" failures=\"" << failures
    << "\" errors=\"0\" skipped=\"0\">\n";
  o << "    <properties>\n";
  const std::pair<const char*, std::string> properties[] = {{"input", run.input}, {"emulator", run.emulator}, {"boot", run.boot},
                                                            {"cpus", std::to_string(run.cpus)}, {"serial_log", run.log_path},
                                                            {"verdict", outcome_word(v, run)}};
  for (const auto& [name, value] : properties) o << "      <property name=\"" << name << "\" value=\"" << xml_text(value) << "\"/>\n";
  o << "    </properties>\n";
  for (const auto& c : v.checks) {
    o << "    <testcase classname=\"" << xml_text(suite) << "\" name=\"" << xml_text(c.name) << "\"";
    if (!c.loc.file.empty()) o << " file=\"" << xml_text(c.loc.file) << "\" line=\"" << c.loc.line << "\"";
    if (c.failure.empty()) {
      o << "/>\n";
      continue;
    }
    o << ">\n      <failure message=\"" << xml_text(c.failure) << "\" type=\"" << (run.timed_out ? "timeout" : "expectation") << "\"/>\n";
    o << "    </testcase>\n";
  }
  o << "  </testsuite>\n</testsuites>\n";
  return o.str();
}

}  // namespace configgen::commands
