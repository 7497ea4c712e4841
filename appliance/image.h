// Appliance images: a GRUB rescue ISO that boots on BIOS and UEFI (serial
// console, the hypervisor loaded by multiboot2 with the blob as a module)
// and an iPXE netboot tree (multiboot v1, BIOS).
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
std::string default_vmm_path();

}  // namespace appliance
