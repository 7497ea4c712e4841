// Reading the hypervisor's serial log (docs/serial-log.md): guest console
// lines, per-guest outcome lines with exit counts, and the end line.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "blob/vocabulary.h"

namespace appliance {

struct GuestOutcome {
  std::string outcome;  // the word printed: halted, exited, stopped, ... (blob/vocabulary.def)
  std::optional<blob::Outcome> known;  // that word's outcome; empty for a word the table lacks
  std::string detail;
  std::map<std::string, long> exits;  // by exit-reason profile name
};

struct SerialLog {
  std::vector<std::string> lines;        // without CR, in order
  std::vector<std::string> line_guests;  // per line: the guest it is about (see line_guest), or ""
  std::map<std::string, GuestOutcome> guests;
  std::optional<bool> end_pass;    // "vmm: end: pass|fail"
  bool blob_refused = false;
  bool vmx_unavailable = false;
};

SerialLog parse_serial_log(const std::string& text);

// The line without terminal control sequences (GRUB clears the screen on the
// same serial port before the hypervisor starts) and without CR/LF.
std::string clean_serial_line(std::string line);

// A line the hypervisor wrote: `[cpuN] vmm: ...` from its start. Guest
// console lines (`[cpuN] guest NAME| ...`) never are, whatever they contain.
bool is_hypervisor_line(const std::string& line);

// The guest a line is about: its console lines (`[cpuN] guest NAME| TEXT`)
// and the hypervisor's records of it (`[cpuN] vmm: guest NAME ...`); "" for
// every other line.
std::string line_guest(const std::string& line);

}  // namespace appliance
