#include "memory/phys.h"

#include "arch/cpu.h"
#include "arch/registers.h"
#include "lib/ranges.h"
#include "lib/spinlock.h"
#include "lib/string.h"
#include "memory/phys_ranges.h"

extern "C" char __image_start[];

namespace memory {
namespace {
constexpr uint64_t kIdentityMapped = 4ull << 30;
// Where the allocator hands out memory: RAM above the hypervisor's image
// and modules, below 4 GiB (identity-mapped).
PhysRanges g_free;
// All RAM of the loader's memory map (type 1), wherever it is: no
// passthrough window may cover it.
PhysRanges g_ram;
uint64_t g_first = 0, g_reserved_end = 0;
uint64_t g_mapped_end = kIdentityMapped;
lib::Spinlock g_lock;
// The loader's RAM ranges as phys_init got them, for the RAM above 4 GiB.
constexpr uint32_t kMaxKeptRanges = 64;
RamRange g_ram_ranges[kMaxKeptRanges];
uint32_t g_ram_range_count = 0;

constexpr uint64_t kGiB = 1ull << 30, k2MiB = 1ull << 21;
constexpr uint64_t kPresentWritable = 0x3, kLargePage = 0x80;  // P, R/W; PS (SDM Table 4-15, 4-17)
constexpr uint64_t kTableAddress = 0x000FFFFFFFFFF000ull;

// Maps [base, base + 1 GiB) identity; false when a table cannot be allocated.
bool map_gib(uint64_t* pml4, uint64_t base, bool one_gib_pages) {
  uint64_t& pml4e = pml4[(base >> 39) & 511];
  if (!(pml4e & 1)) {
    const uint64_t pdpt = phys_allocate_page();
    if (!pdpt) return false;
    pml4e = pdpt | kPresentWritable;
  }
  uint64_t& pdpte = phys_to_virt<uint64_t>(pml4e & kTableAddress)[(base >> 30) & 511];
  if (pdpte & 1) return true;  // already mapped
  if (one_gib_pages) {
    pdpte = base | kPresentWritable | kLargePage;
    return true;
  }
  const uint64_t pd = phys_allocate_page();
  if (!pd) return false;
  uint64_t* pde = phys_to_virt<uint64_t>(pd);
  for (uint32_t i = 0; i < 512; ++i) pde[i] = (base + i * k2MiB) | kPresentWritable | kLargePage;
  pdpte = pd | kPresentWritable;
  return true;
}
}  // namespace

void phys_init(const RamRange* ram, uint32_t count, uint64_t reserved_end) {
  g_free = PhysRanges{};
  g_ram = PhysRanges{};
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t base = ram[i].base;
    const uint64_t t = lib::within_width(base, ram[i].length, 64) ? base + ram[i].length : ~0ull;
    g_ram.add(base, t);
    g_free.add(base > reserved_end ? base : reserved_end, t > kIdentityMapped ? kIdentityMapped : t);
    if (g_ram_range_count < kMaxKeptRanges) g_ram_ranges[g_ram_range_count++] = {base, t - base};
  }
  g_first = reinterpret_cast<uint64_t>(__image_start);
  g_reserved_end = reserved_end;
}

uint64_t phys_allocate(uint64_t size, uint64_t align) {
  uint64_t start;
  {
    lib::SpinlockGuard guard(g_lock);
    start = g_free.take(size, align);
  }
  if (start) memset(reinterpret_cast<void*>(start), 0, (size + 4095) & ~4095ull);
  return start;
}

uint64_t phys_allocate_page() { return phys_allocate(4096, 4096); }

HighMemory phys_map_above_4g() {
  HighMemory h{};
  uint64_t top = 0;
  for (uint32_t i = 0; i < g_ram_range_count; ++i) {
    const uint64_t end = g_ram_ranges[i].base + g_ram_ranges[i].length;
    if (end > top) top = end;
  }
  // Not beyond what the CPU can address (CPUID.80000008H:EAX[7:0], SDM 4.1.4).
  const uint32_t width = arch::cpuid(0x80000000).eax >= 0x80000008 ? arch::cpuid(0x80000008).eax & 0xFF : 36;
  if (width < 64 && top > (1ull << width)) top = 1ull << width;
  h.one_gib_pages = arch::cpuid(0x80000001).edx & arch::cpuid80000001_edx::PAGE1GB;
  uint64_t* pml4 = phys_to_virt<uint64_t>(arch::read_cr3() & kTableAddress);
  uint64_t mapped = kIdentityMapped;
  while (mapped < top && map_gib(pml4, mapped, h.one_gib_pages)) mapped += kGiB;
  arch::write_cr3(arch::read_cr3());  // new entries only; the reload keeps it simple to reason about
  g_mapped_end = mapped;
  h.mapped_end = mapped;
  // The mapping works (the highest RAM page holds what was written; nothing
  // uses it yet), or none of that RAM is handed out.
  uint64_t highest = 0;
  for (uint32_t i = 0; i < g_ram_range_count; ++i) {
    const uint64_t end = g_ram_ranges[i].base + g_ram_ranges[i].length, to = end < mapped ? end : mapped;
    if (to > kIdentityMapped && to - 4096 >= g_ram_ranges[i].base && to > highest) highest = to;
  }
  if (!highest) return h;
  volatile uint64_t* p = phys_to_virt<volatile uint64_t>((highest - 4096) & ~0xFFFull);
  const uint64_t pattern = 0x5A17C0DE00000000ull | (highest >> 12);
  *p = pattern;
  const bool read_back = *p == pattern;
  *p = 0;
  if (!read_back) return h;
  h.probe = (highest - 4096) & ~0xFFFull;
  for (uint32_t i = 0; i < g_ram_range_count; ++i) {
    const uint64_t base = g_ram_ranges[i].base, end = base + g_ram_ranges[i].length;
    const uint64_t from = base > kIdentityMapped ? base : kIdentityMapped, to = end < mapped ? end : mapped;
    if (from >= to) continue;
    lib::SpinlockGuard guard(g_lock);
    g_free.add(from, to);
    h.ram_bytes += to - from;
  }
  return h;
}

uint64_t identity_mapped_end() { return g_mapped_end; }

bool phys_overlaps_ram_or_hypervisor(uint64_t start, uint64_t size) {
  return lib::ranges_overlap(start, size, g_first, g_reserved_end - g_first) || g_ram.overlaps(start, size);
}

}  // namespace memory
