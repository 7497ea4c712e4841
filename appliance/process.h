// Running helper programs (grub-mkrescue, bochs, qemu) without a shell.
#pragma once
#include <string>
#include <vector>

namespace configgen::appliance {

struct ProcessResult {
  int exit_status = -1;  // 124 when the time limit killed it
  std::string output;    // stdout and stderr, for error messages
};

// Runs argv with stdin from /dev/null, waits at most `seconds`.
ProcessResult run_process(const std::vector<std::string>& argv, int seconds);

}  // namespace configgen::appliance
