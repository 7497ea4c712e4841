#include "pipeline/driver.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "console/console.h"
#include "emit/blob_writer.h"
#include "install/data_paths.h"
#include "lower/lower.h"
#include "parse/profile_reader.h"
#include "parse/target_file.h"
#include "validate/validate.h"

namespace configgen {

Pipeline run_pipeline(const std::string& path, const CompileOptions& options) {
  Pipeline p;
  p.readable = parse::read_profile(path, {options.build_dir.empty() ? install::image_root() : options.build_dir}, p.profile, p.diags);
  spdlog::trace("parse: {}: {} guest(s), {} diagnostic(s)", path, p.profile.guests.size(), p.diags.all().size());
  if (!p.readable) return p;
  // An unreadable image is an I/O error (exit status 2), but the rest of the
  // profile is still checked so every problem is reported in one run.
  for (const auto& d : p.diags.all())
    if (d.rule == "io") p.readable = false;
  const std::string target_name = options.target_override.empty() ? p.profile.target : options.target_override;
  std::string error;
  p.target = parse::load_target(target_name, error, options.bochs_version);
  if (!p.target) {
    std::string missing;
    install::data_paths().require(install::DataItem::targets, missing);
    p.diags.error(p.profile.target_loc.line ? p.profile.target_loc : model::SourceLoc{path, 1, 1}, "unknown-target", error,
                  missing.empty() ? "targets are in " + parse::targets_directory() : missing);
    return p;
  }
  spdlog::trace("target: {} (asked for {})", p.target->name, target_name);
  // Expectations that quote the target (${target.msr.NAME}) follow the
  // capability set this compile uses.
  auto expand = [&](std::vector<model::Expectation>& list) {
    for (auto& e : list) {
      std::string why;
      e.pattern = parse::expand_target_references(e.pattern, *p.target, why);
      if (!why.empty()) p.diags.error(e.loc, "unknown-target-reference", why);
    }
  };
  for (auto& g : p.profile.guests) expand(g.expect);
  expand(p.profile.expect);
  validate::check_structure(p.profile, *p.target, p.diags);
  validate::check_grants(p.profile, *p.target, p.diags);
  validate::check_kernels(p.profile, p.diags);
  p.lowered = lower::lower_profile(p.profile, *p.target, p.diags);
  for (size_t i = 0; i < p.profile.guests.size() && i < p.lowered.guests.size(); ++i) {
    validate::check_controls(p.profile.guests[i], p.lowered.guests[i], *p.target, p.diags);
    validate::check_guest_state(p.profile.guests[i], p.lowered.guests[i], *p.target, p.diags);
  }
  for (const auto& id : options.allowed_rules)
    if (p.diags.allow_rule(id) == 0)
      p.diags.error({path, 1, 1}, "allow-rule-unused", "--allow-rule " + id + ": the profile breaks no rule " + id,
                    "an override must name a rule the profile breaks, or the test it serves shows nothing");
  spdlog::trace("validate and lower: {} diagnostic(s)", p.diags.all().size());
  if (!p.diags.has_errors(options.werror)) p.blob = emit::write_blob(p.lowered);
  spdlog::trace("emit: {} bytes", p.blob.size());
  return p;
}

std::optional<CompiledProfile> compile_profile_file(const std::string& path, const CompileOptions& options, bool* unreadable) {
  Pipeline p = run_pipeline(path, options);
  console::print_diagnostics(p.diags);
  if (unreadable) *unreadable = !p.readable;
  if (!p.ok(options.werror)) return std::nullopt;
  CompiledProfile c;
  c.name = p.lowered.name;
  c.target = p.lowered.target;
  c.min_cpus = p.lowered.min_cpus;
  c.cpus_needed = std::max(1u, c.min_cpus);
  for (const auto& g : p.profile.guests) {
    for (const auto& cpu : g.cpus) c.cpus_needed = std::max(c.cpus_needed, cpu.value + 1);
    c.guest_names.push_back(g.name);
    c.expectations.insert(c.expectations.end(), g.expect.begin(), g.expect.end());
  }
  c.expectations.insert(c.expectations.end(), p.profile.expect.begin(), p.profile.expect.end());
  c.blob = std::move(p.blob);
  return c;
}

}  // namespace configgen
