// The virtual local APIC's register semantics (guests/virtual_apic): the
// timer in one-shot and periodic mode, IRR/ISR/EOI, PPR from TPR and ISR,
// interrupt commands to itself, and software disable.
#include <gtest/gtest.h>

#include "guests/virtual_apic.h"

namespace {
using namespace guests;

struct Apic {
  uint32_t page[1024] = {};
  ApicTimer timer{};
  VirtualApic apic{page, timer};
  Apic() {
    apic.reset(3);
    apic.write(apic::SVR, 0x1FF, 0);
  }
};

TEST(VirtualApic, ResetsToThePowerUpRegisters) {
  uint32_t page[1024];
  for (auto& w : page) w = 0xDEADBEEF;
  ApicTimer t{};
  VirtualApic a(page, t);
  a.reset(7);
  EXPECT_EQ(a.read(apic::ID, 0), 7u << 24);
  EXPECT_EQ(a.read(apic::VERSION, 0) & 0xFF, 0x14u);
  EXPECT_EQ(a.read(apic::SVR, 0), 0xFFu);  // software-disabled
  EXPECT_TRUE(a.read(apic::LVT_TIMER, 0) & apic::kLvtMasked);
  EXPECT_EQ(a.read(apic::IRR, 0), 0u);
  // Disabled: an LVT stays masked whatever is written, and nothing is delivered.
  a.write(apic::LVT_TIMER, 0x40, 0);
  EXPECT_TRUE(a.read(apic::LVT_TIMER, 0) & apic::kLvtMasked);
}

TEST(VirtualApic, OneShotTimerCountsDownFiresOnceAndStops) {
  Apic x;
  x.apic.write(apic::DIVIDE_CONFIGURATION, 0x3, 0);  // divide by 16
  EXPECT_EQ(VirtualApic::divisor(0x3), 16u);
  EXPECT_EQ(VirtualApic::divisor(0xB), 1u);
  x.apic.write(apic::LVT_TIMER, 0x40, 0);
  x.apic.write(apic::INITIAL_COUNT, 100, 1000);  // 1600 TSC ticks
  EXPECT_EQ(x.apic.read(apic::CURRENT_COUNT, 1000 + 160), 90u);
  EXPECT_FALSE(x.apic.update_timer(1000 + 1599));
  EXPECT_TRUE(x.apic.update_timer(1000 + 1600));
  EXPECT_EQ(x.apic.read(apic::CURRENT_COUNT, 5000), 0u);
  EXPECT_FALSE(x.apic.timer_counting());
  EXPECT_EQ(x.apic.deliverable(), 0x40);
  x.apic.accept(0x40);
  EXPECT_EQ(x.apic.deliverable(), 0);  // in service: the same class waits for EOI
  EXPECT_EQ(x.apic.read(apic::PPR, 0), 0x40u);
  x.apic.write(apic::EOI, 0, 0);
  EXPECT_EQ(x.apic.read(apic::ISR + 0x20, 0), 0u);
  EXPECT_FALSE(x.apic.update_timer(100000));  // a one-shot fires once
}

TEST(VirtualApic, PeriodicTimerReloadsAndCollapsesMissedPeriods) {
  Apic x;
  x.apic.write(apic::DIVIDE_CONFIGURATION, 0xB, 0);
  x.apic.write(apic::LVT_TIMER, 0x41 | (1u << 17), 0);
  x.apic.write(apic::INITIAL_COUNT, 1000, 0);
  EXPECT_TRUE(x.apic.update_timer(1000));
  EXPECT_EQ(x.apic.timer_deadline(), 2000u);
  EXPECT_TRUE(x.apic.update_timer(5500));   // periods 2000..5000 missed: one interrupt
  EXPECT_EQ(x.apic.timer_deadline(), 6000u);
  EXPECT_EQ(x.apic.read(apic::CURRENT_COUNT, 5750), 250u);
  x.apic.write(apic::INITIAL_COUNT, 0, 5800);  // 0 stops it
  EXPECT_FALSE(x.apic.timer_counting());
  // A masked LVT counts but requests nothing.
  x.apic.accept(0x41);
  x.apic.write(apic::EOI, 0, 0);
  x.apic.write(apic::LVT_TIMER, 0x41 | apic::kLvtMasked, 0);
  x.apic.write(apic::INITIAL_COUNT, 10, 0);
  EXPECT_TRUE(x.apic.update_timer(10));
  EXPECT_EQ(x.apic.deliverable(), 0);
}

TEST(VirtualApic, TprHoldsBackLowerClassesAndSelfInterruptsQueue) {
  Apic x;
  EXPECT_EQ(x.apic.write(apic::ICR_LOW, 0x40 | (1u << 18), 0), ApicEffect::None);  // shorthand self
  x.apic.write(apic::TPR, 0x50, 0);
  EXPECT_EQ(x.apic.deliverable(), 0);
  EXPECT_EQ(x.apic.read(apic::IRR + 0x20, 0), 1u);
  x.apic.write(apic::TPR, 0x40, 0);
  EXPECT_EQ(x.apic.deliverable(), 0);  // same class as TPR: still held (SDM 11.8.3.1)
  x.apic.write(apic::TPR, 0, 0);
  EXPECT_EQ(x.apic.deliverable(), 0x40);
  // To its own ID: accepted; to another APIC: refused (one vCPU); NMI: the caller delivers it.
  x.apic.write(apic::ICR_HIGH, 3u << 24, 0);
  EXPECT_EQ(x.apic.write(apic::ICR_LOW, 0x50, 0), ApicEffect::None);
  EXPECT_EQ(x.apic.deliverable(), 0x50);
  x.apic.write(apic::ICR_HIGH, 4u << 24, 0);
  EXPECT_EQ(x.apic.write(apic::ICR_LOW, 0x60, 0), ApicEffect::Refused);
  EXPECT_EQ(x.apic.write(apic::ICR_LOW, (4u << 8) | (1u << 18), 0), ApicEffect::Nmi);
  EXPECT_EQ(x.apic.write(apic::ICR_LOW, (5u << 8) | (1u << 18), 0), ApicEffect::Refused);  // INIT
  // An illegal vector sets ESR bit 6 instead of IRR; a write to ESR clears it.
  x.apic.write(apic::ICR_LOW, 0x05 | (1u << 18), 0);
  EXPECT_EQ(x.apic.read(apic::ESR, 0), 1u << 6);
  x.apic.write(apic::ESR, 0, 0);
  EXPECT_EQ(x.apic.read(apic::ESR, 0), 0u);
}

TEST(VirtualApic, ReadOnlyRegistersIgnoreWrites) {
  Apic x;
  x.apic.write(apic::ID, 0xFF000000, 0);
  x.apic.write(apic::VERSION, 0, 0);
  x.apic.write(apic::IRR, 0xFFFFFFFF, 0);
  EXPECT_EQ(x.apic.read(apic::ID, 0), 3u << 24);
  EXPECT_EQ(x.apic.read(apic::VERSION, 0) & 0xFF, 0x14u);
  EXPECT_EQ(x.apic.read(apic::IRR, 0), 0u);
}

}  // namespace
