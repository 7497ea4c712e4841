// What the loader told the hypervisor, in one form whichever protocol it
// spoke (multiboot v1 from iPXE, QEMU -kernel and GRUB's `multiboot`;
// multiboot2 from GRUB's `multiboot2`, the only one GRUB offers on UEFI).
// Everything is copied out of the loader's structures before the allocator
// may hand their memory out, so nothing here points into them.
// Plain logic (host-testable): boot_info.cpp and multiboot2.cpp.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "memory/phys.h"
#include "memory/phys_ranges.h"

namespace boot {

enum class Loader : uint8_t { Multiboot1, Multiboot2 };

inline constexpr uint32_t kMaxCmdline = 512;        // bytes, with the terminating NUL
inline constexpr uint32_t kMaxModuleString = 128;   // bytes, with the terminating NUL
inline constexpr uint32_t kMaxModules = 8;
inline constexpr uint32_t kMaxRamRanges = 64;       // after adjacent ranges are merged
inline constexpr uint32_t kRsdpV1Size = 20, kRsdpV2Size = 36;  // ACPI 5.2.5.3
// Every RAM range kept reaches the allocator and the passthrough-overlap
// check whole: none is dropped on the way down.
static_assert(kMaxRamRanges <= memory::PhysRanges::kMaxRanges);

struct BootModule {
  uint64_t start, end;  // [start, end), host-physical
  char string[kMaxModuleString];
};

struct BootInfo {
  Loader loader;
  char cmdline[kMaxCmdline];
  uint32_t module_count;
  BootModule modules[kMaxModules];
  // The available-RAM ranges of the loader's memory map, adjacent ones
  // merged; a loader without a map gives its upper-memory size instead.
  uint32_t ram_count;
  memory::RamRange ram[kMaxRamRanges];
  // A copy of the ACPI RSDP when the loader gave one (multiboot2 tags 14
  // and 15); rsdp_size 0 means "scan the BIOS area" (multiboot v1).
  uint32_t rsdp_size;
  uint8_t rsdp[kRsdpV2Size];
};

// Why the loader's information was refused: reason names the rule, detail
// the offending value (an offset, a size, a tag type).
struct BootInfoStatus {
  bool ok;
  const char* reason;
  uint64_t detail;
};
inline constexpr BootInfoStatus kBootInfoOk{true, "", 0};

// The helpers both converters share. Each refuses what does not fit rather
// than dropping it: a RAM range left out would also be left out of the
// passthrough-overlap check (memory/phys.h).
BootInfoStatus set_cmdline(BootInfo& info, const char* text, size_t max_length);
BootInfoStatus add_module(BootInfo& info, uint64_t start, uint64_t end, const char* string, size_t max_length);
BootInfoStatus add_ram_range(BootInfo& info, uint64_t base, uint64_t length);
// Keeps a copy of an RSDP after checking its signature and checksum: the
// 20-byte ACPI 1.0 part, or (extended) the whole ACPI 2.0 structure with its
// length and extended checksum. available: the bytes the loader gave.
BootInfoStatus set_rsdp(BootInfo& info, const uint8_t* rsdp, size_t available, bool extended);

// Is [start, start + size) RAM no one else uses, as the hypervisor's own
// fixed low pages (the APs' start-up page) must be: inside one RAM range of
// the loader's memory map (UEFI firmware may keep low pages for itself) and
// clear of every module (the blob is read in place)? nullptr when it is, else
// why not. Without any map there is nothing to go by, and only the modules
// are checked.
const char* why_not_free_ram(const BootInfo& info, uint64_t start, uint64_t size);

}  // namespace boot
