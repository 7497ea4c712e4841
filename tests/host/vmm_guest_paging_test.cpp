// Guest page walks over a fake guest memory, for every paging mode.
#include <gtest/gtest.h>

#include <cstring>
#include <map>

#include "memory/guest_paging.h"

namespace {
struct FakeGuest {
  std::map<uint64_t, uint64_t> words;  // 8-byte aligned contents
  void put32(uint64_t gpa, uint32_t v) {
    uint64_t& w = words[gpa & ~7ull];
    const int shift = int(gpa & 4) * 8;
    w = (w & ~(0xFFFFFFFFull << shift)) | (uint64_t(v) << shift);
  }
  void put64(uint64_t gpa, uint64_t v) { words[gpa] = v; }
  static bool read(void* ctx, uint64_t gpa, uint32_t size, uint64_t* out) {
    auto* g = static_cast<FakeGuest*>(ctx);
    if (gpa >= (1ull << 32)) return false;
    const uint64_t w = g->words.count(gpa & ~7ull) ? g->words[gpa & ~7ull] : 0;
    *out = size == 4 ? (w >> ((gpa & 4) * 8)) & 0xFFFFFFFF : w;
    return true;
  }
};

memory::WalkStatus walk(FakeGuest& g, memory::GuestPagingState s, uint64_t linear, uint64_t& gpa) {
  return memory::guest_linear_to_physical(s, linear, FakeGuest::read, &g, gpa);
}

TEST(GuestPaging, NoPagingIsIdentity) {
  FakeGuest g;
  uint64_t gpa;
  ASSERT_EQ(walk(g, {0x11, 0, 0, 0}, 0x12345678, gpa), memory::WalkStatus::Ok);
  EXPECT_EQ(gpa, 0x12345678u);
}

TEST(GuestPaging, ThirtyTwoBitWith4KAnd4MPages) {
  FakeGuest g;
  g.put32(0x1000 + (0x00400000 >> 22) * 4, 0x2000 | 1);  // PDE -> page table at 0x2000
  g.put32(0x2000 + 5 * 4, 0x77000 | 1);                   // PTE for 0x00405000
  g.put32(0x1000 + (0xC0000000 >> 22) * 4, 0x00800000 | 0x83);  // 4 MiB page
  const memory::GuestPagingState s{0x80000011, 0x1000, 0x10, 0};
  uint64_t gpa;
  ASSERT_EQ(walk(g, s, 0x00405ABC, gpa), memory::WalkStatus::Ok);
  EXPECT_EQ(gpa, 0x77ABCu);
  ASSERT_EQ(walk(g, s, 0xC0123456, gpa), memory::WalkStatus::Ok);
  EXPECT_EQ(gpa, 0x00923456u);
  EXPECT_EQ(walk(g, s, 0x80000000, gpa), memory::WalkStatus::NotPresent);
}

TEST(GuestPaging, PaeWith2MPages) {
  FakeGuest g;
  g.put64(0x3000 + 3 * 8, 0x4000 | 1);                    // PDPTE 3
  g.put64(0x4000 + 0x1FF * 8, 0x00200000 | 0x83);         // 2 MiB page at the top
  const memory::GuestPagingState s{0x80000011, 0x3000, 0x20, 0};
  uint64_t gpa;
  ASSERT_EQ(walk(g, s, 0xFFE01234, gpa), memory::WalkStatus::Ok);
  EXPECT_EQ(gpa, 0x00201234u);
  EXPECT_EQ(walk(g, s, 0x00001000, gpa), memory::WalkStatus::NotPresent);
}

TEST(GuestPaging, FourLevelWith1GAnd4KPages) {
  FakeGuest g;
  g.put64(0x10000, 0x11000 | 3);               // PML4[0]
  g.put64(0x11000 + 1 * 8, 0x40000000 | 0x83);  // PDPT[1]: 1 GiB page
  g.put64(0x11000 + 0 * 8, 0x12000 | 3);       // PDPT[0] -> PD
  g.put64(0x12000 + 0 * 8, 0x13000 | 3);       // PD[0] -> PT
  g.put64(0x13000 + 0x100 * 8, 0x99000 | 3);   // PT[0x100]
  const memory::GuestPagingState s{0x80000011, 0x10000, 0x20, 0x500};
  uint64_t gpa;
  ASSERT_EQ(walk(g, s, 0x40000123, gpa), memory::WalkStatus::Ok);
  EXPECT_EQ(gpa, 0x40000123u);
  ASSERT_EQ(walk(g, s, 0x100456, gpa), memory::WalkStatus::Ok);
  EXPECT_EQ(gpa, 0x99456u);
  EXPECT_EQ(walk(g, s, 0x8000000000ull, gpa), memory::WalkStatus::NotPresent);
}
}  // namespace
