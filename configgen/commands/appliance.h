// Commands that build and boot appliances: image, run. Registered into the
// configgen CLI by commands/main.cpp.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>

#include "pipeline/driver.h"

namespace configgen::commands {
// `compile_options` gives the global options (--target, --werror,
// --build-dir) at the time a command runs; each command sets `status`.
void register_appliance_commands(CLI::App& app, std::function<CompileOptions()> compile_options, int& status);
}
