// `configgen man`: configgen(1) in roff (man macros), generated from the
// command tree (command_tree.h) and the exit-status table (exit_status.h).
#pragma once
#include <string>

#include "commands/command_tree.h"

namespace configgen::commands {

// `version` goes in the page's footer ("configgen 0.1 (blob format 7, ...)").
std::string man_page(const CommandSpec& root, const std::string& version);

}  // namespace configgen::commands
