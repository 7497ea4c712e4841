// What one VM exit handler sees and returns (SDM 27.2, book 3.10).
#pragma once
#include <stdint.h>

#include "arch/vmx_formats.h"
#include "guests/vcpu.h"

namespace exits {

enum class Flow : uint8_t {
  Resume,  // re-enter this guest
  Yield,   // its time slice is over: let the scheduler pick the next guest
  End,     // the guest is finished (outcome set)
};

struct ExitInfo {
  uint32_t reason;      // basic exit reason, bits 15:0
  bool entry_failure;   // bit 31 (SDM 24.9.1)
  uint64_t qualification;
  uint32_t instruction_length;
  arch::InterruptionInfo idt_vectoring_info;  // SDM 27.2.4: an event the exit interrupted
  uint64_t guest_rip;
};

using Handler = Flow (*)(guests::Vcpu&, const ExitInfo&);

// Reads the exit-information fields, counts the exit, applies the guest's
// named behaviour and calls the reason's handler.
Flow dispatch(guests::Vcpu& v);

// Ends the guest with an outcome and a detail sentence (printf format).
[[gnu::format(printf, 3, 4)]] Flow finish(guests::Vcpu& v, guests::Outcome outcome, const char* format, ...);
// Moves the guest past the instruction that exited (SDM 27.2.5).
void skip_instruction(const ExitInfo& e);
// Queues an event for the next VM entry (SDM 24.8.3).
void inject(arch::InterruptionInfo info, uint32_t error_code, uint32_t instruction_length);

}  // namespace exits
