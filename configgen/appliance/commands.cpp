#include "appliance/commands.h"

namespace configgen::appliance {
// Filled in by the appliance work (image, run).
void register_commands(CLI::App&) {}
}  // namespace configgen::appliance
