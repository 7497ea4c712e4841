// `configgen lab report`: a lab's verdicts from the serial logs its console
// server keeps (conserver, ser2net: one file per machine, appended boot after
// boot). Each machine's last boot is judged against its own profile's
// expectations, as `configgen run` judges an emulator run.
#pragma once
#include <string>
#include <vector>

#include "appliance/serial_log.h"
#include "appliance/verdict.h"
#include "netboot/lab.h"

namespace netboot {

struct MachineReport {
  std::string machine;    // the manifest's name, or the log's blob name without .blob
  std::string mac;        // from the manifest; empty without one
  std::string profile;    // the manifest's profile path; empty without one
  std::string appliance;  // the blob's appliance name as the hypervisor printed it
  std::string log_path;   // empty: no log names this machine
  int boots = 0;          // hypervisor starts in the log; the last one is judged
  appliance::SerialLog log;  // the last boot
  appliance::Verdict verdict;
  std::string state;  // pass, fail, no-log, no-end (boot never finished), no-vmx, refused
};

struct LabReport {
  std::vector<MachineReport> machines;  // the manifest's order, then logs no machine claims
  std::vector<std::string> notes;       // logs skipped and why
  bool pass() const;
};

// The lines of the last boot in a log: from its last `vmm: starting` line
// (the hypervisor's first), or the whole text when it has none.
std::string last_boot(const std::string& text, int& boots);

// The machine a boot belongs to, from the command line the hypervisor
// printed (`blob=NAME.blob`, as the lab tree names each machine's blob);
// empty when it has none.
std::string machine_of_boot(const appliance::SerialLog& log);

// Reads every regular file in `log_dir`. With a manifest (`lab` not null),
// each of its machines is judged against its profile (compiled; an invalid
// profile is a failure of that machine) and a machine without a log fails;
// without one, each log is judged by the hypervisor's end line alone.
// `error` is set when the directory cannot be read.
LabReport report_lab(const std::string& log_dir, const Lab* lab, std::string& error);

}  // namespace netboot
