// A guest's several vCPUs (vmm/guests/siblings.h): the mailbox one vCPU's
// IPIs go through to another, the guest's one end, the start-up state.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "guests/siblings.h"

using namespace guests;

TEST(Siblings, MailboxTakesWhatWasPostedOnceAndIsEmptyAfter) {
  IpiMailbox m{};
  EXPECT_TRUE(mailbox_empty(m));
  post_fixed(m, 0x50);
  post_fixed(m, 0xFF);
  post_fixed(m, 0x50);  // the same vector twice is one IRR bit, as on the APIC bus
  post_signal(m, kSignalNmi);
  EXPECT_FALSE(mailbox_empty(m));
  const TakenIpis t = take_ipis(m);
  EXPECT_EQ(t.signals, kSignalFixed | kSignalNmi);
  EXPECT_EQ(t.fixed[0x50 / 32], 1u << (0x50 % 32));
  EXPECT_EQ(t.fixed[7], 1u << 31);
  EXPECT_TRUE(mailbox_empty(m));
  const TakenIpis again = take_ipis(m);
  EXPECT_EQ(again.signals, 0u);
  EXPECT_EQ(again.fixed[2], 0u);
}

TEST(Siblings, StartupCarriesItsVectorAndInitComesWithIt) {
  IpiMailbox m{};
  post_signal(m, kSignalInit);
  post_signal(m, kSignalStartup, 0x08);
  const TakenIpis t = take_ipis(m);
  EXPECT_EQ(t.signals, kSignalInit | kSignalStartup);
  EXPECT_EQ(t.startup_vector, 0x08);
  // The second start-up IPI of INIT-SIPI-SIPI: the last vector posted wins.
  post_signal(m, kSignalStartup, 0x09);
  post_signal(m, kSignalStartup, 0x10);
  EXPECT_EQ(take_ipis(m).startup_vector, 0x10);
}

TEST(Siblings, NoPostIsLostWhileTheReceiverTakes) {
  // Two senders post every vector while the receiver takes concurrently:
  // every vector is taken at least once, none appears that was not posted.
  IpiMailbox m{};
  uint32_t seen[8] = {};
  std::thread a([&] {
    for (int round = 0; round < 2000; ++round)
      for (uint32_t v = 32; v < 144; ++v) post_fixed(m, uint8_t(v));
  });
  std::thread b([&] {
    for (int round = 0; round < 2000; ++round)
      for (uint32_t v = 144; v < 256; ++v) post_fixed(m, uint8_t(v));
  });
  for (int i = 0; i < 20000; ++i) {
    const TakenIpis t = take_ipis(m);
    for (uint32_t w = 0; w < 8; ++w) seen[w] |= t.fixed[w];
  }
  a.join();
  b.join();
  const TakenIpis last = take_ipis(m);
  for (uint32_t w = 0; w < 8; ++w) seen[w] |= last.fixed[w];
  EXPECT_EQ(seen[0], 0u);  // vectors 0-31 were never posted
  for (uint32_t w = 1; w < 8; ++w) EXPECT_EQ(seen[w], 0xFFFFFFFFu) << "word " << w;
}

TEST(Siblings, TheGuestEndsAtTheFirstEndThatIsNotAHalt) {
  const SiblingState running[] = {SiblingState::Ended, SiblingState::Running, SiblingState::WaitingForStartup};
  EXPECT_EQ(group_end(false, running, 3), GroupEnd::EndsWithThisOutcome);
}

TEST(Siblings, AHaltEndsTheGuestOnlyWhenNoVcpuIsLeftRunning) {
  const SiblingState one_runs[] = {SiblingState::Halted, SiblingState::Running};
  EXPECT_EQ(group_end(true, one_runs, 2), GroupEnd::GoesOn);
  const SiblingState none_runs[] = {SiblingState::Halted, SiblingState::Halted, SiblingState::WaitingForStartup};
  EXPECT_EQ(group_end(true, none_runs, 3), GroupEnd::EndsHalted);  // a vCPU never started cannot start itself
}

TEST(Siblings, StartupStateIsRealModeAtTheVectorsPage) {
  constexpr StartupState s = startup_state(0x9F);
  static_assert(s.cs_selector == 0x9F00 && s.cs_base == 0x9F000);
  EXPECT_EQ(startup_state(0x08).cs_base, 0x8000u);
  EXPECT_EQ(startup_state(0x08).cs_selector, 0x0800);
}
