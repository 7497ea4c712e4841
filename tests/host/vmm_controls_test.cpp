// Control reconciliation (book 2.5.5.2) and CR fixed bits (SDM A.7, A.8)
// against the capability MSRs measured from Bochs tigerlake.
#include <gtest/gtest.h>

#include "arch/vmx_capabilities.h"

namespace {
using arch::ControlWord;
namespace ctl = arch::ctl;

// configgen/targets/captures/bochs-tigerlake.caps.log
arch::Capabilities tigerlake() {
  arch::Capabilities c{};
  c.basic = {0x01d8100000000004};
  c.pinbased = 0x0000007f00000016;
  c.procbased = 0xfff9fffe04006172;
  c.exit = 0x107fffff00036dfb;
  c.entry = 0x0010ffff000011fb;
  c.procbased2 = 0x02977fff00000000;
  c.misc = {0x00000000600401e0};
  c.cr0_fixed0 = 0x80000021;
  c.cr0_fixed1 = 0xffffffff;
  c.cr4_fixed0 = 0x2000;
  c.cr4_fixed1 = 0xf72fff;
  c.ept_vpid_cap = {0x00000f0106b34141};
  return c;
}

TEST(FitControl, ForcesAllowed0BitsAndReportsForbiddenOnes) {
  const auto fit = arch::fit_control(0x1, 0x0000007f00000016);
  EXPECT_EQ(fit.value, 0x17u);
  EXPECT_EQ(fit.forbidden, 0u);
  const auto bad = arch::fit_control(1u << 7, 0x0000007f00000016);  // posted interrupts: allowed-1 bit 7 is 0
  EXPECT_EQ(bad.forbidden, 1u << 7);
  EXPECT_EQ(bad.value & (1u << 7), 0u);
}

TEST(ReconcileControls, AcceptsTheDemoControls) {
  uint32_t wanted[5] = {};
  wanted[uint32_t(ControlWord::PROC)] = ctl::ACTIVATE_SECONDARY_CONTROLS.mask() | ctl::HLT_EXITING.mask();
  wanted[uint32_t(ControlWord::PROC2)] = ctl::ENABLE_EPT.mask() | ctl::UNRESTRICTED_GUEST.mask();
  wanted[uint32_t(ControlWord::EXIT)] = ctl::HOST_ADDRESS_SPACE_SIZE.mask();
  const auto r = arch::reconcile_controls(wanted, tigerlake());
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.values[uint32_t(ControlWord::PIN)], 0x16u);  // default-1 bits forced
  EXPECT_TRUE(r.values[uint32_t(ControlWord::PROC2)] & ctl::UNRESTRICTED_GUEST.mask());
  EXPECT_TRUE(r.values[uint32_t(ControlWord::EXIT)] & ctl::HOST_ADDRESS_SPACE_SIZE.mask());
}

TEST(ReconcileControls, NamesTheControlAndTheMsrThatForbidsIt) {
  uint32_t wanted[5] = {};
  wanted[uint32_t(ControlWord::PIN)] = ctl::PROCESS_POSTED_INTERRUPTS.mask();
  const auto r = arch::reconcile_controls(wanted, tigerlake());
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.word, ControlWord::PIN);
  EXPECT_EQ(r.bit, 7);
  EXPECT_EQ(r.msr, arch::Msr::IA32_VMX_TRUE_PINBASED_CTLS);  // VMX_BASIC[55] = 1
  EXPECT_STREQ(r.control_name, "Process posted interrupts");
}

TEST(ReconcileControls, UsesPlainMsrsWithoutTrueControls) {
  auto caps = tigerlake();
  caps.basic.raw &= ~(1ull << 55);
  uint32_t wanted[5] = {};
  wanted[uint32_t(ControlWord::PIN)] = ctl::PROCESS_POSTED_INTERRUPTS.mask();
  EXPECT_EQ(arch::reconcile_controls(wanted, caps).msr, arch::Msr::IA32_VMX_PINBASED_CTLS);
}

TEST(ReconcileControls, SecondaryControlsNeedActivation) {
  uint32_t wanted[5] = {};
  wanted[uint32_t(ControlWord::PROC2)] = ctl::ENABLE_EPT.mask();
  const auto r = arch::reconcile_controls(wanted, tigerlake());
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.values[uint32_t(ControlWord::PROC2)], 0u);
}

TEST(FixedBits, Cr0WithAndWithoutUnrestrictedGuest) {
  const auto caps = tigerlake();
  EXPECT_EQ(arch::apply_cr0_fixed(0x10, caps, false), 0x80000031u);
  EXPECT_EQ(arch::apply_cr0_fixed(0x10, caps, true), 0x30u);  // PE and PG may stay 0
  EXPECT_EQ(arch::apply_cr4_fixed(0x20, caps), 0x2020u);
  EXPECT_EQ(arch::apply_cr4_fixed(1ull << 40, caps), 0x2000u);  // bits outside FIXED1 cleared
}
}  // namespace

namespace {
TEST(ControlSetting, ReadsAllowed0AndAllowed1Halves) {
  // IA32_VMX_TRUE_PINBASED_CTLS on Bochs tigerlake: 0x0000007f00000016.
  const uint64_t pin = 0x0000007f00000016;
  EXPECT_EQ(arch::control_setting(pin, 0), arch::ControlSetting::Either);      // external-interrupt exiting
  EXPECT_EQ(arch::control_setting(pin, 1), arch::ControlSetting::MustBeOne);   // reserved, default 1
  EXPECT_EQ(arch::control_setting(pin, 7), arch::ControlSetting::MustBeZero);  // posted interrupts: not offered
  EXPECT_STREQ(arch::control_setting_text(arch::ControlSetting::Either), "0 or 1");
}
}  // namespace
