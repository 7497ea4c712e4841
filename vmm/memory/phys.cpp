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

void phys_init(const boot::MultibootInfo& info, uint64_t reserved_end) {
  g_free = PhysRanges{};
  g_ram = PhysRanges{};
  if (info.flags & boot::kHasMmap) {
    uint64_t p = info.mmap_addr;
    const uint64_t end = p + info.mmap_length;
    while (p < end) {
      const auto* e = reinterpret_cast<const boot::MultibootMmapEntry*>(p);
      if (e->type == 1) {
        const uint64_t t = lib::within_width(e->base, e->length, 64) ? e->base + e->length : ~0ull;
        g_ram.add(e->base, t);
        g_free.add(e->base > reserved_end ? e->base : reserved_end, t > kIdentityMapped ? kIdentityMapped : t);
      }
      p += e->size + 4;
    }
  } else if (info.flags & boot::kHasMemory) {
    const uint64_t top = (uint64_t(info.mem_upper) + 1024) * 1024;
    g_ram.add(0, top);
    g_free.add(reserved_end, top);
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
