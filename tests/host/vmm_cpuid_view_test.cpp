// The guest's CPUID (guests/cpuid_view): features hidden when the guest
// cannot use them, bits computed from the guest's own state.
#include <gtest/gtest.h>

#include "arch/registers.h"
#include "guests/cpuid_view.h"

namespace {
using guests::CpuidRegisters;

CpuidRegisters adjusted(uint32_t leaf, uint32_t subleaf, CpuidRegisters r, const uint32_t (&controls)[5], uint64_t cr4 = 0,
                        uint8_t apic_id = 0, guests::CpuidApic apic = {}) {
  guests::adjust_cpuid(leaf, subleaf, {controls, cr4, apic_id, apic}, r);
  return r;
}

TEST(CpuidView, TheVirtualApicDecidesX2apicTscDeadlineAndTheApicFlag) {
  const uint32_t none[5] = {};
  const CpuidRegisters host{0x906EA, 0x05100800, arch::cpuid1_ecx::X2APIC | arch::cpuid1_ecx::TSC_DEADLINE, 0xBFEBFBFF};
  // No virtual APIC: the processor's x2APIC and TSC-deadline timer are not the guest's.
  auto r = adjusted(1, 0, host, none);
  EXPECT_FALSE(r.ecx & (arch::cpuid1_ecx::X2APIC | arch::cpuid1_ecx::TSC_DEADLINE));
  EXPECT_TRUE(r.edx & arch::cpuid1_edx::APIC);
  // A virtual APIC offers them whatever the processor has.
  r = adjusted(1, 0, {0, 0, 0, 0xBFEBFBFF}, none, 0, 2, {false, true, true});
  EXPECT_TRUE(r.ecx & arch::cpuid1_ecx::X2APIC);
  EXPECT_TRUE(r.ecx & arch::cpuid1_ecx::TSC_DEADLINE);
  r = adjusted(1, 0, host, none, 0, 2, {false, false, true});
  EXPECT_FALSE(r.ecx & arch::cpuid1_ecx::X2APIC);
  EXPECT_TRUE(r.ecx & arch::cpuid1_ecx::TSC_DEADLINE);
  // IA32_APIC_BASE.EN clear: CPUID.01H:EDX.APIC reads 0 (SDM 11.4.3).
  EXPECT_FALSE(adjusted(1, 0, host, none, 0, 2, {true, true, true}).edx & arch::cpuid1_edx::APIC);
  // Leaves 0BH and 1FH report the guest's x2APIC ID, never the processor's
  // (17 here), with or without x2APIC mode offered.
  EXPECT_EQ(adjusted(0xB, 0, {1, 2, 0x100, 17}, none, 0, 2, {false, true, true}).edx, 2u);
  EXPECT_EQ(adjusted(0x1F, 1, {1, 2, 0x201, 17}, none, 0, 2, {false, true, true}).edx, 2u);
  EXPECT_EQ(adjusted(0xB, 0, {1, 2, 0x100, 17}, none, 0, 2).edx, 2u);
  EXPECT_TRUE(guests::cpuid_leaf_adjusted(0xB) && guests::cpuid_leaf_adjusted(0x1F));  // so the fast path leaves them alone
}

TEST(CpuidView, HidesVmxAndX2apicAndReportsTheGuestsOsxsaveAndApicId) {
  const uint32_t none[5] = {};
  const CpuidRegisters host{0x906EA, 0x05100800, 0xFFFAFBFF, 0xBFEBFBFF};  // APIC ID 5, OSXSAVE set by the host
  auto r = adjusted(1, 0, host, none, 0, 2);
  EXPECT_FALSE(r.ecx & arch::cpuid1_ecx::VMX);
  EXPECT_FALSE(r.ecx & arch::cpuid1_ecx::X2APIC);
  EXPECT_FALSE(r.ecx & arch::cpuid1_ecx::OSXSAVE);  // the guest's CR4.OSXSAVE is 0
  EXPECT_EQ(r.ebx >> 24, 2u);
  EXPECT_EQ(r.ebx & 0xFFFFFF, 0x100800u);
  r = adjusted(1, 0, host, none, arch::cr4::OSXSAVE);
  EXPECT_TRUE(r.ecx & arch::cpuid1_ecx::OSXSAVE);
  EXPECT_EQ(r.eax, host.eax);
  EXPECT_EQ(r.edx, host.edx);
}

TEST(CpuidView, InstructionsWhoseVmxEnableIsOffAreHidden) {
  uint32_t controls[5] = {};
  const CpuidRegisters ext{0, 0, 0x121, 0x2C100800 | arch::cpuid80000001_edx::RDTSCP};
  EXPECT_FALSE(adjusted(0x80000001, 0, ext, controls).edx & arch::cpuid80000001_edx::RDTSCP);
  const CpuidRegisters leaf7{0, 0xFFFFFFFF, 0xFFFFFFFF, 0};
  auto r = adjusted(7, 0, leaf7, controls);
  EXPECT_FALSE(r.ebx & arch::cpuid7_ebx::INVPCID);
  EXPECT_FALSE(r.ecx & arch::cpuid7_ecx::RDPID);
  EXPECT_FALSE(r.ecx & arch::cpuid7_ecx::WAITPKG);
  EXPECT_FALSE(r.ecx & arch::cpuid7_ecx::OSPKE);  // CR4.PKE is 0
  EXPECT_FALSE(adjusted(0xD, 1, {0xF, 0, 0, 0}, controls).eax & arch::cpuid0d1_eax::XSAVES);
  EXPECT_EQ(adjusted(0xD, 0, {0xF, 0, 0, 0}, controls).eax, 0xFu);  // other subleaves untouched

  for (auto c : {arch::ctl::ENABLE_RDTSCP, arch::ctl::ENABLE_INVPCID, arch::ctl::ENABLE_XSAVES_XRSTORS,
                 arch::ctl::ENABLE_USER_WAIT_AND_PAUSE})
    controls[uint32_t(c.word)] |= c.mask();
  EXPECT_TRUE(adjusted(0x80000001, 0, ext, controls).edx & arch::cpuid80000001_edx::RDTSCP);
  r = adjusted(7, 0, leaf7, controls, arch::cr4::PKE);
  EXPECT_TRUE(r.ebx & arch::cpuid7_ebx::INVPCID);
  EXPECT_TRUE(r.ecx & arch::cpuid7_ecx::RDPID);
  EXPECT_TRUE(r.ecx & arch::cpuid7_ecx::WAITPKG);
  EXPECT_TRUE(r.ecx & arch::cpuid7_ecx::OSPKE);
  EXPECT_TRUE(adjusted(0xD, 1, {0xF, 0, 0, 0}, controls).eax & arch::cpuid0d1_eax::XSAVES);
  // A feature the processor lacks is not made up.
  EXPECT_FALSE(adjusted(0x80000001, 0, {0, 0, 0, 0}, controls).edx & arch::cpuid80000001_edx::RDTSCP);
}

}  // namespace

