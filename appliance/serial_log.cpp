#include "appliance/serial_log.h"

#include <regex>
#include <sstream>

namespace appliance {

std::string clean_serial_line(std::string line) {
  static const std::regex control("\x1b(?:\\[[0-9;?]*[ -/]*[@-~]|[@-Z\\\\-_])");
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
  // A carriage return before the line (the loader's last output ended with
  // one) moves nothing a reader sees; only leading ones go, so text a guest
  // prints after its console prefix never becomes the start of a line.
  line.erase(0, line.find_first_not_of('\r') == std::string::npos ? line.size() : line.find_first_not_of('\r'));
  if (line.find('\x1b') != std::string::npos) line = std::regex_replace(line, control, "");
  return line;
}

std::string line_guest(const std::string& line) {
  // "vmm: guest NAME ..." and "vmm: guest NAME: ..." (a vCPU's line) alike.
  static const std::regex about(R"(^\[cpu\d+\] (?:vmm: guest ([^\s:]+):? |guest ([^|\s]+)\|))");
  std::smatch m;
  if (!std::regex_search(line, m, about)) return {};
  return m[1].matched ? m[1].str() : m[2].str();
}

bool is_hypervisor_line(const std::string& line) {
  static const std::regex shape(R"(^\[cpu\d+\] vmm: )");
  return std::regex_search(line, shape);
}

// Verdict lines are read only where the hypervisor wrote them: from the start
// of a line of its own shape (docs/isolation.md, "Verdicts"). A guest's
// console line always starts with `[cpuN] guest NAME| `, so whatever it
// prints after that prefix is never an outcome or an end line.
SerialLog parse_serial_log(const std::string& text) {
  static const std::regex ended(R"(^\[cpu\d+\] vmm: guest (\S+) ended: ([a-z-]+)(?: \((.*)\))?; exits: (.*)$)");
  static const std::regex count(R"(([a-z0-9-]+)=(\d+))");
  static const std::regex end(R"(^\[cpu\d+\] vmm: end: (pass|fail)$)");
  static const std::regex refused(R"(^\[cpu\d+\] vmm: blob refused:)");
  static const std::regex no_vmx(R"(^\[cpu\d+\] vmm: VMX unavailable:)");
  SerialLog log;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    l = clean_serial_line(l);
    log.lines.push_back(l);
    log.line_guests.push_back(line_guest(l));
    std::smatch m;
    if (std::regex_search(l, m, ended)) {
      GuestOutcome g;
      g.outcome = m[2];
      if (const auto* w = blob::find_word(blob::kOutcomes, g.outcome.c_str())) g.known = w->value;
      g.detail = m[3];
      const std::string counts = m[4];
      for (auto it = std::sregex_iterator(counts.begin(), counts.end(), count); it != std::sregex_iterator(); ++it)
        g.exits[(*it)[1]] = std::stol((*it)[2]);
      log.guests[m[1]] = g;
    } else if (std::regex_search(l, m, end)) {
      log.end_pass = m[1] == "pass";
    }
    if (std::regex_search(l, refused)) log.blob_refused = true;
    if (std::regex_search(l, no_vmx)) log.vmx_unavailable = true;
  }
  return log;
}

}  // namespace appliance
