#include "commands/lab.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>
#include <sstream>

#include "appliance/files.h"
#include "commands/exit_status.h"
#include "commands/verdict_formats.h"

namespace configgen::commands {
namespace {
using json = nlohmann::ordered_json;

// Each guest's end in a few words: "demo halted, probe stopped".
std::string guests_summary(const netboot::MachineReport& m) {
  std::string s;
  for (const auto& [name, g] : m.log.guests) s += (s.empty() ? "" : ", ") + name + " " + g.outcome;
  return s.empty() ? "no guest ended" : s;
}

std::string what_profile(const netboot::MachineReport& m) {
  if (!m.profile.empty()) return m.profile;
  return m.appliance.empty() ? "(unknown)" : "appliance \"" + m.appliance + "\"";
}
}  // namespace

std::string lab_report_text(const netboot::LabReport& r) {
  size_t passed = 0;
  for (const auto& m : r.machines) passed += m.state == "pass";
  std::ostringstream o;
  o << r.machines.size() << " machine(s): " << passed << " passed, " << r.machines.size() - passed << " did not\n";
  size_t name_width = 7, profile_width = 7;
  for (const auto& m : r.machines) {
    name_width = std::max(name_width, m.machine.size());
    profile_width = std::max(profile_width, what_profile(m).size());
  }
  auto pad = [](const std::string& s, size_t w) { return s + std::string(w > s.size() ? w - s.size() : 0, ' '); };
  o << pad("machine", name_width) << "  " << pad("profile", profile_width) << "  boots  verdict  guests\n";
  for (const auto& m : r.machines) {
    o << pad(m.machine, name_width) << "  " << pad(what_profile(m), profile_width) << "  " << pad(std::to_string(m.boots), 5) << "  "
      << pad(m.state, 7) << "  " << (m.log_path.empty() ? "-" : guests_summary(m)) << "\n";
    for (const auto& f : m.verdict.failures) o << "    " << f << "\n";
    if (!m.log_path.empty() && m.state != "pass") o << "    log: " << m.log_path << "\n";
  }
  for (const auto& n : r.notes) o << "note: " << n << "\n";
  return o.str();
}

std::string lab_report_json(const netboot::LabReport& r) {
  json machines = json::array();
  for (const auto& m : r.machines) {
    json guests = json::array();
    for (const auto& [name, g] : m.log.guests) {
      json exits = json::object();
      for (const auto& [reason, n] : g.exits) exits[reason] = n;
      guests.push_back({{"name", name}, {"outcome", g.outcome}, {"detail", g.detail}, {"exits", exits}});
    }
    machines.push_back({{"machine", m.machine},
                        {"mac", m.mac.empty() ? json(nullptr) : json(m.mac)},
                        {"profile", m.profile.empty() ? json(nullptr) : json(m.profile)},
                        {"appliance", m.appliance.empty() ? json(nullptr) : json(m.appliance)},
                        {"log", m.log_path.empty() ? json(nullptr) : json(m.log_path)},
                        {"boots", m.boots},
                        {"verdict", m.state},
                        {"pass", m.state == "pass"},
                        {"failures", m.verdict.failures},
                        {"guests", guests}});
  }
  const json out = {{"pass", r.pass()}, {"machines", machines}, {"notes", r.notes}};
  return out.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string lab_report_junit(const netboot::LabReport& r, const std::string& lab_name) {
  size_t tests = 0, failures = 0;
  for (const auto& m : r.machines) {
    tests += std::max<size_t>(1, m.verdict.checks.size());
    for (const auto& c : m.verdict.checks) failures += !c.failure.empty();
    if (m.verdict.checks.empty()) ++failures;  // no log, or a profile that does not compile
  }
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<testsuites name=\"" << xml_text(lab_name) << "\" tests=\"" << tests << "\" failures=\"" << failures << "\">\n";
  for (const auto& m : r.machines) {
    size_t f = 0;
    for (const auto& c : m.verdict.checks) f += !c.failure.empty();
    const bool unjudged = m.verdict.checks.empty();
    o << "  <testsuite name=\"" << xml_text(m.machine) << "\" tests=\"" << std::max<size_t>(1, m.verdict.checks.size())
      << "\" failures=\"" << (unjudged ? 1 : f) << "\" errors=\"0\" skipped=\"0\">\n";
    o << "    <properties>\n";
    const std::pair<const char*, std::string> properties[] = {{"mac", m.mac}, {"profile", m.profile}, {"appliance", m.appliance},
                                                              {"serial_log", m.log_path}, {"boots", std::to_string(m.boots)},
                                                              {"verdict", m.state}};
    for (const auto& [name, value] : properties) o << "      <property name=\"" << name << "\" value=\"" << xml_text(value) << "\"/>\n";
    o << "    </properties>\n";
    if (unjudged) {
      const std::string why = m.verdict.failures.empty() ? m.state : m.verdict.failures.front();
      o << "    <testcase classname=\"" << xml_text(m.machine) << "\" name=\"boot\">\n      <failure message=\"" << xml_text(why)
        << "\" type=\"" << xml_text(m.state) << "\"/>\n    </testcase>\n";
    }
    for (const auto& c : m.verdict.checks) {
      o << "    <testcase classname=\"" << xml_text(m.machine) << "\" name=\"" << xml_text(c.name) << "\"";
      if (c.failure.empty()) {
        o << "/>\n";
        continue;
      }
      o << ">\n      <failure message=\"" << xml_text(c.failure) << "\" type=\"" << xml_text(m.state) << "\"/>\n    </testcase>\n";
    }
    o << "  </testsuite>\n";
  }
  o << "</testsuites>\n";
  return o.str();
}

void register_lab_commands(CLI::App& app, int& status) {
  auto* lab = app.add_subcommand("lab", "A lab of netbooted machines (build its tree with `image --lab`)");
  lab->require_subcommand(1);
  struct Options {
    std::string log_dir, manifest, junit;
    bool json = false;
  };
  static Options o;
  auto* report = lab->add_subcommand("report", "Each machine's profile, verdict and guests, from the serial logs a console server keeps");
  report->add_option("logdir", o.log_dir, "Directory of serial logs, one file per machine (conserver, ser2net); each one's last boot is judged")
      ->required()
      ->check(CLI::ExistingDirectory);
  report->add_option("--lab", o.manifest, "Lab manifest: judge each machine against its profile's expectations; a machine without a log fails");
  report->add_option("--junit", o.junit, "Also write JUnit XML: one testsuite per machine, one testcase per check");
  report->add_flag("--json", o.json, "Print the report as JSON instead of a table");
  report->callback([&status] {
    netboot::Lab manifest;
    if (!o.manifest.empty()) {
      if (auto err = netboot::read_lab_manifest(o.manifest, manifest); !err.empty()) {
        std::fputs(err.c_str(), stderr);
        status = code(ExitStatus::Failed);
        return;
      }
    }
    std::string error;
    const netboot::LabReport r = netboot::report_lab(o.log_dir, o.manifest.empty() ? nullptr : &manifest, error);
    if (!error.empty()) {
      spdlog::error("{}", error);
      status = code(ExitStatus::UsageOrIo);
      return;
    }
    std::cout << (o.json ? lab_report_json(r) : lab_report_text(r));
    if (!o.junit.empty())
      if (auto err = appliance::write_file(o.junit, lab_report_junit(r, o.manifest.empty() ? "lab" : manifest.name)); !err.empty()) {
        spdlog::error("{}", err);
        status = code(ExitStatus::UsageOrIo);
        return;
      }
    status = code(r.pass() ? ExitStatus::Ok : ExitStatus::Failed);
  });
}

}  // namespace configgen::commands
