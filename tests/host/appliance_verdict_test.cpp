// The serial-log reader and the verdict: every expectation kind can pass and
// can fail, and a run without the hypervisor's end line never passes.
#include <gtest/gtest.h>

#include "appliance/serial_log.h"
#include "appliance/verdict.h"

namespace {
using appliance::judge;
using appliance::parse_serial_log;
using configgen::model::Expectation;

const char* kLog =
    "[cpu0] vmm: starting\r\n"
    "[cpu0] guest demo| hello from a protected-mode guest\r\n"
    "[cpu1] guest other| tick 1\r\n"
    "[cpu1] guest other| tick 2\r\n"
    "[cpu0] vmm: guest demo ended: halted (HLT with interrupts off at rip 0x1000b6); exits: cpuid=2 hlt=1 io-instruction=222\r\n"
    "[cpu0] vmm: guest other ended: ept-violation (write at guest-physical address 0x20000000 (outside its memory), rip 0x10000a); exits: ept-violation=1\r\n"
    "[cpu0] vmm: summary: guests=2 finished=1 stopped=1 refused=0\r\n"
    "[cpu0] vmm: end: fail";  // the last line may arrive without its newline

Expectation serial(const char* re, std::optional<long> min = {}, std::optional<long> max = {}) {
  Expectation e;
  e.kind = Expectation::Kind::SerialMatch;
  e.pattern = re;
  e.min_count = min;
  e.max_count = max;
  return e;
}

TEST(SerialLog, ReadsOutcomesExitCountsAndTheEndLine) {
  const auto log = parse_serial_log(kLog);
  ASSERT_EQ(log.guests.size(), 2u);
  EXPECT_EQ(log.guests.at("demo").outcome, "halted");
  EXPECT_EQ(log.guests.at("demo").exits.at("io-instruction"), 222);
  EXPECT_EQ(log.guests.at("other").outcome, "ept-violation");
  EXPECT_NE(log.guests.at("other").detail.find("0x20000000"), std::string::npos);
  ASSERT_TRUE(log.end_pass.has_value());
  EXPECT_FALSE(*log.end_pass);
}

TEST(Verdict, EachExpectationKindPassesAndFails) {
  const auto log = parse_serial_log(kLog);
  EXPECT_TRUE(judge(log, {serial("guest demo\\| hello")}, false).pass);
  EXPECT_FALSE(judge(log, {serial("guest demo\\| goodbye")}, false).pass);
  EXPECT_TRUE(judge(log, {serial("tick", 2, 2)}, false).pass);
  EXPECT_FALSE(judge(log, {serial("tick", 3)}, false).pass);
  Expectation absent;
  absent.kind = Expectation::Kind::SerialAbsent;
  absent.pattern = "isolation is broken";
  EXPECT_TRUE(judge(log, {absent}, false).pass);
  absent.pattern = "tick";
  EXPECT_FALSE(judge(log, {absent}, false).pass);
  Expectation end;
  end.kind = Expectation::Kind::GuestEnd;
  end.guest = "other";
  end.outcome = "ept-violation";
  EXPECT_TRUE(judge(log, {end}, false).pass);
  end.outcome = "halted";
  const auto v = judge(log, {end}, false);
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.summary().find("guest other ended ept-violation"), std::string::npos);
  Expectation exits;
  exits.kind = Expectation::Kind::ExitCount;
  exits.guest = "demo";
  exits.exit_reason = "cpuid";
  exits.min_count = exits.max_count = 2;
  EXPECT_TRUE(judge(log, {exits}, false).pass);
  exits.exit_reason = "rdtsc";
  EXPECT_FALSE(judge(log, {exits}, false).pass);
}

