// Loadable images: ELF files (System V ABI, ELF32 for i386 and ELF64 for
// x86-64) flattened from their PT_LOAD segments, and the multiboot v1 header
// (Multiboot Specification 0.6.96, 3.1) a kernel carries in its first 8 KiB.
// Errors are returned as text naming the rule; the reader adds the location.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/profile.h"

namespace configgen::parse {

inline constexpr uint32_t kMultibootHeaderMagic = 0x1BADB002;
inline constexpr uint32_t kMultibootSearchBytes = 8192;
// Header flags (3.1.2): bits 0-15 are requirements a loader must meet.
inline constexpr uint32_t kMultibootPageAlignModules = 1u << 0;
inline constexpr uint32_t kMultibootMemoryInfo = 1u << 1;
inline constexpr uint32_t kMultibootVideoMode = 1u << 2;
inline constexpr uint32_t kMultibootHeaderAddresses = 1u << 16;
// Past this the flattened segments would be mostly zeros in the blob.
inline constexpr uint64_t kMaxFlattenedSpan = 256ull << 20;

struct LoadResult {
  std::vector<uint8_t> bytes;     // what goes at placement.gpa
  model::LoadPlacement placement;
  uint64_t entry_point = 0;
};

// An ELF executable's loadable segments at their physical addresses
// (p_paddr), gaps zero-filled, BSS (p_memsz past p_filesz) counted in
// placement.memory_end. nullopt and `error` set when the file is not one.
std::optional<LoadResult> load_elf(const std::vector<uint8_t>& file, std::string& error);

// The multiboot header, or nullopt; `error` is set when a header is found
// but malformed (bad checksum, address fields that do not fit the file).
std::optional<model::MultibootHeader> find_multiboot_header(const std::vector<uint8_t>& file, std::string& error);

// What a multiboot loader loads from a file whose header has addresses
// (flag 16): [load_addr, load_end_addr) from the file, BSS to bss_end_addr.
std::optional<LoadResult> load_by_header_addresses(const std::vector<uint8_t>& file, const model::MultibootHeader& h,
                                                   std::string& error);

}  // namespace configgen::parse
