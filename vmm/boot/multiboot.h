// Multiboot v1 information structure (Multiboot Specification 0.6.96, 3.3),
// the fields the hypervisor reads.
#pragma once
#include <stdint.h>

#include "boot/boot_info.h"

namespace boot {

inline constexpr uint32_t kMultibootBootloaderMagic = 0x2BADB002;

struct [[gnu::packed]] MultibootInfo {
  uint32_t flags;
  uint32_t mem_lower, mem_upper;
  uint32_t boot_device;
  uint32_t cmdline;
  uint32_t mods_count, mods_addr;
  uint32_t syms[4];
  uint32_t mmap_length, mmap_addr;
};
enum MultibootFlags : uint32_t { kHasMemory = 1u << 0, kHasCmdline = 1u << 2, kHasModules = 1u << 3, kHasMmap = 1u << 6 };

struct [[gnu::packed]] MultibootModule {
  uint32_t start, end;
  uint32_t string;
  uint32_t reserved;
};

struct [[gnu::packed]] MultibootMmapEntry {
  uint32_t size;  // of the rest of the entry
  uint64_t base, length;
  uint32_t type;  // 1 = available RAM
};

// Copies the v1 information (and the module list, strings and memory map
// it points to) into `out`.
BootInfoStatus read_multiboot1(const MultibootInfo& mbi, BootInfo& out);

}  // namespace boot
