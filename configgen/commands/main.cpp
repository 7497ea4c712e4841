// configgen: the profile compiler's command line. Exit statuses are one
// vocabulary (commands/exit_status.h); each command's --help says what they
// mean there. Messages go through spdlog (console/console.h).
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "appliance/files.h"
#include "appliance/run_trace.h"
#include "appliance/serial_log.h"
#include "blob/format.h"
#include "commands/appliance.h"
#include "commands/command_tree.h"
#include "commands/completion.h"
#include "commands/diagnostic_formats.h"
#include "commands/docs.h"
#include "commands/exit_status.h"
#include "commands/field_diff.h"
#include "commands/inspect.h"
#include "commands/inspect_json.h"
#include "commands/inspect_map.h"
#include "commands/lab.h"
#include "commands/man_page.h"
#include "commands/paths.h"
#include "commands/trace_formats.h"
#include "console/console.h"
#include "install/data_paths.h"
#include "model/target.h"
#include "parse/scalars.h"
#include "parse/target_file.h"
#include "pipeline/driver.h"

namespace {
using namespace configgen;
using commands::code;
using commands::ExitStatus;

std::optional<std::vector<uint8_t>> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

bool is_profile(const std::string& path) {
  const auto ext = std::filesystem::path(path).extension();
  return ext == ".yaml" || ext == ".yml";
}

// The first word that is not an option (or a global option's value), so a
// misspelled command gets a suggestion instead of "A subcommand is required".
std::string command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--target" || a == "--build-dir" || a == "--data-dir" || a == "--log-level" || a == "--color") {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] != '-') return a;
  }
  return {};
}

// The status a pipeline's diagnostics give, whatever the output format.
int pipeline_status(const Pipeline& p, bool werror) {
  if (!p.readable) return code(ExitStatus::UsageOrIo);
  return code(p.diags.has_errors(werror) ? ExitStatus::Failed : ExitStatus::Ok);
}

int report(const Pipeline& p, bool werror) {
  console::print_diagnostics(p.diags);
  const int status = pipeline_status(p, werror);
  if (status == code(ExitStatus::Failed)) std::cerr << p.diags.summary(werror) << "\n";
  return status;
}

// -q, -v, -vv and --log-level (which wins) as one spdlog level.
spdlog::level::level_enum log_level(const std::string& named, bool quiet, int verbosity) {
  if (!named.empty()) return spdlog::level::from_str(named);
  if (quiet) return spdlog::level::warn;
  return verbosity >= 2 ? spdlog::level::trace : verbosity == 1 ? spdlog::level::debug : spdlog::level::info;
}

console::ColorMode color_mode(const std::string& word) {
  return word == "always" ? console::ColorMode::Always : word == "never" ? console::ColorMode::Never : console::ColorMode::Auto;
}

// "caps import" for the innermost subcommand given.
std::string chosen_command(const CLI::App& app) {
  std::string path;
  for (const CLI::App* a = &app; !a->get_subcommands().empty();) {
    a = a->get_subcommands().front();
    path += (path.empty() ? "" : " ") + a->get_name();
  }
  return path;
}
}  // namespace

