// `configgen completion bash|zsh`: shell completion scripts generated from
// the command tree (command_tree.h): subcommand names, each command's
// options, the words of options with fixed choices, files for positional
// arguments and for options that take a path.
#pragma once
#include <string>

#include "commands/command_tree.h"

namespace configgen::commands {

std::string bash_completion(const CommandSpec& root);
std::string zsh_completion(const CommandSpec& root);

}  // namespace configgen::commands
