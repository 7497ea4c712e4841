#include "parse/kernel_image.h"

#include <algorithm>
#include <cstring>

#include "model/diagnostics.h"

namespace configgen::parse {
namespace {
template <typename T>
bool read_at(const std::vector<uint8_t>& f, uint64_t at, T& out) {
  if (at > f.size() || f.size() - at < sizeof(T)) return false;
  std::memcpy(&out, f.data() + at, sizeof(T));
  return true;
}

// The ELF header fields we use, from either class (gABI, "ELF Header").
struct ElfHeader {
  bool is64 = false;
  uint16_t type = 0, machine = 0;
  uint64_t entry = 0, phoff = 0;
  uint16_t phentsize = 0, phnum = 0;
};
struct ProgramHeader {
  uint32_t type = 0;
  uint64_t offset = 0, paddr = 0, filesz = 0, memsz = 0;
};
constexpr uint8_t kElfClass32 = 1, kElfClass64 = 2, kElfDataLittle = 1;
constexpr uint16_t kElfExecutable = 2, kMachine386 = 3, kMachineX8664 = 62;
constexpr uint32_t kLoadSegment = 1;

bool read_elf_header(const std::vector<uint8_t>& f, ElfHeader& h, std::string& error) {
  if (f.size() < 16 || std::memcmp(f.data(), "\x7F" "ELF", 4) != 0) return error = "not an ELF file (no \\x7FELF magic)", false;
  if (f[4] != kElfClass32 && f[4] != kElfClass64) return error = "ELF class " + std::to_string(f[4]) + " is neither ELF32 nor ELF64", false;
  if (f[5] != kElfDataLittle) return error = "ELF file is not little-endian (x86 is)", false;
  h.is64 = f[4] == kElfClass64;
  bool ok = read_at(f, 16, h.type) && read_at(f, 18, h.machine);
  if (h.is64) {
    ok = ok && read_at(f, 24, h.entry) && read_at(f, 32, h.phoff) && read_at(f, 54, h.phentsize) && read_at(f, 56, h.phnum);
  } else {
    uint32_t entry = 0, phoff = 0;
    ok = ok && read_at(f, 24, entry) && read_at(f, 28, phoff) && read_at(f, 42, h.phentsize) && read_at(f, 44, h.phnum);
    h.entry = entry, h.phoff = phoff;
  }
  if (!ok) return error = "ELF header is truncated", false;
  if (h.type != kElfExecutable) return error = "ELF type " + std::to_string(h.type) + " is not an executable (ET_EXEC): link it with a fixed address", false;
  if (h.machine != kMachine386 && h.machine != kMachineX8664)
    return error = "ELF machine " + std::to_string(h.machine) + " is neither i386 (3) nor x86-64 (62)", false;
  if (h.phentsize < (h.is64 ? 56 : 32)) return error = "ELF program headers are " + std::to_string(h.phentsize) + " bytes, too small", false;
  return true;
}

bool read_program_header(const std::vector<uint8_t>& f, const ElfHeader& h, uint32_t i, ProgramHeader& p) {
  const uint64_t at = h.phoff + uint64_t(i) * h.phentsize;
  if (h.is64)
    return read_at(f, at, p.type) && read_at(f, at + 8, p.offset) && read_at(f, at + 24, p.paddr) &&
           read_at(f, at + 32, p.filesz) && read_at(f, at + 40, p.memsz);
  uint32_t offset = 0, paddr = 0, filesz = 0, memsz = 0;
  const bool ok = read_at(f, at, p.type) && read_at(f, at + 4, offset) && read_at(f, at + 12, paddr) &&
                  read_at(f, at + 16, filesz) && read_at(f, at + 20, memsz);
  p.offset = offset, p.paddr = paddr, p.filesz = filesz, p.memsz = memsz;
  return ok;
}
}  // namespace

std::optional<LoadResult> load_elf(const std::vector<uint8_t>& f, std::string& error) {
  ElfHeader h;
  if (!read_elf_header(f, h, error)) return std::nullopt;
  std::vector<ProgramHeader> loads;
  for (uint32_t i = 0; i < h.phnum; ++i) {
    ProgramHeader p;
    if (!read_program_header(f, h, i, p)) return error = "program header " + std::to_string(i) + " lies past the end of the file", std::nullopt;
    if (p.type != kLoadSegment || p.memsz == 0) continue;
    const std::string which = "PT_LOAD segment " + std::to_string(i) + " (physical " + hex(p.paddr) + ")";
    if (p.filesz > p.memsz) return error = which + " has more file bytes than memory bytes", std::nullopt;
    if (p.offset > f.size() || f.size() - p.offset < p.filesz) return error = which + " lies past the end of the file", std::nullopt;
    if (p.paddr + p.memsz < p.paddr) return error = which + " wraps around the address space", std::nullopt;
    loads.push_back(p);
  }
  if (loads.empty()) return error = "ELF file has no loadable (PT_LOAD) segment", std::nullopt;
  std::sort(loads.begin(), loads.end(), [](const auto& a, const auto& b) { return a.paddr < b.paddr; });
  for (size_t i = 1; i < loads.size(); ++i)
    if (loads[i].paddr < loads[i - 1].paddr + loads[i - 1].memsz)
      return error = "PT_LOAD segments at physical " + hex(loads[i - 1].paddr) + " and " + hex(loads[i].paddr) + " overlap", std::nullopt;
  LoadResult r;
  r.placement.gpa = loads.front().paddr;
  uint64_t bytes_end = r.placement.gpa;
  for (const auto& p : loads) {
    r.placement.memory_end = std::max(r.placement.memory_end, p.paddr + p.memsz);
    if (p.filesz) bytes_end = std::max(bytes_end, p.paddr + p.filesz);
  }
  if (r.placement.memory_end - r.placement.gpa > kMaxFlattenedSpan)
    return error = "PT_LOAD segments spread over " + hex(r.placement.memory_end - r.placement.gpa) +
                   " bytes of physical address space (at most " + hex(kMaxFlattenedSpan) + " are loaded as one image)",
           std::nullopt;
  r.bytes.assign(bytes_end - r.placement.gpa, 0);
  for (const auto& p : loads)
    std::copy_n(f.begin() + std::ptrdiff_t(p.offset), p.filesz, r.bytes.begin() + std::ptrdiff_t(p.paddr - r.placement.gpa));
  r.entry_point = h.is64 ? h.entry : uint32_t(h.entry);
  return r;
}

std::optional<model::MultibootHeader> find_multiboot_header(const std::vector<uint8_t>& f, std::string& error) {
  const size_t limit = std::min<size_t>(f.size(), kMultibootSearchBytes);
  for (size_t at = 0; at + 12 <= limit; at += 4) {
    uint32_t magic = 0, flags = 0, checksum = 0;
    read_at(f, at, magic);
    if (magic != kMultibootHeaderMagic) continue;
    read_at(f, at + 4, flags);
    read_at(f, at + 8, checksum);
    if (uint32_t(magic + flags + checksum) != 0) continue;  // not a header: the magic value inside code or data
    model::MultibootHeader h;
    h.offset = uint32_t(at);
    h.flags = flags;
    h.has_addresses = flags & kMultibootHeaderAddresses;
    if (h.has_addresses &&
        !(read_at(f, at + 12, h.header_addr) && read_at(f, at + 16, h.load_addr) && read_at(f, at + 20, h.load_end_addr) &&
          read_at(f, at + 24, h.bss_end_addr) && read_at(f, at + 28, h.entry_addr))) {
      error = "multiboot header at offset " + hex(at) + " sets flag 16 but its address fields run past the file";
      return std::nullopt;
    }
    return h;
  }
  return std::nullopt;
}

std::optional<LoadResult> load_by_header_addresses(const std::vector<uint8_t>& f, const model::MultibootHeader& h,
                                                   std::string& error) {
  // 3.1.3: header_addr is where the header's magic lands; the file offset of
  // load_addr follows from it.
  if (h.load_addr > h.header_addr || h.header_addr - h.load_addr > h.offset)
    return error = "multiboot header addresses: load_addr " + hex(h.load_addr) + " is not at or before header_addr " +
                   hex(h.header_addr) + " within the file",
           std::nullopt;
  const uint64_t file_start = h.offset - (h.header_addr - h.load_addr);
  const uint64_t length = h.load_end_addr ? uint64_t(h.load_end_addr) - h.load_addr : f.size() - file_start;
  if (h.load_end_addr && h.load_end_addr < h.load_addr)
    return error = "multiboot header addresses: load_end_addr is below load_addr", std::nullopt;
  if (file_start + length > f.size()) return error = "multiboot header addresses: [load_addr, load_end_addr) runs past the file", std::nullopt;
  LoadResult r;
  r.bytes.assign(f.begin() + std::ptrdiff_t(file_start), f.begin() + std::ptrdiff_t(file_start + length));
  r.placement.gpa = h.load_addr;
  r.placement.memory_end = std::max<uint64_t>(uint64_t(h.load_addr) + length, h.bss_end_addr);
  r.entry_point = h.entry_addr;
  return r;
}

}  // namespace configgen::parse