int main(int argc, char** argv) {
  console::configure(spdlog::level::info, console::ColorMode::Auto);
  CLI::App app{"configgen: compile, check and inspect VT-x appliance profiles; build and boot appliances"};
  app.require_subcommand(1);
  // Subcommands created below inherit this: `configgen check P --werror` works
  // as well as `configgen --werror check P`.
  app.fallthrough();
  std::string target;
  bool werror = false;
  std::string build_dir;  // empty: ${build} is the data's image root, scratch goes to the user's cache
  std::string data_dir;
  app.set_version_flag("--version", std::string("configgen ") + VTX_VERSION + " (blob format " +
                                        std::to_string(blob::kFormatVersion) + ", " + VTX_GIT_DESCRIBE + ")");
  app.add_option("--target", target, "Capability set to check against (overrides appliance.target)");
  app.add_flag("--werror", werror, "Treat warnings as errors");
  app.add_option("--build-dir", build_dir,
                 "Directory that ${build} in image paths means, and where run and image keep runs/ and images/ "
                 "(default: the data's guest_images/ parent for ${build}; $XDG_CACHE_HOME/vtx or ~/.cache/vtx for scratch)");
  app.add_option("--data-dir", data_dir,
                 std::string("Directory holding vmm.elf, guest_images/, targets/, profiles/ (overrides $") + install::kDataDirEnvironment +
                     " and the build or installed tree configgen runs from; `configgen paths` shows what is used)");
  int verbosity = 0;
  bool quiet = false;
  std::string level_name, color = "auto";
  auto* verbose_flag = app.add_flag("-v,--verbose", verbosity, "Debug messages (-vv: trace messages too)");
  app.add_flag("-q,--quiet", quiet, "Only warnings, errors and diagnostics: no informational messages")->excludes(verbose_flag);
  app.add_option("--log-level", level_name, "Message level (overrides -v and -q)")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.add_option("--color", color, "Colour messages and diagnostics: auto (on a terminal, unless NO_COLOR is set), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  app.footer(commands::exit_status_summary() + "\n"
             "`configgen COMMAND --help` says what each status means for that command.\n");
  // Before any command's callback: every message it logs has its level.
  app.parse_complete_callback([&] {
    console::configure(log_level(level_name, quiet, verbosity), color_mode(color), chosen_command(app));
    install::use_data_dir(data_dir);
  });
  int status = 0;
  auto options = [&] {
    CompileOptions o;
    o.target_override = target;
    o.werror = werror;
    o.build_dir = build_dir;
    return o;
  };
  auto pipeline = [&](const std::string& path) {
    spdlog::debug("compiling {} (target {}, build directory {}{})", path, target.empty() ? "from the profile" : target, build_dir,
                  werror ? ", warnings are errors" : "");
    Pipeline p = run_pipeline(path, options());
    spdlog::debug("{}: {} guest(s), target {}, {} error(s), {} warning(s), blob of {} bytes", path, p.profile.guests.size(),
                  p.target ? p.target->name : "none", p.diags.error_count(), p.diags.warning_count(), p.blob.size());
    return p;
  };

  std::string profile, output;
  auto* check = app.add_subcommand("check", "Validate a profile against the SDM rules and its target; print every problem");
  check->add_option("profile", profile, "Profile YAML")->required();
  std::string format = "text";
  check->add_option("--format", format, "text (clang-style, on stderr), json (an array of diagnostics) or sarif (SARIF 2.1.0), on stdout")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  check->callback([&] {
    const Pipeline p = pipeline(profile);
    if (format != "text") {
      std::cout << (format == "json" ? commands::diagnostics_json(p.diags, werror)
                                      : commands::diagnostics_sarif(p.diags, VTX_VERSION, werror));
      status = pipeline_status(p, werror);
      return;
    }
    status = report(p, werror);
    if (status == 0) spdlog::info("{}: ok ({} guests, target {})", profile, p.profile.guests.size(), p.target->name);
  });

  auto* compile = app.add_subcommand("compile", "Compile a profile into a blob");
  compile->add_option("profile", profile, "Profile YAML")->required();
  compile->add_option("-o,--output", output, "Blob to write")->required();
  compile->callback([&] {
    const Pipeline p = pipeline(profile);
    status = report(p, werror);
    if (status) return;
    if (auto err = appliance::write_file(output, p.blob); !err.empty()) {
      spdlog::error("{}", err);
      status = code(ExitStatus::UsageOrIo);
      return;
    }
    spdlog::debug("wrote {} bytes to {}", p.blob.size(), output);
  });

  // A blob's bytes: read, or compiled from a profile; nullopt after saying
  // why, with the status set.
  auto blob_bytes = [&](const std::string& path) -> std::optional<std::vector<uint8_t>> {
    if (is_profile(path)) {
      const Pipeline p = pipeline(path);
      if ((status = report(p, werror))) return std::nullopt;
      return p.blob;
    }
    if (auto b = read_file(path)) return b;
    spdlog::error("cannot read {}", path);
    status = code(ExitStatus::UsageOrIo);
    return std::nullopt;
  };
  auto refused = [&](const std::string& path, const std::string& error) {
    spdlog::error("{}: blob refused: {}", path, error);
    status = code(ExitStatus::Failed);
  };

  std::string blob_path;
  bool json = false;
  auto* inspect = app.add_subcommand("inspect", "Describe a blob (or a profile, compiled on the fly) in words");
  inspect->add_option("blob", blob_path, "Blob (or profile YAML)")->required();
  auto* json_flag =
      inspect->add_flag("--json", json, "Typed JSON instead of text (numbers, booleans, arrays of objects; docs/inspect.schema.json)");
  bool map = false;
  std::string svg_path;
  inspect->add_flag("--map", map, "Each guest's guest-physical memory map instead: regions by GPA with kind, rwx, memory type and EPT "
                                  "page sizes, and the gaps between them (on-demand or unmapped)")
      ->excludes(json_flag);
  inspect->add_option("--svg", svg_path, "Write the memory maps as an SVG document (one column per guest) to this file")
      ->type_name("FILE")
      ->excludes(json_flag);
  inspect->callback([&] {
    const auto bytes = blob_bytes(blob_path);
    if (!bytes) return;
    std::string error;
    if (map || !svg_path.empty()) {
      const auto memory = commands::memory_map(*bytes, error);
      if (!memory) return refused(blob_path, error);
      if (map) std::cout << commands::map_text(*memory, console::stdout_colored());
      if (svg_path.empty()) return;
      if (auto err = appliance::write_file(svg_path, commands::map_svg(*memory)); !err.empty()) {
        spdlog::error("{}", err);
        status = code(ExitStatus::UsageOrIo);
        return;
      }
      spdlog::debug("wrote the memory maps of {} guest(s) to {}", memory->guests.size(), svg_path);
      return;
    }
    if (json) {
      if (const auto doc = commands::inspect_document(*bytes, error)) std::cout << doc->dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
      else refused(blob_path, error);
      return;
    }
    commands::Item root;
    if (!commands::describe_blob(*bytes, root, error)) return refused(blob_path, error);
    std::cout << commands::to_text(root);
  });

  std::string left, right;
  bool diff_json = false;
  auto* diff = app.add_subcommand("diff", "Compare two blobs or profiles field by field (guests by name, regions by gpa, control bits by name)");
  diff->add_option("a", left, "Blob or profile")->required();
  diff->add_option("b", right, "Blob or profile")->required();
  diff->add_flag("--json", diff_json, "The differences as JSON: {count, differences: [{scope, field, a, b}]}");
  diff->callback([&] {
    nlohmann::ordered_json docs[2];
    const std::string* paths[2] = {&left, &right};
    for (int i = 0; i < 2; ++i) {
      const auto bytes = blob_bytes(*paths[i]);
      if (!bytes) return;
      std::string error;
      auto doc = commands::inspect_document(*bytes, error);
      if (!doc) return refused(*paths[i], error);
      docs[i] = std::move(*doc);
    }
    const auto differences = commands::diff_documents(docs[0], docs[1]);
    std::cout << (diff_json ? commands::differences_json(differences) : commands::differences_text(differences));
    status = code(differences.empty() ? ExitStatus::Ok : ExitStatus::Failed);
  });

  std::string name;
  auto* explain = app.add_subcommand("explain", "What a profile key, control, exit reason, exception, MSR or VMCS field means");
  explain->add_option("name", name, "Name to explain")->required();
  explain->callback([&] {
    const std::string text = commands::explain(name);
    if (text.empty()) {
      const auto near = commands::closest_explainable(name);
      spdlog::error("nothing is called '{}'{}", name, near.empty() ? "" : "; did you mean '" + near + "'?");
      status = code(ExitStatus::Failed);
    }
    std::cout << text;
  });

  auto* schema = app.add_subcommand("schema", "Print a JSON Schema of profiles (for yaml-language-server)");
  bool inspect_schema = false;
  schema->add_flag("--inspect", inspect_schema, "Print the schema of `inspect --json` (docs/inspect.schema.json) instead");
  schema->callback([&] { std::cout << (inspect_schema ? commands::inspect_schema().dump(2) + "\n" : commands::json_schema()); });

  auto* docs = app.add_subcommand("docs", "Print docs/profile-reference.md, generated from the tables");
  bool resources = false;
  docs->add_flag("--resources", resources, "Print the owned-resources tables of docs/isolation.md instead");
  bool sdm_coverage = false;
  docs->add_flag("--sdm-coverage", sdm_coverage, "Print docs/sdm-coverage.md (the VM-entry rule table) instead");
  docs->callback([&] {
    std::cout << (sdm_coverage ? commands::sdm_coverage_markdown()
                  : resources  ? commands::owned_resources_markdown()
                               : commands::profile_reference_markdown());
  });

  auto* caps = app.add_subcommand("caps", "Capability sets (targets)");
  caps->require_subcommand(1);
  std::string log_path, target_name;
  uint32_t import_max_cpus = 0;
  auto* import = caps->add_subcommand("import", "Turn a hypervisor capability print (boot with `caps`) into a target file");
  import->add_option("log", log_path, "Serial log of a run with `caps` on the command line")->required();
  import->add_option("-o,--output", output, "Target YAML to write")->required();
  import->add_option("--name", target_name, "Target name (default: the output file's stem)");
  // A capture shows the CPUs of one boot, not how many the machine (or an
  // emulator, whose count is a setting) can run, so the limit is given here.
  import->add_option("--max-cpus", import_max_cpus, "CPUs the machine runs (max_cpus of the target; default 8)")
      ->check(CLI::Range(1u, 256u));
  import->callback([&] {
    auto bytes = read_file(log_path);
    if (!bytes) {
      spdlog::error("cannot read {}", log_path);
      status = code(ExitStatus::UsageOrIo);
      return;
    }
    std::string error;
    const std::string nm = target_name.empty() ? std::filesystem::path(output).stem().string() : target_name;
    auto t = parse::import_capabilities_log(std::string(bytes->begin(), bytes->end()), nm, error);
    if (!t) {
      spdlog::error("{}: {}", log_path, error);
      status = code(ExitStatus::Failed);
      return;
    }
    if (import_max_cpus != 0) {
      t->max_cpus = import_max_cpus;
      t->max_cpus_given = true;
    }
    if (auto err = appliance::write_file(output, parse::target_to_yaml(*t)); !err.empty()) {
      spdlog::error("{}", err);
      status = code(ExitStatus::UsageOrIo);
    }
  });

  // `run --trace` writes the file as it judges the run; this converts the
  // serial log of any traced boot (a lab machine's, or a kept run's).
  std::string trace_log, trace_output;
  bool trace_timeline = false;
  auto* trace_cmd = app.add_subcommand("trace", "Turn the run trace in a serial log (a boot with `trace`) into a Chrome-trace/Perfetto JSON file");
  trace_cmd->add_option("log", trace_log, "Serial log of a run with `trace` on the command line (run --trace, or image --cmdline trace)")->required();
  trace_cmd->add_option("-o,--output", trace_output, "Chrome-trace JSON file to write");
  trace_cmd->add_flag("--timeline", trace_timeline, "Print the timeline as text: a row per CPU, a letter per guest");
  trace_cmd->callback([&] {
    if (trace_output.empty() && !trace_timeline) {
      spdlog::error("give -o FILE (the Chrome-trace JSON), --timeline (text), or both");
      status = code(ExitStatus::UsageOrIo);
      return;
    }
    auto bytes = read_file(trace_log);
    if (!bytes) {
      spdlog::error("cannot read {}", trace_log);
      status = code(ExitStatus::UsageOrIo);
      return;
    }
    const auto log = appliance::parse_serial_log(std::string(bytes->begin(), bytes->end()));
    if (trace_timeline) {
      std::string error;
      const auto trace = appliance::read_run_trace(log, error);
      if (!trace) {
        spdlog::error("{}: {}", trace_log, error.empty() ? "the serial log holds no trace (boot with `trace`: run --trace)" : error);
        status = code(ExitStatus::Failed);
        return;
      }
      std::cout << commands::trace_timeline_text(*trace);
    }
    status = trace_output.empty() ? code(ExitStatus::Ok) : commands::write_trace_file(log, trace_output, trace_log, true);
  });

  auto* paths = app.add_subcommand("paths", "Print where configgen's data is (vmm.elf, guest images, targets, profiles) and where it came from");
  paths->callback([&] {
    std::string scratch_error;
    const std::string scratch = install::scratch_directory(install::scratch_inputs_from_environment(build_dir), scratch_error);
    std::cout << commands::paths_text(install::data_paths(), scratch, scratch_error);
    status = code(commands::required_paths_found(install::data_paths()) ? ExitStatus::Ok : ExitStatus::Failed);
  });

  commands::register_appliance_commands(app, options, status);
  commands::register_lab_commands(app, status);

  // Both read the command tree when they run, after every command is defined.
  auto print_or_write = [&](const std::string& text, const std::string& path) {
    if (path.empty()) {
      std::cout << text;
      return;
    }
    if (auto err = appliance::write_file(path, text); !err.empty()) {
      spdlog::error("{}", err);
      status = code(ExitStatus::UsageOrIo);
    }
  };
  std::string shell, completion_output;
  auto* completion = app.add_subcommand("completion", "Print a shell completion script, generated from configgen's own command line");
  completion->add_option("shell", shell, "bash or zsh")->required()->check(CLI::IsMember({"bash", "zsh"}));
  completion->add_option("-o,--output", completion_output, "Write the script here instead of stdout");
  completion->callback([&] {
    const auto tree = commands::command_tree(app);
    print_or_write(shell == "bash" ? commands::bash_completion(tree) : commands::zsh_completion(tree), completion_output);
  });
  std::string man_output;
  auto* man = app.add_subcommand("man", "Print the configgen(1) man page (roff), generated from configgen's own command line");
  man->add_option("-o,--output", man_output, "Write the page here (e.g. share/man/man1/configgen.1) instead of stdout");
  man->callback([&] { print_or_write(commands::man_page(commands::command_tree(app), app.version()), man_output); });

  commands::add_exit_status_footers(app);
  if (const std::string word = command_word(argc, argv); !word.empty()) {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), word) == names.end()) {
      const std::string near = parse::closest(word, names);
      spdlog::error("'{}' is not a command{} (configgen --help lists them)", word, near.empty() ? "" : "; did you mean '" + near + "'?");
      return code(ExitStatus::UsageOrIo);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : commands::code(ExitStatus::UsageOrIo);
  }
  return status;
}
