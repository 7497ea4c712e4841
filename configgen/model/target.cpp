#include "model/target.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <regex>
#include <sstream>

#include "arch/vmx_table.h"
#include "parse/scalars.h"

namespace configgen::model {

std::string targets_directory() { return std::string(VTX_SOURCE_DIR) + "/configgen/targets"; }

void derive_capabilities(Target& t) {
  auto get = [&](const char* n) { auto it = t.msrs.find(n); return it == t.msrs.end() ? 0ull : it->second; };
  vmx::Capabilities& c = t.caps;
  c.basic = get("IA32_VMX_BASIC");
  const bool tru = c.has_true_controls();
  c.pinbased = tru && get("IA32_VMX_TRUE_PINBASED_CTLS") ? get("IA32_VMX_TRUE_PINBASED_CTLS") : get("IA32_VMX_PINBASED_CTLS");
  c.procbased = tru && get("IA32_VMX_TRUE_PROCBASED_CTLS") ? get("IA32_VMX_TRUE_PROCBASED_CTLS") : get("IA32_VMX_PROCBASED_CTLS");
  c.exit = tru && get("IA32_VMX_TRUE_EXIT_CTLS") ? get("IA32_VMX_TRUE_EXIT_CTLS") : get("IA32_VMX_EXIT_CTLS");
  c.entry = tru && get("IA32_VMX_TRUE_ENTRY_CTLS") ? get("IA32_VMX_TRUE_ENTRY_CTLS") : get("IA32_VMX_ENTRY_CTLS");
  c.procbased2 = get("IA32_VMX_PROCBASED_CTLS2");
  c.misc = get("IA32_VMX_MISC");
  c.cr0_fixed0 = get("IA32_VMX_CR0_FIXED0");
  c.cr0_fixed1 = get("IA32_VMX_CR0_FIXED1");
  c.cr4_fixed0 = get("IA32_VMX_CR4_FIXED0");
  c.cr4_fixed1 = get("IA32_VMX_CR4_FIXED1");
  c.vmcs_enum = get("IA32_VMX_VMCS_ENUM");
  c.ept_vpid_cap = get("IA32_VMX_EPT_VPID_CAP");
  c.vmfunc = get("IA32_VMX_VMFUNC");
}

std::optional<Target> load_target(const std::string& name_or_path, std::string& error) {
  std::string path = name_or_path;
  if (path.find('/') == std::string::npos && path.find(".yaml") == std::string::npos)
    path = targets_directory() + "/" + name_or_path + ".yaml";
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
  static const std::regex width(R"(vmm: caps: cpuid 0x80000008 eax = 0x([0-9a-fA-F]+))");
  Target t;
  t.name = name;
  t.description = "measured on the machine itself: `configgen caps import` of a run with `caps` on the kernel command line";
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, line)) {
      if (!t.msrs.count(m[2])) t.msrs[m[2]] = std::stoull(m[3], nullptr, 16);
    } else if (std::regex_search(l, m, width)) {
      t.physical_address_bits = uint32_t(std::stoul(m[1], nullptr, 16) & 0xFF);
    } else if (std::regex_search(l, end) && !t.msrs.empty()) {
      break;  // the first CPU's block is enough: all CPUs of a machine agree
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
  return o.str();
}

}  // namespace configgen::model
