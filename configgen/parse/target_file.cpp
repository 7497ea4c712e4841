#include "parse/target_file.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>

#include "arch/vmx_table.h"
#include "install/data_paths.h"
#include "parse/scalars.h"

namespace configgen::parse {
using model::Target;

std::string targets_directory() { return install::data_paths().path(install::DataItem::targets); }

std::string resolve_target_path(const std::string& name_or_path, const std::string& bochs_version) {
  if (name_or_path.find('/') != std::string::npos || name_or_path.find(".yaml") != std::string::npos) return name_or_path;
  const std::string direct = targets_directory() + "/" + name_or_path + ".yaml";
  const std::string family = "bochs-";
  // A name no file can have (too long, say) is not an error here: loading it fails with the name.
  std::error_code ec;
  if (std::filesystem::exists(direct, ec) || name_or_path.rfind(family, 0) != 0) return direct;
  return targets_directory() + "/" + family + bochs_version + "-" + name_or_path.substr(family.size()) + ".yaml";
}

std::optional<Target> load_target(const std::string& name_or_path, std::string& error, const std::string& bochs_version) {
  const std::string path = resolve_target_path(name_or_path, bochs_version);
  YAML::Node y;
  try {
    y = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    error = "cannot load target " + name_or_path + " (" + path + ")";
    return std::nullopt;
  }
  Target t;
  try {
    t.name = y["name"] ? y["name"].as<std::string>() : name_or_path;
    if (y["description"]) t.description = y["description"].as<std::string>();
    if (y["max_cpus"]) t.max_cpus = y["max_cpus"].as<uint32_t>();
    if (y["tsc_hz"]) t.tsc_hz = y["tsc_hz"].as<uint64_t>();
    if (y["physical_address_bits"]) t.physical_address_bits = y["physical_address_bits"].as<uint32_t>();
    for (const auto& kv : y["msrs"]) {
      const auto v = parse::parse_integer(kv.second.as<std::string>());
      if (!v) {
        error = path + ": MSR " + kv.first.as<std::string>() + " has no integer value";
        return std::nullopt;
      }
      t.msrs[kv.first.as<std::string>()] = *v;
    }
    for (const auto& kv : y["probes"]) t.probes[kv.first.as<std::string>()] = kv.second.as<std::string>();
    for (const auto& m : y["msr_load_refused"]) {
      const std::string word = m.as<std::string>();
      std::optional<uint64_t> number = parse::parse_integer(word);
      for (const auto& info : arch::kMsrs)
        if (word == info.ident || word == info.profile_name) number = info.number;
      if (!number || *number > 0xFFFFFFFF) {
        error = path + ": msr_load_refused: '" + word + "' is neither an MSR number nor a name from vmm/arch/msrs.def";
        return std::nullopt;
      }
      t.msr_load_refused.push_back(uint32_t(*number));
    }
  } catch (const std::exception& e) {
    error = path + ": " + e.what();
    return std::nullopt;
  }
  if (!t.msrs.count("IA32_VMX_BASIC")) {
    error = path + ": no IA32_VMX_BASIC";
    return std::nullopt;
  }
  derive_capabilities(t);
  return t;
}

std::optional<Target> import_capabilities_log(const std::string& text, const std::string& name, std::string& error) {
  static const std::regex line(R"(vmm: caps: msr 0x([0-9a-fA-F]+) (IA32_VMX_[A-Z0-9_]+) = 0x([0-9a-fA-F]+))");
  static const std::regex end(R"(vmm: caps: end)");
  static const std::regex probe(R"(vmm: probe: control ([a-z0-9-]+) \([^)]*\): (delivered|advertised but not delivered|not advertised|probe failed))");
  static const std::regex width(R"(vmm: caps: cpuid 0x80000008 eax = 0x([0-9a-fA-F]+))");
  Target t;
  t.name = name;
  t.description = "measured on the machine itself: `configgen caps import` of a run with `caps` on the kernel command line";
  std::istringstream in(text);
  bool first_block_done = false;
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, probe)) {
      // Every CPU probes; one that saw a control fail makes it not delivered.
      auto& result = t.probes[m[1]];
      if (result.empty() || result == "delivered") result = m[2];
    } else if (first_block_done) {
      continue;
    } else if (std::regex_search(l, m, line)) {
      if (!t.msrs.count(m[2])) t.msrs[m[2]] = std::stoull(m[3], nullptr, 16);
    } else if (std::regex_search(l, m, width)) {
      t.physical_address_bits = uint32_t(std::stoul(m[1], nullptr, 16) & 0xFF);
    } else if (std::regex_search(l, end) && !t.msrs.empty()) {
      first_block_done = true;  // the first CPU's MSRs are enough: all CPUs of a machine agree
    }
  }
  if (!t.msrs.count("IA32_VMX_BASIC")) {
    error = "no `vmm: caps: msr` lines with IA32_VMX_BASIC found (boot the appliance with `caps` on its command line)";
    return std::nullopt;
  }
  derive_capabilities(t);
  return t;
}

std::string target_to_yaml(const Target& t) {
  std::ostringstream o;
  o << "# VMX capability set: the values of the capability MSRs (SDM Appendix A).\n";
  o << "name: " << t.name << "\n";
  o << "description: \"" << t.description << "\"\n";
  if (t.max_cpus_given)
    o << "# max_cpus from `caps import --max-cpus`: the capture shows one boot's CPUs, not the machine's limit.\n";
  o << "max_cpus: " << t.max_cpus << "\n";
  o << "tsc_hz: " << t.tsc_hz << "\n";
  o << "physical_address_bits: " << t.physical_address_bits << "\n";
  o << "msrs:\n";
  for (const auto& m : arch::kMsrs) {  // table order, not map order
    auto it = t.msrs.find(m.ident);
    if (it == t.msrs.end()) continue;
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(it->second));
    o << "  " << m.ident << ": " << buf << "\n";
  }
  if (!t.probes.empty()) {
    o << "# Capability probes at boot (vmm/vmx/probe.h): does each advertised control act?\n";
    o << "probes:\n";
    for (const auto& [control, result] : t.probes) o << "  " << control << ": " << result << "\n";
  }
  return o.str();
}

std::string expand_target_references(const std::string& text, const Target& t, std::string& error) {
  static const std::regex ref(R"(\$\{target\.(msr|allowed)\.([A-Za-z0-9_-]+)\})");
  std::string out;
  auto from = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), ref), e; it != e; ++it) {
    const std::smatch& m = *it;
    out.append(from, m[0].first);
    from = m[0].second;
    const std::string kind = m[1], name = m[2];
    if (kind == "msr") {
      auto v = t.msrs.find(name);
      if (v == t.msrs.end()) {
        error = "target " + t.name + " has no MSR " + name + " (${target.msr.NAME} takes an IA32_VMX_* name)";
        return text;
      }
      char buf[24];
      std::snprintf(buf, sizeof buf, "0x%016llx", static_cast<unsigned long long>(v->second));
      out += buf;
      continue;
    }
    const arch::ControlBitInfo* control = nullptr;
    for (const auto& info : arch::kControlBits)
      if (name == info.profile_name) control = &info;
    if (!control) {
      error = "no control named " + name + " (${target.allowed.CONTROL} takes a control's profile name)";
      return text;
    }
    out += arch::control_setting_text(arch::control_setting(t.caps.control_msr(control->control.word), control->control.bit));
  }
  out.append(from, text.cend());
  return out;
}

}  // namespace configgen::parse
