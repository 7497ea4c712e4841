#include "memory/phys.h"

#include "lib/spinlock.h"
#include "lib/string.h"

extern "C" char __image_start[];

namespace memory {
namespace {
constexpr uint32_t kMaxRanges = 32;
constexpr uint64_t kIdentityMapped = 4ull << 30;
struct Range {
  uint64_t start, end;
};
Range g_ranges[kMaxRanges];
uint32_t g_range_count = 0;
uint32_t g_current = 0;
uint64_t g_next = 0;
uint64_t g_first = 0;
lib::Spinlock g_lock;
}  // namespace

void phys_init(const boot::MultibootInfo& info, uint64_t reserved_end) {
  g_range_count = 0;
  if (info.flags & boot::kHasMmap) {
    uint64_t p = info.mmap_addr;
    const uint64_t end = p + info.mmap_length;
    while (p < end && g_range_count < kMaxRanges) {
      const auto* e = reinterpret_cast<const boot::MultibootMmapEntry*>(p);
      if (e->type == 1 && e->base + e->length > reserved_end && e->base < kIdentityMapped) {
        uint64_t s = e->base > reserved_end ? e->base : reserved_end;
        uint64_t t = e->base + e->length;
        if (t > kIdentityMapped) t = kIdentityMapped;
        if (t > s) g_ranges[g_range_count++] = {s, t};
      }
      p += e->size + 4;
    }
  } else if (info.flags & boot::kHasMemory) {
    g_ranges[g_range_count++] = {reserved_end, (uint64_t(info.mem_upper) + 1024) * 1024};
  }
  g_current = 0;
  g_next = g_range_count ? g_ranges[0].start : 0;
  g_first = reinterpret_cast<uint64_t>(__image_start);
}

uint64_t phys_allocate(uint64_t size, uint64_t align) {
  lib::SpinlockGuard guard(g_lock);
  size = (size + 4095) & ~4095ull;
  while (g_current < g_range_count) {
    const uint64_t start = (g_next + align - 1) & ~(align - 1);
    if (start + size <= g_ranges[g_current].end) {
      g_next = start + size;
      memset(reinterpret_cast<void*>(start), 0, size);
      return start;
    }
    if (++g_current < g_range_count) g_next = g_ranges[g_current].start;
  }
  return 0;
}

uint64_t phys_allocate_page() { return phys_allocate(4096, 4096); }
uint64_t phys_hypervisor_start() { return g_first; }
uint64_t phys_used_end() { return g_next; }
bool phys_overlaps_hypervisor(uint64_t start, uint64_t size) {
  return start < g_next && g_first < start + size;
}

}  // namespace memory
