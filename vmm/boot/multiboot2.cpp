#include "boot/multiboot2.h"

namespace boot {
namespace {
uint32_t u32(const uint8_t* p) { return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24; }
uint64_t u64(const uint8_t* p) { return uint64_t(u32(p)) | uint64_t(u32(p + 4)) << 32; }

// Tag 1: the string follows the header.
BootInfoStatus read_cmdline(const uint8_t* tag, uint32_t size, BootInfo& out) {
  return set_cmdline(out, reinterpret_cast<const char*>(tag + 8), size - 8);
}

// Tag 3: mod_start, mod_end (u32), then the module's string.
BootInfoStatus read_module(const uint8_t* tag, uint32_t size, BootInfo& out) {
  if (size < 16) return {false, "multiboot2 module tag shorter than 16 bytes (size)", size};
  return add_module(out, u32(tag + 8), u32(tag + 12), reinterpret_cast<const char*>(tag + 16), size - 16);
}

// Tag 6: entry_size, entry_version (u32), then entries of entry_size bytes.
BootInfoStatus read_mmap(const uint8_t* tag, uint32_t size, BootInfo& out) {
  if (size < 16) return {false, "multiboot2 memory-map tag shorter than 16 bytes (size)", size};
  const uint32_t entry_size = u32(tag + 8);
  if (entry_size < kMultiboot2MmapEntryMin || entry_size % 8)
    return {false, "multiboot2 memory-map entry_size is below 24 or not a multiple of 8 (entry_size)", entry_size};
  // Written as a subtraction: off + entry_size can wrap for a huge entry_size.
  for (uint32_t off = 16; entry_size <= size - off; off += entry_size) {
    const uint8_t* e = tag + off;
    if (u32(e + 16) != kMultiboot2RamType) continue;
    const BootInfoStatus s = add_ram_range(out, u64(e), u64(e + 8));
    if (!s.ok) return s;
  }
  return kBootInfoOk;
}
}  // namespace

BootInfoStatus parse_multiboot2(const uint8_t* info, size_t readable, BootInfo& out) {
  out = BootInfo{};
  out.loader = Loader::Multiboot2;
  if (!info) return {false, "multiboot2 information address is 0", 0};
  if (readable < kMultiboot2FixedPart) return {false, "multiboot2 information shorter than its 8-byte fixed part (bytes)", readable};
  const uint32_t total = u32(info);
  if (total < kMultiboot2FixedPart + kMultiboot2TagHeader)
    return {false, "multiboot2 total_size too small for one tag (total_size)", total};
  if (total > readable) return {false, "multiboot2 total_size past the readable information (total_size)", total};
  bool have_new_acpi = false;
  for (uint32_t off = kMultiboot2FixedPart;;) {
    if (off > total - kMultiboot2TagHeader) return {false, "multiboot2 tag list has no end tag within total_size (offset)", off};
    const uint8_t* tag = info + off;
    const uint32_t type = u32(tag), size = u32(tag + 4);
    if (size < kMultiboot2TagHeader) return {false, "multiboot2 tag size below 8 (offset)", off};
    if (size > total - off) return {false, "multiboot2 tag runs past total_size (offset)", off};
    BootInfoStatus s = kBootInfoOk;
    switch (Multiboot2Tag(type)) {
      case Multiboot2Tag::End:
        return kBootInfoOk;
      case Multiboot2Tag::Cmdline:
        s = read_cmdline(tag, size, out);
        break;
      case Multiboot2Tag::Module:
        s = read_module(tag, size, out);
        break;
      case Multiboot2Tag::Mmap:
        s = read_mmap(tag, size, out);
        break;
      case Multiboot2Tag::AcpiOld:  // the 2.0 copy, when there is one, wins
        if (!have_new_acpi) s = set_rsdp(out, tag + 8, size - 8, false);
        break;
      case Multiboot2Tag::AcpiNew:
        s = set_rsdp(out, tag + 8, size - 8, true);
        have_new_acpi = s.ok;
        break;
    }
    if (!s.ok) return s;
    // The next tag starts at the next multiple of 8 (spec 3.6.1).
    const uint64_t next = (uint64_t(off) + size + 7) & ~7ull;
    if (next >= total) return {false, "multiboot2 tag list has no end tag within total_size (offset)", off};
    off = uint32_t(next);
  }
}

}  // namespace boot
