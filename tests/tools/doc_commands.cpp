// doc_commands: runs every command of a page's ```sh blocks as written, so a
// page whose commands stop working fails its CTest (docs_commands_PAGE).
//   doc_commands PAGE SOURCE_DIR BUILD_DIR SCRATCH_DIR
// The commands run from SCRATCH_DIR, made afresh: it holds a symlink to each
// top-level entry of SOURCE_DIR (profiles/, docs/, configgen/, ...) and
// `build` -> BUILD_DIR, so `build/bin/configgen run profiles/...` reads what
// the page means while every file a command writes (a relative path, a
// --keep directory) lands in SCRATCH_DIR, never in the source tree, wherever
// the build directory is. $XDG_CACHE_HOME points into SCRATCH_DIR too, so
// runs without --keep leave nothing in the user's cache.
//
// A comment line directly before a fenced block (blank lines between are
// allowed) says how to treat it:
//   <!-- docs_commands: skip: REASON -->         an sh block not run (root, a lab network); listed with REASON
//   <!-- docs_commands: expect-fail: REASON -->  every command of the sh block must exit non-zero
//   <!-- docs_commands: file PATH -->            the block (yaml, ...) is written to SCRATCH_DIR/PATH
//                                                before the commands after it run
// A command is one line of an sh block (a line ending in '\' continues on
// the next); blank lines and comment lines are not commands.
// Exit status: 0 when every command did as the page says, 1 when one did not,
// 2 when the page or its directives cannot be read.
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

enum class BlockUse { Run, Skip, ExpectFail, File };

struct Command {
  int line;  // of the page, 1-based: where the command starts
  std::string text;
};

struct Block {
  int line;  // of the opening fence
  std::string language;
  BlockUse use = BlockUse::Run;
  std::string detail;  // the reason (Skip, ExpectFail) or the path (File)
  std::vector<std::string> body;
};

struct Page {
  std::vector<Block> blocks;
  std::vector<std::string> errors;  // "PAGE:LINE: what is wrong"
};

std::string trim(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  const size_t last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

struct Directive {
  int line;
  BlockUse use;
  std::string detail;
};

// "<!-- docs_commands: ... -->" -> the directive, or an error; nullopt for any other line.
std::optional<Directive> parse_directive(const std::string& line, int number, const std::string& where,
                                         std::vector<std::string>& errors) {
  const std::string open = "<!-- docs_commands:";
  const std::string t = trim(line);
  if (!starts_with(t, open)) return std::nullopt;
  const std::string close = "-->";
  if (t.size() < open.size() + close.size() || t.compare(t.size() - close.size(), close.size(), close) != 0) {
    errors.push_back(where + ":" + std::to_string(number) + ": a docs_commands comment must end on its line with -->");
    return std::nullopt;
  }
  const std::string words = trim(t.substr(open.size(), t.size() - open.size() - close.size()));
  auto reason_after = [&](const std::string& keyword, BlockUse use) -> std::optional<Directive> {
    const std::string reason = trim(words.substr(keyword.size()));
    if (reason.empty()) {
      errors.push_back(where + ":" + std::to_string(number) + ": docs_commands " + keyword + " needs a reason after it");
      return std::nullopt;
    }
    return Directive{number, use, reason};
  };
  if (starts_with(words, "skip:")) return reason_after("skip:", BlockUse::Skip);
  if (starts_with(words, "expect-fail:")) return reason_after("expect-fail:", BlockUse::ExpectFail);
  if (starts_with(words, "file ")) {
    const std::string path = trim(words.substr(5));
    if (path.empty() || path[0] == '/' || path.find("..") != std::string::npos) {
      errors.push_back(where + ":" + std::to_string(number) + ": docs_commands file needs a relative path without '..'");
      return std::nullopt;
    }
    return Directive{number, BlockUse::File, path};
  }
  errors.push_back(where + ":" + std::to_string(number) + ": unknown docs_commands directive \"" + words +
                   "\" (known: skip: REASON, expect-fail: REASON, file PATH)");
  return std::nullopt;
}

Page read_page(std::istream& in, const std::string& where) {
  Page page;
  std::optional<Directive> pending;
  std::optional<Block> open;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (open) {
      if (trim(line) == "```") {
        page.blocks.push_back(*open);
        open.reset();
      } else {
        open->body.push_back(line);
      }
      continue;
    }
    if (starts_with(line, "```")) {
      Block b;
      b.line = number;
      b.language = trim(line.substr(3));
      if (b.language == "sh" || starts_with(b.language, "sh ")) {
        if (b.language != "sh")
          page.errors.push_back(where + ":" + std::to_string(number) +
                                ": write ```sh alone and say how to run the block in a docs_commands comment before it");
        b.language = "sh";
      }
      if (pending) {
        b.use = pending->use;
        b.detail = pending->detail;
        if ((b.use == BlockUse::File) == (b.language == "sh"))
          page.errors.push_back(where + ":" + std::to_string(pending->line) +
                                (b.use == BlockUse::File ? ": docs_commands file belongs before a block of file text, not an sh block"
                                                         : ": docs_commands skip and expect-fail belong before an sh block"));
        pending.reset();
      }
      open = b;
      continue;
    }
    if (auto d = parse_directive(line, number, where, page.errors)) {
      if (pending)
        page.errors.push_back(where + ":" + std::to_string(pending->line) + ": docs_commands comment with no block after it");
      pending = d;
      continue;
    }
    if (pending && !trim(line).empty()) {
      page.errors.push_back(where + ":" + std::to_string(pending->line) +
                            ": docs_commands comment must come directly before its block (only blank lines between)");
      pending.reset();
    }
  }
  if (open) page.errors.push_back(where + ":" + std::to_string(open->line) + ": fenced block never closed");
  if (pending) page.errors.push_back(where + ":" + std::to_string(pending->line) + ": docs_commands comment with no block after it");
  return page;
}

