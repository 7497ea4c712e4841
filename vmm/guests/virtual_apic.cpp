#include "guests/virtual_apic.h"

namespace guests {
namespace {
constexpr uint32_t kVersion = 0x00050014;  // version 14h, 6 LVT entries (max LVT 5), no EOI-broadcast suppression
constexpr uint32_t kDeliveryModeMask = 7u << 8, kDeliveryExtInt = 7u << 8;  // LVT bits 10:8 (SDM 11.5.1)

enum class Access : uint8_t { None, ReadOnly, WriteOnly, ReadWrite };
constexpr bool readable(Access a) { return a == Access::ReadOnly || a == Access::ReadWrite; }
constexpr bool writable(Access a) { return a == Access::WriteOnly || a == Access::ReadWrite; }

// The registers, once for both modes (SDM Table 11-1 and, for x2APIC mode,
// Table 11-6): how each mode reaches it, the bits a write sets, and the bits
// defined at all (x2APIC mode: a write with any other bit set is #GP,
// SDM 11.12.1.3). `count` registers every 16 bytes (ISR, TMR, IRR).
struct RegisterInfo {
  uint32_t offset;
  uint8_t count;
  Access xapic, x2apic;
  uint32_t writable_bits;
  uint32_t defined_bits;
};
constexpr Access RO = Access::ReadOnly, WO = Access::WriteOnly, RW = Access::ReadWrite, NO = Access::None;
constexpr RegisterInfo kRegisters[] = {
    {apic::ID, 1, RO, RO, 0, ~0u},
    {apic::VERSION, 1, RO, RO, 0, ~0u},
    {apic::TPR, 1, RW, RW, 0xFF, 0xFF},
    {apic::PPR, 1, RO, RO, 0, ~0u},
    {apic::EOI, 1, WO, WO, 0, 0},  // x2APIC: a non-zero write is #GP
    {apic::LDR, 1, RW, RO, 0xFF000000, ~0u},  // x2APIC: derived from the ID (SDM 11.12.10.2)
    {apic::DFR, 1, RW, NO, 0xF0000000, ~0u},  // no MSR 80EH
    {apic::SVR, 1, RW, RW, 0x1FF, 0x1FF},     // bit 12 reserved: the version register offers no EOI-broadcast suppression
    {apic::ISR, 8, RO, RO, 0, ~0u},
    {apic::TMR, 8, RO, RO, 0, ~0u},
    {apic::IRR, 8, RO, RO, 0, ~0u},
    {apic::ESR, 1, RW, RW, 0, 0},  // a write clears it; x2APIC: a non-zero write is #GP
    {apic::ICR_LOW, 1, RW, RW, ~(1u << 12), 0x000CCFFF},  // x2APIC: bits 12, 13, 16, 17, 20-31 reserved; 64 bits with the destination
    {apic::ICR_HIGH, 1, RW, NO, 0xFF000000, ~0u},          // no MSR 831H
    {apic::LVT_TIMER, 1, RW, RW, 0x700FF, 0x710FF},
    {apic::LVT_THERMAL, 1, RW, RW, 0x107FF, 0x117FF},
    {apic::LVT_PERFORMANCE, 1, RW, RW, 0x107FF, 0x117FF},
    {apic::LVT_LINT0, 1, RW, RW, 0x1A7FF, 0x1F7FF},
    {apic::LVT_LINT1, 1, RW, RW, 0x1A7FF, 0x1F7FF},
    {apic::LVT_ERROR, 1, RW, RW, 0x100FF, 0x110FF},
    {apic::INITIAL_COUNT, 1, RW, RW, ~0u, ~0u},
    {apic::CURRENT_COUNT, 1, RO, RO, 0, ~0u},
    {apic::DIVIDE_CONFIGURATION, 1, RW, RW, 0xB, 0xB},
    {apic::SELF_IPI, 1, NO, WO, 0, 0xFF},  // x2APIC mode only
};

const RegisterInfo* find_register(uint32_t offset) {
  for (const auto& r : kRegisters)
    if (offset >= r.offset && offset < r.offset + 16u * r.count && (offset - r.offset) % 16 == 0) return &r;
  return nullptr;
}

// ICR fields (SDM Figure 11-12 and 11-28).
constexpr bool icr_logical(uint32_t icr) { return icr & (1u << 11); }
constexpr uint32_t icr_shorthand(uint32_t icr) { return (icr >> 18) & 3; }
constexpr uint32_t kShorthandNone = 0, kShorthandSelf = 1, kShorthandAllIncludingSelf = 2, kShorthandAllExcludingSelf = 3;

// SDM 11.12.10.2: the logical x2APIC ID, cluster (ID[19:4]) and a bit for ID[3:0].
constexpr uint32_t logical_x2apic_id(uint32_t id) { return ((id >> 4) << 16) | (1u << (id & 0xF)); }
}  // namespace

uint32_t VirtualApic::divisor(uint32_t d) {
  const uint32_t code = (d & 3) | ((d >> 1) & 4);  // bits 0, 1 and 3 (SDM Figure 11-10)
  return code == 7 ? 1 : 2u << code;
}

void VirtualApic::reset(uint8_t apic_id) {
  // The ID word is written, never cleared first: a sibling's CPU may be
  // matching a physical destination against it meanwhile (exits/siblings.cpp).
  reg(apic::ID) = uint32_t(apic_id) << 24;
  for (uint32_t i = 0; i < 1024; ++i)
    if (i != apic::ID / 4) page_[i] = 0;
  reg(apic::VERSION) = kVersion;
  reg(apic::DFR) = 0xFFFFFFFF;
  reg(apic::SVR) = 0xFF;
  for (uint32_t lvt = apic::LVT_TIMER; lvt <= apic::LVT_ERROR; lvt += 16) reg(lvt) = apic::kLvtMasked;
  // An INIT leaves an APIC in x2APIC mode in it (SDM 11.12.5.1), whose LDR
  // is derived from the ID, never 0 (SDM 11.12.10.2).
  if (mode() == ApicMode::X2Apic) reg(apic::LDR) = logical_x2apic_id(apic_id);
  timer_ = {};
}

void VirtualApic::set_virtual_wire() { reg(apic::LVT_LINT0) = kDeliveryExtInt; }

bool VirtualApic::accepts_extint() const {
  if (mode() == ApicMode::Disabled) return true;
  const uint32_t lint0 = reg(apic::LVT_LINT0);
  return !(lint0 & apic::kLvtMasked) && (lint0 & kDeliveryModeMask) == kDeliveryExtInt;
}

ApicMode VirtualApic::mode() const {
  if (!(base_ & apic_base::EN)) return ApicMode::Disabled;
  return base_ & apic_base::EXTD ? ApicMode::X2Apic : ApicMode::XApic;
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
  const TimerMode mode = timer_mode();
  if (initial == 0 || (mode != TimerMode::OneShot && mode != TimerMode::Periodic)) {
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
      // TSC-deadline mode: the current count reads 0 (SDM 11.5.4.1).
      if (timer_mode() == TimerMode::TscDeadline || !timer_.deadline_tsc || now >= timer_.deadline_tsc) return 0;
      return uint32_t((timer_.deadline_tsc - now) / divisor(reg(apic::DIVIDE_CONFIGURATION)));
    }
    default: return reg(offset & 0xFF0);
  }
}

