// Address-range arithmetic that cannot wrap: every size, address and port
// from a blob goes through these (a 64-bit base plus size can overflow).
#pragma once
#include <stdint.h>

namespace lib {
// [a, a + a_size) and [b, b + b_size) share a byte; an empty range overlaps
// nothing; sizes up to 2^64 - 1 never wrap.
constexpr bool ranges_overlap(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size) {
  if (a_size == 0 || b_size == 0) return false;
  return a <= b ? b - a < a_size : a - b < b_size;
}
// [base, base + size) ends at or below 2^width (width 64: does not wrap).
constexpr bool within_width(uint64_t base, uint64_t size, uint32_t width) {
  if (width >= 64) return base == 0 || size <= 0 - base;
  const uint64_t limit = 1ull << width;
  return base <= limit && size <= limit - base;
}
// [inner, inner + inner_size) lies inside [outer, outer + outer_size).
constexpr bool range_inside(uint64_t inner, uint64_t inner_size, uint64_t outer, uint64_t outer_size) {
  return inner >= outer && inner - outer <= outer_size && inner_size <= outer_size - (inner - outer);
}
}  // namespace lib
