// `configgen completion bash|zsh` and `configgen man` (commands/completion.h,
// commands/man_page.h): generated from the CLI11 definitions (command_tree.h).
// The scripts are checked by bash itself: `bash -n`, then sourced and driven
// through COMP_WORDS/COMP_CWORD as bash's programmable completion would; the
// page by groff with warnings on.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "commands/command_tree.h"
#include "commands/completion.h"
#include "commands/man_page.h"

namespace {
namespace fs = std::filesystem;
using configgen::commands::CommandSpec;

struct Ran {
  int status;
  std::string out;
};
// Runs a shell command line and collects its stdout (stderr too with 2>&1).
Ran run(const std::string& command) {
  Ran r{-1, {}};
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  const int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

const std::string kConfiggen = VTX_BINARY_DIR "/bin/configgen";

fs::path scratch() {
  const fs::path d = fs::temp_directory_path() / ("configgen-shell-files-" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

// The words bash offers for a command line whose last word is being typed.
std::vector<std::string> complete(const std::string& script, const std::vector<std::string>& words) {
  const fs::path driver = scratch() / "drive.sh";
  std::ofstream(driver) << "source \"$1\"; shift\nCOMP_WORDS=(\"$@\"); COMP_CWORD=$(( $# - 1 ))\n_configgen\n"
                           "printf '%s\\n' \"${COMPREPLY[@]}\"\n";
  std::string cmd = "bash " + driver.string() + " " + script;
  for (const auto& w : words) cmd += " '" + w + "'";
  std::vector<std::string> out;
  std::string line;
  for (char c : run(cmd + " 2>&1").out) {
    if (c != '\n') line += c;
    else if (!line.empty()) out.push_back(line), line.clear();
  }
  return out;
}
using Words = std::vector<std::string>;

std::string bash_script() {
  const std::string path = (scratch() / "configgen.bash").string();
  EXPECT_EQ(run(kConfiggen + " completion bash -o " + path).status, 0);
  return path;
}

TEST(Completion, BashScriptIsValidBash) {
  const Ran r = run("bash -n " + bash_script() + " 2>&1");
  EXPECT_EQ(r.status, 0) << r.out;
}

TEST(Completion, BashCompletesSubcommandNamesFromTheAppItself) {
  const std::string script = bash_script();
  EXPECT_EQ(complete(script, {"configgen", "ch"}), Words({"check"}));
  EXPECT_EQ(complete(script, {"configgen", "--target", "bochs-3.0-tigerlake", "insp"}), Words({"inspect"}));
  EXPECT_EQ(complete(script, {"configgen", "caps", "im"}), Words({"import"}));
  // Every command `configgen --help` lists is offered for an empty word.
  const Words all = complete(script, {"configgen", ""});
  for (const char* c : {"check", "compile", "inspect", "diff", "explain", "schema", "docs", "caps", "run", "keygen", "image", "completion", "man"})
    EXPECT_NE(std::find(all.begin(), all.end(), c), all.end()) << c;
}

TEST(Completion, BashCompletesTheWordsOfOptionsWithFixedChoices) {
  const std::string script = bash_script();
  EXPECT_EQ(complete(script, {"configgen", "run", "x.yaml", "--emulator", ""}), Words({"bochs", "qemu"}));
  EXPECT_EQ(complete(script, {"configgen", "check", "x.yaml", "--format", ""}), Words({"text", "json", "sarif"}));
  EXPECT_EQ(complete(script, {"configgen", "--color", "a"}), Words({"auto", "always"}));
  EXPECT_EQ(complete(script, {"configgen", "check", "x.yaml", "--color", "n"}), Words({"never"}));  // a global option after the command
  EXPECT_EQ(complete(script, {"configgen", "completion", ""}), Words({"bash", "zsh"}));
  // `--format=js`, split by bash at '=' as it does with the default COMP_WORDBREAKS.
  EXPECT_EQ(complete(script, {"configgen", "check", "x.yaml", "--format", "=", "js"}), Words({"json"}));
  EXPECT_EQ(complete(script, {"configgen", "check", "x.yaml", "--format", "="}), Words({"text", "json", "sarif"}));
  EXPECT_EQ(complete(script, {"configgen", "inspect", "--js"}), Words({"--json"}));
  EXPECT_EQ(complete(script, {"configgen", "inspect", "--m"}), Words({"--map"}));
  EXPECT_EQ(complete(script, {"configgen", "inspect", "--sv"}), Words({"--svg"}));
  EXPECT_EQ(complete(script, {"configgen", "diff", "--we"}), Words({"--werror"}));
}

TEST(Completion, BashCompletesProfileFilesForPositionals) {
  const std::string script = bash_script();
  EXPECT_EQ(complete(script, {"configgen", "check", VTX_SOURCE_DIR "/profiles/dem"}), Words({VTX_SOURCE_DIR "/profiles/demo.yaml"}));
  // A value taken by an option is not a command: `--target run` still completes check's words.
  EXPECT_EQ(complete(script, {"configgen", "--target", "run", "check", "--for"}), Words({"--format"}));
}

TEST(Completion, ZshScriptHasAFunctionPerCommandWithItsChoices) {
  const Ran r = run(kConfiggen + " completion zsh");
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.out.rfind("#compdef configgen\n", 0), 0u);
  for (const char* f : {"_configgen()", "_configgen_check()", "_configgen_caps()", "_configgen_caps_import()", "_configgen_run()"})
    EXPECT_NE(r.out.find(f), std::string::npos) << f;
  EXPECT_NE(r.out.find("'--emulator[bochs or qemu]:TEXT:(bochs qemu)'"), std::string::npos);
  EXPECT_NE(r.out.find("'1:profile:_files'"), std::string::npos);
  EXPECT_NE(r.out.find("'import:Turn a hypervisor capability print"), std::string::npos);
  if (run("command -v zsh >/dev/null").status == 0) {
    const fs::path p = scratch() / "_configgen";
    std::ofstream(p) << r.out;
    const Ran n = run("zsh -n " + p.string() + " 2>&1");
    EXPECT_EQ(n.status, 0) << n.out;
  }
}

// A small app: what the tree reads from CLI11.
TEST(CommandTree, ReadsCommandsOptionsChoicesDefaultsAndGroups) {
  CLI::App app{"tool: does things"};
  std::string color = "auto", out, p;
  bool flag = false;
  app.add_option("--color", color, "Colour")->check(CLI::IsMember({"auto", "never"}))->capture_default_str();
  auto* a = app.add_subcommand("alpha", "First");
  a->add_option("profile", p, "Profile YAML")->required();
  a->add_flag("--fast", flag, "Go fast")->group("Testing");
  auto* b = app.add_subcommand("beta", "Second");
  auto* g = b->add_subcommand("gamma", "Third");
  g->add_option("-o,--output", out, "File")->required();
  const CommandSpec t = configgen::commands::command_tree(app);
  ASSERT_EQ(t.options.size(), 1u);  // --help is left out
  EXPECT_EQ(t.options[0].names, Words({"--color"}));
  EXPECT_EQ(t.options[0].choices, Words({"auto", "never"}));
  EXPECT_EQ(t.options[0].default_value, "auto");
  ASSERT_EQ(t.subcommands.size(), 2u);
  const auto& alpha = t.subcommands[0];
  ASSERT_EQ(alpha.options.size(), 2u);
  EXPECT_TRUE(alpha.options[0].positional);
  EXPECT_TRUE(alpha.options[0].required);
  EXPECT_EQ(alpha.options[0].value_name, "profile");
  EXPECT_FALSE(alpha.options[1].takes_value());
  EXPECT_EQ(alpha.options[1].group, "Testing");
  ASSERT_EQ(t.subcommands[1].subcommands.size(), 1u);
  const auto& gamma = t.subcommands[1].subcommands[0];
  EXPECT_EQ(gamma.path, "beta gamma");
  EXPECT_EQ(gamma.options[0].names, Words({"-o", "--output"}));
  EXPECT_TRUE(gamma.options[0].takes_value());
}

TEST(ManPage, RendersWithoutWarnings) {
  const std::string page = (scratch() / "configgen.1").string();
  ASSERT_EQ(run(kConfiggen + " man -o " + page).status, 0);
  if (run("command -v groff >/dev/null").status != 0) GTEST_SKIP() << "no groff; ManPage.HasEveryCommandOptionAndStatus checks the structure";
  const Ran r = run("groff -man -Tutf8 -ww -z " + page + " 2>&1");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "") << "groff warned";
  // Plain text (no SGR, overstrike or underline) to read the words.
  const Ran text = run("groff -man -Tutf8 -P-cbu " + page + " 2>/dev/null");
  EXPECT_NE(text.out.find("SYNOPSIS"), std::string::npos);
  EXPECT_NE(text.out.find("NO_COLOR"), std::string::npos);
}

TEST(ManPage, HasEveryCommandOptionAndStatus) {
  const Ran r = run(kConfiggen + " man");
  ASSERT_EQ(r.status, 0);
  const std::string& m = r.out;
  EXPECT_EQ(m.find(".TH CONFIGGEN 1"), m.find(".TH"));
  for (const char* section : {".SH NAME\nconfiggen \\- ", ".SH SYNOPSIS", ".SH GLOBAL OPTIONS", ".SH COMMANDS", ".SH EXIT STATUS",
                              ".SH ENVIRONMENT\n.TP\n.B NO_COLOR"})
    EXPECT_NE(m.find(section), std::string::npos) << section;
  for (const char* c : {"check", "compile", "inspect", "diff", "explain", "schema", "docs", "caps", "caps import", "run", "keygen", "image",
                        "completion", "man"})
    EXPECT_NE(m.find(std::string(".SS \"") + c + "\"\n"), std::string::npos) << c;
  // Options with their help, choices and defaults; run's testing switches in their group.
  EXPECT_NE(m.find("\\fB\\-\\-emulator\\fR \\fIWORD\\fR\nbochs or qemu. One of: bochs, qemu. Default: bochs."), std::string::npos);
  EXPECT_NE(m.find("\\fB\\-o\\fR, \\fB\\-\\-output\\fR \\fITEXT\\fR\nBlob to write. Required."), std::string::npos);
  EXPECT_NE(m.find("Testing (the project's own negative tests)"), std::string::npos);
  EXPECT_NE(m.find("\\fB\\-\\-map\\fR\nEach guest's guest\\-physical memory map instead"), std::string::npos);
  EXPECT_NE(m.find("\\fB\\-\\-svg\\fR \\fIFILE\\fR\nWrite the memory maps as an SVG document"), std::string::npos);
  // Exit statuses from commands/exit_status.h, for the page and for run.
  EXPECT_NE(m.find(".TP\n.B 124\na run timed out\n"), std::string::npos);
  EXPECT_NE(m.find(".TP\n.B 124\nthe machine ran until \\-\\-timeout and was stopped\n"), std::string::npos);
}

TEST(ManPage, EscapesRoffInHelpText) {
  CLI::App app{"tool: does things"};
  std::string x;
  app.add_option("--path", x, ".starts with a dot and has a \\ backslash");
  const std::string m = configgen::commands::man_page(configgen::commands::command_tree(app), "tool 1");
  EXPECT_NE(m.find("\n\\&.starts with a dot and has a \\e backslash."), std::string::npos) << m;
}

}  // namespace
