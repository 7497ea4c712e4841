// Commands that build and boot appliances: image, run. Registered into the
// configgen CLI by commands/main.cpp.
#pragma once
#include <CLI/CLI.hpp>

namespace configgen::appliance {
void register_commands(CLI::App& app);
}
