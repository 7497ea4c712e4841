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

#include "appliance/signing.h"

namespace netboot {

struct LabMachine {
  std::string name, mac, profile;
  std::string address;  // optional fixed IPv4 address (a dhcp-host line); not in proxy mode
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

// Writes the tree into `dir`. `tftp_root` is where the tree will be served
// from (dnsmasq's tftp-root=); empty means `dir` itself. Nothing else in the
// tree names a path outside it, so it can be built anywhere and copied.
// With `key`, the tree's vmm.elf trusts that key and each NAME.blob has its
// signature beside it (NAME.sig), loaded by every script as the hypervisor's
// signature module (blob/signature.h): a blob changed on the server is refused.
std::string build_lab_tree(const Lab& lab, const std::string& vmm, const std::string& dir, const std::string& tftp_root = {},
                           const appliance::SigningKey* key = nullptr);

// The dnsmasq configuration for a lab served from `tftp_root` (absolute).
std::string dnsmasq_conf(const Lab& lab, const std::string& tftp_root);

// "52:54:00:AB:cd:01" -> "52-54-00-ab-cd-01" (iPXE's hexhyp form).
std::string mac_hexhyp(const std::string& mac);
// "52-54-00-AB-cd-01" -> "52:54:00:ab:cd:01" (GRUB's $net_default_mac form).
std::string mac_grub(const std::string& mac);

}  // namespace netboot
