#include "memory/phys.h"

#include "lib/ranges.h"
#include "lib/spinlock.h"
#include "lib/string.h"

extern "C" char __image_start[];

namespace memory {
namespace {
constexpr uint32_t kMaxRanges = 32;
constexpr uint64_t kIdentityMapped = 4ull << 30;
struct Range {
  uint64_t start, end;  // [start, end)
  uint64_t next;        // first byte not yet handed out
};
// Where the allocator hands out memory: RAM above the hypervisor's image
// and modules, below 4 GiB (identity-mapped).
Range g_ranges[kMaxRanges];
uint32_t g_range_count = 0;
// All RAM of the loader's memory map (type 1), wherever it is: no
// passthrough window may cover it.
Range g_ram[kMaxRanges];
uint32_t g_ram_count = 0;
uint64_t g_first = 0, g_reserved_end = 0;
lib::Spinlock g_lock;

void add(Range* table, uint32_t& count, uint64_t start, uint64_t end) {
  if (end > start && count < kMaxRanges) table[count++] = {start, end, start};
}
}  // namespace

void phys_init(const boot::MultibootInfo& info, uint64_t reserved_end) {
  g_range_count = g_ram_count = 0;
  if (info.flags & boot::kHasMmap) {
    uint64_t p = info.mmap_addr;
    const uint64_t end = p + info.mmap_length;
    while (p < end) {
      const auto* e = reinterpret_cast<const boot::MultibootMmapEntry*>(p);
      if (e->type == 1) {
        const uint64_t t = lib::within_width(e->base, e->length, 64) ? e->base + e->length : ~0ull;
        add(g_ram, g_ram_count, e->base, t);
        const uint64_t s = e->base > reserved_end ? e->base : reserved_end;
        add(g_ranges, g_range_count, s, t > kIdentityMapped ? kIdentityMapped : t);
      }
      p += e->size + 4;
    }
  } else if (info.flags & boot::kHasMemory) {
    const uint64_t top = (uint64_t(info.mem_upper) + 1024) * 1024;
    add(g_ram, g_ram_count, 0, top);
    add(g_ranges, g_range_count, reserved_end, top);
  }
  g_first = reinterpret_cast<uint64_t>(__image_start);
  g_reserved_end = reserved_end;
}

// First fit over the ranges. A request that fits nowhere changes nothing,
// so one guest too big for the machine does not starve the others.
uint64_t phys_allocate(uint64_t size, uint64_t align) {
  if (size == 0 || size > ~0ull - 4095 || align == 0 || (align & (align - 1))) return 0;
  size = (size + 4095) & ~4095ull;
  lib::SpinlockGuard guard(g_lock);
  for (uint32_t i = 0; i < g_range_count; ++i) {
    Range& r = g_ranges[i];
    if (r.next > ~0ull - (align - 1)) continue;
    const uint64_t start = (r.next + align - 1) & ~(align - 1);
    if (start > r.end || size > r.end - start) continue;
    r.next = start + size;
    memset(reinterpret_cast<void*>(start), 0, size);
    return start;
  }
  return 0;
}

uint64_t phys_allocate_page() { return phys_allocate(4096, 4096); }

bool phys_overlaps_ram_or_hypervisor(uint64_t start, uint64_t size) {
  if (lib::ranges_overlap(start, size, g_first, g_reserved_end - g_first)) return true;
  for (uint32_t i = 0; i < g_ram_count; ++i)
    if (lib::ranges_overlap(start, size, g_ram[i].start, g_ram[i].end - g_ram[i].start)) return true;
  return false;
}

}  // namespace memory
