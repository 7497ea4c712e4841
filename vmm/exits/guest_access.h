// The guest instruction behind an access exit (an EPT violation on a page
// the hypervisor emulates: the local-APIC hooks, absent hardware): fetched
// at the guest's RIP and decoded once, and its register side read or
// written by the x86 rules, for every handler that emulates such a MOV.
#pragma once
#include <stdint.h>

#include "arch/instruction_decoder.h"
#include "exits/exit.h"

namespace exits {

struct GuestAccess {
  arch::Instruction in;
  arch::MemoryMove mv;
  bool decoded = false;  // the bytes are an instruction (in is valid)
  bool move = false;     // and a MOV between memory and a register or immediate (mv is valid)
  const char* text() const { return in.length ? in.text : "undecodable"; }
};
GuestAccess fetch_guest_access(guests::Vcpu& v, const ExitInfo& e);

// General register n in the SDM's encoding; RSP is the VMCS's.
uint64_t guest_register(guests::Vcpu& v, uint32_t n);
void set_guest_register(guests::Vcpu& v, uint32_t n, uint64_t value);
// What a store writes: its immediate, or its source register (AH..BH for
// byte registers 4-7 without REX).
uint64_t stored_value(guests::Vcpu& v, const GuestAccess& a);
// A load of a.mv.size bytes of `value` into its destination register: a
// 64-bit load replaces it, a 32-bit one zero-extends, 8- and 16-bit loads
// keep the rest (and byte registers 4-7 without REX are AH..BH).
void complete_load(guests::Vcpu& v, const GuestAccess& a, uint64_t value);
// Past the emulated instruction.
void advance_past(const GuestAccess& a, const ExitInfo& e);

}  // namespace exits
