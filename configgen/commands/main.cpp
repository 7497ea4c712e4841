// configgen: the profile compiler's command line. Exit status: 0 clean,
// 1 invalid profile (or a failed run/verdict), 2 usage or I/O error.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>

#include "appliance/files.h"
#include "blob/format.h"
#include "commands/appliance.h"
#include "commands/docs.h"
#include "commands/inspect.h"
#include "model/target.h"
#include "parse/scalars.h"
#include "parse/target_file.h"
#include "pipeline/driver.h"

namespace {
using namespace configgen;

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
    if (a == "--target" || a == "--build-dir") {
      ++i;
      continue;
    }
    if (!a.empty() && a[0] != '-') return a;
  }
  return {};
}

int report(const Pipeline& p, bool werror) {
  if (!p.diags.all().empty()) std::cerr << p.diags.render();
  if (!p.readable) return 2;
  if (p.diags.has_errors(werror)) {
    std::cerr << p.diags.error_count() << " error(s)\n";
    return 1;
  }
  return 0;
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"configgen: compile, check and inspect VT-x appliance profiles; build and boot appliances"};
  app.require_subcommand(1);
  // Subcommands created below inherit this: `configgen check P --werror` works
  // as well as `configgen --werror check P`.
  app.fallthrough();
  std::string target;
  bool werror = false;
  std::string build_dir = VTX_BINARY_DIR;
  app.set_version_flag("--version", std::string("configgen ") + VTX_VERSION + " (blob format " +
                                        std::to_string(blob::kFormatVersion) + ", " + VTX_GIT_DESCRIBE + ")");
  app.add_option("--target", target, "Capability set to check against (overrides appliance.target)");
  app.add_flag("--werror", werror, "Treat warnings as errors");
  app.add_option("--build-dir", build_dir, "Build directory that ${build} in image paths means");
  int status = 0;
  auto options = [&] {
    CompileOptions o;
    o.target_override = target;
    o.werror = werror;
    o.build_dir = build_dir;
    return o;
  };

  std::string profile, output;
  auto* check = app.add_subcommand("check", "Validate a profile against the SDM rules and its target; print every problem");
  check->add_option("profile", profile, "Profile YAML")->required();
  check->callback([&] {
    const Pipeline p = run_pipeline(profile, options());
    status = report(p, werror);
    if (status == 0) std::cout << profile << ": ok (" << p.profile.guests.size() << " guests, target " << p.target->name << ")\n";
  });

  auto* compile = app.add_subcommand("compile", "Compile a profile into a blob");
  compile->add_option("profile", profile, "Profile YAML")->required();
  compile->add_option("-o,--output", output, "Blob to write")->required();
  compile->callback([&] {
    const Pipeline p = run_pipeline(profile, options());
    status = report(p, werror);
    if (status) return;
    if (auto err = appliance::write_file(output, p.blob); !err.empty()) {
      std::cerr << "configgen compile: " << err << "\n";
      status = 2;
    }
  });

  std::string blob_path;
  bool json = false;
  auto* inspect = app.add_subcommand("inspect", "Describe a blob (or a profile, compiled on the fly) in words");
  inspect->add_option("blob", blob_path, "Blob (or profile YAML)")->required();
  inspect->add_flag("--json", json, "JSON instead of text");
  inspect->callback([&] {
    std::vector<uint8_t> bytes;
    if (is_profile(blob_path)) {
      const Pipeline p = run_pipeline(blob_path, options());
      if ((status = report(p, werror))) return;
      bytes = p.blob;
    } else if (auto b = read_file(blob_path)) {
      bytes = *b;
    } else {
      std::cerr << "configgen: cannot read " << blob_path << "\n";
      status = 2;
      return;
    }
    commands::Item root;
    std::string error;
    if (!commands::describe_blob(bytes, root, error)) {
      std::cerr << blob_path << ": blob refused: " << error << "\n";
      status = 1;
      return;
    }
    std::cout << (json ? commands::to_json(root) : commands::to_text(root));
  });

  std::string left, right;
  auto* diff = app.add_subcommand("diff", "Compare two blobs or profiles field by field");
  diff->add_option("a", left, "Blob or profile")->required();
  diff->add_option("b", right, "Blob or profile")->required();
  diff->callback([&] {
    std::string texts[2];
    const std::string* paths[2] = {&left, &right};
    for (int i = 0; i < 2; ++i) {
      std::vector<uint8_t> bytes;
      if (is_profile(*paths[i])) {
        const Pipeline p = run_pipeline(*paths[i], options());
        if ((status = report(p, werror))) return;
        bytes = p.blob;
      } else if (auto b = read_file(*paths[i])) {
        bytes = *b;
      } else {
        std::cerr << "configgen: cannot read " << *paths[i] << "\n";
        status = 2;
        return;
      }
      commands::Item root;
      std::string error;
      if (!commands::describe_blob(bytes, root, error)) {
        std::cerr << *paths[i] << ": blob refused: " << error << "\n";
        status = 1;
        return;
      }
      texts[i] = commands::to_text(root);
    }
    // Line-level comparison of the two descriptions, keeping the path of each line.
    auto lines = [](const std::string& t) {
      std::vector<std::string> out, stack;
      std::istringstream in(t);
      for (std::string l; std::getline(in, l);) {
        const size_t indent = l.find_first_not_of(' ') / 2;
        stack.resize(indent);
        const std::string key = l.substr(indent * 2, l.find(':', indent * 2) - indent * 2);
        std::string path;
        for (const auto& s : stack) path += s + ".";
        out.push_back(path + l.substr(indent * 2));
        stack.push_back(key);
      }
      return out;
    };
    const auto a = lines(texts[0]), b = lines(texts[1]);
    // Compared as multisets: a line present twice in A and once in B (two
    // identical regions, say) is a difference too.
    std::map<std::string, int> balance;
    for (const auto& l : a) ++balance[l];
    for (const auto& l : b) --balance[l];
    int differences = 0;
    for (const auto& l : a)
      if (auto it = balance.find(l); it->second > 0) std::cout << "- " << l << "\n", --it->second, ++differences;
    for (const auto& l : b)
      if (auto it = balance.find(l); it->second < 0) std::cout << "+ " << l << "\n", ++it->second, ++differences;
    std::cout << differences << " difference(s)\n";
    status = differences ? 1 : 0;
  });

  std::string name;
  auto* explain = app.add_subcommand("explain", "What a profile key, control, exit reason, exception, MSR or VMCS field means");
  explain->add_option("name", name, "Name to explain")->required();
  explain->callback([&] {
    const std::string text = commands::explain(name);
    if (text.empty()) {
      std::cerr << "configgen: nothing is called '" << name << "'";
      if (const auto near = commands::closest_explainable(name); !near.empty()) std::cerr << "; did you mean '" << near << "'?";
      std::cerr << "\n";
      status = 1;
    }
    std::cout << text;
  });

  auto* schema = app.add_subcommand("schema", "Print a JSON Schema of profiles (for yaml-language-server)");
  schema->callback([&] { std::cout << commands::json_schema(); });

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
  auto* import = caps->add_subcommand("import", "Turn a hypervisor capability print (boot with `caps`) into a target file");
  import->add_option("log", log_path, "Serial log of a run with `caps` on the command line")->required();
  import->add_option("-o,--output", output, "Target YAML to write")->required();
  import->add_option("--name", target_name, "Target name (default: the output file's stem)");
  import->callback([&] {
    auto bytes = read_file(log_path);
    if (!bytes) {
      std::cerr << "configgen: cannot read " << log_path << "\n";
      status = 2;
      return;
    }
    std::string error;
    const std::string nm = target_name.empty() ? std::filesystem::path(output).stem().string() : target_name;
    auto t = parse::import_capabilities_log(std::string(bytes->begin(), bytes->end()), nm, error);
    if (!t) {
      std::cerr << log_path << ": " << error << "\n";
      status = 1;
      return;
    }
    if (auto err = appliance::write_file(output, parse::target_to_yaml(*t)); !err.empty()) {
      std::cerr << "configgen caps import: " << err << "\n";
      status = 2;
    }
  });

  commands::register_appliance_commands(app, options, status);
  if (const std::string word = command_word(argc, argv); !word.empty()) {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands({})) names.push_back(sub->get_name());
    if (std::find(names.begin(), names.end(), word) == names.end()) {
      std::cerr << "configgen: '" << word << "' is not a command";
      if (const std::string near = parse::closest(word, names); !near.empty()) std::cerr << "; did you mean '" << near << "'?";
      std::cerr << " (configgen --help lists them)\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return status;
}
