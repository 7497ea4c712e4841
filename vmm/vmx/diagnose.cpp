#include "vmx/diagnose.h"

#include <stdarg.h>

#include "arch/cpu.h"
#include "console/log.h"
#include "cpu/percpu.h"
#include "memory/phys.h"
#include "vmx/control_checks.h"
#include "vmx/guest_state_checks.h"
#include "vmx/host_state_checks.h"
#include "vmx/msr_load_checks.h"
#include "vmx/vmcs.h"

namespace vmx {
namespace {
using F = arch::VmcsField;

void put(char* out, uint32_t size, const char* format, ...) {
  va_list args;
  va_start(args, format);
  console::format_to(out, size, format, args);
  va_end(args);
}

blob::Segment read_segment(F selector, F base, F limit, F access) {
  blob::Segment s{};
  s.selector = uint16_t(read(selector));
  s.base = read(base);
  s.limit = uint32_t(read(limit));
  s.access_rights = uint32_t(read(access));
  return s;
}

GuestStateInput read_guest_state() {
  GuestStateInput in{};
  blob::EntryState& g = in.state;
  g.cr0 = read(F::GUEST_CR0);
  g.cr3 = read(F::GUEST_CR3);
  g.cr4 = read(F::GUEST_CR4);
  g.dr7 = read(F::GUEST_DR7);
  g.rip = read(F::GUEST_RIP);
  g.rsp = read(F::GUEST_RSP);
  g.rflags = read(F::GUEST_RFLAGS);
  g.efer = read(F::GUEST_IA32_EFER);
  g.es = read_segment(F::GUEST_ES_SELECTOR, F::GUEST_ES_BASE, F::GUEST_ES_LIMIT, F::GUEST_ES_ACCESS_RIGHTS);
  g.cs = read_segment(F::GUEST_CS_SELECTOR, F::GUEST_CS_BASE, F::GUEST_CS_LIMIT, F::GUEST_CS_ACCESS_RIGHTS);
  g.ss = read_segment(F::GUEST_SS_SELECTOR, F::GUEST_SS_BASE, F::GUEST_SS_LIMIT, F::GUEST_SS_ACCESS_RIGHTS);
  g.ds = read_segment(F::GUEST_DS_SELECTOR, F::GUEST_DS_BASE, F::GUEST_DS_LIMIT, F::GUEST_DS_ACCESS_RIGHTS);
  g.fs = read_segment(F::GUEST_FS_SELECTOR, F::GUEST_FS_BASE, F::GUEST_FS_LIMIT, F::GUEST_FS_ACCESS_RIGHTS);
  g.gs = read_segment(F::GUEST_GS_SELECTOR, F::GUEST_GS_BASE, F::GUEST_GS_LIMIT, F::GUEST_GS_ACCESS_RIGHTS);
  g.ldtr = read_segment(F::GUEST_LDTR_SELECTOR, F::GUEST_LDTR_BASE, F::GUEST_LDTR_LIMIT, F::GUEST_LDTR_ACCESS_RIGHTS);
  g.tr = read_segment(F::GUEST_TR_SELECTOR, F::GUEST_TR_BASE, F::GUEST_TR_LIMIT, F::GUEST_TR_ACCESS_RIGHTS);
  g.gdtr = {read(F::GUEST_GDTR_BASE), uint32_t(read(F::GUEST_GDTR_LIMIT)), 0};
  g.idtr = {read(F::GUEST_IDTR_BASE), uint32_t(read(F::GUEST_IDTR_LIMIT)), 0};
  g.activity_state = uint32_t(read(F::GUEST_ACTIVITY_STATE));
  g.interruptibility_state = uint32_t(read(F::GUEST_INTERRUPTIBILITY_STATE));
  g.pending_debug_exceptions = read(F::GUEST_PENDING_DEBUG_EXCEPTIONS);
  in.proc2 = uint32_t(read(F::SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS));
  in.entry = uint32_t(read(F::VM_ENTRY_CONTROLS));
  in.vmcs_link_pointer = read(F::VMCS_LINK_POINTER);
  const arch::Capabilities& caps = cpu::this_cpu().caps;
  in.cr0_fixed0 = caps.cr0_fixed0;
  in.cr0_fixed1 = caps.cr0_fixed1;
  in.cr4_fixed0 = caps.cr4_fixed0;
  in.cr4_fixed1 = caps.cr4_fixed1;
  return in;
}
// VM-instruction errors 7 and 8, "VM entry with invalid control field(s)"
// and "... invalid host-state field(s)" (SDM 30.4).
constexpr uint32_t kInvalidControlField = 7, kInvalidHostStateField = 8;

// CPUID 80000008H EAX: physical-address width in bits 7:0, linear in 15:8.
uint32_t address_widths() {
  return arch::cpuid(0x80000000).eax >= 0x80000008 ? arch::cpuid(0x80000008).eax : 0;
}

// A field the CPU may lack (its control unsupported) reads as 0.
uint64_t read_optional(F field) {
  uint64_t value = 0;
  return arch::vmread_checked(field, value) ? value : 0;
}

HostStateInput read_host_state() {
  HostStateInput in{};
  in.cr0 = read(F::HOST_CR0);
  in.cr3 = read(F::HOST_CR3);
  in.cr4 = read(F::HOST_CR4);
  in.es_selector = uint16_t(read(F::HOST_ES_SELECTOR));
  in.cs_selector = uint16_t(read(F::HOST_CS_SELECTOR));
  in.ss_selector = uint16_t(read(F::HOST_SS_SELECTOR));
  in.ds_selector = uint16_t(read(F::HOST_DS_SELECTOR));
  in.fs_selector = uint16_t(read(F::HOST_FS_SELECTOR));
  in.gs_selector = uint16_t(read(F::HOST_GS_SELECTOR));
  in.tr_selector = uint16_t(read(F::HOST_TR_SELECTOR));
  in.fs_base = read(F::HOST_FS_BASE);
  in.gs_base = read(F::HOST_GS_BASE);
  in.tr_base = read(F::HOST_TR_BASE);
  in.gdtr_base = read(F::HOST_GDTR_BASE);
  in.idtr_base = read(F::HOST_IDTR_BASE);
  in.sysenter_esp = read(F::HOST_IA32_SYSENTER_ESP);
  in.sysenter_eip = read(F::HOST_IA32_SYSENTER_EIP);
  in.efer = read_optional(F::HOST_IA32_EFER);
  in.pat = read_optional(F::HOST_IA32_PAT);
  in.perf_global_ctrl = read_optional(F::HOST_IA32_PERF_GLOBAL_CTRL);
  in.rip = read(F::HOST_RIP);
  in.exit = uint32_t(read(F::VM_EXIT_CONTROLS));
  in.entry = uint32_t(read(F::VM_ENTRY_CONTROLS));
  in.in_ia32e_mode = arch::rdmsr(arch::Msr::IA32_EFER) & arch::efer::LMA;
  const arch::Capabilities& caps = cpu::this_cpu().caps;
  in.cr0_fixed0 = caps.cr0_fixed0;
  in.cr0_fixed1 = caps.cr0_fixed1;
  in.cr4_fixed0 = caps.cr4_fixed0;
  in.cr4_fixed1 = caps.cr4_fixed1;
  // IA32_EFER: SCE and NXE exist when CPUID 80000001H EDX bits 11 and 20
  // say so; LME and LMA always (this hypervisor runs in IA-32e mode).
  const uint32_t ext_edx = arch::cpuid(0x80000000).eax >= 0x80000001 ? arch::cpuid(0x80000001).edx : 0;
  in.efer_allowed = arch::efer::LME | arch::efer::LMA | ((ext_edx >> 11) & 1) | (((ext_edx >> 20) & 1ull) << 11);
  if (arch::cpuid(0).eax >= 0xA) {
    const arch::CpuidResult pm = arch::cpuid(0xA);
    in.perf_global_ctrl_allowed = perf_global_ctrl_allowed(pm.eax, pm.edx);
  }
  const uint32_t widths = address_widths();
  in.physical_address_bits = widths ? widths & 0xFF : 36;
  in.linear_address_bits = widths ? (widths >> 8) & 0xFF : 48;
  return in;
}

ControlsInput read_controls() {
  ControlsInput in{};
  in.controls[uint32_t(arch::ControlWord::PIN)] = uint32_t(read(F::PIN_BASED_VM_EXECUTION_CONTROLS));
  in.controls[uint32_t(arch::ControlWord::PROC)] = uint32_t(read(F::PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS));
  in.controls[uint32_t(arch::ControlWord::PROC2)] = uint32_t(read_optional(F::SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS));
  in.controls[uint32_t(arch::ControlWord::EXIT)] = uint32_t(read(F::VM_EXIT_CONTROLS));
  in.controls[uint32_t(arch::ControlWord::ENTRY)] = uint32_t(read(F::VM_ENTRY_CONTROLS));
  in.cr3_target_count = uint32_t(read(F::CR3_TARGET_COUNT));
  in.exit_msr_store_count = uint32_t(read(F::VM_EXIT_MSR_STORE_COUNT));
  in.exit_msr_load_count = uint32_t(read(F::VM_EXIT_MSR_LOAD_COUNT));
  in.entry_msr_load_count = uint32_t(read(F::VM_ENTRY_MSR_LOAD_COUNT));
  in.tpr_threshold = uint32_t(read_optional(F::TPR_THRESHOLD));
  // VTPR is byte 80H of the virtual-APIC page (SDM 29.1.1).
  if (const uint64_t page = read_optional(F::VIRTUAL_APIC_ADDRESS)) in.vtpr = memory::phys_to_virt<uint8_t>(page)[0x80];
  in.eptp = read_optional(F::EPT_POINTER);
  in.vm_function_controls = read_optional(F::VM_FUNCTION_CONTROLS);
  in.interruption_info = uint32_t(read(F::VM_ENTRY_INTERRUPTION_INFORMATION));
  in.exception_error_code = uint32_t(read(F::VM_ENTRY_EXCEPTION_ERROR_CODE));
  in.instruction_length = uint32_t(read(F::VM_ENTRY_INSTRUCTION_LENGTH));
  in.guest_cr0 = read(F::GUEST_CR0);
  const arch::Capabilities& caps = cpu::this_cpu().caps;
  for (uint32_t i = 0; i < arch::kControlWordCount; ++i) in.control_capability[i] = caps.control_msr(arch::ControlWord(i));
  in.basic = caps.basic;
  in.misc = caps.misc;
  in.ept_vpid_cap = caps.ept_vpid_cap;
  in.vmfunc = caps.vmfunc;
  const uint32_t widths = address_widths();
  in.physical_address_bits = widths ? widths & 0xFF : 36;
  return in;
}

uint32_t length(const char* s) {
  uint32_t n = 0;
  while (s[n]) ++n;
  return n;
}

// Logs every failing rule by id and SDM section, and appends the first to
// `out` (or says that none of the `checked` rules fails).
void name_failures(const arch::EntryRule* failed, uint32_t n, uint32_t capacity, const char* checked, char* out, uint32_t size) {
  for (uint32_t i = 0; i < n && i < capacity; ++i) {
    const arch::EntryRuleInfo& r = arch::entry_rule(failed[i]);
    LOG("vmm: VM-entry check failed: %s [SDM %s]: %s", r.id, r.sdm_section, r.summary);
  }
  const uint32_t used = length(out);
  if (used + 1 >= size) return;
  if (n) {
    const arch::EntryRuleInfo& first = arch::entry_rule(failed[0]);
    put(out + used, size - used, "; failed check %s [SDM %s]%s", first.id, first.sdm_section, n > 1 ? " and more" : "");
  } else {
    put(out + used, size - used, "; none of the %s checks known here fails", checked);
  }
}
}  // namespace

void describe_vmfail(arch::VmxResult result, char* out, uint32_t size) {
  if (result == arch::VmxResult::FailInvalid) {
    put(out, size, "VMfailInvalid: no valid current VMCS");
    return;
  }
  const uint32_t error = uint32_t(read(F::VM_INSTRUCTION_ERROR));
  put(out, size, "VMfailValid: VM-instruction error %u, %s", error, arch::vm_instruction_error_text(error));
  arch::EntryRule failed[16];
  if (error == kInvalidControlField)
    name_failures(failed, check_controls(read_controls(), failed, 16), 16, "26.2.1", out, size);
  else if (error == kInvalidHostStateField)
    name_failures(failed, check_host_state(read_host_state(), failed, 16), 16, "26.2.2-26.2.4", out, size);
}

void diagnose_entry_failure(guests::Vcpu& v, uint32_t reason, uint64_t qualification, char* out, uint32_t size) {
  if (reason == uint32_t(arch::ExitReason::ENTRY_FAILURE_MSR_LOADING)) {
    // The qualification is the 1-based index of the entry that failed (SDM 26.4).
    const blob::Guest& g = *v.config;
    const uint32_t index = uint32_t(qualification);
    const blob::MsrEntry* list = reinterpret_cast<const blob::MsrEntry*>(v.msr_area);
    if (index >= 1 && index <= g.entry_msr_load_count) {
      const blob::MsrEntry& e = list[index - 1];
      const char* name = arch::msr_ident(e.index);
      arch::EntryRule failed[3];
      const uint32_t n = check_msr_load_entry(e, false, failed, 3);  // this hypervisor never runs in SMM
      const char* rule = n ? arch::entry_rule(failed[0]).id : "msr-load-wrmsr-fault or msr-load-model-specific";
      put(out, size, "failed check %s: VM-entry MSR-load entry %u (MSR 0x%x %s, value 0x%lx) could not be loaded [SDM 26.4]",
          rule, index, e.index, name ? name : "", e.value);
    } else {
      put(out, size, "VM-entry MSR-load entry %u could not be loaded [SDM 26.4]", index);
    }
  } else if (reason == uint32_t(arch::ExitReason::ENTRY_FAILURE_GUEST_STATE)) {
    CheckFailure failures[4];
    const uint32_t n = check_guest_state(read_guest_state(), failures, 4);
    const char* q = qualification == 2 ? " (while loading PDPTEs)" : qualification == 3 ? " (NMI injection)" : qualification == 4 ? " (VMCS link pointer)" : "";
    // A CPU may order its checks otherwise than the SDM: Bochs 3.0 reports
    // entry to SMM outside SMM as guest state (it wants SMI blocking) rather
    // than VM-instruction error 7. So when no 26.3.1 rule fails, the 26.2.1
    // rules run too.
    arch::EntryRule control[4];
    const uint32_t m = n ? 0 : check_controls(read_controls(), control, 4);
    if (n) {
      put(out, size, "failed check %s: %s [SDM %s]%s", failures[0].rule, failures[0].text, failures[0].sdm_section, q);
    } else if (m) {
      const arch::EntryRuleInfo& r = arch::entry_rule(control[0]);
      put(out, size, "failed check %s [SDM %s]: %s (the CPU reported it as invalid guest state)%s", r.id, r.sdm_section, r.summary, q);
    } else {
      put(out, size, "the CPU refused the guest state; none of the 26.3.1 checks known here fails%s", q);
    }
  } else {
    put(out, size, "a machine-check event during VM entry [SDM 26.9]");
  }
  LOG("vmm: guest %s: VM entry failed: %s", v.name, out);
  dump_vmcs(v);
}

void dump_vmcs(const guests::Vcpu& v) {
  LOG("vmm: guest %s: VMCS dump begin", v.name);
  for (const arch::VmcsFieldInfo& f : arch::kVmcsFields) {
    const uint32_t encoding = uint32_t(f.field);
    const uint32_t area = (encoding >> 10) & 3;  // 0 control, 1 read-only, 2 guest, 3 host (SDM 24.11.2)
    if (area != 2 && area != 0) continue;
    if (encoding & 1) continue;  // "high" accesses are not separate fields here
    uint64_t value;
    if (arch::vmread_checked(f.field, value))
      LOG("vmm:   %-48s (0x%04x) = 0x%lx", f.name, encoding, value);
  }
  LOG("vmm: guest %s: VMCS dump end", v.name);
}

}  // namespace vmx
