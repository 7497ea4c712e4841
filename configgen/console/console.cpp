#include "console/console.h"

#include <spdlog/sinks/base_sink.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <mutex>

namespace configgen::console {
namespace {

struct State {
  ColorMode mode = ColorMode::Auto;
  std::string command;
  bool stdout_reserved = false;
};
State& state() {
  static State s;
  return s;
}

bool colored(int fd) { return wants_color(state().mode, isatty(fd) == 1, std::getenv("NO_COLOR")); }

// The level words and their colours (clang's: red errors, magenta warnings).
const char* level_word(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace: return "trace";
    case spdlog::level::debug: return "debug";
    case spdlog::level::warn: return "warning";
    case spdlog::level::err: return "error";
    case spdlog::level::critical: return "fatal";
    default: return "";
  }
}
const char* level_colour(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::warn: return "\033[1;35m";
    case spdlog::level::err:
    case spdlog::level::critical: return "\033[1;31m";
    default: return "\033[36m";
  }
}

// Information is what a command tells its user (a verdict, "ok"): stdout, as
// written. Warnings, errors and debug lines go to stderr, each saying which
// command and level they come from.
class ConsoleSink : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string_view text(msg.payload.data(), msg.payload.size());
    if (msg.level == spdlog::level::info) {
      (state().stdout_reserved ? std::cerr : std::cout) << text << '\n';
      return;
    }
    std::cerr << "configgen" << (state().command.empty() ? "" : " ") << state().command << ": ";
    if (colored(STDERR_FILENO))
      std::cerr << level_colour(msg.level) << level_word(msg.level) << ":\033[0m ";
    else
      std::cerr << level_word(msg.level) << ": ";
    std::cerr << text << '\n';
  }
  void flush_() override {
    std::cout.flush();
    std::cerr.flush();
  }
};

}  // namespace

bool wants_color(ColorMode mode, bool is_terminal, const char* no_color) {
  if (mode != ColorMode::Auto) return mode == ColorMode::Always;
  return is_terminal && (no_color == nullptr || *no_color == '\0');
}

void configure(spdlog::level::level_enum level, ColorMode mode, const std::string& command) {
  state().mode = mode;
  state().command = command;
  static const auto logger = [] {
    auto l = std::make_shared<spdlog::logger>("configgen", std::make_shared<ConsoleSink>());
    spdlog::set_default_logger(l);
    return l;
  }();
  logger->set_level(level);
  logger->flush_on(spdlog::level::trace);  // interleaves with std::cout/std::cerr output in order
}

void reserve_stdout() { state().stdout_reserved = true; }

bool stdout_colored() { return colored(STDOUT_FILENO); }
bool stderr_colored() { return colored(STDERR_FILENO); }

void print_diagnostics(const Diagnostics& diags) {
  if (!diags.all().empty()) std::cerr << diags.render(stderr_colored());
}

}  // namespace configgen::console