bool VirtualApic::addressed_by(uint32_t icr, uint32_t destination, bool is_sender) const {
  const bool x2apic = mode() == ApicMode::X2Apic;
  switch (icr_shorthand(icr)) {
    case kShorthandSelf: return is_sender;
    case kShorthandAllIncludingSelf: return true;
    case kShorthandNone: break;
    default: return !is_sender;  // all excluding self
  }
  if (mode() == ApicMode::Disabled) return false;
  const uint32_t id = apic_id(), ldr = reg(apic::LDR);
  if (!icr_logical(icr)) return destination == id || destination == (x2apic ? 0xFFFFFFFFu : 0xFFu);
  if (x2apic)  // cluster in bits 31:16, a bit per APIC in 15:0 (SDM 11.12.10.2)
    return (destination >> 16) == (ldr >> 16) && (destination & ldr & 0xFFFF);
  const uint8_t logical = uint8_t(ldr >> 24), d = uint8_t(destination);
  if ((reg(apic::DFR) >> 28) == 0xF) return d & logical;  // flat model (SDM 11.6.2.2)
  return (d >> 4) == (logical >> 4) && (d & logical & 0xF);  // cluster model
}

uint32_t VirtualApic::icr_destination() const {
  return mode() == ApicMode::X2Apic ? reg(apic::ICR_HIGH) : reg(apic::ICR_HIGH) >> 24;
}

void VirtualApic::receive_fixed(uint8_t vector) {
  if (vector < 16) {
    reg(apic::ESR) |= 1u << 6;  // receive illegal vector
    return;
  }
  request(vector);
}

