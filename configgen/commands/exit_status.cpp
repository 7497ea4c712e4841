#include "commands/exit_status.h"

#include <CLI/CLI.hpp>

namespace configgen::commands {
namespace {

struct Meaning {
  ExitStatus status;
  const char* when;
};
struct CommandStatuses {
  const char* command;
  Meaning meanings[4];  // unused rows have a null `when`
};

constexpr Meaning kVocabulary[] = {
    {ExitStatus::Ok, "success"},
    {ExitStatus::Failed, "the input is wrong or a check failed"},
    {ExitStatus::UsageOrIo, "usage or I/O error"},
    {ExitStatus::Timeout, "a run timed out"},
};

constexpr const char* kUsage = "usage error, or a file that cannot be read or written";
constexpr CommandStatuses kCommandStatuses[] = {
    {"check", {{ExitStatus::Ok, "the profile is valid (warnings allowed, unless --werror)"},
               {ExitStatus::Failed, "the profile has errors (or warnings under --werror)"},
               {ExitStatus::UsageOrIo, "usage error, or the profile, its target or an image cannot be read"}}},
    {"compile", {{ExitStatus::Ok, "the blob was written"},
                 {ExitStatus::Failed, "the profile has errors (or warnings under --werror)"},
                 {ExitStatus::UsageOrIo, kUsage}}},
    {"inspect", {{ExitStatus::Ok, "described"},
                 {ExitStatus::Failed, "the profile has errors, or the blob is refused"},
                 {ExitStatus::UsageOrIo, kUsage}}},
    {"diff", {{ExitStatus::Ok, "no differences"},
              {ExitStatus::Failed, "differences (or a profile with errors, or a refused blob)"},
              {ExitStatus::UsageOrIo, kUsage}}},
    {"explain", {{ExitStatus::Ok, "explained"}, {ExitStatus::Failed, "nothing has that name"}, {ExitStatus::UsageOrIo, "usage error"}}},
    {"schema", {{ExitStatus::Ok, "printed"}, {ExitStatus::UsageOrIo, "usage error"}}},
    {"docs", {{ExitStatus::Ok, "printed"}, {ExitStatus::UsageOrIo, "usage error"}}},
    {"caps", {{ExitStatus::UsageOrIo, "usage error (caps needs a subcommand)"}}},
    {"caps import", {{ExitStatus::Ok, "the target file was written"},
                     {ExitStatus::Failed, "the log holds no capability print"},
                     {ExitStatus::UsageOrIo, kUsage}}},
    {"run", {{ExitStatus::Ok, "the verdict passed (or a negative check held)"},
             {ExitStatus::Failed, "the verdict failed, a negative check did not hold, the profile has errors, or --trace found the trace damaged or its counts disagreeing"},
             {ExitStatus::UsageOrIo, "usage error; unreadable input (profile, target, guest image); no emulator or grub-mkrescue"},
             {ExitStatus::Timeout, "the machine ran until --timeout and was stopped"}}},
    {"completion", {{ExitStatus::Ok, "the script was printed or written"}, {ExitStatus::UsageOrIo, kUsage}}},
    {"man", {{ExitStatus::Ok, "the man page was printed or written"}, {ExitStatus::UsageOrIo, kUsage}}},
    {"paths", {{ExitStatus::Ok, "every required data file was found"},
               {ExitStatus::Failed, "a required data file is missing (the output says where it looked)"},
               {ExitStatus::UsageOrIo, "usage error"}}},
    {"keygen", {{ExitStatus::Ok, "the key was written"}, {ExitStatus::UsageOrIo, kUsage}}},
    {"trace", {{ExitStatus::Ok, "the trace file was written (and its exit counts agree with the log's, when no record was overwritten)"},
               {ExitStatus::Failed, "the log holds no trace, a damaged one, or one whose exit counts disagree with the log's"},
               {ExitStatus::UsageOrIo, kUsage}}},
    {"lab", {{ExitStatus::UsageOrIo, "usage error (lab needs a subcommand)"}}},
    {"lab report", {{ExitStatus::Ok, "every machine's last boot passed"},
                    {ExitStatus::Failed, "a machine failed, has no log, or the lab manifest is invalid"},
                    {ExitStatus::UsageOrIo, kUsage}}},
    {"image", {{ExitStatus::Ok, "the ISO and/or netboot tree were written"},
               {ExitStatus::Failed, "the profile has errors, or the lab manifest is invalid"},
               {ExitStatus::UsageOrIo, kUsage}}},
};

std::string command_path(const CLI::App& app) {
  std::string path;
  for (const CLI::App* a = &app; a->get_parent() != nullptr; a = a->get_parent())
    path = a->get_name() + (path.empty() ? "" : " " + path);
  return path;
}

}  // namespace

std::vector<StatusMeaning> exit_status_vocabulary() {
  std::vector<StatusMeaning> out;
  for (const auto& m : kVocabulary) out.push_back({m.status, m.when});
  return out;
}

std::vector<StatusMeaning> exit_statuses(const std::string& command) {
  std::vector<StatusMeaning> out;
  for (const auto& c : kCommandStatuses)
    if (command == c.command)
      for (const auto& m : c.meanings)
        if (m.when) out.push_back({m.status, m.when});
  return out;
}

std::string exit_status_summary() {
  std::string s = "Exit status:";
  for (const auto& m : kVocabulary) s += std::string(m.status == ExitStatus::Ok ? " " : "; ") + std::to_string(code(m.status)) + " " + m.when;
  return s + ".";
}

std::string exit_status_footer(const std::string& command) {
  const auto meanings = exit_statuses(command);
  if (meanings.empty()) return {};
  std::string s = "Exit status:";
  for (const auto& m : meanings) s += "\n  " + std::to_string(code(m.status)) + "  " + m.when;
  return s + "\n";
}

void add_exit_status_footers(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) {
    if (const std::string footer = exit_status_footer(command_path(*sub)); !footer.empty()) sub->footer(footer);
    add_exit_status_footers(*sub);
  }
}

}  // namespace configgen::commands
