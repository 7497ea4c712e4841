// RDMSR/WRMSR exits (SDM 25.1.3), and RDTSC. Every MSR a guest was not
// passed exits. One the profile traps to the hypervisor (msr.read /
// msr.write, an Emulate grant) is emulated per guest: MSRs held in the VMCS
// are read and written there, IA32_TIME_STAMP_COUNTER goes through the TSC
// offset, IA32_APIC_BASE is a virtual value. A guest with a virtual local
// APIC (devices.local_apic) has its MSRs without a grant: IA32_APIC_BASE,
// IA32_TSC_DEADLINE and the x2APIC registers go to exits/virtual_apic.cpp,
// whose #GP cases are the architecture's. Any other access is denied:
// #GP(0) in the guest, as a missing MSR would give, or (msr.on_denied:
// stop) the guest is stopped; either way the report names the MSR.
#include "arch/cpu.h"
#include "console/log.h"
#include "exits/handlers.h"
#include "platform/owned_resources.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;
using arch::Msr;
constexpr arch::InterruptionInfo kGeneralProtection = arch::InterruptionInfo::hardware_exception(uint8_t(arch::Vector::GP), true);

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

Flow raise_gp() {
  inject(kGeneralProtection, 0, 0);
  return Flow::Resume;
}

bool emulation_granted(const guests::Vcpu& v, uint32_t msr, uint32_t flag) {
  for (uint32_t i = 0; i < v.msr_grant_count; ++i)
    if (v.msr_grants[i].msr == msr) return v.msr_grants[i].flags & flag;
  return false;
}

Flow deny(guests::Vcpu& v, const ExitInfo& e, const char* instruction, uint32_t msr) {
  const char* name = arch::msr_ident(msr);
  const platform::OwnedMsrs* owned = platform::owned_msr_reason(msr);
  if (v.config->flags & blob::kGuestMsrDeniedStop)
    return finish(v, guests::Outcome::Stopped, "denied MSR: %s msr 0x%x (%s) at rip 0x%lx%s%s", instruction, msr,
                  owned ? owned->name : name ? name : "not granted by the profile", e.guest_rip,
                  owned ? "; the hypervisor's: " : "", owned ? owned->why : "");
  LOG("vmm: guest %s: denied MSR: %s msr 0x%x (%s) at rip 0x%lx: #GP(0)", v.name, instruction, msr,
      owned ? owned->name : name ? name : "not granted by the profile", e.guest_rip);
  return raise_gp();
}

void log_access(const guests::Vcpu& v, const char* what, uint32_t msr, uint64_t value) {
  if (v.behaviour_for_exit[uint32_t(arch::ExitReason::RDMSR)] == guests::kNoBehaviour &&
      v.behaviour_for_exit[uint32_t(arch::ExitReason::WRMSR)] == guests::kNoBehaviour)
    return;
  const char* name = arch::msr_ident(msr);
  LOG("vmm: guest %s %s msr 0x%x (%s) value 0x%lx", v.name, what, msr, name ? name : "unnamed", value);
}

// Example 7-1 (book 7.1.2.2): the guest's SYSENTER target is kept aside and
// an address no guest maps is planted instead, so SYSENTER faults (#PF) into
// the hypervisor, which then resumes the guest at the real target.
bool sysenter_hooked(const guests::Vcpu& v) {
  const uint16_t b = v.behaviour_for_exit[uint32_t(arch::ExitReason::WRMSR)];
  return b != guests::kNoBehaviour && v.behaviours[b].action == uint32_t(blob::Action::Hook) &&
         v.behaviours[b].arg == uint32_t(blob::HookId::SysenterTrap);
}
}  // namespace

Flow on_rdmsr(guests::Vcpu& v, const ExitInfo& e) {
  const uint32_t msr = uint32_t(v.regs.rcx);
  uint64_t value;
  F field;
  if (is_virtual_apic_msr(v, msr)) {
    if (!virtual_apic_rdmsr(v, msr, value)) return raise_gp();
  } else if (!emulation_granted(v, msr, blob::kEmulateRead)) {
    return deny(v, e, "RDMSR", msr);
  } else if (msr == uint32_t(Msr::IA32_SYSENTER_EIP) && v.sysenter_trapped) {
    value = v.sysenter_eip_real;  // the guest reads back what it wrote
  } else if (msr == uint32_t(Msr::IA32_APIC_BASE)) {
    apic_base_read(v, value);
  } else if (vmcs_field_for(msr, field)) {
    value = vmx::read(field);
  } else if (msr == uint32_t(Msr::IA32_TIME_STAMP_COUNTER)) {
    value = arch::rdtsc() + vmx::read(F::TSC_OFFSET);
  } else {
    return deny(v, e, "RDMSR", msr);
  }
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
  if (is_virtual_apic_msr(v, msr)) {
    if (!virtual_apic_wrmsr(v, msr, value)) return raise_gp();
  } else if (!emulation_granted(v, msr, blob::kEmulateWrite)) {
    return deny(v, e, "WRMSR", msr);
  } else if (msr == uint32_t(Msr::IA32_SYSENTER_EIP) && sysenter_hooked(v)) {
    v.sysenter_eip_real = value;
    v.sysenter_trapped = true;
    vmx::write(F::GUEST_IA32_SYSENTER_EIP, kSysenterTrapAddress);
    LOG("vmm: guest %s WRMSR IA32_SYSENTER_EIP = 0x%lx kept; trap address 0x%lx planted", v.name, value,
        kSysenterTrapAddress);
  } else if (msr == uint32_t(Msr::IA32_APIC_BASE)) {
    if (!apic_base_write(v, value)) return raise_gp();
  } else if (vmcs_field_for(msr, field)) {
    vmx::write(field, value);
  } else if (msr == uint32_t(Msr::IA32_TIME_STAMP_COUNTER)) {
    const uint64_t offset = value - arch::rdtsc();
    virtual_apic_tsc_moved(v, int64_t(offset - vmx::read(F::TSC_OFFSET)));  // an armed TSC deadline keeps its guest time
    vmx::write(F::TSC_OFFSET, offset);
  } else {
    return deny(v, e, "WRMSR", msr);
  }
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
