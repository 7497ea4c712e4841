#include "appliance/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace appliance {
namespace {
int decode(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }
}  // namespace

std::optional<ChildProcess> ChildProcess::start(const std::vector<std::string>& argv, const SpawnOptions& options,
                                                std::string& error) {
  if (argv.empty()) {
    error = "no program to run";
    return std::nullopt;
  }
  int out[2];
  if (pipe(out) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return std::nullopt;
  }
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls.
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    error = std::string("fork: ") + std::strerror(errno);
    close(out[0]);
    close(out[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    for (const auto& [name, value] : options.environment) setenv(name.c_str(), value.c_str(), 1);
    const int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    int stdout_fd = out[1];
    if (!options.stdout_path.empty()) {
      stdout_fd = open(options.stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (stdout_fd < 0) _exit(126);
    }
    dup2(stdout_fd, 1);
    dup2(out[1], 2);
    close(out[0]);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  return ChildProcess(pid, out[0]);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), output_(other.output_), status_(other.status_) {
  other.pid_ = -1;
  other.output_ = -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    kill_now();
    wait();
  }
  if (output_ >= 0) close(output_);
}

std::optional<int> ChildProcess::poll_exit() {
  if (status_ || pid_ <= 0) return status_;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) status_ = decode(status);
  return status_;
}

int ChildProcess::wait() {
  if (status_ || pid_ <= 0) return status_.value_or(-1);
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  status_ = decode(status);
  return *status_;
}

void ChildProcess::kill_now() {
  if (pid_ > 0 && !status_) kill(pid_, SIGKILL);
}

ProcessResult run_process(const std::vector<std::string>& argv, int seconds) {
  ProcessResult r;
  std::string error;
  auto child = ChildProcess::start(argv, {}, error);
  if (!child) {
    r.output = error;
    return r;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  char buf[4096];
  bool timed_out = false;
  for (;;) {
    pollfd p{child->output_fd(), POLLIN, 0};
    const int left = int(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count());
    if (left <= 0) {
      timed_out = true;
      child->kill_now();
      break;
    }
    if (poll(&p, 1, left) > 0) {
      const ssize_t n = read(child->output_fd(), buf, sizeof buf);
      if (n <= 0) break;
      r.output.append(buf, size_t(n));
    }
  }
  const int status = child->wait();
  r.exit_status = timed_out ? 124 : status;
  return r;
}

}  // namespace appliance
