// What one monitor-trap-flag exit stands for (SDM 25.5.2): the guest
// completed an instruction, completed an iteration of a REP string
// instruction that is not finished (RIP unchanged, the count register
// moved), or executed nothing: the VM entry injected an event (the exit
// then comes at the handler's first instruction, RIP moved though nothing
// ran) or a pending MTF exit. Plain logic, host-tested; the MTF handler
// (mtf.cpp) supplies the registers and reads the code.
#pragma once
#include <stdint.h>

#include "arch/instruction_decoder.h"

namespace exits {

enum class MtfStep : uint8_t { Completed, RepeatIteration, BeforeAnyInstruction };

struct MtfRegisters {
  uint64_t rip, rcx;
  bool injecting = false;  // at the entry: VM-entry interruption information valid
};

// `decode_at_rip(in)` reads and decodes the instruction at the exit's RIP;
// it is called only when RIP did not move and RCX did, so the common exit
// (an instruction completed) costs two compares.
template <typename Decode>
MtfStep classify_mtf_exit(const MtfRegisters& entry, const MtfRegisters& exit, Decode&& decode_at_rip, arch::Instruction& in) {
  if (entry.injecting) return MtfStep::BeforeAnyInstruction;
  if (exit.rip != entry.rip) return MtfStep::Completed;
  if (exit.rcx == entry.rcx || !decode_at_rip(in) || !arch::is_repeated_string(in)) return MtfStep::BeforeAnyInstruction;
  // Only CX, ECX or RCX counts, as the address size says (SDM Vol. 2 "REP").
  if (((exit.rcx ^ entry.rcx) & arch::address_mask(in.address_size)) == 0) return MtfStep::BeforeAnyInstruction;
  return MtfStep::RepeatIteration;
}

}  // namespace exits