namespace {
// A profile's override (guests::apply_cpuid_override): per register, the
// cleared bits, then the set bits, then a forced value; only for its leaf
// and subleaf.
TEST(CpuidOverride, ClearsThenSetsThenForcesPerRegisterForItsLeafOnly) {
  blob::Behaviour b{};
  b.kind = uint32_t(blob::BehaviourKind::ExitReason);
  b.selector = uint32_t(arch::ExitReason::CPUID);
  b.action = uint32_t(blob::Action::Override);
  b.arg = 1;
  b.subleaf = blob::kNone;
  b.clear_bits[0] = 0xF00, b.set_bits[0] = 0xA00;  // EAX: replace the family field
  b.set_bits[2] = 0x1;                              // ECX: one bit on
  b.reg_mask = 1u << 3, b.values[3] = 0x12345678;   // EDX: forced
  b.clear_bits[3] = 0xFFFFFFFF;                     // (a forced value wins over bits)
  CpuidRegisters r{0x000806C1, 0x00100800, 0x7FFAFBBE, 0xBFEBFBFF};
  ASSERT_TRUE(guests::apply_cpuid_override(b, 1, 0, r));
  EXPECT_EQ(r.eax, 0x00080AC1u);
  EXPECT_EQ(r.ebx, 0x00100800u);  // untouched
  EXPECT_EQ(r.ecx, 0x7FFAFBBFu);
  EXPECT_EQ(r.edx, 0x12345678u);
  CpuidRegisters other{1, 2, 3, 4};
  EXPECT_FALSE(guests::apply_cpuid_override(b, 7, 0, other));  // another leaf
  EXPECT_EQ(other.eax, 1u);
  b.subleaf = 2;
  EXPECT_FALSE(guests::apply_cpuid_override(b, 1, 0, other));  // another subleaf
  b.action = uint32_t(blob::Action::Skip);
  EXPECT_FALSE(guests::apply_cpuid_override(b, 1, 2, other));  // not an override
}
}  // namespace
