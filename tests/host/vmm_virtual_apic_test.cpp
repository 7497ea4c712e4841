// The virtual local APIC's register semantics (guests/virtual_apic): the
// timer in one-shot, periodic and TSC-deadline mode, IRR/ISR/EOI, PPR from
// TPR and ISR, interrupt commands to itself, software disable, the
// IA32_APIC_BASE mode transitions and x2APIC mode's MSR rules.
#include <gtest/gtest.h>

#include "guests/virtual_apic.h"

namespace {
using namespace guests;

struct Apic {
  uint32_t page[1024] = {};
  ApicTimer timer{};
  uint64_t base = 0xFEE00900;  // enabled, xAPIC mode, BSP
  VirtualApic apic;
  explicit Apic(bool x2apic_offered = false) : apic(page, timer, base, x2apic_offered) {
    apic.reset(3);
    apic.write(apic::SVR, 0x1FF, 0);
  }
};

TEST(VirtualApic, ResetsToThePowerUpRegisters) {
  uint32_t page[1024];
  for (auto& w : page) w = 0xDEADBEEF;
  ApicTimer t{};
  uint64_t base = 0xFEE00800;
  VirtualApic a(page, t, base, false);
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
  // To its own ID: accepted; to another APIC: for the caller to deliver to
  // the guest's other vCPUs; NMI: the caller delivers it.
  x.apic.write(apic::ICR_HIGH, 3u << 24, 0);
  EXPECT_EQ(x.apic.write(apic::ICR_LOW, 0x50, 0), ApicEffect::None);
  EXPECT_EQ(x.apic.deliverable(), 0x50);
  x.apic.write(apic::ICR_HIGH, 4u << 24, 0);
  EXPECT_EQ(x.apic.write(apic::ICR_LOW, 0x60, 0), ApicEffect::Others);
  EXPECT_EQ(x.apic.deliverable(), 0x50);  // 0x60 is not its own
  EXPECT_EQ(x.apic.write(apic::ICR_LOW, (4u << 8) | (1u << 18), 0), ApicEffect::Nmi);
  EXPECT_EQ(x.apic.write(apic::ICR_LOW, (4u << 8) | (2u << 18), 0), ApicEffect::NmiAndOthers);  // all including self
  EXPECT_EQ(x.apic.write(apic::ICR_LOW, (5u << 8) | (3u << 18), 0), ApicEffect::Others);  // INIT to all excluding self
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

TEST(VirtualApic, TscDeadlineArmsAtTheGuestsTscFiresOnceAndDisarms) {
  Apic x;
  constexpr uint32_t kDeadlineMode = 2u << 17;
  // Outside TSC-deadline mode IA32_TSC_DEADLINE reads 0 and ignores writes.
  x.apic.write_tsc_deadline(5000, 1000, 1000);
  EXPECT_EQ(x.apic.read_tsc_deadline(), 0u);
  EXPECT_FALSE(x.apic.timer_counting());
  x.apic.write(apic::LVT_TIMER, 0x42 | kDeadlineMode, 0);
  // The guest's TSC runs 1,000,000 ahead of the host's: its deadline 1,003,000 is host 3000.
  x.apic.write_tsc_deadline(1003000, 1000000 + 1000, 1000);
  EXPECT_EQ(x.apic.read_tsc_deadline(), 1003000u);
  EXPECT_EQ(x.apic.timer_deadline(), 3000u);
  // The count registers do nothing in this mode.
  x.apic.write(apic::INITIAL_COUNT, 50, 1000);
  EXPECT_EQ(x.apic.read(apic::INITIAL_COUNT, 1000), 0u);
  EXPECT_EQ(x.apic.read(apic::CURRENT_COUNT, 1000), 0u);
  EXPECT_EQ(x.apic.timer_deadline(), 3000u);
  EXPECT_FALSE(x.apic.update_timer(2999));
  EXPECT_TRUE(x.apic.update_timer(3000));
  EXPECT_EQ(x.apic.deliverable(), 0x42);
  EXPECT_EQ(x.apic.read_tsc_deadline(), 0u);  // fired: disarmed, reads 0
  EXPECT_FALSE(x.apic.update_timer(100000));
  // A deadline already passed fires at the next check; 0 disarms.
  x.apic.write_tsc_deadline(10, 5000, 5000);
  EXPECT_TRUE(x.apic.update_timer(5000));
  x.apic.write_tsc_deadline(9000, 6000, 6000);
  x.apic.write_tsc_deadline(0, 6000, 6000);
  EXPECT_FALSE(x.apic.timer_counting());
  // Leaving TSC-deadline mode disarms it.
  x.apic.write_tsc_deadline(9000, 6000, 6000);
  x.apic.write(apic::LVT_TIMER, 0x42, 6000);
  EXPECT_FALSE(x.apic.timer_counting());
  EXPECT_EQ(x.apic.read_tsc_deadline(), 0u);
}

TEST(VirtualApic, TscDeadlineFollowsAWriteOfTheGuestsTsc) {
  Apic x;
  x.apic.write(apic::LVT_TIMER, 0x42 | (2u << 17), 0);
  x.apic.write_tsc_deadline(5000, 1000, 1000);  // host deadline 5000
  x.apic.guest_tsc_moved(1000);                 // the guest's TSC jumped 1000 ahead
  EXPECT_EQ(x.apic.timer_deadline(), 4000u);
  x.apic.guest_tsc_moved(-3000);
  EXPECT_EQ(x.apic.timer_deadline(), 7000u);
  x.apic.guest_tsc_moved(1000000);  // far past the deadline: fires at once
  EXPECT_TRUE(x.apic.update_timer(7));
}

TEST(VirtualApic, ApicBaseTransitionsFollowTheX2apicStateDiagram) {
  Apic x(true);
  constexpr uint64_t xapic = 0xFEE00800, x2apic = 0xFEE00C00, disabled = 0xFEE00000;
  EXPECT_EQ(x.apic.mode(), ApicMode::XApic);
  EXPECT_EQ(x.apic.write_base(disabled | apic_base::EXTD, 39), ApicFault::BaseInvalidState);
  EXPECT_EQ(x.apic.write_base(xapic | 0x1, 39), ApicFault::BaseReservedBits);
  EXPECT_EQ(x.apic.write_base(xapic | (1ull << 40), 39), ApicFault::BaseReservedBits);
  EXPECT_EQ(x.base, 0xFEE00900u);  // refused writes change nothing
  EXPECT_EQ(x.apic.write_base(x2apic, 39), ApicFault::None);
  EXPECT_EQ(x.apic.mode(), ApicMode::X2Apic);
  EXPECT_EQ(x.base, 0xFEE00D00u);  // the BSP flag is kept
  EXPECT_EQ(x.apic.read(apic::LDR, 0), (0u << 16) | (1u << 3));  // logical x2APIC ID of ID 3
  EXPECT_EQ(x.apic.write_base(xapic, 39), ApicFault::BaseX2apicToXapic);
  EXPECT_EQ(x.apic.write_base(disabled, 39), ApicFault::None);
  EXPECT_EQ(x.apic.mode(), ApicMode::Disabled);
  EXPECT_EQ(x.apic.read(apic::SVR, 0), 0xFFu);  // back to the power-up registers, ID kept
  EXPECT_EQ(x.apic.apic_id(), 3);
  EXPECT_EQ(x.apic.write_base(x2apic, 39), ApicFault::BaseDisabledToX2apic);
  EXPECT_EQ(x.apic.write_base(xapic, 39), ApicFault::None);
  EXPECT_EQ(x.apic.mode(), ApicMode::XApic);
  // Without the profile's offer, EXTD is a reserved bit.
  Apic plain;
  EXPECT_EQ(plain.apic.write_base(x2apic, 39), ApicFault::BaseReservedBits);
}

TEST(VirtualApic, DisabledApicDeliversNothing) {
  Apic x;
  x.apic.write(apic::ICR_LOW, 0x40 | (1u << 18), 0);
  EXPECT_EQ(x.apic.write_base(0xFEE00000, 39), ApicFault::None);
  EXPECT_EQ(x.apic.deliverable(), 0);
  EXPECT_EQ(x.apic.read(apic::IRR + 0x20, 0), 0u);  // the pending request is gone
}

struct X2apic : Apic {
  X2apic() : Apic(true) { EXPECT_EQ(apic.write_base(0xFEE00C00, 39), ApicFault::None); }
  ApicFault wr(uint32_t msr, uint64_t value, ApicEffect* effect = nullptr) {
    ApicEffect e;
    const ApicFault f = apic.write_msr(msr, value, 0, e);
    if (effect) *effect = e;
    return f;
  }
  uint64_t rd(uint32_t msr) {
    uint64_t v = ~0ull;
    EXPECT_EQ(apic.read_msr(msr, 0, v), ApicFault::None) << std::hex << msr;
    return v;
  }
};

TEST(VirtualApic, X2apicMsrsAreTheRegistersWithTheirRules) {
  X2apic x;
  EXPECT_EQ(apic::x2apic_msr(apic::ICR_LOW), 0x830u);
  EXPECT_EQ(x.rd(0x802), 3u);  // the 32-bit x2APIC ID, not ID << 24
  EXPECT_EQ(x.rd(0x803) & 0xFF, 0x14u);
  EXPECT_EQ(x.rd(0x80D), 1u << 3);
  EXPECT_EQ(x.wr(0x808, 0x20), ApicFault::None);
  EXPECT_EQ(x.rd(0x808), 0x20u);
  EXPECT_EQ(x.rd(0x80A), 0x20u);  // PPR
  uint64_t v;
  // Reserved addresses: DFR (80EH), the ICR's high half (831H), CMCI (no such LVT here), gaps.
  for (uint32_t msr : {0x800u, 0x801u, 0x804u, 0x809u, 0x80Cu, 0x80Eu, 0x829u, 0x82Fu, 0x831u, 0x83Au, 0x840u, 0x8FFu}) {
    EXPECT_EQ(x.apic.read_msr(msr, 0, v), ApicFault::NoSuchRegister) << std::hex << msr;
    EXPECT_EQ(x.wr(msr, 0), ApicFault::NoSuchRegister) << std::hex << msr;
  }
  // Read-only registers refuse writes; write-only ones refuse reads.
  for (uint32_t msr : {0x802u, 0x803u, 0x80Au, 0x80Du, 0x810u, 0x817u, 0x818u, 0x820u, 0x839u})
    EXPECT_EQ(x.wr(msr, 0), ApicFault::WriteToReadOnly) << std::hex << msr;
  EXPECT_EQ(x.apic.read_msr(0x80B, 0, v), ApicFault::ReadOfWriteOnly);
  EXPECT_EQ(x.apic.read_msr(0x83F, 0, v), ApicFault::ReadOfWriteOnly);
  // Reserved bits: TPR 31:8, a non-zero EOI or ESR, bits 63:32 of a 32-bit register, SELF IPI 31:8, ICR bit 12.
  EXPECT_EQ(x.wr(0x808, 0x100), ApicFault::ReservedBits);
  EXPECT_EQ(x.wr(0x80B, 1), ApicFault::ReservedBits);
  EXPECT_EQ(x.wr(0x828, 1), ApicFault::ReservedBits);
  EXPECT_EQ(x.wr(0x838, 1ull << 32), ApicFault::ReservedBits);
  EXPECT_EQ(x.wr(0x83F, 0x140), ApicFault::ReservedBits);
  EXPECT_EQ(x.wr(0x830, (1u << 12) | 0x40), ApicFault::ReservedBits);
  EXPECT_EQ(x.wr(0x80F, 0x11FF), ApicFault::ReservedBits);  // no EOI-broadcast suppression offered
  EXPECT_EQ(x.rd(0x808), 0x20u);  // a refused write changed nothing
}

TEST(VirtualApic, X2apicSelfIpiIcrAndTimer) {
  X2apic x;
  EXPECT_EQ(x.wr(0x80F, 0x1FF), ApicFault::None);
  EXPECT_EQ(x.wr(0x83F, 0x41), ApicFault::None);  // SELF IPI
  EXPECT_EQ(x.apic.deliverable(), 0x41);
  x.apic.accept(0x41);
  EXPECT_EQ(x.rd(0x812), 1u << 1);  // ISR bits 95:64 (MSR 810H + 2): vector 0x41
  EXPECT_EQ(x.wr(0x80B, 0), ApicFault::None);
  EXPECT_EQ(x.rd(0x812), 0u);
  // The ICR is one 64-bit MSR: the destination is bits 63:32, the whole x2APIC ID.
  ApicEffect e;
  EXPECT_EQ(x.wr(0x830, (3ull << 32) | 0x50, &e), ApicFault::None);
  EXPECT_EQ(e, ApicEffect::None);
  EXPECT_EQ(x.apic.deliverable(), 0x50);
  EXPECT_EQ(x.rd(0x830), (3ull << 32) | 0x50);
  EXPECT_EQ(x.wr(0x830, (0x103ull << 32) | 0x60, &e), ApicFault::None);  // ID 0x103 is not 3: another APIC's
  EXPECT_EQ(e, ApicEffect::Others);
  EXPECT_FALSE(x.apic.addressed_by(0x60, 0x103, true));
  EXPECT_EQ(x.wr(0x830, (0xFFFFFFFFull << 32) | 0x61, &e), ApicFault::None);  // broadcast: itself and the others
  EXPECT_EQ(e, ApicEffect::Others);
  EXPECT_TRUE(x.apic.addressed_by(0x61, 0xFFFFFFFF, true));
  EXPECT_EQ(x.wr(0x830, (3u << 18) | 0x62, &e), ApicFault::None);  // all excluding self: the others only
  EXPECT_EQ(e, ApicEffect::Others);
  EXPECT_FALSE(x.apic.addressed_by((3u << 18) | 0x62, 0, true));
  EXPECT_TRUE(x.apic.addressed_by((3u << 18) | 0x62, 0, false));
  // Logical destination: cluster 0, bit 3 is this APIC; a logical
  // destination may name others too.
  EXPECT_EQ(x.wr(0x830, (0x8ull << 32) | (1u << 11) | 0x70, &e), ApicFault::None);
  EXPECT_EQ(e, ApicEffect::Others);
  EXPECT_TRUE(x.apic.addressed_by((1u << 11) | 0x70, 0x8, true));
  EXPECT_EQ(x.wr(0x830, (0x10008ull << 32) | (1u << 11) | 0x70, &e), ApicFault::None);  // cluster 1
  EXPECT_EQ(e, ApicEffect::Others);
  EXPECT_FALSE(x.apic.addressed_by((1u << 11) | 0x70, 0x10008, true));
  EXPECT_EQ(x.wr(0x830, (3ull << 32) | (4u << 8), &e), ApicFault::None);
  EXPECT_EQ(e, ApicEffect::Nmi);
  // The timer through its MSRs.
  EXPECT_EQ(x.wr(0x83E, 0xB), ApicFault::None);
  EXPECT_EQ(x.wr(0x832, 0x45), ApicFault::None);
  ApicEffect none;
  EXPECT_EQ(x.apic.write_msr(0x838, 1000, 500, none), ApicFault::None);
  EXPECT_EQ(x.apic.timer_deadline(), 1500u);
  uint64_t count;
  EXPECT_EQ(x.apic.read_msr(0x839, 1000, count), ApicFault::None);
  EXPECT_EQ(count, 500u);
}

TEST(VirtualApic, X2apicMsrsFaultOutsideX2apicMode) {
  Apic x(true);
  uint64_t v;
  ApicEffect e;
  EXPECT_EQ(x.apic.read_msr(0x802, 0, v), ApicFault::NotX2apicMode);
  EXPECT_EQ(x.apic.write_msr(0x808, 0, 0, e), ApicFault::NotX2apicMode);
  EXPECT_STREQ(fault_info(ApicFault::NotX2apicMode).sdm_section, "11.12.2");
  EXPECT_STREQ(fault_info(ApicFault::None).text, "");
}

}  // namespace

// As another vCPU's APIC sees a command (guests/siblings.h): the sender's
// shorthands exclude or include it, destinations match its own ID and LDR.
TEST(VirtualApic, ASiblingIsAddressedByItsIdItsLdrOrAShorthand) {
  Apic x;  // APIC ID 3
  EXPECT_TRUE(x.apic.addressed_by(0x40, 3, false));
  EXPECT_FALSE(x.apic.addressed_by(0x40, 1, false));
  EXPECT_TRUE(x.apic.addressed_by(0x40, 0xFF, false));               // physical broadcast
  EXPECT_FALSE(x.apic.addressed_by(0x40 | (1u << 18), 0, false));    // self: the sender only
  EXPECT_TRUE(x.apic.addressed_by(0x40 | (2u << 18), 0, false));     // all including self
  EXPECT_TRUE(x.apic.addressed_by(0x40 | (3u << 18), 0, false));     // all excluding self
  // Logical, flat model: LDR 0 after reset answers no logical destination.
  EXPECT_FALSE(x.apic.addressed_by(0x40 | (1u << 11), 0xFF, false));
  x.apic.write(apic::LDR, 0x04000000, 0);
  EXPECT_TRUE(x.apic.addressed_by(0x40 | (1u << 11), 0x06, false));
  EXPECT_FALSE(x.apic.addressed_by(0x40 | (1u << 11), 0x01, false));
  // Cluster model: cluster 0 in bits 7:4, the member bits in 3:0.
  x.apic.write(apic::DFR, 0x0FFFFFFF, 0);
  x.apic.write(apic::LDR, 0x12000000, 0);
  EXPECT_TRUE(x.apic.addressed_by(0x40 | (1u << 11), 0x12, false));
  EXPECT_FALSE(x.apic.addressed_by(0x40 | (1u << 11), 0x22, false));
  // A disabled APIC (IA32_APIC_BASE.EN clear) answers no destination.
  x.base = 0xFEE00100;
  EXPECT_FALSE(x.apic.addressed_by(0x40, 3, false));
}

TEST(VirtualApic, AFixedInterruptFromAnotherApicIsRequestedUnlessIllegal) {
  Apic x;
  x.apic.receive_fixed(0x61);
  EXPECT_EQ(x.apic.deliverable(), 0x61);
  x.apic.receive_fixed(0x07);  // vectors 0-15: "receive illegal vector" (SDM 11.5.3)
  EXPECT_EQ(x.apic.read(apic::ESR, 0), 1u << 6);
  EXPECT_EQ(x.apic.deliverable(), 0x61);
  EXPECT_TRUE(is_init_deassert((5u << 8) | (1u << 15)));
  EXPECT_FALSE(is_init_deassert((5u << 8) | (1u << 14) | (1u << 15)));
  EXPECT_EQ(icr_delivery(0x4608), IcrDelivery::Startup);
  EXPECT_STREQ(delivery_name(IcrDelivery::LowestPriority), "lowest priority");
}

TEST(VirtualApic, InitInX2apicModeKeepsTheModeAndDerivesTheLdr) {
  X2apic x;
  x.apic.reset(0x13);  // an INIT IPI from a sibling (exits/siblings.cpp)
  EXPECT_EQ(x.apic.mode(), ApicMode::X2Apic);
  EXPECT_EQ(x.rd(0x80D), (1u << 16) | (1u << 3));  // cluster 1, bit 3
  EXPECT_EQ(x.rd(0x802), 0x13u);
}
