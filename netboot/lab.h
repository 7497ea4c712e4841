// A lab: machines (by MAC address) each booting its own profile over the
// network, BIOS or UEFI. From a manifest, configgen writes one netboot tree:
// the hypervisor, one blob per machine, one iPXE script per machine selected
// by ${net0/mac:hexhyp} (BIOS) and one GRUB script per machine selected by
// $net_default_mac (UEFI, after iPXE hands over to GRUB's UEFI image),
// default scripts, and a dnsmasq configuration for DHCP + TFTP that picks
// the loader by client architecture (docs/netboot.md).
#pragma once
#include <string>
#include <vector>

namespace netboot {

struct LabMachine {
  std::string name, mac, profile;
};

struct Lab {
  std::string name = "lab";
  std::string interface = "br0";
  std::string server_address = "10.77.0.1";
  std::string dhcp_range = "10.77.0.100,10.77.0.200";
  bool proxy_dhcp = false;  // another DHCP server hands out addresses
  std::string default_profile;
  std::string cmdline = "exit=halt";
  std::vector<LabMachine> machines;
};

// Empty string on success, else every problem found, one per line, with file:line:col.
std::string read_lab_manifest(const std::string& path, Lab& out);
std::string build_lab_tree(const Lab& lab, const std::string& vmm, const std::string& dir);
// "52:54:00:AB:cd:01" -> "52-54-00-ab-cd-01" (iPXE's hexhyp form).
std::string mac_hexhyp(const std::string& mac);

}  // namespace netboot
