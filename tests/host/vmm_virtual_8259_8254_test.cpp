// The legacy PC timer and interrupt controllers of devices.pic and
// devices.pit (guests/virtual_8259, guests/virtual_8254), driven through
// their ports as a kernel drives them.
#include <gtest/gtest.h>

#include "guests/virtual_8254.h"
#include "guests/virtual_8259.h"

namespace {
using namespace guests;

void out(Virtual8259& p, uint16_t port, uint8_t v) { ASSERT_TRUE(pic_io(p, port, false, v)); }
uint8_t in(Virtual8259& p, uint16_t port) {
  uint8_t v = 0;
  EXPECT_TRUE(pic_io(p, port, true, v));
  return v;
}
// The usual PC programming: bases 0x40/0x48, cascade on IR2, 8086 mode.
void initialize(Virtual8259& p, uint8_t icw4 = 0x01) {
  pic_reset(p);
  out(p, 0x20, 0x11), out(p, 0x21, 0x40), out(p, 0x21, 0x04), out(p, 0x21, icw4);
  out(p, 0xA0, 0x11), out(p, 0xA1, 0x48), out(p, 0xA1, 0x02), out(p, 0xA1, icw4);
}

TEST(Virtual8259, AfterResetEveryInputIsMaskedButTheCascade) {
  Virtual8259 p;
  pic_reset(p);
  EXPECT_EQ(in(p, 0x21), 0xFB);
  EXPECT_EQ(in(p, 0xA1), 0xFF);
  pic_raise(p, 0);
  pic_raise(p, 12);
  EXPECT_EQ(pic_pending_vector(p), -1);
  uint8_t v = 0;
  EXPECT_FALSE(pic_io(p, 0x22, true, v));
}

TEST(Virtual8259, InitializationClearsTheMaskAndOcw1SetsIt) {
  Virtual8259 p;
  initialize(p);
  EXPECT_EQ(in(p, 0x21), 0x00);
  out(p, 0x21, 0xFE), out(p, 0xA1, 0xFF);
  EXPECT_EQ(in(p, 0x21), 0xFE);
  EXPECT_EQ(in(p, 0xA1), 0xFF);
}

TEST(Virtual8259, AnEdgeIsRequestedAcknowledgedAndEnded) {
  Virtual8259 p;
  initialize(p);
  out(p, 0x21, 0xFE);
  pic_raise(p, 0);
  out(p, 0x20, 0x0A);  // OCW3: read IRR
  EXPECT_EQ(in(p, 0x20), 0x01);
  EXPECT_EQ(pic_pending_vector(p), 0x40);
  EXPECT_EQ(pic_acknowledge(p), 0x40);
  EXPECT_EQ(in(p, 0x20), 0x00);  // IRR cleared by INTA
  out(p, 0x20, 0x0B);            // OCW3: read ISR
  EXPECT_EQ(in(p, 0x20), 0x01);
  pic_raise(p, 0);
  EXPECT_EQ(pic_pending_vector(p), -1) << "the same level in service holds it back";
  out(p, 0x20, 0x20);  // non-specific EOI
  EXPECT_EQ(in(p, 0x20), 0x00);
  EXPECT_EQ(pic_acknowledge(p), 0x40);
  out(p, 0x20, 0x60);  // specific EOI, level 0
  EXPECT_EQ(in(p, 0x20), 0x00);
}

TEST(Virtual8259, MaskedRequestsWaitInIrrAndEdgesDoNotCount) {
  Virtual8259 p;
  initialize(p);
  out(p, 0x21, 0xFF);
  pic_raise(p, 0), pic_raise(p, 0), pic_raise(p, 0);
  EXPECT_EQ(pic_pending_vector(p), -1);
  out(p, 0x21, 0xFE);
  EXPECT_EQ(pic_acknowledge(p), 0x40);
  out(p, 0x20, 0x20);
  EXPECT_EQ(pic_acknowledge(p), -1) << "three edges while masked are one request";
}

TEST(Virtual8259, FullyNestedPriorityAndTheSlaveThroughTheCascade) {
  Virtual8259 p;
  initialize(p);
  pic_raise(p, 3);
  pic_raise(p, 1);
  EXPECT_EQ(pic_acknowledge(p), 0x41);  // IR1 before IR3
  pic_raise(p, 0);
  EXPECT_EQ(pic_acknowledge(p), 0x40) << "a higher level interrupts the one in service";
  EXPECT_EQ(pic_acknowledge(p), -1) << "IR3 waits below IR1 and IR0 in service";
  out(p, 0x20, 0x20);  // ends IR0, the highest in service
  out(p, 0x20, 0x20);  // ends IR1
  EXPECT_EQ(pic_acknowledge(p), 0x43);
  out(p, 0x20, 0x20);
  pic_raise(p, 12);  // the slave's IR4
  EXPECT_EQ(pic_pending_vector(p), 0x4C);
  EXPECT_EQ(pic_acknowledge(p), 0x4C);
  out(p, 0x20, 0x0B), out(p, 0xA0, 0x0B);
  EXPECT_EQ(in(p, 0x20), 0x04);  // the master's cascade input in service
  EXPECT_EQ(in(p, 0xA0), 0x10);
  out(p, 0xA0, 0x20), out(p, 0x20, 0x20);
  EXPECT_EQ(in(p, 0x20), 0x00);
  EXPECT_EQ(in(p, 0xA0), 0x00);
  pic_raise(p, 2);  // IRQ 2 is the cascade on a PC: no device drives it
  EXPECT_EQ(pic_pending_vector(p), -1);
}

TEST(Virtual8259, AnInputCanInterruptOnlyUnmaskedAndAboveWhatIsInService) {
  Virtual8259 p;
  initialize(p);
  out(p, 0x21, 0xFE);
  EXPECT_TRUE(pic_input_can_interrupt(p, 0));
  EXPECT_FALSE(pic_input_can_interrupt(p, 1)) << "masked";
  pic_raise(p, 0);
  EXPECT_EQ(pic_acknowledge(p), 0x40);
  EXPECT_FALSE(pic_input_can_interrupt(p, 0)) << "in service, never ended";
  out(p, 0x20, 0x20);
  EXPECT_TRUE(pic_input_can_interrupt(p, 0));
  out(p, 0x20, 0x11);  // ICW1: until the last ICW nothing is requested
  pic_raise(p, 0);
  EXPECT_EQ(pic_pending_vector(p), -1);
  EXPECT_FALSE(pic_input_can_interrupt(p, 0));
}

TEST(Virtual8259, AutomaticEoiLeavesNothingInService) {
  Virtual8259 p;
  initialize(p, 0x03);
  pic_raise(p, 0);
  EXPECT_EQ(pic_acknowledge(p), 0x40);
  out(p, 0x20, 0x0B);
  EXPECT_EQ(in(p, 0x20), 0x00);
  pic_raise(p, 0);
  EXPECT_EQ(pic_acknowledge(p), 0x40);
}

TEST(Virtual8259, RotationMakesTheServedLevelTheLowest) {
  Virtual8259 p;
  initialize(p);
  pic_raise(p, 0);
  EXPECT_EQ(pic_acknowledge(p), 0x40);
  out(p, 0x20, 0xA0);  // rotate on non-specific EOI: IR0 is now lowest
  pic_raise(p, 0), pic_raise(p, 5);
  EXPECT_EQ(pic_acknowledge(p), 0x45);
  out(p, 0x20, 0xC4);  // set priority: IR4 lowest, IR5 highest
  out(p, 0x20, 0x65);  // specific EOI for IR5
  EXPECT_EQ(pic_acknowledge(p), 0x40);
}

TEST(Virtual8259, PollReadsAndAcknowledges) {
  Virtual8259 p;
  initialize(p);
  out(p, 0x20, 0x0C);  // OCW3 poll
  EXPECT_EQ(in(p, 0x20), 0x00);
  pic_raise(p, 6);
  out(p, 0x20, 0x0C);
  EXPECT_EQ(in(p, 0x20), 0x86);
  out(p, 0x20, 0x0B);
  EXPECT_EQ(in(p, 0x20), 0x40);
}

TEST(Virtual8259, SpecialMaskModeLetsLowerLevelsInWhileAMaskedOneIsInService) {
  Virtual8259 p;
  initialize(p);
  pic_raise(p, 1);
  EXPECT_EQ(pic_acknowledge(p), 0x41);
  pic_raise(p, 4);
  EXPECT_EQ(pic_pending_vector(p), -1) << "fully nested: IR1 in service holds IR4 back";
  out(p, 0x21, 0x02);  // mask IR1
  out(p, 0x20, 0x68);  // OCW3: set special mask mode
  EXPECT_EQ(pic_acknowledge(p), 0x44);
  out(p, 0x20, 0x48);  // OCW3: reset special mask mode
  out(p, 0x20, 0x64), out(p, 0x20, 0x61);  // specific EOIs for IR4 and IR1
  out(p, 0x20, 0x0B);
  EXPECT_EQ(in(p, 0x20), 0x00);
}

TEST(Virtual8259, TheSlaveHasItsOwnAutomaticEoiAndPoll) {
  Virtual8259 p;
  pic_reset(p);
  out(p, 0x20, 0x11), out(p, 0x21, 0x40), out(p, 0x21, 0x04), out(p, 0x21, 0x01);
  out(p, 0xA0, 0x11), out(p, 0xA1, 0x48), out(p, 0xA1, 0x02), out(p, 0xA1, 0x03);  // the slave in AEOI
  pic_raise(p, 9);
  EXPECT_EQ(pic_acknowledge(p), 0x49);
  out(p, 0xA0, 0x0B), out(p, 0x20, 0x0B);
  EXPECT_EQ(in(p, 0xA0), 0x00) << "the slave ended it itself";
  EXPECT_EQ(in(p, 0x20), 0x04) << "the master (normal EOI) still has its cascade level in service";
  out(p, 0x20, 0x20);
  pic_raise(p, 15);
  out(p, 0xA0, 0x0C);  // poll the slave
  EXPECT_EQ(in(p, 0xA0), 0x87);
  EXPECT_EQ(pic_pending_vector(p), -1) << "the poll acknowledged it";
}

void pit_out_byte(Virtual8254& p, uint16_t port, uint8_t v, uint64_t now) { ASSERT_TRUE(pit_io(p, port, false, v, now)); }
uint8_t pit_in(Virtual8254& p, uint16_t port, uint64_t now) {
  uint8_t v = 0;
  EXPECT_TRUE(pit_io(p, port, true, v, now));
  return v;
}
uint16_t read_word(Virtual8254& p, uint16_t port, uint64_t now) {
  const uint8_t lo = pit_in(p, port, now);
  return uint16_t(lo | pit_in(p, port, now) << 8);
}

TEST(Virtual8254, RateGeneratorRaisesIrq0EveryPeriod) {
  Virtual8254 p;
  pit_reset(p);
  pit_out_byte(p, 0x43, 0x34, 0);
  pit_out_byte(p, 0x40, 11932 & 0xFF, 0);
  EXPECT_EQ(pit_take_irq0_edges(p, 5), 0u);
  pit_out_byte(p, 0x40, 11932 >> 8, 100);  // counting starts with the whole count
  EXPECT_EQ(pit_ticks_to_next_irq0(p, 100), 11932u);
  EXPECT_EQ(pit_take_irq0_edges(p, 100 + 11931), 0u);
  EXPECT_EQ(pit_take_irq0_edges(p, 100 + 11932), 1u);
  EXPECT_EQ(pit_take_irq0_edges(p, 100 + 5 * 11932 + 7), 4u);
  EXPECT_EQ(pit_ticks_to_next_irq0(p, 100 + 5 * 11932 + 7), 11932u - 7);
  pit_out_byte(p, 0x43, 0x00, 100 + 7);  // counter latch
  EXPECT_EQ(read_word(p, 0x40, 100 + 20), 11932 - 7) << "the latched count, not the live one";
  EXPECT_EQ(read_word(p, 0x40, 100 + 20), 11932 - 20);
}

TEST(Virtual8254, InterruptOnTerminalCountFiresOnceAndReadBackShowsOut) {
  Virtual8254 p;
  pit_reset(p);
  pit_out_byte(p, 0x43, 0x30, 0);
  pit_out_byte(p, 0x43, 0xE2, 0);  // read-back: status of counter 0
  EXPECT_EQ(pit_in(p, 0x40, 0), 0x40 | 0x30) << "OUT low, null count, RW 11 mode 0";
  pit_out_byte(p, 0x40, 0x4E, 0), pit_out_byte(p, 0x40, 0x17, 0);  // 5966
  pit_out_byte(p, 0x43, 0xE2, 10);
  EXPECT_EQ(pit_in(p, 0x40, 10), 0x30);
  EXPECT_EQ(pit_take_irq0_edges(p, 5965), 0u);
  EXPECT_EQ(pit_take_irq0_edges(p, 5966), 1u);
  EXPECT_EQ(pit_take_irq0_edges(p, 100000), 0u);
  EXPECT_EQ(pit_ticks_to_next_irq0(p, 100000), UINT64_MAX);
  pit_out_byte(p, 0x43, 0xE2, 6000);
  EXPECT_EQ(pit_in(p, 0x40, 6000), 0x80 | 0x30);
  pit_out_byte(p, 0x43, 0xC2, 6000);  // read-back: count and status
  EXPECT_EQ(pit_in(p, 0x40, 6100), 0x80 | 0x30) << "status first";
  EXPECT_EQ(read_word(p, 0x40, 6200), uint16_t(5966 - 6000));
}

TEST(Virtual8254, Channel2IsGatedThroughPort61AndShowsOut2) {
  Virtual8254 p;
  pit_reset(p);
  pit_out_byte(p, 0x61, 0x00, 0);
  pit_out_byte(p, 0x43, 0xB0, 0);
  pit_out_byte(p, 0x42, 1193 & 0xFF, 0), pit_out_byte(p, 0x42, 1193 >> 8, 0);
  EXPECT_EQ(pit_in(p, 0x61, 5000) & 0x20, 0) << "gate low: counting waits";
  pit_out_byte(p, 0x61, 0x01, 5000);
  EXPECT_EQ(pit_in(p, 0x61, 5000 + 1192) & 0x21, 0x01);
  EXPECT_EQ(pit_in(p, 0x61, 5000 + 1193) & 0x21, 0x21);
  EXPECT_EQ(pit_take_irq0_edges(p, 10000), 0u) << "counter 2 is not IRQ 0";
}

TEST(Virtual8254, SquareWaveAndAccessModes) {
  Virtual8254 p;
  pit_reset(p);
  pit_out_byte(p, 0x43, 0x16, 0);  // counter 0, LSB only, mode 3
  pit_out_byte(p, 0x40, 100, 0);
  EXPECT_TRUE(pit_out(p.counter[0], 49));
  EXPECT_FALSE(pit_out(p.counter[0], 50));
  EXPECT_EQ(pit_take_irq0_edges(p, 1000), 10u);
  pit_out_byte(p, 0x43, 0x24, 0);  // counter 0, MSB only, mode 2: count 0x100
  pit_out_byte(p, 0x40, 0x01, 0);
  EXPECT_EQ(pit_in(p, 0x40, 0x10), 0x00);  // MSB of 0xF0
  pit_out_byte(p, 0x43, 0x34, 0);
  pit_out_byte(p, 0x40, 0, 0), pit_out_byte(p, 0x40, 0, 0);  // 0 is 65536
  EXPECT_EQ(pit_ticks_to_next_irq0(p, 0), 65536u);
}

TEST(Virtual8254, ACountOfOneInModesTwoAndThreeRaisesNothing) {
  for (uint8_t control : {uint8_t(0x14), uint8_t(0x16)}) {  // counter 0, LSB only, mode 2 / mode 3
    Virtual8254 p;
    pit_reset(p);
    pit_out_byte(p, 0x43, control, 0);
    pit_out_byte(p, 0x40, 1, 0);
    EXPECT_EQ(pit_take_irq0_edges(p, 100000), 0u) << "control 0x" << std::hex << int(control);
    EXPECT_EQ(pit_ticks_to_next_irq0(p, 100000), UINT64_MAX);
  }
}

TEST(Virtual8254, GateTriggeredModesOnCounter2) {
  Virtual8254 p;
  pit_reset(p);
  pit_out_byte(p, 0x61, 0x00, 0);
  pit_out_byte(p, 0x43, 0x92, 0);  // counter 2, LSB only, mode 1 (hardware one-shot)
  pit_out_byte(p, 0x42, 100, 0);
  EXPECT_TRUE(pit_out(p.counter[2], 500)) << "mode 1: OUT high until the gate triggers it";
  pit_out_byte(p, 0x61, 0x01, 1000);  // the gate rises: the one-shot starts
  EXPECT_FALSE(pit_out(p.counter[2], 1050));
  EXPECT_TRUE(pit_out(p.counter[2], 1100));
  pit_out_byte(p, 0x61, 0x00, 1200);
  pit_out_byte(p, 0x43, 0x9A, 1200);  // mode 5 (hardware strobe)
  pit_out_byte(p, 0x42, 10, 1200);
  pit_out_byte(p, 0x61, 0x01, 2000);
  EXPECT_TRUE(pit_out(p.counter[2], 2009));
  EXPECT_FALSE(pit_out(p.counter[2], 2010)) << "low for the one clock at 0";
  EXPECT_TRUE(pit_out(p.counter[2], 2011));
}

TEST(Virtual8254, SoftwareStrobeAndReadBackOfTwoCounters) {
  Virtual8254 p;
  pit_reset(p);
  pit_out_byte(p, 0x43, 0x18, 0);  // counter 0, LSB only, mode 4
  pit_out_byte(p, 0x40, 50, 0);
  EXPECT_EQ(pit_take_irq0_edges(p, 50), 0u) << "OUT falls at 0...";
  EXPECT_EQ(pit_take_irq0_edges(p, 51), 1u) << "...and rises a clock later";
  EXPECT_EQ(pit_take_irq0_edges(p, 5000), 0u);
  pit_out_byte(p, 0x43, 0x74, 0);  // counter 1, word, mode 2
  pit_out_byte(p, 0x41, 0x00, 0), pit_out_byte(p, 0x41, 0x01, 0);
  pit_out_byte(p, 0x43, 0xC6, 10);  // read-back: count and status of counters 0 and 1
  EXPECT_EQ(pit_in(p, 0x40, 20), 0x80 | 0x18);
  EXPECT_EQ(pit_in(p, 0x40, 20), uint8_t(50 - 10));
  EXPECT_EQ(pit_in(p, 0x41, 20), 0x80 | 0x34);
  EXPECT_EQ(read_word(p, 0x41, 30), 0x100 - 10);
}

TEST(Virtual8254, Port61KeepsSpeakerDataAndTogglesRefresh) {
  Virtual8254 p;
  pit_reset(p);
  pit_out_byte(p, 0x61, 0x03, 0);
  EXPECT_EQ(pit_in(p, 0x61, 0) & 0x03, 0x03);
  EXPECT_NE(pit_in(p, 0x61, 0) & 0x10, pit_in(p, 0x61, 18) & 0x10) << "bit 4 toggles every 18 clocks (15 us)";
}

TEST(Virtual8254, TscConversionIsExactAndDoesNotOverflow) {
  EXPECT_EQ(pit_ticks_from_tsc(1000000000, 1000000000), kPitHz);
  EXPECT_EQ(pit_ticks_from_tsc(3600ull * 5000000000ull, 5000000000ull), 3600 * kPitHz);
  EXPECT_GE(tsc_from_pit_ticks(1, 1000000000), 838u);  // rounded up: a wait never ends early
  EXPECT_EQ(tsc_from_pit_ticks(kPitHz, 1000000000), 1000000000u);
}
}  // namespace
