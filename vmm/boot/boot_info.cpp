#include "boot/boot_info.h"

#include "lib/ranges.h"

namespace boot {
namespace {
// Copies a NUL-terminated string that must end within max_length bytes of
// its source and fit in capacity bytes with its NUL.
BootInfoStatus copy_string(char* out, uint32_t capacity, const char* in, size_t max_length, const char* unterminated,
                           const char* too_long) {
  out[0] = 0;
  if (!in) return kBootInfoOk;
  for (size_t i = 0; i < max_length; ++i) {
    if (i == capacity) return {false, too_long, capacity - 1};
    out[i] = in[i];
    if (in[i] == 0) return kBootInfoOk;
  }
  out[0] = 0;
  return {false, unterminated, max_length};
}

uint8_t byte_sum(const uint8_t* p, size_t n) {
  uint8_t sum = 0;
  for (size_t i = 0; i < n; ++i) sum = uint8_t(sum + p[i]);
  return sum;
}
}  // namespace

BootInfoStatus set_cmdline(BootInfo& info, const char* text, size_t max_length) {
  return copy_string(info.cmdline, kMaxCmdline, text, max_length, "command line is not NUL-terminated within its tag",
                     "command line is longer than the hypervisor keeps (bytes)");
}

BootInfoStatus add_module(BootInfo& info, uint64_t start, uint64_t end, const char* string, size_t max_length) {
  if (end < start) return {false, "module ends before it starts (module end address)", end};
  if (info.module_count == kMaxModules) return {false, "more modules than the hypervisor keeps (limit)", kMaxModules};
  BootModule& m = info.modules[info.module_count];
  const BootInfoStatus s = copy_string(m.string, kMaxModuleString, string, max_length,
                                       "module string is not NUL-terminated within its tag",
                                       "module string is longer than the hypervisor keeps (bytes)");
  if (!s.ok) return s;
  m.start = start;
  m.end = end;
  ++info.module_count;
  return kBootInfoOk;
}

BootInfoStatus add_ram_range(BootInfo& info, uint64_t base, uint64_t length) {
  if (length == 0) return kBootInfoOk;
  if (length > ~0ull - base) return {false, "memory-map RAM range wraps past 2^64 (base)", base};
  if (info.ram_count > 0) {
    memory::RamRange& last = info.ram[info.ram_count - 1];
    if (last.base + last.length == base) {
      last.length += length;
      return kBootInfoOk;
    }
  }
  if (info.ram_count == kMaxRamRanges)
    return {false, "memory map has more separate RAM ranges than the hypervisor keeps (limit)", kMaxRamRanges};
  info.ram[info.ram_count++] = {base, length};
  return kBootInfoOk;
}

BootInfoStatus set_rsdp(BootInfo& info, const uint8_t* rsdp, size_t available, bool extended) {
  static constexpr char kSignature[8] = {'R', 'S', 'D', ' ', 'P', 'T', 'R', ' '};
  if (available < kRsdpV1Size) return {false, "ACPI RSDP shorter than its 20-byte ACPI 1.0 part (bytes)", available};
  for (uint32_t i = 0; i < 8; ++i)
    if (rsdp[i] != uint8_t(kSignature[i])) return {false, "ACPI RSDP signature is not \"RSD PTR \" (byte)", i};
  if (byte_sum(rsdp, kRsdpV1Size) != 0) return {false, "ACPI RSDP checksum of its first 20 bytes is not 0 (sum)", byte_sum(rsdp, kRsdpV1Size)};
  uint32_t size = kRsdpV1Size;
  if (extended) {
    if (rsdp[15] < 2) return {false, "ACPI 2.0 RSDP has a revision below 2 (revision)", rsdp[15]};
    if (available < kRsdpV2Size) return {false, "ACPI 2.0 RSDP shorter than 36 bytes (bytes)", available};
    const uint32_t length = uint32_t(rsdp[20]) | uint32_t(rsdp[21]) << 8 | uint32_t(rsdp[22]) << 16 | uint32_t(rsdp[23]) << 24;
    if (length < kRsdpV2Size || length > available) return {false, "ACPI 2.0 RSDP length field outside its tag (length)", length};
    if (byte_sum(rsdp, length) != 0) return {false, "ACPI 2.0 RSDP extended checksum is not 0 (sum)", byte_sum(rsdp, length)};
    size = kRsdpV2Size;
  }
  for (uint32_t i = 0; i < size; ++i) info.rsdp[i] = rsdp[i];
  info.rsdp_size = size;
  return kBootInfoOk;
}

const char* why_not_free_ram(const BootInfo& info, uint64_t start, uint64_t size) {
  bool in_ram = info.ram_count == 0;
  for (uint32_t i = 0; i < info.ram_count; ++i)
    if (info.ram[i].base <= start && size <= info.ram[i].length && start - info.ram[i].base <= info.ram[i].length - size)
      in_ram = true;
  if (!in_ram) return "is not RAM in the loader's memory map";
  for (uint32_t i = 0; i < info.module_count; ++i)
    if (lib::ranges_overlap(start, size, info.modules[i].start, info.modules[i].end - info.modules[i].start))
      return "overlaps a module the loader placed there";
  return nullptr;
}

}  // namespace boot
