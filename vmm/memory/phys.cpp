#include "memory/phys.h"

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
lib::Spinlock g_lock;
}  // namespace

void phys_init(const RamRange* ram, uint32_t count, uint64_t reserved_end) {
  g_free = PhysRanges{};
  g_ram = PhysRanges{};
  for (uint32_t i = 0; i < count; ++i) {
    const uint64_t base = ram[i].base;
    const uint64_t t = lib::within_width(base, ram[i].length, 64) ? base + ram[i].length : ~0ull;
    g_ram.add(base, t);
    g_free.add(base > reserved_end ? base : reserved_end, t > kIdentityMapped ? kIdentityMapped : t);
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

bool phys_overlaps_ram_or_hypervisor(uint64_t start, uint64_t size) {
  return lib::ranges_overlap(start, size, g_first, g_reserved_end - g_first) || g_ram.overlaps(start, size);
}

}  // namespace memory
