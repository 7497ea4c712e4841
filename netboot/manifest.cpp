// The lab manifest (docs/netboot.md), read and checked like a profile:
// unknown keys with a suggestion, every error at once, each located.
#include "netboot/lab.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>
#include <set>
#include <sstream>

#include "parse/scalars.h"

namespace netboot {
namespace fs = std::filesystem;

std::string mac_hexhyp(const std::string& mac) {
  std::string out;
  for (char c : mac) out += c == ':' ? '-' : char(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string mac_grub(const std::string& mac) {
  std::string out;
  for (char c : mac) out += c == '-' ? ':' : char(std::tolower(static_cast<unsigned char>(c)));
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
    for (const auto& m : y["machines"]) known_keys(m, "machines[]", {"name", "mac", "profile", "address"});
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
    static const std::regex ipv4(R"(^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$)");
    std::set<std::string> macs, names, addresses;
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
      if (const YAML::Node a = m["address"]) {
        lm.address = a.as<std::string>();
        if (!std::regex_match(lm.address, ipv4))
          errors << at(a) << "error: address '" << lm.address << "' is not an IPv4 address (four numbers 0-255 with dots)\n";
        else if (lab.proxy_dhcp)
          errors << at(a) << "error: machine " << lm.name << " has an address, but with proxy_dhcp the site's DHCP server gives addresses; "
                 << "set it there\n";
        else if (!addresses.insert(lm.address).second)
          errors << at(a) << "error: address " << lm.address << " is given to two machines\n";
      }
      lab.machines.push_back(lm);
    }
  } catch (const std::exception& e) {
    errors << path << ": error: " << e.what() << "\n";
  }
  if (lab.machines.empty() && errors.str().empty()) errors << path << ": error: the manifest lists no machines\n";
  return errors.str();
}

}  // namespace netboot
