// Appliance images: a GRUB rescue ISO that boots on BIOS and UEFI (serial
// console, the hypervisor loaded by multiboot2 with the blob as a module)
// and a netboot tree for both: iPXE's multiboot v1 on BIOS, GRUB's UEFI
// netboot image and multiboot2 on UEFI (iPXE on UEFI loads no multiboot
// kernel).
#pragma once
#include <string>

namespace appliance {

struct ImageInputs {
  std::string vmm;      // vmm.elf (ELF32 multiboot)
  std::string blob;     // compiled profile
  std::string cmdline;  // kernel command line (exit=..., caps, ...)
  std::string signature;  // profile.sig, when the hypervisor image carries a trusted key
  std::string grub_prelude;  // GRUB commands run before booting (ISO only; tests use it to flood the screen)
};

// Returns an empty string on success, else what failed.
std::string build_iso(const ImageInputs& in, const std::string& iso_path, const std::string& work_dir);
std::string build_netboot_tree(const ImageInputs& in, const std::string& dir);
// GRUB's UEFI netboot image (grub-mknetdir, Debian's grub-efi-amd64-bin)
// under DIR/grub/: a UEFI client that loads kGrubEfiNetImage over TFTP
// (from its firmware, or chained by iPXE) then reads DIR/grub/grub.cfg.
inline constexpr const char* kGrubEfiNetImage = "grub/x86_64-efi/core.efi";
// With `tftp_server`, the image names that server in its prefix: GRUB 2.06
// takes its server from the PXE DHCP acknowledgement, which in a
// proxy-DHCP network comes from the site's server, not the boot server.
std::string install_grub_efi_netboot(const std::string& dir, const std::string& tftp_server = {});
// The lines every grub.cfg here starts with: GRUB on COM1 at 115200, no menu wait.
std::string grub_serial_console();

}  // namespace appliance
