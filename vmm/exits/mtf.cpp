// Monitor-trap-flag exits (SDM 25.5.2, book 4.14): after every guest
// instruction; each one is logged decoded (example 4-2).
#include "arch/instruction_decoder.h"
#include "console/log.h"
#include "exits/handlers.h"
#include "guests/guest_memory.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;

}  // namespace

void log_executed_instruction(guests::Vcpu& v, uint64_t rip, const char* why) {
  uint8_t bytes[15];
  const uint64_t linear = vmx::read(F::GUEST_CS_BASE) + rip;
  const uint32_t n = guests::read_guest_linear(v, linear, bytes, sizeof bytes);
  arch::Instruction in;
  if (arch::decode_instruction(bytes, n, guests::guest_code_mode(), in))
    LOG("vmm: guest %s %s %u: rip 0x%lx: %s", v.name, why, v.mtf_steps, rip, in.text);
  else
    LOG("vmm: guest %s %s %u: rip 0x%lx: (%u bytes readable, not decodable)", v.name, why, v.mtf_steps, rip, n);
}

Flow on_monitor_trap_flag(guests::Vcpu& v, const ExitInfo& e) {
  ++v.mtf_steps;
  if (v.mtf_rip == e.guest_rip)
    LOG("vmm: guest %s mtf step %u: exit before any instruction (rip 0x%lx)", v.name, v.mtf_steps, e.guest_rip);
  else
    log_executed_instruction(v, v.mtf_rip, "mtf step");
  return Flow::Resume;
}
}  // namespace exits
