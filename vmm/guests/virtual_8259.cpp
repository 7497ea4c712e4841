// The 8259A pair of devices.pic (guests/virtual_8259.h).
#include "guests/virtual_8259.h"

namespace guests {
namespace {

// Priority 0 is the highest: the IR after the lowest-priority one.
uint8_t rank(const I8259Chip& c, uint8_t ir) { return uint8_t((ir - c.lowest_priority - 1) & 7); }

int highest(const I8259Chip& c, uint8_t bits) {
  int best = -1;
  for (uint8_t ir = 0; ir < 8; ++ir)
    if ((bits >> ir & 1) && (best < 0 || rank(c, ir) < rank(c, uint8_t(best)))) best = ir;
  return best;
}

bool cascaded(const I8259Chip& master) { return !(master.icw1 & icw1::SNGL); }

// The input this chip asks the CPU (or the master) for, or -1: the highest
// unmasked request above every in-service level (fully nested mode). In
// special mask mode a masked level in service holds nothing back.
int chip_request(const I8259Chip& c, uint8_t irr) {
  if (c.init_step) return -1;  // between ICW1 and the last ICW the chip has no vector base to give
  const int r = highest(c, irr & uint8_t(~c.imr));
  if (r < 0) return -1;
  const int s = highest(c, c.special_mask ? uint8_t(c.isr & ~c.imr) : c.isr);
  if (s >= 0 && rank(c, uint8_t(s)) <= rank(c, uint8_t(r))) return -1;
  return r;
}

uint8_t master_requests(const Virtual8259& p) {
  const I8259Chip& m = p.chip[0];
  if (!cascaded(m)) return m.irr;
  const uint8_t cascade = uint8_t(1u << kPicCascadeInput);
  return uint8_t((m.irr & ~cascade) | (chip_request(p.chip[1], p.chip[1].irr) >= 0 ? cascade : 0));
}

void acknowledge_input(I8259Chip& c, uint8_t ir) {
  c.irr &= uint8_t(~(1u << ir));
  if (!(c.icw4 & icw4::AEOI)) c.isr |= uint8_t(1u << ir);
  else if (c.rotate_on_auto_eoi) c.lowest_priority = ir;
}

void end_of_interrupt(I8259Chip& c, uint8_t command) {
  const uint8_t op = command >> 5, level = command & 7;
  switch (op) {
    case 1:    // non-specific EOI
    case 5: {  // rotate on non-specific EOI
      const int ir = highest(c, c.isr);
      if (ir < 0) return;
      c.isr &= uint8_t(~(1u << ir));
      if (op == 5) c.lowest_priority = uint8_t(ir);
      return;
    }
    case 3:  // specific EOI
    case 7:  // rotate on specific EOI
      c.isr &= uint8_t(~(1u << level));
      if (op == 7) c.lowest_priority = level;
      return;
    case 6: c.lowest_priority = level; return;  // set priority
    case 4: c.rotate_on_auto_eoi = true; return;
    case 0: c.rotate_on_auto_eoi = false; return;
    default: return;  // 2: no operation
  }
}

void write_command(I8259Chip& c, uint8_t byte) {
  if (byte & icw1::INIT) {  // ICW1: the chip starts over (datasheet, "Initialization sequence")
    c = I8259Chip{};
    c.icw1 = byte;
    c.lowest_priority = 7;
    c.init_step = 2;
    return;
  }
  if (byte & 0x08) {  // OCW3
    if (byte & 0x04) c.poll = true;
    if (byte & 0x02) c.read_isr = byte & 0x01;
    if (byte & 0x40) c.special_mask = byte & 0x20;
    return;
  }
  end_of_interrupt(c, byte);  // OCW2
}

void write_data(I8259Chip& c, uint8_t byte) {
  switch (c.init_step) {
    case 2:
      c.vector_base = byte & 0xF8;
      c.init_step = !(c.icw1 & icw1::SNGL) ? 3 : (c.icw1 & icw1::IC4) ? 4 : 0;
      return;
    case 3:
      c.icw3 = byte;
      c.init_step = (c.icw1 & icw1::IC4) ? 4 : 0;
      return;
    case 4:
      c.icw4 = byte;
      c.init_step = 0;
      return;
    default: c.imr = byte; return;  // OCW1
  }
}

// The poll word (datasheet, "The poll command"): bit 7 set with the level
// when the chip had a request, which the read acknowledges.
uint8_t poll(Virtual8259& p, uint8_t index) {
  I8259Chip& c = p.chip[index];
  c.poll = false;
  const int ir = chip_request(c, index == 0 ? master_requests(p) : c.irr);
  if (ir < 0) return 0;
  acknowledge_input(c, uint8_t(ir));
  return uint8_t(0x80 | ir);
}
}  // namespace

void pic_reset(Virtual8259& p) {
  p = Virtual8259{};
  for (uint8_t i = 0; i < 2; ++i) {
    I8259Chip& c = p.chip[i];
    c.icw1 = icw1::INIT | icw1::IC4;
    c.icw4 = icw4::MICROPROCESSOR_8086;
    c.lowest_priority = 7;
  }
  p.chip[0].vector_base = 0x08, p.chip[0].icw3 = 1u << kPicCascadeInput, p.chip[0].imr = uint8_t(~(1u << kPicCascadeInput));
  p.chip[1].vector_base = 0x70, p.chip[1].icw3 = kPicCascadeInput, p.chip[1].imr = 0xFF;
}

void pic_raise(Virtual8259& p, uint8_t irq) {
  if (irq >= 16) return;
  if (irq >= 8) {
    p.chip[1].irr |= uint8_t(1u << (irq - 8));
    return;
  }
  if (irq == kPicCascadeInput && cascaded(p.chip[0])) return;  // the slave's line, not a device's
  p.chip[0].irr |= uint8_t(1u << irq);
}

bool pic_input_can_interrupt(const Virtual8259& p, uint8_t irq) {
  if (irq >= 8 || (irq == kPicCascadeInput && cascaded(p.chip[0]))) return false;  // master inputs of devices only
  const I8259Chip& c = p.chip[0];
  return chip_request(c, uint8_t(1u << irq)) == irq;
}

int pic_pending_vector(const Virtual8259& p) {
  const int ir = chip_request(p.chip[0], master_requests(p));
  if (ir < 0) return -1;
  if (ir == kPicCascadeInput && cascaded(p.chip[0])) return p.chip[1].vector_base + chip_request(p.chip[1], p.chip[1].irr);
  return p.chip[0].vector_base + ir;
}

int pic_acknowledge(Virtual8259& p) {
  const int ir = chip_request(p.chip[0], master_requests(p));
  if (ir < 0) return -1;
  if (ir == kPicCascadeInput && cascaded(p.chip[0])) {
    const int slave_ir = chip_request(p.chip[1], p.chip[1].irr);
    acknowledge_input(p.chip[0], uint8_t(ir));
    acknowledge_input(p.chip[1], uint8_t(slave_ir));
    return p.chip[1].vector_base + slave_ir;
  }
  acknowledge_input(p.chip[0], uint8_t(ir));
  return p.chip[0].vector_base + ir;
}

bool pic_io(Virtual8259& p, uint16_t port, bool in, uint8_t& value) {
  uint8_t index;
  if (port == kPicMasterCommand || port == kPicMasterData) index = 0;
  else if (port == kPicSlaveCommand || port == kPicSlaveData) index = 1;
  else return false;
  I8259Chip& c = p.chip[index];
  const bool command = port == kPicMasterCommand || port == kPicSlaveCommand;
  if (in) {
    if (!command) value = c.imr;
    else if (c.poll) value = poll(p, index);
    else value = c.read_isr ? c.isr : index == 0 ? master_requests(p) : c.irr;
  } else if (command) {
    write_command(c, value);
  } else {
    write_data(c, value);
  }
  return true;
}

}  // namespace guests
