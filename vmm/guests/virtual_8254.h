// The interval timer of devices.pit: an 8254 (Intel 8254 datasheet) in
// software, its three counters on ports 40H-42H and the control word on 43H,
// with port 61H's channel-2 gate (bit 0), speaker data (bit 1, kept), and
// OUT2 (bit 5) and the refresh toggle (bit 4) read back, as PC firmware and
// kernels calibrate with them. Counter 0's OUT drives IRQ 0 (the caller
// raises it on the 8259, guests/virtual_8259.h). Time is counted in the
// 8254's own clock ticks (1.193182 MHz) from a monotonic source the caller
// converts. Modes 0-5, the four access modes, the counter-latch and
// read-back commands, and status bytes are modelled; BCD counting is kept in
// the status but counts in binary; a new count in modes 2 and 3 takes effect
// at once rather than at the end of the current period. Counters 0 and 1
// have their gates tied high, as on a PC. Plain logic: host-tested.
#pragma once
#include <stdint.h>

namespace guests {

inline constexpr uint16_t kPitCounter0 = 0x40, kPitControl = 0x43, kPitGatePort = 0x61;
inline constexpr uint64_t kPitHz = 1193182;

struct I8254Counter {
  uint8_t control;   // bits 5:0 of its last control word: RW (5:4), mode (3:1), BCD (0)
  uint32_t reload;   // the count written, 1..65536 (0 is written for 65536)
  uint64_t start;    // tick at which the running stretch began
  uint64_t elapsed;  // ticks counted before `start` (a gate that went low pauses modes 0 and 4)
  bool armed;        // a whole count is written
  bool running;      // armed, gate high, and (modes 1, 5) triggered
  bool null_count;   // control word or count written, count not yet loaded
  bool write_msb;    // RW 11: the next byte written is the MSB
  bool read_msb;     // RW 11: the next byte read is the MSB
  uint8_t low_byte;  // RW 11: the LSB written
  bool latched;      // counter latch or read-back: `latch` holds the count
  bool latch_msb;
  uint16_t latch;
  bool status_latched;
  uint8_t status;
  uint64_t edges_reported;  // counter 0: OUT's rising edges already raised on IRQ 0
};

struct Virtual8254 {
  I8254Counter counter[3];
  bool gate2;         // port 61H bit 0
  bool speaker_data;  // port 61H bit 1
};

void pit_reset(Virtual8254& p);

// One byte through ports 40H-43H or 61H at tick `now`; false for any other port.
bool pit_io(Virtual8254& p, uint16_t port, bool in, uint8_t& value, uint64_t now);

// A counter's OUT and count at tick `now`.
bool pit_out(const I8254Counter& c, uint64_t now);
uint16_t pit_count(const I8254Counter& c, uint64_t now);

// Rising edges of counter 0's OUT since the last call (each an IRQ 0 edge).
uint64_t pit_take_irq0_edges(Virtual8254& p, uint64_t now);

// Ticks from `now` to counter 0's next rising edge, or UINT64_MAX if none is coming.
uint64_t pit_ticks_to_next_irq0(const Virtual8254& p, uint64_t now);

// TSC ticks to 8254 ticks with a TSC of `tsc_hz`, without overflow for
// hours of TSC at any frequency.
inline uint64_t pit_ticks_from_tsc(uint64_t tsc_ticks, uint64_t tsc_hz) {
  return tsc_ticks / tsc_hz * kPitHz + tsc_ticks % tsc_hz * kPitHz / tsc_hz;
}
inline uint64_t tsc_from_pit_ticks(uint64_t pit_ticks, uint64_t tsc_hz) {
  return pit_ticks / kPitHz * tsc_hz + (pit_ticks % kPitHz * tsc_hz + kPitHz - 1) / kPitHz;
}

}  // namespace guests