// The outcome words are the vocabulary table's: the reader knows each one
// the hypervisor can print, and an end line with any other word is a
// failure even when the profile expects that very word.
TEST(SerialLog, OutcomeWordsAreTheVocabularys) {
  const auto log = parse_serial_log(kLog);
  ASSERT_TRUE(log.guests.at("demo").known.has_value());
  EXPECT_EQ(*log.guests.at("demo").known, blob::Outcome::Halted);
  for (const auto& w : blob::kOutcomes) {
    const auto one = parse_serial_log(std::string("[cpu0] vmm: guest g ended: ") + w.word + " (x); exits: none\n");
    ASSERT_TRUE(one.guests.at("g").known.has_value()) << w.word;
    EXPECT_EQ(*one.guests.at("g").known, w.value);
  }
  const auto odd = parse_serial_log("[cpu0] vmm: guest g ended: vanished (x); exits: none\n[cpu0] vmm: end: pass\n");
  EXPECT_FALSE(odd.guests.at("g").known.has_value());
  Expectation end;
  end.kind = Expectation::Kind::GuestEnd;
  end.guest = "g";
  end.outcome = "vanished";
  const auto v = judge(odd, {end}, false);
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.summary().find("not an outcome"), std::string::npos);
}

TEST(Verdict, TheHypervisorsOwnEndLineCounts) {
  const auto log = parse_serial_log(kLog);
  EXPECT_FALSE(judge(log, {}, true).pass);  // `vmm: end: fail` when a pass was required
  EXPECT_TRUE(judge(log, {}, false).pass);
  const auto cut = parse_serial_log("[cpu0] vmm: starting\n[cpu0] guest demo| hello\n");
  EXPECT_FALSE(judge(cut, {serial("hello")}, false).pass);  // no end line: crash or hang
}

TEST(SerialLog, TerminalControlsAndLineEndsAreRemoved) {
  using appliance::clean_serial_line;
  EXPECT_EQ(clean_serial_line("\x1b[H\x1b[J\x1b[1;1H  Booting `vtx-appliance'\r\n"), "  Booting `vtx-appliance'");
  EXPECT_EQ(clean_serial_line("[cpu0] vmm: end: pass\r"), "[cpu0] vmm: end: pass");
  const auto log = parse_serial_log("\x1b[H\x1b[J[cpu0] vmm: end: pass\n");
  ASSERT_TRUE(log.end_pass.has_value());
  EXPECT_EQ(log.lines[0], "[cpu0] vmm: end: pass");
}

TEST(SerialLog, KnowsWhichGuestALineIsAbout) {
  using appliance::line_guest;
  EXPECT_EQ(line_guest("[cpu1] guest other| tick 1"), "other");
  EXPECT_EQ(line_guest("[cpu0] vmm: guest demo ended: halted; exits: hlt=1"), "demo");
  EXPECT_EQ(line_guest("[cpu0] vmm: summary: guests=2 finished=1 stopped=1 refused=0"), "");
  EXPECT_EQ(line_guest("[cpu0] vmm: time slice: demo -> other"), "");
}

TEST(Verdict, AGuestFilterCountsOnlyThatGuestsLines) {
  const auto log = parse_serial_log(kLog);
  Expectation ticks = serial("tick", 2, 2);
  ticks.guest = "other";
  EXPECT_TRUE(judge(log, {ticks}, false).pass);
  ticks.guest = "demo";  // demo never ticked: zero lines, not two
  const auto v = judge(log, {ticks}, false);
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.summary().find("matched 0 line(s) about guest demo"), std::string::npos);
  Expectation ended = serial("ended: halted");
  ended.guest = "demo";
  EXPECT_TRUE(judge(log, {ended}, false).pass);
  ended.guest = "other";
  EXPECT_FALSE(judge(log, {ended}, false).pass);
  Expectation absent;
  absent.kind = Expectation::Kind::SerialAbsent;
  absent.pattern = "tick";
  absent.guest = "demo";
  EXPECT_TRUE(judge(log, {absent}, false).pass);
  absent.guest = "other";
  EXPECT_FALSE(judge(log, {absent}, false).pass);
}

TEST(Verdict, ABadRegularExpressionIsAFailureNotACrash) {
  const auto log = parse_serial_log(kLog);
  const auto v = judge(log, {serial("([unclosed")}, false);
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.summary().find("bad regular expression"), std::string::npos);
}
}  // namespace

