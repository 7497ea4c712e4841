// The command line as data, read from the CLI11 app itself, so that the
// shell completions (completion.h) and the man page (man_page.h) cannot
// drift from what `configgen --help` shows.
#pragma once
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace configgen::commands {

struct OptionSpec {
  std::vector<std::string> names;  // "-o", "--output"; empty for a positional
  std::string value_name;          // "profile" (a positional), "TEXT", "INT"; empty for a flag
  std::string help;
  std::string default_value;       // as --help shows it; empty if none is shown
  std::vector<std::string> choices;  // the words of a CLI::IsMember check
  std::string group;               // "Options", or a group of its own ("Testing ...")
  bool positional = false;
  bool required = false;
  bool repeatable = false;
  bool takes_value() const { return positional || !value_name.empty(); }
};

struct CommandSpec {
  std::string name;  // "configgen", "check", "import"
  std::string path;  // "", "check", "caps import"
  std::string help;
  std::string footer;  // the exit statuses of the command
  std::vector<OptionSpec> options;  // without --help (every command has it)
  std::vector<CommandSpec> subcommands;
};

CommandSpec command_tree(const CLI::App& app);

}  // namespace configgen::commands
