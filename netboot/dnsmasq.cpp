// dnsmasq.conf for a lab: DHCP (or proxy DHCP beside the site's own server)
// and TFTP, with the first loader chosen by client architecture and iPXE
// clients sent to boot.ipxe.
#include <sstream>

#include "netboot/lab.h"

namespace netboot {

std::string dnsmasq_conf(const Lab& lab, const std::string& tftp_root) {
  std::ostringstream conf;
  conf << "# dnsmasq for lab " << lab.name << ": DHCP " << (lab.proxy_dhcp ? "(proxy) " : "") << "and TFTP, iPXE chain-loading\n"
       << "port=0\n"  // no DNS service
       << "interface=" << lab.interface << "\nbind-interfaces\n"
       << "dhcp-userclass=set:ipxe,iPXE\n"
       // RFC 4578 client architecture (option 93): 7 and 9 are x86-64 UEFI
       // (firmware sends either); 0 is BIOS.
       << "dhcp-match=set:efi64,option:client-arch,7\n"
       << "dhcp-match=set:efi64,option:client-arch,9\n";
  if (lab.proxy_dhcp) {
    // A proxy answers PXE clients with a boot service per client system
    // architecture (dnsmasq's CSA names: x86PC is 0, X86-64_EFI 7, BC_EFI 9),
    // which take the place of dhcp-boot there. A PXE ROM gets the iPXE loader;
    // iPXE, asking again with its user class, gets boot.ipxe.
    conf << "dhcp-range=" << lab.server_address << ",proxy\n";
    for (const char* csa : {"x86PC", "X86-64_EFI", "BC_EFI"}) {
      const bool bios = std::string(csa) == "x86PC";
      conf << "pxe-service=tag:!ipxe," << csa << ",\"vtx-appliance\"," << (bios ? "undionly" : "snponly.efi") << "\n";
      conf << "pxe-service=tag:ipxe," << csa << ",\"vtx-appliance\",boot.ipxe\n";
    }
  } else {
    conf << "dhcp-range=" << lab.dhcp_range << ",1h\n";
  }
  conf << "enable-tftp\ntftp-root=" << tftp_root << "\n";
  if (!lab.proxy_dhcp)
    conf << "dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe\n"
         << "dhcp-boot=tag:!ipxe,tag:efi64,snponly.efi\n"
         << "dhcp-boot=tag:ipxe,boot.ipxe\n";
  for (const auto& m : lab.machines) {
    conf << "# " << m.name << " " << m.mac << " -> " << mac_hexhyp(m.mac) << ".ipxe (BIOS), grub/" << mac_grub(m.mac) << ".cfg (UEFI)\n";
    // A fixed address (and the machine's name as its host name) for machines
    // the manifest gives one; the others lease from the range.
    if (!m.address.empty()) conf << "dhcp-host=" << mac_grub(m.mac) << "," << m.address << "," << m.name << "\n";
  }
  return conf.str();
}

}  // namespace netboot