// The command's part for this APIC; whether it may reach others too (any
// destination but this APIC alone) is for the caller, who knows the guest's
// other vCPUs (exits/virtual_apic.cpp).
ApicEffect VirtualApic::send(uint32_t icr, uint32_t destination) {
  const bool x2apic = mode() == ApicMode::X2Apic;
  const uint32_t shorthand = icr_shorthand(icr);
  const bool others = shorthand == kShorthandAllIncludingSelf || shorthand == kShorthandAllExcludingSelf ||
                      (shorthand == kShorthandNone &&
                       (icr_logical(icr) || destination != apic_id() || destination == (x2apic ? 0xFFFFFFFFu : 0xFFu)));
  ApicEffect self = ApicEffect::Refused;
  if (addressed_by(icr, destination, true)) {
    switch (icr_delivery(icr)) {
      case IcrDelivery::Fixed: receive_fixed(uint8_t(icr)); self = ApicEffect::None; break;
      case IcrDelivery::Nmi: self = ApicEffect::Nmi; break;
      default: break;  // lowest priority, SMI, INIT, start-up to itself: not emulated
    }
  }
  if (!others) return self;
  return self == ApicEffect::Nmi ? ApicEffect::NmiAndOthers : ApicEffect::Others;
}

ApicEffect VirtualApic::write(uint32_t offset, uint32_t value, uint64_t now) {
  switch (offset) {
    case apic::EOI: end_of_interrupt(); return ApicEffect::None;
    case apic::ESR: reg(apic::ESR) = 0; return ApicEffect::None;  // a write clears it (SDM 11.5.3)
    case apic::INITIAL_COUNT:
      if (timer_mode() == TimerMode::TscDeadline) return ApicEffect::None;  // ignored in TSC-deadline mode (SDM 11.5.4.1)
      reg(apic::INITIAL_COUNT) = value;
      start_timer(now);
      return ApicEffect::None;
    case apic::ICR_LOW:
      reg(apic::ICR_LOW) = value & ~(1u << 12);  // delivery status: idle at once
      return send(value, icr_destination());
    default: break;
  }
  const RegisterInfo* r = find_register(offset);
  if (!r || !writable(mode() == ApicMode::X2Apic ? r->x2apic : r->xapic)) return ApicEffect::None;  // read-only or reserved: ignored
  const uint32_t old = reg(offset);
  reg(offset) = value & r->writable_bits;
  if (offset == apic::SVR && !(value & apic::kSvrSoftwareEnable))  // software disable masks every LVT (SDM 11.4.7.2)
    for (uint32_t lvt = apic::LVT_TIMER; lvt <= apic::LVT_ERROR; lvt += 16) reg(lvt) |= apic::kLvtMasked;
  if (offset == apic::LVT_TIMER) {
    if (!(reg(apic::SVR) & apic::kSvrSoftwareEnable)) reg(offset) |= apic::kLvtMasked;
    // Into or out of TSC-deadline mode disarms the timer (SDM 11.5.4.1).
    const bool was_deadline = TimerMode((old >> 17) & 3) == TimerMode::TscDeadline;
    if (was_deadline != (timer_mode() == TimerMode::TscDeadline)) timer_ = {};
  }
  return ApicEffect::None;
}

ApicFault VirtualApic::read_msr(uint32_t msr, uint64_t now, uint64_t& value) const {
  if (mode() != ApicMode::X2Apic) return ApicFault::NotX2apicMode;
  const uint32_t offset = (msr - apic::kX2apicMsrFirst) * 16;
  const RegisterInfo* r = msr >= apic::kX2apicMsrFirst && msr <= apic::kX2apicMsrLast ? find_register(offset) : nullptr;
  if (!r || r->x2apic == Access::None) return ApicFault::NoSuchRegister;
  if (!readable(r->x2apic)) return ApicFault::ReadOfWriteOnly;
  if (offset == apic::ID) value = apic_id();  // the 32-bit x2APIC ID
  else if (offset == apic::ICR_LOW) value = uint64_t(reg(apic::ICR_HIGH)) << 32 | reg(apic::ICR_LOW);
  else value = read(offset, now);
  return ApicFault::None;
}

ApicFault VirtualApic::write_msr(uint32_t msr, uint64_t value, uint64_t now, ApicEffect& effect) {
  effect = ApicEffect::None;
  if (mode() != ApicMode::X2Apic) return ApicFault::NotX2apicMode;
  const uint32_t offset = (msr - apic::kX2apicMsrFirst) * 16;
  const RegisterInfo* r = msr >= apic::kX2apicMsrFirst && msr <= apic::kX2apicMsrLast ? find_register(offset) : nullptr;
  if (!r || r->x2apic == Access::None) return ApicFault::NoSuchRegister;
  if (!writable(r->x2apic)) return ApicFault::WriteToReadOnly;
  // Bits 63:32 are reserved in every register but the ICR, whose are the destination.
  if ((offset != apic::ICR_LOW && (value >> 32)) || (uint32_t(value) & ~r->defined_bits)) return ApicFault::ReservedBits;
  if (offset == apic::ICR_LOW) {
    reg(apic::ICR_HIGH) = uint32_t(value >> 32);  // the 32-bit x2APIC destination
    effect = write(apic::ICR_LOW, uint32_t(value), now);
  } else if (offset == apic::SELF_IPI) {
    request(uint8_t(value));  // fixed, edge, to itself (SDM 11.12.11)
  } else {
    effect = write(offset, uint32_t(value), now);
  }
  return ApicFault::None;
}

