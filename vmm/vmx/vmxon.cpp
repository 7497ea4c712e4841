#include "vmx/vmxon.h"

#include "arch/cpu.h"
#include "arch/vmx_insn.h"
#include "console/log.h"
#include "memory/phys.h"

namespace vmx {
namespace {
using arch::Msr;

// Reads only the MSRs this CPU implements: the TRUE_ MSRs exist when
// VMX_BASIC[55] is set, PROCBASED_CTLS2 when secondary controls can be 1,
// EPT_VPID_CAP when EPT or VPID can be 1, VMFUNC when VM functions can be 1
// (SDM A.1-A.11).
void read_capabilities(arch::Capabilities& caps) {
  caps.basic = {arch::rdmsr(Msr::IA32_VMX_BASIC)};
  const bool tru = caps.has_true_controls();
  caps.pinbased = arch::rdmsr(tru ? Msr::IA32_VMX_TRUE_PINBASED_CTLS : Msr::IA32_VMX_PINBASED_CTLS);
  caps.procbased = arch::rdmsr(tru ? Msr::IA32_VMX_TRUE_PROCBASED_CTLS : Msr::IA32_VMX_PROCBASED_CTLS);
  caps.exit = arch::rdmsr(tru ? Msr::IA32_VMX_TRUE_EXIT_CTLS : Msr::IA32_VMX_EXIT_CTLS);
  caps.entry = arch::rdmsr(tru ? Msr::IA32_VMX_TRUE_ENTRY_CTLS : Msr::IA32_VMX_ENTRY_CTLS);
  caps.misc = {arch::rdmsr(Msr::IA32_VMX_MISC)};
  caps.cr0_fixed0 = arch::rdmsr(Msr::IA32_VMX_CR0_FIXED0);
  caps.cr0_fixed1 = arch::rdmsr(Msr::IA32_VMX_CR0_FIXED1);
  caps.cr4_fixed0 = arch::rdmsr(Msr::IA32_VMX_CR4_FIXED0);
  caps.cr4_fixed1 = arch::rdmsr(Msr::IA32_VMX_CR4_FIXED1);
  caps.vmcs_enum = arch::rdmsr(Msr::IA32_VMX_VMCS_ENUM);
  const bool secondary = (caps.procbased >> 32) & arch::ctl::ACTIVATE_SECONDARY_CONTROLS.mask();
  caps.procbased2 = secondary ? arch::rdmsr(Msr::IA32_VMX_PROCBASED_CTLS2) : 0;
  const uint32_t allowed1_2 = uint32_t(caps.procbased2 >> 32);
  if (allowed1_2 & (arch::ctl::ENABLE_EPT.mask() | arch::ctl::ENABLE_VPID.mask()))
    caps.ept_vpid_cap = {arch::rdmsr(Msr::IA32_VMX_EPT_VPID_CAP)};
  if (allowed1_2 & arch::ctl::ENABLE_VM_FUNCTIONS.mask()) caps.vmfunc = arch::rdmsr(Msr::IA32_VMX_VMFUNC);
}
}  // namespace

bool enable_vmx(cpu::PerCpu& c, const char** why) {
  if (!(arch::cpuid(1).ecx & arch::cpuid1_ecx::VMX)) {
    *why = "CPUID.1:ECX.VMX[bit 5] = 0 (no VT-x on this CPU or emulator)";
    return false;
  }
  // SDM 23.7: VMXON needs IA32_FEATURE_CONTROL locked with VMX-outside-SMX on.
  uint64_t fc = arch::rdmsr(Msr::IA32_FEATURE_CONTROL);
  if (!(fc & arch::feature_control::LOCK)) {
    fc |= arch::feature_control::LOCK | arch::feature_control::VMX_OUTSIDE_SMX;
    arch::wrmsr(Msr::IA32_FEATURE_CONTROL, fc);
  }
  if (!(fc & arch::feature_control::VMX_OUTSIDE_SMX)) {
    *why = "IA32_FEATURE_CONTROL is locked with VMX outside SMX disabled (firmware setting)";
    return false;
  }
  read_capabilities(c.caps);
  // SDM 23.8: CR0 and CR4 must honour the fixed bits in VMX operation.
  arch::write_cr0(apply_cr0_fixed(arch::read_cr0(), c.caps, false));
  arch::write_cr4(apply_cr4_fixed(arch::read_cr4() | arch::cr4::VMXE, c.caps));
  c.vmxon_region = memory::phys_allocate_page();
  if (!c.vmxon_region) {
    *why = "out of memory for the VMXON region";
    return false;
  }
  *memory::phys_to_virt<uint32_t>(c.vmxon_region) = c.caps.revision_id();
  if (arch::vmxon(c.vmxon_region) != arch::VmxResult::Succeed) {
    *why = "VMXON failed";
    return false;
  }
  c.vmx_on = true;
  return true;
}

// The settings the raw MSRs allow, in words (book 2.5.4-2.5.13, example 2-1).
void print_decoded_capabilities(const arch::Capabilities& caps) {
  auto yes = [](bool b) { return b ? "yes" : "no"; };
  const arch::VmxBasic b = caps.basic;
  LOG("vmm: caps: decoded basic: VMCS revision 0x%x, VMCS region %u bytes, memory type %u, TRUE controls %s, "
      "INS/OUTS information %s",
      b.revision_identifier(), b.vmcs_region_size(), b.vmcs_memory_type(), yes(b.true_controls()),
      yes(b.ins_outs_instruction_information()));
  for (const arch::ControlBitInfo& info : arch::kControlBits) {
    const uint64_t msr = caps.control_msr(info.control.word);
    const arch::ControlSetting s = arch::control_setting(msr, info.control.bit);
    LOG("vmm: caps: decoded %s bit %u %s: %s", arch::msr_ident(uint32_t(arch::control_capability_msr(
                                                info.control.word, caps.has_true_controls()))),
        info.control.bit, info.sdm_name, arch::control_setting_text(s));
  }
  const arch::VmxMisc m = caps.misc;
  LOG("vmm: caps: decoded misc: preemption timer rate 2^%u TSC ticks, activity HLT %s shutdown %s wait-for-SIPI %s, "
      "CR3-target values %u, MSR-list maximum %u entries",
      m.preemption_timer_rate(), yes(m.activity_state_supported(1)), yes(m.activity_state_supported(2)),
      yes(m.activity_state_supported(3)), m.cr3_target_count(), uint32_t(m.max_msr_list_entries()));
  const arch::EptVpidCap e = caps.ept_vpid_cap;
  LOG("vmm: caps: decoded EPT/VPID: execute-only %s, 4-level walk %s, WB %s, 2M pages %s, 1G pages %s, INVEPT %s, "
      "accessed/dirty %s, INVVPID %s",
      yes(e.execute_only_translations()), yes(e.page_walk_length_4()), yes(e.write_back_paging_structures()),
      yes(e.pde_2mb_pages()), yes(e.pdpte_1gb_pages()), yes(e.invept()), yes(e.accessed_and_dirty_flags()), yes(e.invvpid()));
  LOG("vmm: caps: decoded CR0 fixed-1 bits 0x%lx, may-be-1 bits 0x%lx; CR4 fixed-1 bits 0x%lx, may-be-1 bits 0x%lx",
      caps.cr0_fixed0, caps.cr0_fixed1, caps.cr4_fixed0, caps.cr4_fixed1);
}

void print_capabilities(const cpu::PerCpu& c) {
  LOG("vmm: caps: begin cpu=%u", c.index);
  const struct {
    Msr msr;
    uint64_t value;
    bool present;
  } rows[] = {
      {Msr::IA32_VMX_BASIC, c.caps.basic.raw, true},
      {c.caps.has_true_controls() ? Msr::IA32_VMX_TRUE_PINBASED_CTLS : Msr::IA32_VMX_PINBASED_CTLS, c.caps.pinbased, true},
      {c.caps.has_true_controls() ? Msr::IA32_VMX_TRUE_PROCBASED_CTLS : Msr::IA32_VMX_PROCBASED_CTLS, c.caps.procbased, true},
      {c.caps.has_true_controls() ? Msr::IA32_VMX_TRUE_EXIT_CTLS : Msr::IA32_VMX_EXIT_CTLS, c.caps.exit, true},
      {c.caps.has_true_controls() ? Msr::IA32_VMX_TRUE_ENTRY_CTLS : Msr::IA32_VMX_ENTRY_CTLS, c.caps.entry, true},
      {Msr::IA32_VMX_MISC, c.caps.misc.raw, true},
      {Msr::IA32_VMX_CR0_FIXED0, c.caps.cr0_fixed0, true},
      {Msr::IA32_VMX_CR0_FIXED1, c.caps.cr0_fixed1, true},
      {Msr::IA32_VMX_CR4_FIXED0, c.caps.cr4_fixed0, true},
      {Msr::IA32_VMX_CR4_FIXED1, c.caps.cr4_fixed1, true},
      {Msr::IA32_VMX_VMCS_ENUM, c.caps.vmcs_enum, true},
      {Msr::IA32_VMX_PROCBASED_CTLS2, c.caps.procbased2, c.caps.procbased2 != 0},
      {Msr::IA32_VMX_EPT_VPID_CAP, c.caps.ept_vpid_cap.raw, c.caps.ept_vpid_cap.raw != 0},
      {Msr::IA32_VMX_VMFUNC, c.caps.vmfunc, c.caps.vmfunc != 0},
  };
  for (const auto& r : rows) {
    if (!r.present) continue;
    LOG("vmm: caps: msr 0x%x %s = 0x%016lx", uint32_t(r.msr), arch::msr_ident(uint32_t(r.msr)), r.value);
  }
  // The non-TRUE control MSRs too, so an importer sees both halves of book 2.5.5.
  if (c.caps.has_true_controls()) {
    const Msr plain[] = {Msr::IA32_VMX_PINBASED_CTLS, Msr::IA32_VMX_PROCBASED_CTLS, Msr::IA32_VMX_EXIT_CTLS,
                         Msr::IA32_VMX_ENTRY_CTLS};
    for (Msr m : plain) LOG("vmm: caps: msr 0x%x %s = 0x%016lx", uint32_t(m), arch::msr_ident(uint32_t(m)), arch::rdmsr(m));
  }
  // The physical-address width bounds every host-physical address a profile
  // may name (passthrough hpa); configgen's targets carry it.
  const uint32_t leaf = arch::cpuid(0x80000000).eax >= 0x80000008 ? arch::cpuid(0x80000008).eax : 0;
  LOG("vmm: caps: cpuid 0x80000008 eax = 0x%08x (physical-address width %u bits)", leaf, leaf & 0xFF);
  print_decoded_capabilities(c.caps);
  LOG("vmm: caps: end cpu=%u", c.index);
}

}  // namespace vmx
