// The allocator's bookkeeping as plain logic (host-testable): free RAM
// ranges, each with a bump pointer, searched first-fit. A request that fits
// nowhere changes nothing, so one guest too big for the machine does not
// starve the guests allocated after it. Overflow-safe for any size/align.
#pragma once
#include <stdint.h>

namespace memory {

struct PhysRange {
  uint64_t start, end;  // [start, end)
  uint64_t next;        // first byte not yet handed out
};

class PhysRanges {
 public:
  static constexpr uint32_t kMaxRanges = 64;  // boot::kMaxRamRanges fits (boot/boot_info.h)
  // Ignores empty ranges and ranges beyond kMaxRanges.
  void add(uint64_t start, uint64_t end);
  // A 4K-multiple block aligned to `align` (a power of two); 0 if none fits.
  uint64_t take(uint64_t size, uint64_t align);
  uint32_t count() const { return count_; }
  const PhysRange& range(uint32_t i) const { return ranges_[i]; }
  // Does [start, start + size) touch any range (handed out or not)?
  bool overlaps(uint64_t start, uint64_t size) const;

 private:
  PhysRange ranges_[kMaxRanges] = {};
  uint32_t count_ = 0;
};

}  // namespace memory
