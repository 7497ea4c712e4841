// The 8254 of devices.pit (guests/virtual_8254.h).
#include "guests/virtual_8254.h"

namespace guests {
namespace {
constexpr uint8_t kAccessLatch = 0, kAccessLsb = 1, kAccessMsb = 2, kAccessWord = 3;

uint8_t mode(const I8254Counter& c) {
  const uint8_t m = (c.control >> 1) & 7;
  return m >= 6 ? m - 4 : m;  // 6 and 7 are modes 2 and 3 (datasheet, "Control word format")
}
uint8_t access(const I8254Counter& c) { return (c.control >> 4) & 3; }
bool gate_triggered(const I8254Counter& c) { return mode(c) == 1 || mode(c) == 5; }

uint64_t ticks(const I8254Counter& c, uint64_t now) { return c.elapsed + (c.running && now > c.start ? now - c.start : 0); }

void load_count(I8254Counter& c, uint32_t written, bool gate, uint64_t now) {
  c.reload = written ? written : 65536;
  c.armed = true;
  c.null_count = false;
  c.elapsed = 0;
  c.start = now;
  c.running = gate && !gate_triggered(c);
  c.edges_reported = 0;
}

uint64_t rising_edges(const I8254Counter& c, uint64_t now) {
  if (!c.armed || !c.running) return c.armed && (mode(c) == 0 || mode(c) == 4) ? (c.elapsed >= c.reload + (mode(c) == 4)) : 0;
  const uint64_t e = ticks(c, now);
  switch (mode(c)) {
    case 2:
    case 3: return c.reload == 1 ? 0 : e / c.reload;  // a count of 1 is not allowed there: OUT never rises
    case 0:
    case 1: return e >= c.reload;
    default: return e > c.reload;  // 4, 5: the strobe rises a tick after it fell
  }
}

uint8_t next_byte(uint16_t value, uint8_t rw, bool& msb) {
  if (rw == kAccessLsb) return uint8_t(value);
  if (rw == kAccessMsb) return uint8_t(value >> 8);
  const uint8_t b = msb ? uint8_t(value >> 8) : uint8_t(value);
  msb = !msb;
  return b;
}

uint8_t read_counter(I8254Counter& c, uint64_t now) {
  if (c.status_latched) {
    c.status_latched = false;
    return c.status;
  }
  if (c.latched) {
    const uint8_t b = next_byte(c.latch, access(c), c.latch_msb);
    if (access(c) != kAccessWord || !c.latch_msb) c.latched = false;  // the latch lasts until read whole
    return b;
  }
  return next_byte(pit_count(c, now), access(c), c.read_msb);
}

void write_counter(I8254Counter& c, uint8_t byte, bool gate, uint64_t now) {
  switch (access(c)) {
    case kAccessLsb: load_count(c, byte, gate, now); return;
    case kAccessMsb: load_count(c, uint32_t(byte) << 8, gate, now); return;
    default:
      if (!c.write_msb) {
        c.low_byte = byte;
        c.write_msb = true;
        return;
      }
      c.write_msb = false;
      load_count(c, uint32_t(byte) << 8 | c.low_byte, gate, now);
      return;
  }
}

void latch_count(I8254Counter& c, uint64_t now) {
  if (c.latched) return;  // a second latch before the first is read is ignored
  c.latch = pit_count(c, now);
  c.latched = true;
  c.latch_msb = false;
}

void write_control(Virtual8254& p, uint8_t byte, uint64_t now) {
  const uint8_t select = byte >> 6;
  if (select == 3) {  // read-back: bit 5 clear latches counts, bit 4 clear latches status
    for (uint8_t i = 0; i < 3; ++i) {
      if (!(byte >> (1 + i) & 1)) continue;
      I8254Counter& c = p.counter[i];
      if (!(byte & 0x20)) latch_count(c, now);
      if (!(byte & 0x10) && !c.status_latched) {
        c.status = uint8_t((pit_out(c, now) ? 0x80 : 0) | (c.null_count ? 0x40 : 0) | c.control);
        c.status_latched = true;
      }
    }
    return;
  }
  I8254Counter& c = p.counter[select];
  if (((byte >> 4) & 3) == kAccessLatch) {
    latch_count(c, now);
    return;
  }
  c = I8254Counter{};
  c.control = byte & 0x3F;
  c.null_count = true;
}

void set_gate2(Virtual8254& p, bool gate, uint64_t now) {
  I8254Counter& c = p.counter[2];
  const bool rising = gate && !p.gate2, falling = !gate && p.gate2;
  p.gate2 = gate;
  if (!c.armed || (!rising && !falling)) return;
  const uint8_t m = mode(c);
  if (rising) {
    if (m != 0 && m != 4) c.elapsed = 0, c.edges_reported = 0;  // 1, 5 trigger; 2, 3 reload
    c.start = now;
    c.running = true;
  } else if (m == 0 || m == 4) {
    c.elapsed = ticks(c, now);  // counting pauses
    c.running = false;
  } else if (m == 2 || m == 3) {
    c.running = false;  // OUT high until the gate rises again
  }
}
}  // namespace

void pit_reset(Virtual8254& p) { p = Virtual8254{}; }

bool pit_out(const I8254Counter& c, uint64_t now) {
  const uint8_t m = mode(c);
  if (!c.armed) return m != 0;  // the control word sets OUT: low in mode 0, high otherwise
  const uint64_t e = ticks(c, now);
  switch (m) {
    case 0: return e >= c.reload;
    case 1: return !c.running || e >= c.reload;
    case 2: return !c.running || c.reload - e % c.reload != 1;
    case 3: return !c.running || e % c.reload < (c.reload + 1) / 2;
    default: return !c.running || e != c.reload;  // 4, 5
  }
}

uint16_t pit_count(const I8254Counter& c, uint64_t now) {
  if (!c.armed) return 0;
  const uint64_t e = ticks(c, now);
  switch (mode(c)) {
    case 2: return uint16_t(c.reload - e % c.reload);
    case 3: {  // counts down by two through each half period
      const uint64_t half = (c.reload + 1) / 2, phase = e % c.reload;
      const uint64_t into = phase < half ? phase : phase - half;
      return uint16_t((c.reload - 2 * into) & ~uint64_t(1));
    }
    default: return uint16_t(c.reload - e);  // 0, 1, 4, 5: wraps past 0 and counts on
  }
}

bool pit_io(Virtual8254& p, uint16_t port, bool in, uint8_t& value, uint64_t now) {
  if (port == kPitGatePort) {
    if (in)
      value = uint8_t((p.gate2 ? 1 : 0) | (p.speaker_data ? 2 : 0) | ((now / 18) & 1) << 4 |  // refresh: every 15 us
                      (pit_out(p.counter[2], now) ? 0x20 : 0));
    else
      set_gate2(p, value & 1, now), p.speaker_data = value & 2;
    return true;
  }
  if (port < kPitCounter0 || port > kPitControl) return false;
  if (port == kPitControl) {
    if (!in) write_control(p, value, now);
    else value = 0xFF;  // the control register cannot be read
    return true;
  }
  I8254Counter& c = p.counter[port - kPitCounter0];
  if (in) value = read_counter(c, now);
  else write_counter(c, value, port - kPitCounter0 != 2 || p.gate2, now);
  return true;
}

uint64_t pit_take_irq0_edges(Virtual8254& p, uint64_t now) {
  I8254Counter& c = p.counter[0];
  const uint64_t total = rising_edges(c, now);
  const uint64_t fresh = total > c.edges_reported ? total - c.edges_reported : 0;
  c.edges_reported = total;
  return fresh;
}

uint64_t pit_ticks_to_next_irq0(const Virtual8254& p, uint64_t now) {
  const I8254Counter& c = p.counter[0];
  if (!c.armed || !c.running) return UINT64_MAX;
  const uint64_t e = ticks(c, now);
  switch (mode(c)) {
    case 2:
    case 3: return c.reload == 1 ? UINT64_MAX : c.reload - e % c.reload;
    case 0: return e < c.reload ? c.reload - e : UINT64_MAX;
    case 4: return e <= c.reload ? c.reload + 1 - e : UINT64_MAX;
    default: return UINT64_MAX;  // 1, 5: counter 0's gate never rises
  }
}

}  // namespace guests
