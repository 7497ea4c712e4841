// The plain rules behind guest isolation on a shared CPU (docs/isolation.md):
// XCR0 validity, exit-time charging, exit storms and NMI routing.
#include <gtest/gtest.h>

#include "guests/isolation_rules.h"

namespace {
using namespace guests;

constexpr uint64_t kTigerlake = 0x2E7;  // x87 SSE AVX opmask ZMM_Hi256 Hi16_ZMM PKRU

TEST(Xcr0, AcceptsWhatXsetbvAccepts) {
  EXPECT_TRUE(xcr0_valid(1, kTigerlake));
  EXPECT_TRUE(xcr0_valid(3, kTigerlake));
  EXPECT_TRUE(xcr0_valid(7, kTigerlake));
  EXPECT_TRUE(xcr0_valid(0xE7, kTigerlake));
  EXPECT_TRUE(xcr0_valid(0x2E7, kTigerlake));
}

TEST(Xcr0, RefusesWhatXsetbvFaultsOn) {
  EXPECT_FALSE(xcr0_valid(0, kTigerlake));        // x87 must stay on
  EXPECT_FALSE(xcr0_valid(2, kTigerlake));
  EXPECT_FALSE(xcr0_valid(5, kTigerlake));        // AVX without SSE
  EXPECT_FALSE(xcr0_valid(0x27, kTigerlake));     // part of the AVX-512 triple
  EXPECT_FALSE(xcr0_valid(0xE3, kTigerlake));     // AVX-512 without AVX
  EXPECT_FALSE(xcr0_valid(0x0B, 0x1F));           // one MPX bit of two
  EXPECT_FALSE(xcr0_valid(7, 3));                 // a component the CPU lacks
  EXPECT_FALSE(xcr0_valid(1ull << 17 | 7, (1ull << 17) | (1ull << 18) | 7));  // one AMX bit of two
}

TEST(TimerCut, CutsTheSliceToTheDeadlineAndHoldsTheRestBack) {
  using guests::cut_timer;
  // Rate 5 (32 TSC ticks a timer tick): a deadline 3,200 TSC ticks away is
  // 100 timer ticks, cut at 102 so the exit never comes before it.
  auto c = cut_timer(20000, 3200, true, 5);
  EXPECT_EQ(c.value, 102u);
  EXPECT_EQ(c.value + c.held_back, 20000u) << "the slice keeps its length";
  // A deadline beyond the slice, none at all, or one already due.
  c = cut_timer(50, 3200, true, 5);
  EXPECT_EQ(c.value, 50u);
  EXPECT_EQ(c.held_back, 0u);
  c = cut_timer(20000, 0, false, 5);
  EXPECT_EQ(c.value, 20000u);
  c = cut_timer(20000, 0, true, 5);
  EXPECT_EQ(c.value, 2u) << "never 0: an entry with timer 0 exits before the guest runs an instruction";
  EXPECT_EQ(c.value + c.held_back, 20000u);
  c = cut_timer(20000, 1ull << 40, true, 64);  // no usable rate: no cut
  EXPECT_EQ(c.value, 20000u);
}

TEST(SliceCharge, TakesTheExitsHostTimeOffTheRemainder) {
  // Rate 0: one timer tick per TSC tick.
  SliceCharge c = charge_exit(20000, 1500, 0);
  EXPECT_FALSE(c.ended);
  EXPECT_EQ(c.remaining, 18500u);
  EXPECT_EQ(c.charged, 1500u);
  // Rate 5: one timer tick per 32 TSC ticks.
  c = charge_exit(20000, 32 * 100 + 31, 5);
  EXPECT_EQ(c.remaining, 19900u);
  EXPECT_EQ(c.charged, 100u);
}

TEST(SliceCharge, AnExitLongerThanTheRemainderEndsTheSlice) {
  SliceCharge c = charge_exit(1000, 1000, 0);
  EXPECT_TRUE(c.ended);
  EXPECT_EQ(c.remaining, 0u);
  EXPECT_EQ(c.charged, 1000u);  // never more than was left
  c = charge_exit(0, 0, 0);     // the timer ran out as the exit happened
  EXPECT_TRUE(c.ended);
  c = charge_exit(1000, ~0ull, 0);
  EXPECT_TRUE(c.ended);
  EXPECT_EQ(c.charged, 1000u);
}

TEST(SliceCharge, AGuestThatOnlyExitsGetsNoMoreThanItsSlice) {
  // 20000 ticks, 1500 of host time per exit and 10 of guest time: the
  // slice ends after 14 exits, not after 2000 (its guest time alone).
  uint32_t remaining = 20000, exits = 0;
  for (;;) {
    remaining = remaining > 10 ? remaining - 10 : 0;
    ++exits;
    const SliceCharge c = charge_exit(remaining, 1500, 0);
    if (c.ended) break;
    remaining = c.remaining;
  }
  EXPECT_EQ(exits, 14u);
}

TEST(ExitStorm, MoreThanHalfTheSliceInTheHypervisor) {
  EXPECT_TRUE(slice_was_storm(10001, 20000));
  EXPECT_FALSE(slice_was_storm(10000, 20000));
  EXPECT_FALSE(slice_was_storm(0, 20000));
  EXPECT_FALSE(slice_was_storm(5, 0));
}

TEST(Nmi, BelongsToTheGuestOnlyWhenItTakesNmisAndIsBeingServed) {
  EXPECT_EQ(nmi_party(true, true), NmiParty::Guest);
  EXPECT_EQ(nmi_party(true, false), NmiParty::Host);
  EXPECT_EQ(nmi_party(false, true), NmiParty::Host);  // idle CPU, boot, scheduler with no guest
  EXPECT_EQ(nmi_party(false, false), NmiParty::Host);
}

}  // namespace
