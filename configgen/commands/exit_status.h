// Exit statuses: one vocabulary for every command, and one row per command
// saying what each status means there. Each command's --help ends with its
// row (a test checks that every command has one).
#pragma once
#include <string>

namespace CLI {
class App;
}

namespace configgen::commands {

enum class ExitStatus : int {
  Ok = 0,
  Failed = 1,      // the input is wrong or the check failed: invalid profile, refused blob, failed verdict, differences
  UsageOrIo = 2,   // the command could not do its work: bad arguments, a file that cannot be read or written
  Timeout = 124,   // run: the machine was stopped by --timeout (timeout(1)'s status)
};

constexpr int code(ExitStatus s) { return static_cast<int>(s); }

// "Exit status: 0 ...; 1 ...; 2 ..." for `configgen check` ("check"), `caps
// import` ("caps import"); empty for a command the table lacks.
std::string exit_status_footer(const std::string& command);

// Gives every subcommand of `app` (recursively) its footer.
void add_exit_status_footers(CLI::App& app);

}  // namespace configgen::commands
