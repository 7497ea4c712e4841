// How the MTF trace tells a completed instruction, a REP string iteration
// and an exit before any instruction apart (vmm/exits/mtf_step.h).
#include <gtest/gtest.h>

#include <vector>

#include "exits/mtf_step.h"

namespace {
using arch::CpuMode;
using exits::MtfStep;

struct Classified {
  MtfStep step;
  int decodes;  // how often the code at RIP was read
  arch::Instruction in;
};

Classified classify(exits::MtfRegisters entry, exits::MtfRegisters exit, std::vector<uint8_t> code, CpuMode mode = CpuMode::Bits32) {
  Classified c{};
  auto decode = [&](arch::Instruction& in) {
    ++c.decodes;
    return arch::decode_instruction(code.data(), code.size(), mode, in);
  };
  c.step = exits::classify_mtf_exit(entry, exit, decode, c.in);
  return c;
}

const std::vector<uint8_t> kRepMovsb = {0xF3, 0xA4};

TEST(MtfStep, RipMovedIsACompletedInstructionWithoutReadingCode) {
  const Classified c = classify({0x1000, 5}, {0x1002, 4}, kRepMovsb);
  EXPECT_EQ(c.step, MtfStep::Completed);
  EXPECT_EQ(c.decodes, 0);
}

TEST(MtfStep, RipAndRcxUnchangedIsAnExitBeforeAnyInstructionWithoutReadingCode) {
  const Classified c = classify({0x1000, 5}, {0x1000, 5}, kRepMovsb);
  EXPECT_EQ(c.step, MtfStep::BeforeAnyInstruction);
  EXPECT_EQ(c.decodes, 0);
}

TEST(MtfStep, AnEntryThatInjectsAnEventIsFollowedByAnExitBeforeAnyInstruction) {
  // RIP moved to the handler, but the instruction at the entry's RIP did not run
  const Classified c = classify({0x1000, 5, true}, {0x2000, 5}, kRepMovsb);
  EXPECT_EQ(c.step, MtfStep::BeforeAnyInstruction);
  EXPECT_EQ(c.decodes, 0);
}

TEST(MtfStep, CountRegisterMovedUnderRepIsAnIteration) {
  Classified c = classify({0x10004e, 0x30}, {0x10004e, 0x2f}, kRepMovsb);
  EXPECT_EQ(c.step, MtfStep::RepeatIteration);
  EXPECT_EQ(c.decodes, 1);
  EXPECT_STREQ(c.in.text, "rep movsb");
  // several iterations at once (an emulator's repeat speed-ups) count too
  EXPECT_EQ(classify({0x10004e, 0x30}, {0x10004e, 0x10}, kRepMovsb).step, MtfStep::RepeatIteration);
  EXPECT_EQ(classify({0x7c00, 0x10}, {0x7c00, 0x0f}, {0xF3, 0xAB}, CpuMode::Bits16).step, MtfStep::RepeatIteration);
  EXPECT_EQ(classify({0x10, 9}, {0x10, 8}, {0xF2, 0xAE}).step, MtfStep::RepeatIteration);  // repne scasb
  EXPECT_EQ(classify({0x10, 9}, {0x10, 8}, {0xF3, 0x48, 0xAB}, CpuMode::Bits64).step, MtfStep::RepeatIteration);
}

TEST(MtfStep, OnlyTheCountRegisterOfTheAddressSizeCounts) {
  // 16-bit addressing counts in CX: a change above bit 15 is not an iteration
  EXPECT_EQ(classify({0x10, 0x10005}, {0x10, 0x20005}, {0x67, 0xF3, 0xA4}).step, MtfStep::BeforeAnyInstruction);
  EXPECT_EQ(classify({0x10, 0x10005}, {0x10, 0x10004}, {0x67, 0xF3, 0xA4}).step, MtfStep::RepeatIteration);
}

TEST(MtfStep, RcxMovedWithoutARepStringInstructionIsNotAnIteration) {
  EXPECT_EQ(classify({0x10, 5}, {0x10, 4}, {0xA4}).step, MtfStep::BeforeAnyInstruction);          // movsb, no REP
  EXPECT_EQ(classify({0x10, 5}, {0x10, 4}, {0x89, 0xC8}).step, MtfStep::BeforeAnyInstruction);    // mov eax, ecx
  EXPECT_EQ(classify({0x10, 5}, {0x10, 4}, {0xF3}).step, MtfStep::BeforeAnyInstruction);          // truncated
  EXPECT_EQ(classify({0x10, 5}, {0x10, 4}, {}).step, MtfStep::BeforeAnyInstruction);              // unreadable
}
}  // namespace
