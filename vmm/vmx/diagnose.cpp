#include "vmx/diagnose.h"

#include <stdarg.h>

#include "arch/cpu.h"
#include "console/log.h"
#include "cpu/percpu.h"
#include "vmx/guest_state_checks.h"
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
}  // namespace

void describe_vmfail(arch::VmxResult result, char* out, uint32_t size) {
  if (result == arch::VmxResult::FailInvalid) {
    put(out, size, "VMfailInvalid: no valid current VMCS");
    return;
  }
  const uint32_t error = uint32_t(read(F::VM_INSTRUCTION_ERROR));
  put(out, size, "VMfailValid: VM-instruction error %u, %s", error, arch::vm_instruction_error_text(error));
}

void diagnose_entry_failure(guests::Vcpu& v, uint32_t reason, uint64_t qualification, char* out, uint32_t size) {
  if (reason == uint32_t(arch::ExitReason::ENTRY_FAILURE_MSR_LOADING)) {
    // The qualification is the 1-based index of the entry that failed (SDM 26.4).
    const blob::Guest& g = *v.config;
    const uint32_t index = uint32_t(qualification);
    const blob::MsrEntry* list = reinterpret_cast<const blob::MsrEntry*>(v.msr_area);
    if (index >= 1 && index <= g.entry_msr_load_count) {
      const char* name = arch::msr_ident(list[index - 1].index);
      put(out, size, "VM-entry MSR-load entry %u (MSR 0x%x %s, value 0x%lx) could not be loaded [SDM 26.4]", index,
          list[index - 1].index, name ? name : "", list[index - 1].value);
    } else {
      put(out, size, "VM-entry MSR-load entry %u could not be loaded [SDM 26.4]", index);
    }
  } else if (reason == uint32_t(arch::ExitReason::ENTRY_FAILURE_GUEST_STATE)) {
    CheckFailure failures[4];
    const uint32_t n = check_guest_state(read_guest_state(), failures, 4);
    const char* q = qualification == 2 ? " (while loading PDPTEs)" : qualification == 3 ? " (NMI injection)" : qualification == 4 ? " (VMCS link pointer)" : "";
    if (n)
      put(out, size, "failed check %s: %s [SDM %s]%s", failures[0].rule, failures[0].text, failures[0].sdm_section, q);
    else
      put(out, size, "the CPU refused the guest state; none of the 26.3.1 checks known here fails%s", q);
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
