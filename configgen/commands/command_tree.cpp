#include "commands/command_tree.h"

#include <CLI/CLI.hpp>

namespace configgen::commands {
namespace {

// A check's description is "{a,b,c}" for CLI::IsMember (CLI11 2.x); other
// checks describe themselves otherwise and give no words.
std::vector<std::string> choices_of(CLI::Option& opt) {
  std::vector<std::string> words;
  for (int i = 0;; ++i) {
    CLI::Validator* v = nullptr;
    try {
      v = opt.get_validator(i);
    } catch (const CLI::OptionNotFound&) {
      break;
    }
    const std::string d = v->get_description();
    if (d.size() < 2 || d.front() != '{' || d.back() != '}') continue;
    std::string word;
    for (char c : d.substr(1, d.size() - 2) + ",") {
      if (c != ',') word += c;
      else if (!word.empty()) words.push_back(word), word.clear();
    }
  }
  return words;
}

OptionSpec option_spec(const CLI::Option& o) {
  auto& opt = const_cast<CLI::Option&>(o);  // get_validator is not const in CLI11 2.1
  OptionSpec s;
  s.positional = opt.get_positional() && !opt.nonpositional();
  for (const auto& n : opt.get_snames()) s.names.push_back("-" + n);
  for (const auto& n : opt.get_lnames()) s.names.push_back("--" + n);
  if (s.positional) s.value_name = opt.get_name(true);
  else if (opt.get_type_size() != 0) {
    const std::string type = opt.get_type_name();
    s.value_name = type.substr(0, type.find(':'));
  }
  s.help = opt.get_description();
  s.default_value = opt.get_default_str();
  s.choices = choices_of(opt);
  s.group = opt.get_group();
  s.required = opt.get_required();
  s.repeatable = opt.get_expected_max() > 1 || opt.get_multi_option_policy() == CLI::MultiOptionPolicy::TakeAll;
  return s;
}

CommandSpec command_spec(const CLI::App& app, const std::string& path) {
  CommandSpec c;
  c.name = app.get_name();
  c.path = path;
  c.help = app.get_description();
  c.footer = app.get_footer();
  for (const CLI::Option* o : app.get_options()) {
    if (o == app.get_help_ptr() || o->get_group().empty()) continue;  // --help everywhere; an empty group hides an option
    c.options.push_back(option_spec(*o));
  }
  for (const CLI::App* sub : app.get_subcommands({}))
    c.subcommands.push_back(command_spec(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name()));
  return c;
}

}  // namespace

CommandSpec command_tree(const CLI::App& app) { return command_spec(app, ""); }

}  // namespace configgen::commands
