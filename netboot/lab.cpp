#include "netboot/lab.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "appliance/files.h"
#include "appliance/image.h"
#include "appliance/process.h"
#include "parse/scalars.h"
#include "pipeline/driver.h"

namespace netboot {
namespace fs = std::filesystem;

std::string mac_hexhyp(const std::string& mac) {
  std::string out;
  for (char c : mac) out += c == ':' ? '-' : char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string read_lab_manifest(const std::string& path, Lab& lab) {
  std::ostringstream errors;
  YAML::Node y;
  try {
    y = YAML::LoadFile(path);
  } catch (const std::exception& e) {
    return path + ": cannot read the lab manifest: " + e.what();
  }
  auto at = [&](const YAML::Node& n) {
    return path + ":" + std::to_string(n.Mark().line + 1) + ":" + std::to_string(n.Mark().column + 1) + ": ";
  };
  // Every key is one the manifest knows: a typo (`iface:`) would otherwise
  // fall back to a default and serve the wrong network.
  auto known_keys = [&](const YAML::Node& map, const char* where, const std::vector<std::string>& keys) {
    if (!map.IsMap()) {
      errors << at(map) << "error: " << where << " must be a mapping\n";
      return;
    }
    for (const auto& kv : map) {
      const std::string key = kv.first.as<std::string>();
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) continue;
      errors << at(kv.first) << "error: unknown key '" << key << "' in " << where;
      if (const std::string near = configgen::parse::closest(key, keys); !near.empty()) errors << "; did you mean '" << near << "'?";
      errors << "\n";
    }
  };
  if (!y.IsMap()) return path + ": error: a lab manifest is a mapping with lab: and machines:\n";
  known_keys(y, "the manifest", {"lab", "machines"});
  if (y["lab"]) known_keys(y["lab"], "lab", {"name", "interface", "server_address", "dhcp_range", "proxy_dhcp", "default", "cmdline"});
  if (y["machines"] && !y["machines"].IsSequence()) errors << at(y["machines"]) << "error: machines must be a list\n";
  else
    for (const auto& m : y["machines"]) known_keys(m, "machines[]", {"name", "mac", "profile"});
  const fs::path dir = fs::path(path).parent_path();
  auto resolve = [&](const std::string& p) { return fs::path(p).is_relative() ? (dir / p).lexically_normal().string() : p; };
  try {
    if (const YAML::Node l = y["lab"]) {
      if (l["name"]) lab.name = l["name"].as<std::string>();
      if (l["interface"]) lab.interface = l["interface"].as<std::string>();
      if (l["server_address"]) lab.server_address = l["server_address"].as<std::string>();
      if (l["dhcp_range"]) lab.dhcp_range = l["dhcp_range"].as<std::string>();
      if (l["proxy_dhcp"]) lab.proxy_dhcp = l["proxy_dhcp"].as<bool>();
      if (l["default"]) lab.default_profile = resolve(l["default"].as<std::string>());
      if (l["cmdline"]) lab.cmdline = l["cmdline"].as<std::string>();
    }
    static const std::regex mac(R"(^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$)");
    std::set<std::string> macs, names;
    for (const auto& m : y["machines"]) {
      LabMachine lm;
      if (!m["name"] || !m["mac"] || !m["profile"]) {
        errors << at(m) << "error: a machine needs name, mac and profile\n";
        continue;
      }
      lm.name = m["name"].as<std::string>();
      lm.mac = m["mac"].as<std::string>();
      lm.profile = resolve(m["profile"].as<std::string>());
      if (!std::regex_match(lm.mac, mac)) errors << at(m["mac"]) << "error: '" << lm.mac << "' is not a MAC address (six hex bytes with colons)\n";
      if (!macs.insert(mac_hexhyp(lm.mac)).second) errors << at(m["mac"]) << "error: MAC " << lm.mac << " is listed twice\n";
      if (!names.insert(lm.name).second) errors << at(m["name"]) << "error: machine name " << lm.name << " is listed twice\n";
      lab.machines.push_back(lm);
    }
  } catch (const std::exception& e) {
    errors << path << ": error: " << e.what() << "\n";
  }
  if (lab.machines.empty() && errors.str().empty()) errors << path << ": error: the manifest lists no machines\n";
  return errors.str();
}

namespace {
using appliance::kGrubEfiNetImage;
// The iPXE builds a PXE client that lacks iPXE loads first, by firmware:
// BIOS (undionly.kpxe, UNDI) and UEFI (snponly.efi, over the firmware's
// network driver; ipxe.efi, with iPXE's own drivers, is shipped beside it
// for NICs whose UEFI driver misbehaves). Debian's ipxe package. iPXE on
// UEFI loads no multiboot kernel, so boot.ipxe hands UEFI clients to GRUB,
// whose multiboot2 does (as on the ISO).
constexpr const char* kIpxeDir = "/usr/lib/ipxe";

// GRUB's $net_default_mac form: lower case, colon-separated.
std::string mac_grub(const std::string& mac) {
  std::string out;
  for (char c : mac) out += c == '-' ? ':' : char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string copy_ipxe_loaders(const std::string& dir) {
  // A proxy-DHCP answer names the BIOS service by basename, and dnsmasq
  // appends ".0" to a basename without a suffix: undionly.kpxe is also there
  // as undionly.0 for that path. The EFI services name files with a suffix,
  // which dnsmasq (2.76 and later) uses as they are.
  const std::pair<const char*, const char*> copies[] = {
      {"undionly.kpxe", "undionly.kpxe"}, {"undionly.kpxe", "undionly.0"}, {"snponly.efi", "snponly.efi"}, {"ipxe.efi", "ipxe.efi"}};
  std::error_code ec;
  for (const auto& [from, to] : copies) {
    const fs::path source = fs::path(kIpxeDir) / from;
    if (!fs::exists(source, ec)) return "iPXE's " + source.string() + " is missing (Debian package ipxe)";
    fs::copy_file(source, fs::path(dir) / to, fs::copy_options::overwrite_existing, ec);
    if (ec) return "cannot copy " + source.string() + " into " + dir + ": " + ec.message();
  }
  return {};
}

}  // namespace

std::string build_lab_tree(const Lab& lab, const std::string& vmm, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "grub", ec);
  if (ec) return "cannot create " + dir + ": " + ec.message();
  fs::copy_file(vmm, fs::path(dir) / "vmm.elf", fs::copy_options::overwrite_existing, ec);
  if (ec) return "cannot copy the hypervisor " + vmm + ": " + ec.message();
  auto compile_to = [&](const std::string& profile, const std::string& blob_name) -> std::string {
    auto c = configgen::compile_profile_file(profile, configgen::CompileOptions{});
    if (!c) return profile + " does not compile";
    return appliance::write_file((fs::path(dir) / blob_name).string(), c->blob);
  };
  // Each machine's boot, twice: an iPXE script (BIOS: iPXE's multiboot v1)
  // and a GRUB script (UEFI: GRUB's multiboot2), the same command line and blob.
  auto scripts = [&](const std::string& ipxe_file, const std::string& grub_file, const std::string& blob_name,
                     const std::string& comment) -> std::string {
    const std::string args = lab.cmdline + " blob=" + blob_name;
    if (auto err = appliance::write_file((fs::path(dir) / ipxe_file).string(), "#!ipxe\n# " + comment + "\nkernel vmm.elf " + args +
                                                                                   "\nmodule " + blob_name + " " + blob_name + "\nboot\n");
        !err.empty())
      return err;
    return appliance::write_file((fs::path(dir) / "grub" / grub_file).string(),
                                 "# " + comment + "\nmultiboot2 /vmm.elf " + args + "\nmodule2 /" + blob_name + " " + blob_name + "\nboot\n");
  };
  for (const auto& m : lab.machines) {
    if (auto err = compile_to(m.profile, m.name + ".blob"); !err.empty()) return err;
    if (auto err = scripts(mac_hexhyp(m.mac) + ".ipxe", mac_grub(m.mac) + ".cfg", m.name + ".blob",
                           "machine " + m.name + " (" + m.mac + "): " + m.profile);
        !err.empty())
      return err;
  }
  if (!lab.default_profile.empty()) {
    if (auto err = compile_to(lab.default_profile, "default.blob"); !err.empty()) return err;
    if (auto err = scripts("default.ipxe", "default.cfg", "default.blob", "machines not in the manifest: " + lab.default_profile);
        !err.empty())
      return err;
  }
  // Every iPXE client starts here. On BIOS it picks its own script by MAC
  // address; on UEFI it hands over to GRUB, which does the same by
  // $net_default_mac (grub/grub.cfg).
  if (auto err = appliance::write_file((fs::path(dir) / "boot.ipxe").string(),
                                       "#!ipxe\n# " + lab.name + ": one script per machine, by MAC address\n"
                                       "iseq ${platform} efi && goto uefi ||\n"
                                       "chain ${net0/mac:hexhyp}.ipxe || chain default.ipxe || shell\n"
                                       ":uefi\n"
                                       "chain " + std::string(kGrubEfiNetImage) + " || shell\n");
      !err.empty())
    return err;
  if (auto err = appliance::write_file((fs::path(dir) / "grub" / "grub.cfg").string(),
                                       "# " + lab.name + ": UEFI clients, one script per machine by MAC address\n" +
                                           appliance::grub_serial_console() +
                                       "echo \"vtx-appliance: GRUB on $grub_platform over the network, MAC $net_default_mac\"\n"
                                       "source /grub/$net_default_mac.cfg\n"
                                       "source /grub/default.cfg\n");
      !err.empty())
    return err;
  if (auto err = copy_ipxe_loaders(dir); !err.empty()) return err;
  if (auto err = appliance::install_grub_efi_netboot(dir); !err.empty()) return err;
  std::ostringstream conf;
  conf << "# dnsmasq for lab " << lab.name << ": DHCP " << (lab.proxy_dhcp ? "(proxy) " : "") << "and TFTP, iPXE chain-loading\n"
       << "port=0\n"  // no DNS service
       << "interface=" << lab.interface << "\nbind-interfaces\n"
       << "dhcp-userclass=set:ipxe,iPXE\n"
       // RFC 4578 client architecture (option 93): 7 and 9 are x86-64 UEFI
       // (firmware sends either); 0 is BIOS.
       << "dhcp-match=set:efi64,option:client-arch,7\n"
       << "dhcp-match=set:efi64,option:client-arch,9\n";
  if (lab.proxy_dhcp)
    // dnsmasq's CSA names: x86PC is architecture 0, X86-64_EFI 7, BC_EFI 9.
    conf << "dhcp-range=" << lab.server_address << ",proxy\n"
         << "pxe-service=tag:!ipxe,x86PC,\"vtx-appliance\",undionly\n"
         << "pxe-service=tag:!ipxe,X86-64_EFI,\"vtx-appliance\",snponly.efi\n"
         << "pxe-service=tag:!ipxe,BC_EFI,\"vtx-appliance\",snponly.efi\n";
  else
    conf << "dhcp-range=" << lab.dhcp_range << ",1h\n";
  conf << "enable-tftp\ntftp-root=" << fs::absolute(dir).string() << "\n"
       << "dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe\n"
       << "dhcp-boot=tag:!ipxe,tag:efi64,snponly.efi\n"
       << "dhcp-boot=tag:ipxe,boot.ipxe\n";
  for (const auto& m : lab.machines)
    conf << "# " << m.name << " " << m.mac << " -> " << mac_hexhyp(m.mac) << ".ipxe (BIOS), grub/" << mac_grub(m.mac) << ".cfg (UEFI)\n";
  return appliance::write_file((fs::path(dir) / "dnsmasq.conf").string(), conf.str());
}

}  // namespace netboot