ApicFault VirtualApic::write_base(uint64_t value, uint32_t width) {
  uint64_t reserved = 0xFFull | (1ull << 9) | (width < 64 ? ~((1ull << width) - 1) : 0);
  if (!x2apic_offered_) reserved |= apic_base::EXTD;
  if (value & reserved) return ApicFault::BaseReservedBits;
  const ApicMode from = mode();
  const bool en = value & apic_base::EN, extd = value & apic_base::EXTD;
  if (!en && extd) return ApicFault::BaseInvalidState;
  const ApicMode to = !en ? ApicMode::Disabled : extd ? ApicMode::X2Apic : ApicMode::XApic;
  if (from == ApicMode::X2Apic && to == ApicMode::XApic) return ApicFault::BaseX2apicToXapic;
  if (from == ApicMode::Disabled && to == ApicMode::X2Apic) return ApicFault::BaseDisabledToX2apic;
  base_ = (value & ~apic_base::BSP) | (base_ & apic_base::BSP);  // the BSP flag is read-only
  if (from == to) return ApicFault::None;
  if (to == ApicMode::Disabled) {
    // Nothing but the ID survives a disable (SDM 11.4.3, 11.12.5.1): the
    // registers return to their power-up values, pending interrupts and the timer are gone.
    reset(apic_id());
  } else if (to == ApicMode::X2Apic) {
    reg(apic::LDR) = logical_x2apic_id(apic_id());  // initialized at the switch; the ID is kept
    reg(apic::ICR_HIGH) = 0;
  }
  return ApicFault::None;
}

uint64_t VirtualApic::read_tsc_deadline() const {
  return timer_mode() == TimerMode::TscDeadline ? timer_.tsc_deadline : 0;
}

void VirtualApic::write_tsc_deadline(uint64_t deadline, uint64_t guest_now, uint64_t now) {
  if (mode() == ApicMode::Disabled || timer_mode() != TimerMode::TscDeadline) return;  // ignored (SDM 11.5.4.1)
  timer_ = {};
  if (!deadline) return;
  timer_.tsc_deadline = deadline;
  timer_.start_tsc = now;
  // A deadline already passed fires at once; the difference, not the
  // guest's value, crosses to host time (the guest's TSC is offset).
  timer_.deadline_tsc = deadline <= guest_now ? now : now + (deadline - guest_now);
  if (!timer_.deadline_tsc) timer_.deadline_tsc = 1;  // 0 means disarmed
}

void VirtualApic::guest_tsc_moved(int64_t delta) {
  if (!timer_.tsc_deadline || !timer_.deadline_tsc) return;
  uint64_t moved = timer_.deadline_tsc - uint64_t(delta);
  if (delta > 0 && moved > timer_.deadline_tsc) moved = 1;  // the guest's clock jumped past it: fires at once
  timer_.deadline_tsc = moved ? moved : 1;                   // 0 means disarmed
}

bool VirtualApic::update_timer(uint64_t now) {
  if (!timer_.deadline_tsc || now < timer_.deadline_tsc) return false;
  const uint32_t lvt = reg(apic::LVT_TIMER);
  if (!(lvt & apic::kLvtMasked)) request(uint8_t(lvt));
  if (timer_mode() == TimerMode::Periodic && timer_.period) {
    // One interrupt per expiry seen; periods missed while the guest was not running collapse into it.
    const uint64_t missed = (now - timer_.deadline_tsc) / timer_.period;
    timer_.start_tsc = timer_.deadline_tsc + missed * timer_.period;
    timer_.deadline_tsc = timer_.start_tsc + timer_.period;
  } else {
    timer_.deadline_tsc = 0;
    timer_.tsc_deadline = 0;  // the deadline timer disarms itself and IA32_TSC_DEADLINE reads 0 (SDM 11.5.4.1)
  }
  return true;
}

uint8_t VirtualApic::deliverable() const {
  if (mode() == ApicMode::Disabled || !(reg(apic::SVR) & apic::kSvrSoftwareEnable)) return 0;
  const int v = highest(apic::IRR);
  if (v < 0 || (uint32_t(v) & 0xF0) <= (processor_priority() & 0xF0)) return 0;
  return uint8_t(v);
}

void VirtualApic::accept(uint8_t vector) {
  set_bit(apic::IRR, vector, false);
  set_bit(apic::ISR, vector, true);
}

}  // namespace guests
