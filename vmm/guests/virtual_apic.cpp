#include "guests/virtual_apic.h"

namespace guests {
namespace {
constexpr uint32_t kVersion = 0x00050014;  // version 14h, 6 LVT entries (max LVT 5)
// The registers a write may change, with the bits it may set.
struct Writable {
  uint32_t offset, mask;
};
constexpr Writable kWritable[] = {
    {apic::TPR, 0xFF},           {apic::LDR, 0xFF000000},  {apic::DFR, 0xF0000000},      {apic::SVR, 0x11FF},
    {apic::ICR_HIGH, 0xFF000000}, {apic::LVT_TIMER, 0x700FF}, {apic::LVT_THERMAL, 0x107FF}, {apic::LVT_PERFORMANCE, 0x107FF},
    {apic::LVT_LINT0, 0x1A7FF},  {apic::LVT_LINT1, 0x1A7FF}, {apic::LVT_ERROR, 0x100FF},    {apic::DIVIDE_CONFIGURATION, 0xB},
};
}  // namespace

uint32_t VirtualApic::divisor(uint32_t d) {
  const uint32_t code = (d & 3) | ((d >> 1) & 4);  // bits 0, 1 and 3 (SDM Figure 11-10)
  return code == 7 ? 1 : 2u << code;
}

void VirtualApic::reset(uint8_t apic_id) {
  for (uint32_t i = 0; i < 1024; ++i) page_[i] = 0;
  reg(apic::ID) = uint32_t(apic_id) << 24;
  reg(apic::VERSION) = kVersion;
  reg(apic::DFR) = 0xFFFFFFFF;
  reg(apic::SVR) = 0xFF;
  for (uint32_t lvt = apic::LVT_TIMER; lvt <= apic::LVT_ERROR; lvt += 16) reg(lvt) = apic::kLvtMasked;
  timer_ = {};
}

void VirtualApic::set_bit(uint32_t base, uint8_t vector, bool on) {
  uint32_t& r = reg(base + (vector / 32) * 16);
  r = on ? r | (1u << (vector % 32)) : r & ~(1u << (vector % 32));
}

int VirtualApic::highest(uint32_t base) const {
  for (int word = 7; word >= 0; --word)
    if (const uint32_t r = reg(base + uint32_t(word) * 16)) return word * 32 + 31 - __builtin_clz(r);
  return -1;
}

// SDM 11.8.3.1: PPR is TPR when TPR's class is at least the highest
// in-service class, else that class.
uint32_t VirtualApic::processor_priority() const {
  const uint32_t tpr = reg(apic::TPR) & 0xFF;
  const int isr = highest(apic::ISR);
  const uint32_t isr_class = isr < 0 ? 0 : uint32_t(isr) & 0xF0;
  return (tpr & 0xF0) >= isr_class ? tpr : isr_class;
}

void VirtualApic::request(uint8_t vector) {
  if (vector < 16) {
    reg(apic::ESR) |= 1u << 6;  // received illegal vector
    return;
  }
  set_bit(apic::IRR, vector, true);
}

void VirtualApic::end_of_interrupt() {
  if (const int v = highest(apic::ISR); v >= 0) set_bit(apic::ISR, uint8_t(v), false);
}

void VirtualApic::start_timer(uint64_t now) {
  const uint32_t initial = reg(apic::INITIAL_COUNT);
  const TimerMode mode = TimerMode((reg(apic::LVT_TIMER) >> 17) & 3);
  if (initial == 0 || mode == TimerMode::TscDeadline) {
    timer_ = {};
    return;
  }
  timer_.start_tsc = now;
  timer_.period = uint64_t(initial) * divisor(reg(apic::DIVIDE_CONFIGURATION));
  timer_.deadline_tsc = now + timer_.period;
}

uint32_t VirtualApic::read(uint32_t offset, uint64_t now) const {
  switch (offset) {
    case apic::PPR: return processor_priority();
    case apic::EOI: return 0;
    case apic::CURRENT_COUNT: {
      if (!timer_.deadline_tsc || now >= timer_.deadline_tsc) return 0;
      return uint32_t((timer_.deadline_tsc - now) / divisor(reg(apic::DIVIDE_CONFIGURATION)));
    }
    default: return reg(offset & 0xFF0);
  }
}

ApicEffect VirtualApic::write(uint32_t offset, uint32_t value, uint64_t now) {
  switch (offset) {
    case apic::EOI: end_of_interrupt(); return ApicEffect::None;
    case apic::ESR: reg(apic::ESR) = 0; return ApicEffect::None;  // a write clears it (SDM 11.5.3)
    case apic::INITIAL_COUNT:
      reg(apic::INITIAL_COUNT) = value;
      start_timer(now);
      return ApicEffect::None;
    case apic::ICR_LOW: {
      reg(apic::ICR_LOW) = value & ~(1u << 12);  // delivery status: idle at once
      const uint32_t delivery = (value >> 8) & 7, shorthand = (value >> 18) & 3;
      const uint8_t destination = uint8_t(reg(apic::ICR_HIGH) >> 24), self = uint8_t(reg(apic::ID) >> 24);
      // Only the APIC itself is reachable: the guest has one vCPU.
      const bool to_self = shorthand == 1 || shorthand == 2 || (shorthand == 0 && destination == self);
      if (!to_self) return ApicEffect::Refused;
      if (delivery == 0) request(uint8_t(value));
      else if (delivery == 4) return ApicEffect::Nmi;
      else return ApicEffect::Refused;
      return ApicEffect::None;
    }
    default: break;
  }
  for (const auto& w : kWritable)
    if (w.offset == offset) {
      reg(offset) = value & w.mask;
      if (offset == apic::SVR && !(value & apic::kSvrSoftwareEnable))  // software disable masks every LVT (SDM 11.4.7.2)
        for (uint32_t lvt = apic::LVT_TIMER; lvt <= apic::LVT_ERROR; lvt += 16) reg(lvt) |= apic::kLvtMasked;
      if (offset == apic::LVT_TIMER && !(reg(apic::SVR) & apic::kSvrSoftwareEnable)) reg(offset) |= apic::kLvtMasked;
      return ApicEffect::None;
    }
  return ApicEffect::None;  // read-only or reserved: ignored
}

bool VirtualApic::update_timer(uint64_t now) {
  if (!timer_.deadline_tsc || now < timer_.deadline_tsc) return false;
  const uint32_t lvt = reg(apic::LVT_TIMER);
  if (!(lvt & apic::kLvtMasked)) request(uint8_t(lvt));
  if (TimerMode((lvt >> 17) & 3) == TimerMode::Periodic && timer_.period) {
    // One interrupt per expiry seen; periods missed while the guest was not running collapse into it.
    const uint64_t missed = (now - timer_.deadline_tsc) / timer_.period;
    timer_.start_tsc = timer_.deadline_tsc + missed * timer_.period;
    timer_.deadline_tsc = timer_.start_tsc + timer_.period;
  } else {
    timer_.deadline_tsc = 0;
  }
  return true;
}

uint8_t VirtualApic::deliverable() const {
  if (!(reg(apic::SVR) & apic::kSvrSoftwareEnable)) return 0;
  const int v = highest(apic::IRR);
  if (v < 0 || (uint32_t(v) & 0xF0) <= (processor_priority() & 0xF0)) return 0;
  return uint8_t(v);
}

void VirtualApic::accept(uint8_t vector) {
  set_bit(apic::IRR, vector, false);
  set_bit(apic::ISR, vector, true);
}

}  // namespace guests
