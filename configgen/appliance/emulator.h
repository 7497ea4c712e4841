// Booting an appliance headless in Bochs or QEMU, time-boxed, with the
// serial log streamed while it runs (shared/platform.md has the recipes).
#pragma once
#include <string>

namespace configgen::appliance {

struct RunSpec {
  std::string emulator = "bochs";  // bochs | qemu
  std::string boot = "cdrom";      // cdrom | net | kernel (qemu only)
  int cpus = 2;
  std::string cpu_model = "tigerlake";
  int timeout_seconds = 120;
  std::string work_dir;
  std::string iso;          // cdrom
  std::string netboot_dir;  // net
  std::string vmm, blob, cmdline;  // kernel
  bool stream = true;       // print serial lines as they arrive
};

struct RunResult {
  int emulator_status = -1;
  bool timed_out = false;
  std::string serial;  // the whole serial log
  std::string error;   // why the emulator could not be started
};

RunResult run_emulator(const RunSpec& spec);

}  // namespace configgen::appliance
