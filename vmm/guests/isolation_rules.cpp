#include "guests/isolation_rules.h"

namespace guests {
namespace {
constexpr uint64_t kX87 = 1ull << 0, kSse = 1ull << 1, kAvx = 1ull << 2, kMpx = 3ull << 3, kAvx512 = 7ull << 5,
                   kAmx = 3ull << 17;
bool all_or_none(uint64_t value, uint64_t group) { return (value & group) == 0 || (value & group) == group; }
}  // namespace

bool xcr0_valid(uint64_t value, uint64_t supported) {
  if (!(value & kX87) || (value & ~supported)) return false;
  if ((value & kAvx) && !(value & kSse)) return false;
  if (!all_or_none(value, kAvx512) || ((value & kAvx512) && !(value & kAvx))) return false;
  return all_or_none(value, kMpx) && all_or_none(value, kAmx);
}

bool slice_was_storm(uint64_t charged_ticks, uint64_t slice_ticks) {
  return slice_ticks && charged_ticks * 2 > slice_ticks;
}

}  // namespace guests
