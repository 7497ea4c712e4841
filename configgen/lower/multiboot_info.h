// The multiboot v1 information structure (Multiboot Specification 0.6.96,
// section 3.3) that configgen builds in guest memory for a guest whose
// entry.mode is multiboot: what GRUB or QEMU's -kernel would hand the kernel.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace configgen::lower {

inline constexpr uint32_t kMultibootLoaderMagic = 0x2BADB002;  // EAX at entry (3.2)

struct MultibootMemory {
  uint64_t gpa, size;
  bool usable;  // RAM (mmap type 1) or reserved (type 2)
};
struct MultibootModulePlacement {
  uint64_t gpa, size;
  std::string string;
};

// The information flags set (3.3).
inline constexpr uint32_t kInfoMemory = 1u << 0, kInfoCmdline = 1u << 2, kInfoModules = 1u << 3, kInfoMemoryMap = 1u << 6,
                          kInfoLoaderName = 1u << 9;
inline constexpr uint32_t kInfoStructBytes = 116;  // through the framebuffer fields

// The bytes to place at guest-physical `gpa`: the structure, then the module
// list, the memory map and the strings. `memory` need not be sorted.
std::vector<uint8_t> build_multiboot_info(uint64_t gpa, std::vector<MultibootMemory> memory, const std::string& cmdline,
                                          const std::vector<MultibootModulePlacement>& modules);

// Bytes build_multiboot_info needs, to place it before building it.
uint64_t multiboot_info_size(size_t memory_count, const std::string& cmdline, const std::vector<MultibootModulePlacement>& modules);

}  // namespace configgen::lower
