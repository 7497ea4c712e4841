#include "exits/guest_access.h"

#include "guests/guest_memory.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;

// Byte registers 4-7 without a REX prefix are AH, CH, DH, BH: bits 15:8 of
// registers 0-3 (SDM Vol. 2A 2.1.5, table 2-2).
bool high_byte(const GuestAccess& a) { return a.mv.size == 1 && a.mv.reg >= 4 && a.mv.reg < 8 && !a.in.rex; }
}  // namespace

GuestAccess fetch_guest_access(guests::Vcpu& v, const ExitInfo& e) {
  GuestAccess a;
  uint8_t bytes[15];
  const uint32_t n = guests::read_guest_linear(v, vmx::read(F::GUEST_CS_BASE) + e.guest_rip, bytes, sizeof bytes);
  a.decoded = arch::decode_instruction(bytes, n, guests::guest_code_mode(), a.in);
  a.move = a.decoded && arch::as_memory_move(a.in, a.mv);
  return a;
}

uint64_t guest_register(guests::Vcpu& v, uint32_t n) { return n == 4 ? vmx::read(F::GUEST_RSP) : v.regs.gpr(n); }
void set_guest_register(guests::Vcpu& v, uint32_t n, uint64_t value) {
  if (n == 4)
    vmx::write(F::GUEST_RSP, value);
  else
    v.regs.gpr(n) = value;
}

uint64_t stored_value(guests::Vcpu& v, const GuestAccess& a) {
  if (a.mv.immediate) return a.mv.value;
  return high_byte(a) ? guest_register(v, a.mv.reg - 4u) >> 8 : guest_register(v, a.mv.reg);
}

void complete_load(guests::Vcpu& v, const GuestAccess& a, uint64_t value) {
  const bool high = high_byte(a);
  const uint32_t number = high ? a.mv.reg - 4u : a.mv.reg;
  if (a.mv.size >= 8) return set_guest_register(v, number, value);
  if (a.mv.size == 4) return set_guest_register(v, number, uint32_t(value));
  const uint32_t shift = high ? 8 : 0;
  const uint64_t mask = ((1ull << (8 * a.mv.size)) - 1) << shift;
  set_guest_register(v, number, (guest_register(v, number) & ~mask) | ((value << shift) & mask));
}

void advance_past(const GuestAccess& a, const ExitInfo& e) { vmx::write(F::GUEST_RIP, e.guest_rip + a.in.length); }

}  // namespace exits
