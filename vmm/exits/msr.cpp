// RDMSR/WRMSR exits for MSRs the profile traps (SDM 25.1.3), and RDTSC.
// MSRs held in the VMCS are read and written there; IA32_TIME_STAMP_COUNTER
// goes through the TSC offset; any other trapped MSR raises #GP in the
// guest, as a missing MSR would.
#include "arch/cpu.h"
#include "console/log.h"
#include "exits/handlers.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;
using arch::Msr;
constexpr uint32_t kHardwareExceptionGp = (1u << 31) | (1u << 11) | (3u << 8) | 13;

bool vmcs_field_for(uint32_t msr, F& field) {
  switch (Msr(msr)) {
    case Msr::IA32_SYSENTER_CS: field = F::GUEST_IA32_SYSENTER_CS; return true;
    case Msr::IA32_SYSENTER_ESP: field = F::GUEST_IA32_SYSENTER_ESP; return true;
    case Msr::IA32_SYSENTER_EIP: field = F::GUEST_IA32_SYSENTER_EIP; return true;
    case Msr::IA32_FS_BASE: field = F::GUEST_FS_BASE; return true;
    case Msr::IA32_GS_BASE: field = F::GUEST_GS_BASE; return true;
    case Msr::IA32_DEBUGCTL: field = F::GUEST_IA32_DEBUGCTL; return true;
    default: return false;
  }
}

Flow raise_gp(const ExitInfo&) {
  inject(kHardwareExceptionGp, 0, 0);
  return Flow::Resume;
}

void log_access(const guests::Vcpu& v, const char* what, uint32_t msr, uint64_t value) {
  if (v.behaviour_for_exit[uint32_t(arch::ExitReason::RDMSR)] == guests::kNoBehaviour &&
      v.behaviour_for_exit[uint32_t(arch::ExitReason::WRMSR)] == guests::kNoBehaviour)
    return;
  const char* name = arch::msr_ident(msr);
  LOG("vmm: guest %s %s msr 0x%x (%s) value 0x%lx", v.name, what, msr, name ? name : "unnamed", value);
}
}  // namespace

Flow on_rdmsr(guests::Vcpu& v, const ExitInfo& e) {
  const uint32_t msr = uint32_t(v.regs.rcx);
  uint64_t value;
  F field;
  if (vmcs_field_for(msr, field))
    value = vmx::read(field);
  else if (msr == uint32_t(Msr::IA32_TIME_STAMP_COUNTER))
    value = arch::rdtsc() + vmx::read(F::TSC_OFFSET);
  else
    return raise_gp(e);
  log_access(v, "rdmsr", msr, value);
  v.regs.rax = uint32_t(value);
  v.regs.rdx = value >> 32;
  skip_instruction(e);
  return Flow::Resume;
}

Flow on_wrmsr(guests::Vcpu& v, const ExitInfo& e) {
  const uint32_t msr = uint32_t(v.regs.rcx);
  const uint64_t value = (v.regs.rdx << 32) | uint32_t(v.regs.rax);
  F field;
  if (vmcs_field_for(msr, field))
    vmx::write(field, value);
  else if (msr == uint32_t(Msr::IA32_TIME_STAMP_COUNTER))
    vmx::write(F::TSC_OFFSET, value - arch::rdtsc());
  else
    return raise_gp(e);
  log_access(v, "wrmsr", msr, value);
  skip_instruction(e);
  return Flow::Resume;
}

Flow on_rdtsc(guests::Vcpu& v, const ExitInfo& e) {
  const uint64_t tsc = arch::rdtsc() + vmx::read(F::TSC_OFFSET);
  v.regs.rax = uint32_t(tsc);
  v.regs.rdx = tsc >> 32;
  skip_instruction(e);
  return Flow::Resume;
}

}  // namespace exits
