// Running helper programs (grub-mkrescue, bochs, qemu) without a shell: the
// one place the appliance forks and execs.
#pragma once
#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace appliance {

struct SpawnOptions {
  // Where the child's stdout goes: empty = into the pipe (with stderr),
  // else this file (truncated). stdin is always /dev/null.
  std::string stdout_path;
  std::vector<std::pair<std::string, std::string>> environment;  // set in the child only
};

// A started child. Its stderr (and stdout, unless redirected to a file) is
// readable on output_fd() until it exits.
class ChildProcess {
 public:
  // nullopt with `error` set when the pipe or fork fails. A program that
  // cannot be executed shows as exit status 127.
  static std::optional<ChildProcess> start(const std::vector<std::string>& argv, const SpawnOptions& options,
                                           std::string& error);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();

  int output_fd() const { return output_; }
  // The exit status (128+signal when killed) once the child has ended.
  std::optional<int> poll_exit();
  int wait();
  void kill_now();

 private:
  ChildProcess(pid_t pid, int output) : pid_(pid), output_(output) {}
  pid_t pid_ = -1;
  int output_ = -1;
  std::optional<int> status_;
};

struct ProcessResult {
  int exit_status = -1;  // 124 when the time limit killed it
  std::string output;    // stdout and stderr, for error messages
};

// Runs argv, collects its output, waits at most `seconds`.
ProcessResult run_process(const std::vector<std::string>& argv, int seconds);

}  // namespace appliance
