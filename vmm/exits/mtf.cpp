// Monitor-trap-flag exits (SDM 25.5.2, book 4.14): after every guest
// instruction, and after every iteration of a REP-prefixed string
// instruction; each one is logged decoded (example 4-2).
#include "arch/instruction_decoder.h"
#include "console/log.h"
#include "exits/handlers.h"
#include "exits/mtf_step.h"
#include "guests/guest_memory.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;

// Reads and decodes the instruction at `rip` (CS-relative); n: bytes readable.
bool decode_at(guests::Vcpu& v, uint64_t rip, arch::Instruction& in, uint32_t& n) {
  uint8_t bytes[15];
  n = guests::read_guest_linear(v, vmx::read(F::GUEST_CS_BASE) + rip, bytes, sizeof bytes);
  return arch::decode_instruction(bytes, n, guests::guest_code_mode(), in);
}
}  // namespace

void log_executed_instruction(guests::Vcpu& v, uint64_t rip, const char* why) {
  arch::Instruction in;
  uint32_t n;
  if (decode_at(v, rip, in, n))
    LOG("vmm: guest %s %s %u: rip 0x%lx: %s", v.name, why, v.mtf_steps, rip, in.text);
  else
    LOG("vmm: guest %s %s %u: rip 0x%lx: not decoded (%s, %u bytes readable)", v.name, why, v.mtf_steps, rip,
        arch::decode_status_name(in.status), n);
}

Flow on_monitor_trap_flag(guests::Vcpu& v, const ExitInfo& e) {
  ++v.mtf_steps;
  arch::Instruction in;
  auto decode_at_rip = [&](arch::Instruction& out) {
    uint32_t n;
    return decode_at(v, e.guest_rip, out, n);
  };
  switch (classify_mtf_exit({v.mtf_rip, v.mtf_rcx}, {e.guest_rip, v.regs.rcx}, decode_at_rip, in)) {
    case MtfStep::Completed:
      log_executed_instruction(v, v.mtf_rip, "mtf step");
      break;
    case MtfStep::RepeatIteration:
      LOG("vmm: guest %s mtf step %u: rip 0x%lx: %s iteration, %s 0x%lx", v.name, v.mtf_steps, e.guest_rip, in.text,
          arch::count_register_name(in), v.regs.rcx & arch::address_mask(in.address_size));
      break;
    case MtfStep::BeforeAnyInstruction:
      LOG("vmm: guest %s mtf step %u: exit before any instruction (rip 0x%lx)", v.name, v.mtf_steps, e.guest_rip);
      break;
  }
  return Flow::Resume;
}
}  // namespace exits
