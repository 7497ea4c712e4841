// The exit fast path's gate and budget (guests/fast_path.h) and the CPUID
// contract it rests on: a leaf adjust_cpuid does not name comes back as the
// processor gave it, whatever the guest's state.
#include <gtest/gtest.h>

#include "arch/vmx_table.h"
#include "guests/cpuid_view.h"
#include "guests/fast_path.h"

namespace {
using guests::FastPathInputs;
using R = arch::ExitReason;
constexpr uint64_t bit(R r) { return 1ull << uint32_t(r); }

blob::Behaviour cpuid_override(uint32_t leaf) {
  blob::Behaviour b{};
  b.kind = uint32_t(blob::BehaviourKind::ExitReason);
  b.selector = uint32_t(R::CPUID);
  b.action = uint32_t(blob::Action::Override);
  b.arg = leaf;
  b.subleaf = blob::kNone;
  return b;
}

TEST(FastPath, AGuestWithNothingSpecialGetsCpuidIoAndVmcall) {
  const auto g = guests::fast_path_gate(FastPathInputs{});
  EXPECT_EQ(g.reasons, bit(R::CPUID) | bit(R::IO_INSTRUCTION) | bit(R::VMCALL));
  for (uint32_t leaf = 0; leaf < 32; ++leaf)
    EXPECT_EQ(bool(g.cpuid_leaves & (1u << leaf)), !guests::cpuid_leaf_adjusted(leaf)) << "leaf " << leaf;
  EXPECT_FALSE(g.cpuid_leaves & (1u << 1));  // leaf 1: APIC ID, OSXSAVE, VMX hidden
  EXPECT_FALSE(g.cpuid_leaves & (1u << 7));
  EXPECT_FALSE(g.cpuid_leaves & (1u << 0xD));
  EXPECT_TRUE(g.cpuid_leaves & 1u);
}

TEST(FastPath, EveryPerEntryOrPerExitDutyClosesItWhole) {
  auto closed = [](void (*set)(FastPathInputs&)) {
    FastPathInputs in{};
    set(in);
    const auto g = guests::fast_path_gate(in);
    return g.reasons == 0 && g.cpuid_leaves == 0;
  };
  EXPECT_TRUE(closed([](FastPathInputs& in) { in.disabled = true; }));
  EXPECT_TRUE(closed([](FastPathInputs& in) { in.tracing = true; }));
  EXPECT_TRUE(closed([](FastPathInputs& in) { in.floor_stub = true; }));
  EXPECT_TRUE(closed([](FastPathInputs& in) { in.monitor_trap_flag = true; }));
  EXPECT_TRUE(closed([](FastPathInputs& in) { in.virtual_apic = true; }));
  EXPECT_TRUE(closed([](FastPathInputs& in) { in.legacy_pic = true; }));
  EXPECT_TRUE(closed([](FastPathInputs& in) { in.forwarded_irqs = true; }));
}

TEST(FastPath, AnOnExitBehaviourKeepsItsReasonOnTheFullPath) {
  FastPathInputs in{};
  in.io_behaviour = true;
  EXPECT_EQ(guests::fast_path_gate(in).reasons, bit(R::CPUID) | bit(R::VMCALL));
  in = {};
  in.vmcall_behaviour = true;
  EXPECT_EQ(guests::fast_path_gate(in).reasons, bit(R::CPUID) | bit(R::IO_INSTRUCTION));
  in = {};
  in.cpuid_behaviour = true;  // log, stop or skip of every CPUID
  const auto g = guests::fast_path_gate(in);
  EXPECT_EQ(g.reasons, bit(R::IO_INSTRUCTION) | bit(R::VMCALL));
  EXPECT_EQ(g.cpuid_leaves, 0u);
}

TEST(FastPath, AnOverriddenLeafIsTheDispatchersTheOthersStay) {
  const blob::Behaviour overrides[] = {cpuid_override(0), cpuid_override(4), cpuid_override(0x80000002)};
  FastPathInputs in{};
  in.behaviours = overrides;
  in.behaviour_count = 3;
  const auto g = guests::fast_path_gate(in);
  EXPECT_FALSE(g.cpuid_leaves & (1u << 0));
  EXPECT_FALSE(g.cpuid_leaves & (1u << 4));
  EXPECT_TRUE(g.cpuid_leaves & (1u << 2));
  EXPECT_TRUE(g.reasons & bit(R::CPUID));
}

TEST(FastPath, ExitReasonsItKnowsAreBelow64) {
  // vmx/entry.S tests the reason against a 64-bit mask after `cmp $63`.
  for (R r : {R::CPUID, R::IO_INSTRUCTION, R::VMCALL}) EXPECT_LT(uint32_t(r), 64u);
}

TEST(FastPath, TheBudgetIsTheSlicesTimeInFastPathExits) {
  // Rate 5: a timer tick is 32 TSC ticks; 20,000 ticks pay for 10,000 exits of 64.
  EXPECT_EQ(guests::fast_path_budget(20000, 5), 20000 * 32 / int64_t(guests::kFastPathExitTsc));
  EXPECT_EQ(guests::fast_path_budget(1, 0), 0);  // less than one exit's time: the next one goes to the full path
  EXPECT_EQ(guests::fast_path_budget(0xFFFFFFFF, 31), int64_t((uint64_t(0xFFFFFFFF) << 31) / guests::kFastPathExitTsc));
  EXPECT_EQ(guests::fast_path_budget(100, 32), guests::kUnlimitedFastPathExits);
}

TEST(FastPath, LeavesAdjustCpuidDoesNotNameComeBackUnchanged) {
  uint32_t controls[arch::kControlWordCount] = {};
  for (uint32_t leaf = 0; leaf < 0x40; ++leaf) {
    if (guests::cpuid_leaf_adjusted(leaf)) continue;
    for (uint64_t cr4 : {0ull, ~0ull})
      for (uint8_t apic : {uint8_t(0), uint8_t(0xFF)}) {
        guests::CpuidRegisters r{0xA5A5A5A5, 0xFFFFFFFF, 0x12345678, 0xFFFFFFFF};
        guests::adjust_cpuid(leaf, 0, {controls, cr4, apic}, r);
        EXPECT_EQ(r.eax, 0xA5A5A5A5u) << "leaf " << leaf;
        EXPECT_EQ(r.ebx, 0xFFFFFFFFu) << "leaf " << leaf;
        EXPECT_EQ(r.ecx, 0x12345678u) << "leaf " << leaf;
        EXPECT_EQ(r.edx, 0xFFFFFFFFu) << "leaf " << leaf;
      }
  }
}
}  // namespace
