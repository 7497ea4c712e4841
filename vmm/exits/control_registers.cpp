// Control-register accesses (exit reason 28, qualification in SDM Table
// 27-3; book 3.10.1.10): MOV to/from CR3 with CR3-load/store exiting, MOV to
// CR0/CR4 touching host-owned bits, CLTS and LMSW. Also INVLPG and the cache
// flushes, which the book's defaults make exit.
#include "arch/cpu.h"
#include "arch/vmx_capabilities.h"
#include "arch/vmx_insn.h"
#include "console/log.h"
#include "cpu/percpu.h"
#include "exits/handlers.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;

uint64_t& gpr(guests::Vcpu& v, uint32_t n) { return v.regs.gpr(n); }
uint64_t read_gpr(guests::Vcpu& v, uint32_t n) { return n == 4 ? vmx::read(F::GUEST_RSP) : gpr(v, n); }
void write_gpr(guests::Vcpu& v, uint32_t n, uint64_t value) {
  if (n == 4) vmx::write(F::GUEST_RSP, value);
  else gpr(v, n) = value;
}

// What the guest asked for goes to the read shadow; the VMCS value keeps the
// host-owned (fixed) bits (SDM 24.6.6).
void write_cr0(guests::Vcpu& v, uint64_t value) {
  const auto& caps = cpu::this_cpu().caps;
  const bool ug = v.controls[uint32_t(arch::ControlWord::PROC2)] & arch::ctl::UNRESTRICTED_GUEST.mask();
  vmx::write(F::CR0_READ_SHADOW, value);
  vmx::write(F::GUEST_CR0, arch::apply_cr0_fixed(value, caps, ug));
}
void write_cr4(guests::Vcpu& v, uint64_t value) {
  vmx::write(F::CR4_READ_SHADOW, value);
  vmx::write(F::GUEST_CR4, arch::apply_cr4_fixed(value, cpu::this_cpu().caps));
  (void)v;
}
// What MOV to CR0/CR4 itself refuses with #GP(0) (SDM Vol. 3A 2.5, Vol. 2B
// MOV-Move to/from Control Registers): a bit 63:32 of CR0, PG without PE,
// NW without CD; a CR4 bit this processor reserves, i.e. one that
// IA32_VMX_CR4_FIXED1 does not allow to be 1 (SDM A.8); PCIDE outside
// IA-32e mode; PAE cleared in it. The exit comes
// before the check, so the hypervisor makes it, and the bad value never
// reaches the VMCS, where it would fail the next VM entry.
bool cr0_value_faults(uint64_t value) {
  using namespace arch::cr0;
  return (value >> 32) != 0 || ((value & PG) && !(value & PE)) || ((value & NW) && !(value & CD));
}
// PCIDE needs IA-32e mode, and IA-32e mode keeps PAE (SDM Vol. 2B).
bool cr4_value_faults(uint64_t value) {
  const bool ia32e = vmx::read(F::GUEST_IA32_EFER) & arch::efer::LMA;
  return (value & ~cpu::this_cpu().caps.cr4_fixed1) != 0 || ((value & arch::cr4::PCIDE) && !ia32e) ||
         (!(value & arch::cr4::PAE) && ia32e);
}
Flow general_protection(guests::Vcpu& v, const ExitInfo& e, uint32_t cr, uint64_t value) {
  LOG("vmm: guest %s: MOV to CR%u of 0x%lx at rip 0x%lx sets a reserved or invalid combination: #GP(0)", v.name, cr, value,
      e.guest_rip);
  inject(arch::InterruptionInfo::hardware_exception(uint8_t(arch::Vector::GP), true), 0, 0);
  return Flow::Resume;
}

void flush_guest_tlb(const guests::Vcpu& v) {
  if (v.controls[uint32_t(arch::ControlWord::PROC2)] & arch::ctl::ENABLE_VPID.mask())
    arch::invvpid(arch::InvvpidType::SingleContext, v.vpid);
}
}  // namespace

Flow on_control_register_access(guests::Vcpu& v, const ExitInfo& e) {
  const arch::CrAccessQualification q{e.qualification};
  const uint32_t cr = q.control_register();
  const uint32_t reg = q.general_register();
  switch (q.access_type()) {
    case arch::CrAccessType::MovToCr:
      if (cr == 3) {
        vmx::write(F::GUEST_CR3, read_gpr(v, reg));
        flush_guest_tlb(v);  // MOV to CR3 flushes the guest's non-global translations
      } else if (cr == 0) {
        const uint64_t value = read_gpr(v, reg);
        if (cr0_value_faults(value)) return general_protection(v, e, 0, value);
        write_cr0(v, value);
      } else if (cr == 4) {
        const uint64_t value = read_gpr(v, reg);
        if (cr4_value_faults(value)) return general_protection(v, e, 4, value);
        write_cr4(v, value);
        flush_guest_tlb(v);
      } else {
        return finish(v, guests::Outcome::Stopped, "MOV to CR%u is not emulated, rip 0x%lx", cr, e.guest_rip);
      }
      break;
    case arch::CrAccessType::MovFromCr:  // only CR3 and CR8 exit
      if (cr == 3) write_gpr(v, reg, vmx::read(F::GUEST_CR3));
      else return finish(v, guests::Outcome::Stopped, "MOV from CR%u is not emulated, rip 0x%lx", cr, e.guest_rip);
      break;
    case arch::CrAccessType::Clts:
      write_cr0(v, vmx::read(F::CR0_READ_SHADOW) & ~arch::cr0::TS);
      break;
    case arch::CrAccessType::Lmsw: {
      // LMSW loads CR0 bits 3:0 (PE, MP, EM, TS) from its source and cannot clear PE.
      constexpr uint64_t kMsw = arch::cr0::PE | arch::cr0::MP | arch::cr0::EM | arch::cr0::TS;
      const uint64_t shadow = vmx::read(F::CR0_READ_SHADOW);
      const uint64_t msw = q.lmsw_source_data() & kMsw;
      write_cr0(v, (shadow & ~(kMsw & ~arch::cr0::PE)) | msw | (shadow & arch::cr0::PE));
      break;
    }
  }
  skip_instruction(e);
  return Flow::Resume;
}

Flow on_invlpg(guests::Vcpu& v, const ExitInfo& e) {
  if (v.controls[uint32_t(arch::ControlWord::PROC2)] & arch::ctl::ENABLE_VPID.mask())
    arch::invvpid(arch::InvvpidType::IndividualAddress, v.vpid, e.qualification);
  skip_instruction(e);
  return Flow::Resume;
}

// WBINVD/INVD and MONITOR/MWAIT: nothing for the hypervisor to do but step over them.
Flow on_skip(guests::Vcpu&, const ExitInfo& e) {
  skip_instruction(e);
  return Flow::Resume;
}
}  // namespace exits
