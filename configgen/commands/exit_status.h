// Exit statuses: one vocabulary for every command, and one row per command
// saying what each status means there. Each command's --help ends with its
// row (a test checks that every command has one).
#pragma once
#include <string>
#include <vector>

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

struct StatusMeaning {
  ExitStatus status;
  std::string when;
};

// What each status means for every command (the man page's EXIT STATUS).
std::vector<StatusMeaning> exit_status_vocabulary();
// What each status means for `command` ("check", "caps import"); empty for a
// command the table lacks.
std::vector<StatusMeaning> exit_statuses(const std::string& command);
// The one-line summary ending `configgen --help`.
std::string exit_status_summary();

// "Exit status: 0 ...; 1 ...; 2 ..." for `configgen check` ("check"), `caps
// import` ("caps import"); empty for a command the table lacks.
std::string exit_status_footer(const std::string& command);

// Gives every subcommand of `app` (recursively) its footer.
void add_exit_status_footers(CLI::App& app);

}  // namespace configgen::commands
