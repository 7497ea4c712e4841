// Booting an appliance headless in Bochs or QEMU, time-boxed, with the
// serial log streamed while it runs (shared/platform.md has the recipes).
#pragma once
#include <string>

namespace appliance {

struct RunSpec {
  std::string emulator = "bochs";  // bochs | qemu
  std::string boot = "cdrom";      // cdrom | net | kernel (qemu only)
  int cpus = 2;  // configgen run: the profile's need unless --cpus says otherwise
  std::string cpu_model = "tigerlake";
  int timeout_seconds = 120;
  std::string work_dir;
  std::string iso;          // cdrom
  std::string netboot_dir;  // net
  std::string vmm, blob, cmdline;  // kernel
  bool stream = true;       // print serial lines as they arrive
  std::string bochs;        // the Bochs binary (find_bochs); "" = `bochs` on PATH
  int bochs_version = 0;    // BochsBinary::version_number(): the rc file differs by version
};

struct RunResult {
  int emulator_status = -1;
  bool timed_out = false;
  std::string serial;    // the whole serial log
  std::string messages;  // the emulator's stderr (also kept as WORK/emulator.err)
  std::string error;   // why the emulator could not be started
};

RunResult run_emulator(const RunSpec& spec);

// The emulator's own reason for stopping, from its stderr: Bochs's
// "exiting with the following message" block, or QEMU's "qemu-system-...:"
// error line; "" when it gave none.
std::string emulator_complaint(const std::string& messages);

}  // namespace appliance
