#include "netboot/report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "pipeline/driver.h"

namespace netboot {
namespace fs = std::filesystem;

bool LabReport::pass() const {
  return !machines.empty() && std::all_of(machines.begin(), machines.end(), [](const MachineReport& m) { return m.state == "pass"; });
}

std::string last_boot(const std::string& text, int& boots) {
  boots = 0;
  size_t start = std::string::npos, at = 0;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    const std::string line = appliance::clean_serial_line(text.substr(at, end - at));
    if (appliance::is_hypervisor_line(line) && line.find("] vmm: starting") != std::string::npos) {
      ++boots;
      start = at;
    }
    at = end + 1;
  }
  return start == std::string::npos ? text : text.substr(start);
}

std::string machine_of_boot(const appliance::SerialLog& log) {
  static const std::regex command_line(R"(^\[cpu\d+\] vmm: command line: .*\bblob=([^ /]+)\.blob\b)");
  for (const auto& line : log.lines) {
    std::smatch m;
    if (std::regex_search(line, m, command_line)) return m[1];
  }
  return {};
}

namespace {
std::string appliance_of_boot(const appliance::SerialLog& log) {
  static const std::regex blob_ok(R"re(^\[cpu\d+\] vmm: blob ok: appliance "([^"]*)")re");
  for (const auto& line : log.lines) {
    std::smatch m;
    if (std::regex_search(line, m, blob_ok)) return m[1];
  }
  return {};
}

struct LogFile {
  fs::path path;
  fs::file_time_type written;
  int boots = 0;
  appliance::SerialLog log;
  std::string machine;
};

// What the verdict says in one word, the hypervisor's own reasons first.
std::string state_of(const MachineReport& m) {
  if (m.log_path.empty()) return "no-log";
  if (m.log.blob_refused) return "refused";
  if (m.log.vmx_unavailable) return "no-vmx";
  if (!m.log.end_pass) return "no-end";
  return m.verdict.pass ? "pass" : "fail";
}
}  // namespace

LabReport report_lab(const std::string& log_dir, const Lab* lab, std::string& error) {
  LabReport report;
  std::error_code ec;
  std::vector<LogFile> logs;
  for (const auto& entry : fs::directory_iterator(log_dir, ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    LogFile f{entry.path(), entry.last_write_time(), 0, {}, {}};
    f.log = appliance::parse_serial_log(last_boot(text.str(), f.boots));
    if (f.boots == 0) {
      report.notes.push_back(entry.path().string() + ": no `vmm: starting` line (not a serial log of the appliance, or the machine never reached it)");
      continue;
    }
    f.machine = machine_of_boot(f.log);
    // A log without a blob= command line (an ISO boot) is named by its file.
    if (f.machine.empty()) f.machine = entry.path().stem().string();
    logs.push_back(std::move(f));
  }
  if (ec) {
    error = "cannot read the log directory " + log_dir + ": " + ec.message();
    return report;
  }
  // The newest log of each machine: a console server may rotate or date them.
  std::sort(logs.begin(), logs.end(), [](const LogFile& a, const LogFile& b) {
    return a.machine != b.machine ? a.machine < b.machine : a.written > b.written;
  });
  std::map<std::string, const LogFile*> newest;
  for (const auto& f : logs) {
    if (newest.emplace(f.machine, &f).second) continue;
    report.notes.push_back(f.path.string() + ": an older log of " + f.machine + " than " + newest[f.machine]->path.string() + "; not judged");
  }
  auto fill = [](MachineReport& m, const LogFile& f) {
    m.log_path = f.path.string();
    m.boots = f.boots;
    m.log = f.log;
    m.appliance = appliance_of_boot(f.log);
  };
  if (lab) {
    for (const auto& machine : lab->machines) {
      MachineReport m{machine.name, machine.mac, machine.profile, {}, {}, 0, {}, {}, {}};
      if (auto it = newest.find(machine.name); it != newest.end()) {
        fill(m, *it->second);
        newest.erase(it);
        if (auto compiled = configgen::compile_profile_file(machine.profile, configgen::CompileOptions{}))
          m.verdict = appliance::judge(m.log, compiled->expectations, appliance::expects_clean_end(compiled->expectations));
        else
          m.verdict.failures.push_back("the machine's profile " + machine.profile + " does not compile");
      } else {
        m.verdict.failures.push_back("no log in " + log_dir + " names this machine (blob=" + machine.name + ".blob)");
      }
      m.state = state_of(m);
      if (m.state == "pass" && !m.verdict.pass) m.state = "fail";
      report.machines.push_back(std::move(m));
    }
  }
  // Logs the manifest does not claim (machines booted by default.blob, or no
  // manifest at all): judged by the hypervisor's end line alone.
  for (const auto& [name, f] : newest) {
    MachineReport m;
    m.machine = name;
    fill(m, *f);
    m.verdict = appliance::judge(m.log, {}, true);
    m.state = state_of(m);
    report.machines.push_back(std::move(m));
  }
  return report;
}

}  // namespace netboot
