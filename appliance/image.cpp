#include "appliance/image.h"


#include <filesystem>
#include <fstream>
#include <sstream>

#include "appliance/files.h"
#include "appliance/process.h"

namespace appliance {
namespace fs = std::filesystem;

namespace {
// GRUB's platforms the ISO carries, each an El Torito entry: i386-pc for
// BIOS (and a CSM), x86_64-efi for UEFI. grub-mkrescue includes every
// platform installed, so a missing one would silently drop a firmware.
struct GrubPlatform {
  const char* directory;
  const char* debian_package;
};
constexpr GrubPlatform kGrubPlatforms[] = {{"/usr/lib/grub/i386-pc", "grub-pc-bin"},
                                           {"/usr/lib/grub/x86_64-efi", "grub-efi-amd64-bin"}};

// One menu entry for both firmwares: GRUB's multiboot2 (the v2 header in
// vmm.elf) is the only multiboot GRUB offers on UEFI, and on BIOS it hands
// over the ACPI RSDP as well, so both take the same path into kmain.
std::string grub_cfg(const ImageInputs& in) {
  std::ostringstream cfg;
  cfg << grub_serial_console() << in.grub_prelude << (in.grub_prelude.empty() || in.grub_prelude.back() == '\n' ? "" : "\n")
      << "menuentry \"vtx-appliance\" {\n"
         "  echo \"vtx-appliance: GRUB on $grub_platform, multiboot2\"\n"
         "  multiboot2 /vmm.elf "
      << in.cmdline
      << "\n"
         "  module2 /profile.blob profile.blob\n"
      << (in.signature.empty() ? "" : "  module2 /profile.sig profile.sig\n")
      << "  boot\n"
         "}\n";
  return cfg.str();
}
constexpr const char* kGrubEfiModules = "/usr/lib/grub/x86_64-efi";
}  // namespace

std::string grub_serial_console() {
  return "serial --unit=0 --speed=115200\nterminal_input serial\nterminal_output serial\nset timeout=0\n";
}

std::string install_grub_efi_netboot(const std::string& dir, const std::string& tftp_server) {
  std::error_code ec;
  if (!fs::is_directory(kGrubEfiModules, ec))
    return std::string("UEFI clients boot through GRUB, and ") + kGrubEfiModules + " is missing (Debian package grub-efi-amd64-bin)";
  const ProcessResult r = run_process(
      {"grub-mknetdir", "--net-directory=" + dir, "--subdir=grub", "-d", kGrubEfiModules, "--locales=", "--fonts=", "--themes="}, 120);
  if (r.exit_status != 0 || !fs::exists(fs::path(dir) / kGrubEfiNetImage, ec))
    return "grub-mknetdir failed (status " + std::to_string(r.exit_status) + "): " + r.output;
  if (tftp_server.empty()) return {};
  // The same image with the server spelled out; everything else GRUB loads
  // (normal.mod, multiboot2.mod, grub.cfg) comes from that prefix.
  const ProcessResult m = run_process({"grub-mkimage", "-d", kGrubEfiModules, "-O", "x86_64-efi", "-o",
                                       (fs::path(dir) / kGrubEfiNetImage).string(), "-p", "(tftp," + tftp_server + ")/grub", "efinet",
                                       "tftp"},
                                      120);
  if (m.exit_status != 0) return "grub-mkimage failed (status " + std::to_string(m.exit_status) + "): " + m.output;
  return {};
}

std::string build_iso(const ImageInputs& in, const std::string& iso_path, const std::string& work_dir) {
  for (const GrubPlatform& g : kGrubPlatforms)
    if (!fs::is_directory(g.directory))
      return std::string("the ISO boots on BIOS and UEFI, and GRUB's ") + g.directory + " is missing (Debian package " +
             g.debian_package + ")";
  const fs::path root = fs::path(work_dir) / "iso-root";
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directories(root / "boot" / "grub", ec);
  if (ec) return "cannot create " + root.string() + ": " + ec.message();
  fs::copy_file(in.vmm, root / "vmm.elf", fs::copy_options::overwrite_existing, ec);
  if (ec) return "cannot copy the hypervisor " + in.vmm + ": " + ec.message();
  fs::copy_file(in.blob, root / "profile.blob", fs::copy_options::overwrite_existing, ec);
  if (ec) return "cannot copy the blob " + in.blob + ": " + ec.message();
  if (!in.signature.empty()) fs::copy_file(in.signature, root / "profile.sig", fs::copy_options::overwrite_existing, ec);
  if (ec) return "cannot copy the signature: " + ec.message();
  if (auto err = write_file((root / "boot" / "grub" / "grub.cfg").string(), grub_cfg(in)); !err.empty()) return err;
  const ProcessResult r = run_process({"grub-mkrescue", "-o", iso_path, root.string()}, 180);
  if (r.exit_status != 0) return "grub-mkrescue failed (status " + std::to_string(r.exit_status) + "): " + r.output;
  return {};
}

std::string build_netboot_tree(const ImageInputs& in, const std::string& dir) {
  std::error_code ec;
  fs::create_directories(fs::path(dir) / "grub", ec);
  if (ec) return "cannot create " + dir + ": " + ec.message();
  fs::copy_file(in.vmm, fs::path(dir) / "vmm.elf", fs::copy_options::overwrite_existing, ec);
  if (ec) return "cannot copy the hypervisor: " + ec.message();
  fs::copy_file(in.blob, fs::path(dir) / "profile.blob", fs::copy_options::overwrite_existing, ec);
  if (ec) return "cannot copy the blob: " + ec.message();
  if (!in.signature.empty()) fs::copy_file(in.signature, fs::path(dir) / "profile.sig", fs::copy_options::overwrite_existing, ec);
  if (ec) return "cannot copy the signature: " + ec.message();
  // iPXE: on BIOS its own multiboot; on UEFI it hands over to GRUB.
  std::ostringstream script;
  script << "#!ipxe\n"
            "iseq ${platform} efi && chain " << kGrubEfiNetImage << " ||\n"
            "kernel vmm.elf "
         << in.cmdline
         << "\n"
            "module profile.blob profile.blob\n"
         << (in.signature.empty() ? "" : "module profile.sig profile.sig\n") << "boot\n";
  if (auto err = write_file((fs::path(dir) / "boot.ipxe").string(), script.str()); !err.empty()) return err;
  // GRUB (UEFI): the same command line and modules, by multiboot2.
  std::ostringstream grub;
  grub << grub_serial_console() << "echo \"vtx-appliance: GRUB on $grub_platform over the network, multiboot2\"\n"
       << "multiboot2 /vmm.elf " << in.cmdline << "\n"
       << "module2 /profile.blob profile.blob\n"
       << (in.signature.empty() ? "" : "module2 /profile.sig profile.sig\n") << "boot\n";
  if (auto err = write_file((fs::path(dir) / "grub" / "grub.cfg").string(), grub.str()); !err.empty()) return err;
  return install_grub_efi_netboot(dir);
}

}  // namespace appliance
