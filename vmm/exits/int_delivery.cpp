// Intercepting INT n (book 7.3.1, example 7-4): the guest's IDT limit is
// shrunk below its software-interrupt vectors, so INT n raises #GP with an
// IDT error code (vector * 8 + 2); #GP exits, and the hypervisor completes
// the delivery itself from the guest's real IDT, as the CPU would (SDM Vol. 3
// 6.12.1): gate checks, the privilege change with the stack switch from the
// TSS, the frame, CS:EIP from the gate, IF cleared for interrupt gates.
#include "arch/descriptors.h"
#include "arch/vmx_formats.h"
#include "arch/instruction_decoder.h"
#include "console/log.h"
#include "exits/handlers.h"
#include "guests/guest_memory.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;
constexpr arch::InterruptionInfo kGpInfo = arch::InterruptionInfo::hardware_exception(uint8_t(arch::Vector::GP), true);
constexpr arch::InterruptionInfo kNpInfo = arch::InterruptionInfo::hardware_exception(uint8_t(arch::Vector::NP), true);

bool push_u32(const guests::Vcpu& v, uint64_t ss_base, uint32_t& esp, uint32_t value) {
  esp -= 4;
  const uint8_t b[4] = {uint8_t(value), uint8_t(value >> 8), uint8_t(value >> 16), uint8_t(value >> 24)};
  return guests::write_guest_linear(v, ss_base + esp, b, 4) == 4;
}
void load_segment(F sel, F base, F limit, F access, uint16_t selector, uint64_t d) {
  vmx::write(sel, selector);
  vmx::write(base, arch::descriptor_base(d));
  vmx::write(limit, arch::descriptor_limit(d));
  vmx::write(access, arch::descriptor_access_rights(d | arch::kDescriptorAccessed));
}
}  // namespace

bool int_delivery_hooked(const guests::Vcpu& v) {
  const uint16_t b = v.behaviour_for_vector[13];
  return b != guests::kNoBehaviour && v.behaviours[b].action == uint32_t(blob::Action::Hook) &&
         v.behaviours[b].arg == uint32_t(blob::HookId::IntDelivery);
}

// Returns false when the #GP is not an INT n this hook delivers.
bool deliver_intercepted_int(guests::Vcpu& v, const ExitInfo& e, uint32_t error_code, Flow& flow) {
  flow = Flow::Resume;
  if ((error_code & 3) != 2 || !v.idt_shrunk) return false;  // IDT-referenced, not external
  const uint32_t vector = error_code >> 3;
  if (vector * 8 + 7 > v.real_idt_limit) return false;  // beyond the real IDT too: a genuine #GP
  uint8_t code[15];
  const uint32_t n = guests::read_guest_linear(v, vmx::read(F::GUEST_CS_BASE) + e.guest_rip, code, sizeof code);
  arch::Instruction in;
  if (!arch::decode_instruction(code, n, guests::guest_code_mode(), in) || in.map != 0 || in.opcode != 0xCD) return false;
  const uint32_t cpl = arch::SegmentAccessRights{uint32_t(vmx::read(F::GUEST_SS_ACCESS_RIGHTS))}.dpl();
  uint32_t lo, hi;
  if (!guests::read_guest_u32(v, v.real_idt_base + vector * 8, lo) || !guests::read_guest_u32(v, v.real_idt_base + vector * 8 + 4, hi)) return false;
  const uint64_t gate = (uint64_t(hi) << 32) | lo;
  const uint32_t type = arch::gate_type(gate);
  if (arch::gate_dpl(gate) < cpl) {  // software INT through a gate the caller may not use (SDM 6.12.1.1)
    inject(kGpInfo, vector * 8 + 2, 0);
    v.vectoring_consumed = true;
    return true;
  }
  if (!arch::gate_present(gate)) {
    inject(kNpInfo, vector * 8 + 2, 0);
    v.vectoring_consumed = true;
    return true;
  }
  if (type != 0xE && type != 0xF) return false;  // task gates and 16-bit gates: not handled here
  const uint16_t target_cs = uint16_t(lo >> 16);
  const uint32_t target_eip = (hi & 0xFFFF0000) | (lo & 0xFFFF);
  uint64_t cs_desc;
  if (!guests::read_guest_descriptor(v, target_cs, cs_desc)) return false;
  const uint32_t target_dpl = arch::descriptor_dpl(cs_desc);
  uint32_t eflags = uint32_t(vmx::read(F::GUEST_RFLAGS));
  const uint32_t return_eip = uint32_t(e.guest_rip + in.length);
  const uint16_t old_cs = uint16_t(vmx::read(F::GUEST_CS_SELECTOR)), old_ss = uint16_t(vmx::read(F::GUEST_SS_SELECTOR));
  const uint32_t old_esp = uint32_t(vmx::read(F::GUEST_RSP));
  uint32_t esp = old_esp;
  uint64_t ss_base = vmx::read(F::GUEST_SS_BASE);
  bool ok = true;
  if (target_dpl < cpl) {  // inner privilege: the stack from the TSS (SDM 6.12.1, 7.2.1)
    uint32_t esp0, ss0;
    const uint64_t tss = vmx::read(F::GUEST_TR_BASE);
    if (!guests::read_guest_u32(v, tss + 4 + 8 * target_dpl, esp0) || !guests::read_guest_u32(v, tss + 8 + 8 * target_dpl, ss0)) return false;
    uint64_t ss_desc;
    if (!guests::read_guest_descriptor(v, uint16_t(ss0), ss_desc)) return false;
    load_segment(F::GUEST_SS_SELECTOR, F::GUEST_SS_BASE, F::GUEST_SS_LIMIT, F::GUEST_SS_ACCESS_RIGHTS, uint16_t(ss0), ss_desc);
    ss_base = vmx::read(F::GUEST_SS_BASE);
    esp = esp0;
    ok = push_u32(v, ss_base, esp, old_ss) && push_u32(v, ss_base, esp, old_esp);
  }
  ok = ok && push_u32(v, ss_base, esp, eflags) && push_u32(v, ss_base, esp, old_cs) && push_u32(v, ss_base, esp, return_eip);
  if (!ok) return false;
  load_segment(F::GUEST_CS_SELECTOR, F::GUEST_CS_BASE, F::GUEST_CS_LIMIT, F::GUEST_CS_ACCESS_RIGHTS,
               uint16_t((target_cs & ~3u) | target_dpl), cs_desc);
  eflags &= ~((1u << 8) | (1u << 14) | (1u << 16) | (1u << 17));  // TF, NT, RF, VM
  if (type == 0xE) eflags &= ~(1u << 9);                         // interrupt gate: IF
  vmx::write(F::GUEST_RFLAGS, eflags);
  vmx::write(F::GUEST_RSP, esp);
  vmx::write(F::GUEST_RIP, target_eip);
  v.vectoring_consumed = true;  // the INT the #GP interrupted is delivered: not to be re-injected
  LOG("vmm: guest %s INT 0x%x at CPL %u delivered by the hypervisor through its real IDT gate (handler 0x%x, CPL %u%s)", v.name,
      vector, cpl, target_eip, target_dpl, target_dpl < cpl ? ", stack switched from the TSS" : "");
  return true;
}
}  // namespace exits
