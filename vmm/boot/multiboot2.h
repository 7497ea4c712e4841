// Multiboot2 (Multiboot2 Specification 2.0): the header the ELF carries
// (multiboot.S) and the boot information the loader passes in EBX, the tags
// the hypervisor reads. GRUB's `multiboot2` command, on BIOS and on UEFI,
// speaks it; without the EFI boot-services header tag, which the hypervisor
// does not request, GRUB exits boot services and enters in 32-bit protected
// mode (spec 3.3) exactly as a multiboot v1 loader does.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "boot/boot_info.h"

namespace boot {

inline constexpr uint32_t kMultiboot2HeaderMagic = 0xE85250D6;
inline constexpr uint32_t kMultiboot2BootloaderMagic = 0x36D76289;

// Boot information tag types (spec 3.6), the ones read here.
enum class Multiboot2Tag : uint32_t {
  End = 0,
  Cmdline = 1,
  Module = 3,
  Mmap = 6,
  AcpiOld = 14,  // a copy of the ACPI 1.0 RSDP
  AcpiNew = 15,  // a copy of the ACPI 2.0 RSDP
};

// Layout facts (spec 3.6.1-3.6.7): the information starts with total_size
// and a reserved word; tags are 8-byte aligned, each headed by type and
// size (size counts the header, not the padding); a memory-map entry is
// base, length (u64), type, reserved (u32), and the tag gives entry_size.
inline constexpr uint32_t kMultiboot2FixedPart = 8, kMultiboot2TagHeader = 8;
inline constexpr uint32_t kMultiboot2MmapEntryMin = 24, kMultiboot2RamType = 1;

// Reads the information at `info`, of which `readable` bytes may be read,
// into `out` (cleared first). Every tag must lie within total_size and
// total_size within readable; the list must end with an End tag. Unknown
// tags are skipped. On a refusal `out` is not to be used.
BootInfoStatus parse_multiboot2(const uint8_t* info, size_t readable, BootInfo& out);

}  // namespace boot
