#include "lower/multiboot_info.h"

#include <algorithm>
#include <cstring>

namespace configgen::lower {
namespace {
constexpr char kLoaderName[] = "configgen (vtx appliance)";
constexpr uint32_t kModuleEntryBytes = 16;  // mod_start, mod_end, string, reserved
constexpr uint32_t kMmapEntryBytes = 24;    // size, base_addr, length, type
constexpr uint32_t kMmapAvailable = 1, kMmapReserved = 2;

void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }
void put64(std::vector<uint8_t>& b, size_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); }

uint64_t strings_size(const std::string& cmdline, const std::vector<MultibootModulePlacement>& modules) {
  uint64_t n = cmdline.size() + 1 + sizeof kLoaderName;
  for (const auto& m : modules) n += m.string.size() + 1;
  return n;
}

// KiB of usable memory contiguous from `from` (mem_lower from 0, mem_upper from 1 MiB).
uint64_t contiguous_kib(const std::vector<MultibootMemory>& sorted, uint64_t from, uint64_t limit) {
  uint64_t end = from;
  for (const auto& m : sorted)
    if (m.usable && m.gpa <= end && m.gpa + m.size > end) end = m.gpa + m.size;
  return (std::min(end, limit) - from) / 1024;
}
}  // namespace

uint64_t multiboot_info_size(size_t memory_count, const std::string& cmdline, const std::vector<MultibootModulePlacement>& modules) {
  return 128 + modules.size() * kModuleEntryBytes + memory_count * kMmapEntryBytes + strings_size(cmdline, modules);
}

std::vector<uint8_t> build_multiboot_info(uint64_t gpa, std::vector<MultibootMemory> memory, const std::string& cmdline,
                                          const std::vector<MultibootModulePlacement>& modules) {
  std::sort(memory.begin(), memory.end(), [](const auto& a, const auto& b) { return a.gpa < b.gpa; });
  std::vector<uint8_t> b(multiboot_info_size(memory.size(), cmdline, modules), 0);
  const uint64_t modules_at = 128, mmap_at = modules_at + modules.size() * kModuleEntryBytes,
                 strings_at = mmap_at + memory.size() * kMmapEntryBytes;
  uint64_t next_string = strings_at;
  auto add_string = [&](const std::string& s) {
    std::memcpy(b.data() + next_string, s.c_str(), s.size() + 1);
    const uint64_t at = gpa + next_string;
    next_string += s.size() + 1;
    return uint32_t(at);
  };
  put32(b, 0, kInfoMemory | kInfoCmdline | kInfoModules | kInfoMemoryMap | kInfoLoaderName);
  put32(b, 4, uint32_t(contiguous_kib(memory, 0, 640 << 10)));
  put32(b, 8, uint32_t(std::min<uint64_t>(contiguous_kib(memory, 1 << 20, ~0ull), 0xFFFFFFFFu)));
  put32(b, 16, add_string(cmdline));
  put32(b, 20, uint32_t(modules.size()));
  put32(b, 24, uint32_t(gpa + modules_at));
  for (size_t i = 0; i < modules.size(); ++i) {
    const size_t at = modules_at + i * kModuleEntryBytes;
    put32(b, at, uint32_t(modules[i].gpa));
    put32(b, at + 4, uint32_t(modules[i].gpa + modules[i].size));
    put32(b, at + 8, add_string(modules[i].string));
  }
  // mmap_addr points at the first entry's size field, which does not count itself (3.3).
  put32(b, 44, uint32_t(memory.size() * kMmapEntryBytes));
  put32(b, 48, uint32_t(gpa + mmap_at));
  for (size_t i = 0; i < memory.size(); ++i) {
    const size_t at = mmap_at + i * kMmapEntryBytes;
    put32(b, at, kMmapEntryBytes - 4);
    put64(b, at + 4, memory[i].gpa);
    put64(b, at + 12, memory[i].size);
    put32(b, at + 20, memory[i].usable ? kMmapAvailable : kMmapReserved);
  }
  put32(b, 64, add_string(kLoaderName));
  return b;
}

}  // namespace configgen::lower