// A guest can print anything after its console prefix: counterfeit outcome and
// end lines in its output are never read as the hypervisor's (docs/isolation.md).
TEST(SerialLog, CounterfeitVerdictLinesInGuestOutputAreIgnored) {
  const char* forged =
      "[cpu0] vmm: starting\n"
      "[cpu0] guest forger| [cpu0] vmm: guest forger ended: halted (HLT); exits: hlt=1\n"
      "[cpu0] guest forger| [cpu0] vmm: guest honest ended: halted (HLT); exits: hlt=1\n"
      "[cpu0] guest forger| vmm: end: pass\n"
      "[cpu0] guest forger| [cpu0] vmm: end: pass\n"
      "[cpu0] guest forger| \x1b[2K[cpu0] vmm: end: pass\n"
      "[cpu0] guest forger| [cpu0] vmm: blob refused: no\n"
      "[cpu0] guest forger| [cpu0] vmm: VMX unavailable: no\n"
      "[cpu1] guest honest| x vmm: end: pass\n";
  const auto log = parse_serial_log(forged);
  EXPECT_TRUE(log.guests.empty());
  EXPECT_FALSE(log.end_pass.has_value());
  EXPECT_FALSE(log.blob_refused);
  EXPECT_FALSE(log.vmx_unavailable);
  EXPECT_FALSE(judge(log, {}, false).pass);  // no end line of the hypervisor's: crash or hang
  Expectation ends;
  ends.kind = Expectation::Kind::GuestEnd;
  ends.guest = "honest";
  ends.outcome = "halted";
  EXPECT_FALSE(judge(log, {ends}, false).pass);
  // The same log with the hypervisor's real lines after it: only those count.
  const auto real = parse_serial_log(std::string(forged) +
                                     "[cpu0] vmm: guest forger ended: watchdog (ran 100 ticks); exits: io-instruction=9\n"
                                     "[cpu0] vmm: end: fail\n");
  ASSERT_EQ(real.guests.size(), 1u);
  EXPECT_EQ(real.guests.at("forger").outcome, "watchdog");
  ASSERT_TRUE(real.end_pass.has_value());
  EXPECT_FALSE(*real.end_pass);
  // `guest:` expectations still see the guest's own lines.
  Expectation printed = serial("vmm: end: pass", 3, 3);
  printed.guest = "forger";
  EXPECT_TRUE(judge(real, {printed}, false).pass);
  EXPECT_FALSE(judge(real, {}, true).pass);  // the real end line says fail
}

TEST(SerialLog, OnlyTheHypervisorsLineShapeIsAnEndLine) {
  using appliance::is_hypervisor_line;
  EXPECT_TRUE(is_hypervisor_line("[cpu12] vmm: end: pass"));
  EXPECT_FALSE(is_hypervisor_line("[cpu0] guest a| [cpu0] vmm: end: pass"));
  EXPECT_FALSE(is_hypervisor_line(" [cpu0] vmm: end: pass"));
  EXPECT_FALSE(parse_serial_log("[cpu0] vmm: end: passed\n").end_pass.has_value());
  EXPECT_FALSE(parse_serial_log("junk [cpu0] vmm: end: pass\n").end_pass.has_value());
  EXPECT_TRUE(parse_serial_log("[cpu3] vmm: end: pass\r\n").end_pass.value_or(false));
}

// A guest of several vCPUs (docs/serial-log.md): its per-vCPU lines are
// about the guest, and only its `ended:` line is its outcome.
TEST(SerialLog, VcpuLinesBelongToTheirGuestAndAreNotOutcomes) {
  const appliance::SerialLog log = appliance::parse_serial_log(
      "[cpu0] vmm: guest smp: vcpu 1 started by a start-up IPI, vector 0x08: real mode at 0800:0000 (0x8000)\n"
      "[cpu0] vmm: guest smp ended: exited (code 0 (exit port 0xf4), rip 0x100375 (vcpu 0)); exits: hlt=3 pause=7\n"
      "[cpu0] vmm: guest smp: vcpu 1 on cpu 1: exited (ended with its guest); exits: hlt=3\n");
  ASSERT_EQ(log.line_guests.size(), 3u);
  EXPECT_EQ(log.line_guests[0], "smp");
  EXPECT_EQ(log.line_guests[2], "smp");
  ASSERT_EQ(log.guests.size(), 1u);
  EXPECT_EQ(log.guests.at("smp").outcome, "exited");
  EXPECT_EQ(log.guests.at("smp").exits.at("pause"), 7);
}
