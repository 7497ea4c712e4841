#include "memory/phys_ranges.h"

#include "lib/ranges.h"

namespace memory {

void PhysRanges::add(uint64_t start, uint64_t end) {
  if (end > start && count_ < kMaxRanges) ranges_[count_++] = {start, end, start};
}

uint64_t PhysRanges::take(uint64_t size, uint64_t align) {
  if (size == 0 || size > ~0ull - 4095 || align == 0 || (align & (align - 1))) return 0;
  size = (size + 4095) & ~4095ull;
  for (uint32_t i = 0; i < count_; ++i) {
    PhysRange& r = ranges_[i];
    if (r.next > ~0ull - (align - 1)) continue;
    const uint64_t start = (r.next + align - 1) & ~(align - 1);
    if (start > r.end || size > r.end - start) continue;
    r.next = start + size;
    return start;
  }
  return 0;
}

bool PhysRanges::overlaps(uint64_t start, uint64_t size) const {
  for (uint32_t i = 0; i < count_; ++i)
    if (lib::ranges_overlap(start, size, ranges_[i].start, ranges_[i].end - ranges_[i].start)) return true;
  return false;
}

}  // namespace memory
