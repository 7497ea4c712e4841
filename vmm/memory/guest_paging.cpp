#include "memory/guest_paging.h"

namespace memory {
namespace {
constexpr uint64_t kPresent = 1, kLarge = 1ull << 7;
constexpr uint64_t kAddress = 0x000FFFFFFFFFF000ull;
constexpr uint64_t kCr0Pg = 1ull << 31, kCr4Pse = 1ull << 4, kCr4Pae = 1ull << 5, kEferLma = 1ull << 10;
}  // namespace

WalkStatus guest_linear_to_physical(const GuestPagingState& s, uint64_t linear, ReadGuestPhysical read, void* ctx,
                                    uint64_t& gpa) {
  if (!(s.cr0 & kCr0Pg)) {
    gpa = (s.efer & kEferLma) ? linear : (linear & 0xFFFFFFFF);
    return WalkStatus::Ok;
  }
  uint64_t e = 0;
  if (!(s.cr4 & kCr4Pae)) {  // 32-bit paging (SDM 4.3)
    const uint32_t lin = uint32_t(linear);
    if (!read(ctx, (s.cr3 & 0xFFFFF000) + ((lin >> 22) & 0x3FF) * 4, 4, &e)) return WalkStatus::Unreadable;
    if (!(e & kPresent)) return WalkStatus::NotPresent;
    if ((e & kLarge) && (s.cr4 & kCr4Pse)) {
      gpa = (e & 0xFFC00000) | (((e >> 13) & 0xFF) << 32) | (lin & 0x3FFFFF);
      return WalkStatus::Ok;
    }
    if (!read(ctx, (e & 0xFFFFF000) + ((lin >> 12) & 0x3FF) * 4, 4, &e)) return WalkStatus::Unreadable;
    if (!(e & kPresent)) return WalkStatus::NotPresent;
    gpa = (e & 0xFFFFF000) | (lin & 0xFFF);
    return WalkStatus::Ok;
  }
  uint64_t table;
  int level;
  if (s.efer & kEferLma) {  // 4-level paging (SDM 4.5)
    table = s.cr3 & kAddress;
    level = 4;
  } else {  // PAE paging (SDM 4.4): the PDPTE picks the page directory
    if (!read(ctx, (s.cr3 & 0xFFFFFFE0) + ((linear >> 30) & 3) * 8, 8, &e)) return WalkStatus::Unreadable;
    if (!(e & kPresent)) return WalkStatus::NotPresent;
    table = e & kAddress;
    level = 2;
  }
  for (; level >= 1; --level) {
    const uint32_t shift = 12 + 9 * uint32_t(level - 1);
    if (!read(ctx, table + ((linear >> shift) & 511) * 8, 8, &e)) return WalkStatus::Unreadable;
    if (!(e & kPresent)) return WalkStatus::NotPresent;
    if (level == 1 || ((level == 2 || level == 3) && (e & kLarge))) {
      const uint64_t page = 1ull << shift;
      gpa = (e & kAddress & ~(page - 1)) | (linear & (page - 1));
      return WalkStatus::Ok;
    }
    table = e & kAddress;
  }
  return WalkStatus::NotPresent;
}

}  // namespace memory
