// configgen's own messages: spdlog's default logger writes through one sink
// that knows the command being run ("configgen run: error: ..."), puts
// information on stdout and everything else on stderr, and colours the level
// word only when colour is wanted. Diagnostics keep their clang-style text;
// colour, on a terminal, is the only thing this layer adds to them.
#pragma once
#include <spdlog/spdlog.h>

#include <string>

#include "model/diagnostics.h"

namespace configgen::console {

enum class ColorMode { Auto, Always, Never };

// Auto means: the stream is a terminal and NO_COLOR is unset or empty
// (https://no-color.org). Always and Never ignore both.
bool wants_color(ColorMode mode, bool is_terminal, const char* no_color);

// Installs the logger (idempotent); `command` names the subcommand in every
// warning, error and debug line ("run", "caps import"; empty: none yet).
void configure(spdlog::level::level_enum level, ColorMode mode, const std::string& command = {});

// For a command whose stdout is a document (run --json): information goes
// to stderr from now on.
void reserve_stdout();

bool stdout_colored();
bool stderr_colored();

// Diagnostics on stderr, coloured when stderr is.
void print_diagnostics(const Diagnostics& diags);

}  // namespace configgen::console
