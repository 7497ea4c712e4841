// The lab's netboot tree: the hypervisor, each machine's blob and boot
// scripts (iPXE for BIOS, GRUB for UEFI), the loaders and dnsmasq.conf.
#include "netboot/lab.h"

#include <filesystem>

#include "appliance/files.h"
#include "appliance/image.h"
#include "appliance/signing.h"
#include "blob/signature.h"
#include "pipeline/driver.h"

namespace netboot {
namespace fs = std::filesystem;

namespace {
using appliance::kGrubEfiNetImage;
// The iPXE builds a PXE client that lacks iPXE loads first, by firmware:
// BIOS (undionly.kpxe, UNDI) and UEFI (snponly.efi, over the firmware's
// network driver; ipxe.efi, with iPXE's own drivers, is shipped beside it
// for NICs whose UEFI driver misbehaves). Debian's ipxe package. iPXE on
// UEFI loads no multiboot kernel, so boot.ipxe hands UEFI clients to GRUB,
// whose multiboot2 does (as on the ISO).
constexpr const char* kIpxeDir = "/usr/lib/ipxe";

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

std::string build_lab_tree(const Lab& lab, const std::string& vmm, const std::string& dir, const std::string& tftp_root,
                           const appliance::SigningKey* key) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "grub", ec);
  if (ec) return "cannot create " + dir + ": " + ec.message();
  if (key) {
    if (auto err = appliance::write_keyed_vmm(vmm, (fs::path(dir) / "vmm.elf").string(), *key); !err.empty()) return err;
  } else {
    fs::copy_file(vmm, fs::path(dir) / "vmm.elf", fs::copy_options::overwrite_existing, ec);
    if (ec) return "cannot copy the hypervisor " + vmm + ": " + ec.message();
  }
  // "rack1-node3.blob" -> "rack1-node3.sig".
  auto signature_of = [](const std::string& blob_name) { return fs::path(blob_name).replace_extension(".sig").string(); };
  auto compile_to = [&](const std::string& profile, const std::string& blob_name) -> std::string {
    auto c = configgen::compile_profile_file(profile, configgen::CompileOptions{});
    if (!c) return profile + " does not compile";
    if (auto err = appliance::write_file((fs::path(dir) / blob_name).string(), c->blob); !err.empty()) return err;
    if (!key) return {};
    return appliance::write_file((fs::path(dir) / signature_of(blob_name)).string(), appliance::sign_blob(*key, c->blob));
  };
  // Each machine's boot, twice: an iPXE script (BIOS: iPXE's multiboot v1)
  // and a GRUB script (UEFI: GRUB's multiboot2), the same command line and blob.
  auto scripts = [&](const std::string& ipxe_file, const std::string& grub_file, const std::string& blob_name,
                     const std::string& comment) -> std::string {
    const std::string args = lab.cmdline + " blob=" + blob_name;
    // The hypervisor finds the signature by its module string, whatever the file is called.
    const std::string sig = signature_of(blob_name), sig_string = blob::kSignatureModule;
    if (auto err = appliance::write_file((fs::path(dir) / ipxe_file).string(),
                                         "#!ipxe\n# " + comment + "\nkernel vmm.elf " + args + "\nmodule " + blob_name + " " + blob_name +
                                             "\n" + (key ? "module " + sig + " " + sig_string + "\n" : "") + "boot\n");
        !err.empty())
      return err;
    return appliance::write_file((fs::path(dir) / "grub" / grub_file).string(),
                                 "# " + comment + "\nmultiboot2 /vmm.elf " + args + "\nmodule2 /" + blob_name + " " + blob_name + "\n" +
                                     (key ? "module2 /" + sig + " " + sig_string + "\n" : "") + "boot\n");
  };
  for (const auto& m : lab.machines) {
    if (auto err = compile_to(m.profile, m.name + ".blob"); !err.empty()) return err;
    if (auto err = scripts(mac_hexhyp(m.mac) + ".ipxe", mac_grub(m.mac) + ".cfg", m.name + ".blob",
                           "machine " + m.name + " (" + m.mac + "): " + fs::path(m.profile).filename().string());
        !err.empty())
      return err;
  }
  if (!lab.default_profile.empty()) {
    if (auto err = compile_to(lab.default_profile, "default.blob"); !err.empty()) return err;
    if (auto err = scripts("default.ipxe", "default.cfg", "default.blob", "machines not in the manifest: " + fs::path(lab.default_profile).filename().string());
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
  if (auto err = appliance::install_grub_efi_netboot(dir, lab.proxy_dhcp ? lab.server_address : std::string()); !err.empty()) return err;
  // dnsmasq serves the tree from where it will be on the server (the tree
  // holds no other path, so a tree built here can be copied there).
  const std::string root = tftp_root.empty() ? fs::absolute(dir).lexically_normal().string() : tftp_root;
  return appliance::write_file((fs::path(dir) / "dnsmasq.conf").string(), dnsmasq_conf(lab, root));
}

}  // namespace netboot
