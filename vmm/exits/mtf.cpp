// Monitor-trap-flag exits (SDM 25.5.2, book 4.14): after every guest
// instruction, and after every iteration of a REP-prefixed string
// instruction; each one is logged decoded (example 4-2).
#include "arch/instruction_decoder.h"
#include "console/log.h"
#include "exits/handlers.h"
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

// RIP did not move but the count register did: the exit follows one (or,
// with an emulator's repeat speed-ups, several) iterations of the REP string
// instruction at RIP, which has not finished yet.
bool log_repeat_iteration(guests::Vcpu& v, uint64_t rip) {
  arch::Instruction in;
  uint32_t n;
  if (!decode_at(v, rip, in, n) || !arch::is_repeated_string(in)) return false;
  const uint64_t mask = arch::address_mask(in.address_size);
  if (((v.regs.rcx ^ v.mtf_rcx) & mask) == 0) return false;
  LOG("vmm: guest %s mtf step %u: rip 0x%lx: %s iteration, %s 0x%lx", v.name, v.mtf_steps, rip, in.text,
      arch::count_register_name(in), v.regs.rcx & mask);
  return true;
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
  if (v.mtf_rip != e.guest_rip) {
    log_executed_instruction(v, v.mtf_rip, "mtf step");
    return Flow::Resume;
  }
  // RIP unchanged: a REP iteration (RCX moved; only then is the code read),
  // or an MTF exit pending before any instruction (SDM 25.5.2: VM entry
  // injected an event or a pending MTF exit).
  if (v.regs.rcx == v.mtf_rcx || !log_repeat_iteration(v, e.guest_rip))
    LOG("vmm: guest %s mtf step %u: exit before any instruction (rip 0x%lx)", v.name, v.mtf_steps, e.guest_rip);
  return Flow::Resume;
}
}  // namespace exits
