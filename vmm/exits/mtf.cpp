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

// Reads and decodes the instruction at `cs_base + rip`; n: bytes readable.
bool decode_at(guests::Vcpu& v, uint64_t cs_base, uint64_t rip, arch::CpuMode mode, arch::Instruction& in, uint32_t& n) {
  uint8_t bytes[15];
  n = guests::read_guest_linear(v, cs_base + rip, bytes, sizeof bytes);
  return arch::decode_instruction(bytes, n, mode, in);
}

void log_instruction(guests::Vcpu& v, uint64_t cs_base, uint64_t rip, arch::CpuMode mode, const char* why) {
  arch::Instruction in;
  uint32_t n;
  if (decode_at(v, cs_base, rip, mode, in, n))
    LOG("vmm: guest %s %s %u: rip 0x%lx: %s", v.name, why, v.mtf_steps, rip, in.text);
  else
    LOG("vmm: guest %s %s %u: rip 0x%lx: not decoded (%s, %u bytes readable)", v.name, why, v.mtf_steps, rip,
        arch::decode_status_name(in.status), n);
}
}  // namespace

void log_executed_instruction(guests::Vcpu& v, uint64_t rip, const char* why) {
  log_instruction(v, vmx::read(F::GUEST_CS_BASE), rip, guests::guest_code_mode(), why);
}

void record_mtf_entry(guests::Vcpu& v) {
  v.mtf_rip = vmx::read(F::GUEST_RIP);
  v.mtf_cs_base = vmx::read(F::GUEST_CS_BASE);
  v.mtf_code_mode = guests::guest_code_mode();
  v.mtf_rcx = v.regs.rcx;
  v.mtf_injecting = vmx::read(F::VM_ENTRY_INTERRUPTION_INFORMATION) >> 31;
}

Flow on_monitor_trap_flag(guests::Vcpu& v, const ExitInfo& e) {
  ++v.mtf_steps;
  arch::Instruction in;
  // RIP unchanged: the code segment and mode are still those of the entry.
  auto decode_at_rip = [&](arch::Instruction& out) {
    uint32_t n;
    return decode_at(v, v.mtf_cs_base, e.guest_rip, v.mtf_code_mode, out, n);
  };
  switch (classify_mtf_exit({v.mtf_rip, v.mtf_rcx, v.mtf_injecting}, {e.guest_rip, v.regs.rcx}, decode_at_rip, in)) {
    case MtfStep::Completed:
      // Decoded where and how it ran, not with the exit's CS (a far JMP may have changed it).
      log_instruction(v, v.mtf_cs_base, v.mtf_rip, v.mtf_code_mode, "mtf step");
      break;
    case MtfStep::RepeatIteration:
      LOG("vmm: guest %s mtf step %u: rip 0x%lx: %s iteration, %s 0x%lx", v.name, v.mtf_steps, e.guest_rip, in.text,
          arch::count_register_name(in), v.regs.rcx & arch::address_mask(in.address_size));
      break;
    case MtfStep::BeforeAnyInstruction:
      LOG("vmm: guest %s mtf step %u: exit before any instruction (rip 0x%lx%s)", v.name, v.mtf_steps, e.guest_rip,
          v.mtf_injecting ? ", after delivering the event the entry injected" : "");
      break;
  }
  return Flow::Resume;
}
}  // namespace exits