std::vector<Command> commands_of(const Block& b) {
  std::vector<Command> out;
  std::optional<Command> partial;
  for (size_t i = 0; i < b.body.size(); ++i) {
    const int line = b.line + 1 + static_cast<int>(i);
    const std::string& text = b.body[i];
    // Kept with its backslash: sh joins the lines as the reader does.
    const bool continues = !text.empty() && text.back() == '\\';
    if (partial) {
      partial->text += "\n" + text;
    } else {
      const std::string t = trim(text);
      if (t.empty() || t[0] == '#') continue;
      partial = Command{line, text};
    }
    if (!continues) {
      out.push_back(*partial);
      partial.reset();
    }
  }
  if (partial) out.push_back(*partial);
  return out;
}

// The scratch directory described at the top of this file.
bool make_scratch(const fs::path& scratch, const fs::path& source, const fs::path& build) {
  std::error_code ec;
  fs::remove_all(scratch, ec);
  fs::create_directories(scratch / ".cache", ec);
  if (ec) {
    std::cerr << "doc_commands: cannot make " << scratch << ": " << ec.message() << "\n";
    return false;
  }
  for (const auto& entry : fs::directory_iterator(source)) {
    const std::string name = entry.path().filename().string();
    if (name[0] == '.' || name == "build") continue;
    fs::create_symlink(entry.path(), scratch / name, ec);
    if (ec) {
      std::cerr << "doc_commands: cannot link " << (scratch / name) << ": " << ec.message() << "\n";
      return false;
    }
  }
  fs::create_directory_symlink(build, scratch / "build", ec);
  if (ec) {
    std::cerr << "doc_commands: cannot link " << (scratch / "build") << ": " << ec.message() << "\n";
    return false;
  }
  return true;
}

// /bin/sh -c TEXT in SCRATCH: its exit status, or 128+N for signal N.
int run(const std::string& text, const fs::path& scratch) {
  std::cout.flush();
  const pid_t pid = fork();
  if (pid < 0) return 127;
  if (pid == 0) {
    if (chdir(scratch.c_str()) != 0) _exit(127);
    setenv("XDG_CACHE_HOME", (scratch / ".cache").c_str(), 1);
    execl("/bin/sh", "sh", "-c", text.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 127;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

bool write_file(const fs::path& path, const std::vector<std::string>& lines) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path);
  for (const auto& l : lines) out << l << "\n";
  return static_cast<bool>(out);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: doc_commands PAGE SOURCE_DIR BUILD_DIR SCRATCH_DIR\n";
    return 2;
  }
  const fs::path page_path = argv[1], source = fs::absolute(argv[2]), build = fs::absolute(argv[3]),
                 scratch = fs::absolute(argv[4]);
  std::error_code ec;
  const fs::path relative = fs::relative(fs::absolute(page_path), source, ec);
  const std::string where = (ec || relative.empty() || starts_with(relative.string(), "..")) ? page_path.string() : relative.string();
  std::ifstream in(page_path);
  if (!in) {
    std::cerr << "doc_commands: cannot read " << page_path << "\n";
    return 2;
  }
  const Page page = read_page(in, where);
  for (const auto& e : page.errors) std::cerr << "doc_commands: " << e << "\n";
  if (!page.errors.empty()) return 2;
  if (!make_scratch(scratch, source, build)) return 2;

  int ran = 0;
  std::vector<std::string> failures, skipped;
  for (const Block& b : page.blocks) {
    const std::string at = where + ":" + std::to_string(b.line);
    if (b.use == BlockUse::File) {
      if (!write_file(scratch / b.detail, b.body)) {
        std::cerr << "doc_commands: " << at << ": cannot write " << (scratch / b.detail) << "\n";
        return 2;
      }
      std::cout << "doc_commands: " << at << ": wrote the block to " << b.detail << "\n";
      continue;
    }
    if (b.language != "sh") continue;
    const std::vector<Command> commands = commands_of(b);
    if (b.use == BlockUse::Skip) {
      skipped.push_back(at + " (" + std::to_string(commands.size()) + " command(s)): " + b.detail);
      continue;
    }
    for (const Command& c : commands) {
      const std::string cat = where + ":" + std::to_string(c.line);
      std::cout << "doc_commands: " << cat << ": $ " << c.text << "\n";
      const int status = run(c.text, scratch);
      ++ran;
      const bool expect_fail = b.use == BlockUse::ExpectFail;
      const bool as_written = expect_fail ? status != 0 : status == 0;
      std::cout << "doc_commands: " << cat << ": exit status " << status << (as_written ? "" : " (FAILED)") << "\n";
      if (!as_written)
        failures.push_back(cat + ": `" + c.text + "` exited " + std::to_string(status) +
                           (expect_fail ? ", but the page says it fails (" + b.detail + ")" : ""));
    }
  }

  std::cout << "doc_commands: " << where << ": " << ran << " command(s) run from " << scratch.string() << "\n";
  if (!skipped.empty()) {
    std::cout << "doc_commands: " << skipped.size() << " block(s) not run:\n";
    for (const auto& s : skipped) std::cout << "  " << s << "\n";
  }
  if (ran == 0) {
    std::cout << "doc_commands: " << where << ": FAILED: no command was run\n";
    return 1;
  }
  if (!failures.empty()) {
    std::cout << "doc_commands: " << where << ": FAILED: " << failures.size() << " command(s) did not do as the page says:\n";
    for (const auto& f : failures) std::cout << "  " << f << "\n";
    return 1;
  }
  std::cout << "doc_commands: " << where << ": PASSED: every command did as the page says\n";
  return 0;
}
