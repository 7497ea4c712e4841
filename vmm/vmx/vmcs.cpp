#include "vmx/vmcs.h"

#include "arch/cpu.h"
#include "arch/vmx_insn.h"
#include "console/log.h"
#include "memory/phys.h"

extern "C" char vmx_exit_stub[], vmx_exit_fast_path[], vmx_exit_floor_stub[];

namespace vmx {
namespace {
using arch::VmcsField;
using F = arch::VmcsField;

bool has(const guests::Vcpu& v, arch::ControlBit b) { return v.controls[uint32_t(b.word)] & b.mask(); }

void write_segment(F selector, F base, F limit, F access, const blob::Segment& s) {
  write(selector, s.selector);
  write(base, s.base);
  write(limit, s.limit);
  write(access, s.access_rights);
}

void write_controls(guests::Vcpu& v) {
  const blob::Guest& g = *v.config;
  write(F::PIN_BASED_VM_EXECUTION_CONTROLS, v.controls[uint32_t(arch::ControlWord::PIN)]);
  write(F::PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, v.controls[uint32_t(arch::ControlWord::PROC)]);
  if (has(v, arch::ctl::ACTIVATE_SECONDARY_CONTROLS))
    write(F::SECONDARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, v.controls[uint32_t(arch::ControlWord::PROC2)]);
  write(F::VM_EXIT_CONTROLS, v.controls[uint32_t(arch::ControlWord::EXIT)]);
  write(F::VM_ENTRY_CONTROLS, v.controls[uint32_t(arch::ControlWord::ENTRY)]);
  write(F::EXCEPTION_BITMAP, g.exception_bitmap);
  write(F::PAGE_FAULT_ERROR_CODE_MASK, g.pfec_mask);
  write(F::PAGE_FAULT_ERROR_CODE_MATCH, g.pfec_match);
  write(F::CR3_TARGET_COUNT, g.cr3_target_count);
  const F targets[] = {F::CR3_TARGET_VALUE_0, F::CR3_TARGET_VALUE_1, F::CR3_TARGET_VALUE_2, F::CR3_TARGET_VALUE_3};
  for (uint32_t i = 0; i < g.cr3_target_count && i < 4; ++i) write(targets[i], g.cr3_target[i]);
  write(F::IO_BITMAP_A_ADDRESS, v.io_bitmap_a);
  write(F::IO_BITMAP_B_ADDRESS, v.io_bitmap_b);
  write(F::MSR_BITMAP_ADDRESS, v.msr_bitmap);
  write(F::TSC_OFFSET, g.tsc_offset);
  if (has(v, arch::ctl::ENABLE_EPT)) write(F::EPT_POINTER, v.eptp);
  if (has(v, arch::ctl::ENABLE_VPID)) write(F::VIRTUAL_PROCESSOR_ID, v.vpid);
  if (has(v, arch::ctl::USE_TPR_SHADOW)) {
    write(F::VIRTUAL_APIC_ADDRESS, v.virtual_apic);
    write(F::TPR_THRESHOLD, g.tpr_threshold);
  }
  if (has(v, arch::ctl::VIRTUALIZE_APIC_ACCESSES)) write(F::APIC_ACCESS_ADDRESS, v.apic_access);
  if (has(v, arch::ctl::VIRTUAL_INTERRUPT_DELIVERY)) {
    // SDM 29.2: a vector requested in the virtual IRR and RVI is evaluated at
    // VM entry and delivered through the guest IDT once the guest can take it.
    const uint8_t vector = g.virtual_interrupt;
    if (vector) {
      auto* irr = memory::phys_to_virt<uint32_t>(v.virtual_apic + 0x200);
      irr[(vector / 32) * 4] |= 1u << (vector % 32);
    }
    write(F::GUEST_INTERRUPT_STATUS, vector);  // RVI = vector, SVI = 0
    const F eoi_exit[] = {F::EOI_EXIT_BITMAP_0, F::EOI_EXIT_BITMAP_1, F::EOI_EXIT_BITMAP_2, F::EOI_EXIT_BITMAP_3};
    for (F bitmap : eoi_exit) write(bitmap, 0);  // EOIs are virtualized without exits
  }
  if (has(v, arch::ctl::PROCESS_POSTED_INTERRUPTS)) {
    write(F::POSTED_INTERRUPT_NOTIFICATION_VECTOR, guests::kPostedInterruptNotificationVector);
    write(F::POSTED_INTERRUPT_DESCRIPTOR_ADDRESS, v.posted_descriptor);
  }
  if (has(v, arch::ctl::ENABLE_VM_FUNCTIONS)) {
    write(F::VM_FUNCTION_CONTROLS, v.eptp_list ? 1 : 0);  // bit 0: EPTP switching
    if (v.eptp_list) write(F::EPTP_LIST_ADDRESS, v.eptp_list);
  }
  // CR0/CR4: the guest reads its own values through the read shadows; bits
  // forced by the fixed-bit MSRs are owned by the host (SDM 24.6.6).
  write(F::CR0_GUEST_HOST_MASK, g.cr0_guest_host_mask);
  write(F::CR0_READ_SHADOW, g.cr0_read_shadow);
  write(F::CR4_GUEST_HOST_MASK, g.cr4_guest_host_mask | arch::cr4::VMXE);
  write(F::CR4_READ_SHADOW, g.cr4_read_shadow & ~arch::cr4::VMXE);
  // MSR lists live in one page per guest: entry-load, exit-store, exit-load.
  write(F::VM_ENTRY_MSR_LOAD_COUNT, g.entry_msr_load_count);
  write(F::VM_EXIT_MSR_STORE_COUNT, g.exit_msr_store_count);
  write(F::VM_EXIT_MSR_LOAD_COUNT, g.exit_msr_load_count);
  write(F::VM_ENTRY_MSR_LOAD_ADDRESS, v.msr_area);
  write(F::VM_EXIT_MSR_STORE_ADDRESS, v.msr_area + 16 * g.entry_msr_load_count);
  write(F::VM_EXIT_MSR_LOAD_ADDRESS, v.msr_area + 16 * (g.entry_msr_load_count + g.exit_msr_store_count));
  write(F::VM_ENTRY_INTERRUPTION_INFORMATION, 0);
}

}  // namespace

void write_host_state(const uint32_t controls[arch::kControlWordCount], const cpu::PerCpu& c, uint64_t host_rip) {
  auto has = [controls](arch::ControlBit b) { return controls[uint32_t(b.word)] & b.mask(); };
  write(F::HOST_CR0, arch::read_cr0());
  write(F::HOST_CR3, arch::read_cr3());
  write(F::HOST_CR4, arch::read_cr4());
  write(F::HOST_CS_SELECTOR, cpu::kCodeSelector);
  write(F::HOST_SS_SELECTOR, cpu::kDataSelector);
  write(F::HOST_DS_SELECTOR, cpu::kDataSelector);
  write(F::HOST_ES_SELECTOR, cpu::kDataSelector);
  write(F::HOST_FS_SELECTOR, 0);
  write(F::HOST_GS_SELECTOR, 0);
  write(F::HOST_TR_SELECTOR, cpu::kTssSelector);
  write(F::HOST_FS_BASE, 0);
  write(F::HOST_GS_BASE, reinterpret_cast<uint64_t>(&c));
  write(F::HOST_TR_BASE, reinterpret_cast<uint64_t>(&c.tss));
  write(F::HOST_GDTR_BASE, arch::sgdt().base);
  write(F::HOST_IDTR_BASE, arch::sidt().base);
  write(F::HOST_IA32_SYSENTER_CS, 0);
  write(F::HOST_IA32_SYSENTER_ESP, 0);
  write(F::HOST_IA32_SYSENTER_EIP, 0);
  if (has(arch::ctl::LOAD_IA32_EFER)) write(F::HOST_IA32_EFER, arch::rdmsr(arch::Msr::IA32_EFER));
  if (has(arch::ctl::LOAD_IA32_PAT)) write(F::HOST_IA32_PAT, arch::rdmsr(arch::Msr::IA32_PAT));
  if (has(arch::ctl::LOAD_IA32_PERF_GLOBAL_CTRL)) write(F::HOST_IA32_PERF_GLOBAL_CTRL, 0);
  write(F::HOST_RIP, host_rip);
  write(F::HOST_RSP, c.stack_top);  // rewritten by vmx_enter before every entry
}

namespace {

void write_guest_state(guests::Vcpu& v, const cpu::PerCpu& c, const blob::EntryState& e) {
  const bool unrestricted = has(v, arch::ctl::UNRESTRICTED_GUEST);
  write(F::GUEST_CR0, apply_cr0_fixed(e.cr0, c.caps, unrestricted));
  write(F::GUEST_CR3, e.cr3);
  write(F::GUEST_CR4, apply_cr4_fixed(e.cr4, c.caps));
  write(F::GUEST_DR7, e.dr7);
  write(F::GUEST_RSP, e.rsp);
  write(F::GUEST_RIP, e.rip);
  write(F::GUEST_RFLAGS, e.rflags | arch::rflags::RESERVED_1);
  write_segment(F::GUEST_ES_SELECTOR, F::GUEST_ES_BASE, F::GUEST_ES_LIMIT, F::GUEST_ES_ACCESS_RIGHTS, e.es);
  write_segment(F::GUEST_CS_SELECTOR, F::GUEST_CS_BASE, F::GUEST_CS_LIMIT, F::GUEST_CS_ACCESS_RIGHTS, e.cs);
  write_segment(F::GUEST_SS_SELECTOR, F::GUEST_SS_BASE, F::GUEST_SS_LIMIT, F::GUEST_SS_ACCESS_RIGHTS, e.ss);
  write_segment(F::GUEST_DS_SELECTOR, F::GUEST_DS_BASE, F::GUEST_DS_LIMIT, F::GUEST_DS_ACCESS_RIGHTS, e.ds);
  write_segment(F::GUEST_FS_SELECTOR, F::GUEST_FS_BASE, F::GUEST_FS_LIMIT, F::GUEST_FS_ACCESS_RIGHTS, e.fs);
  write_segment(F::GUEST_GS_SELECTOR, F::GUEST_GS_BASE, F::GUEST_GS_LIMIT, F::GUEST_GS_ACCESS_RIGHTS, e.gs);
  write_segment(F::GUEST_LDTR_SELECTOR, F::GUEST_LDTR_BASE, F::GUEST_LDTR_LIMIT, F::GUEST_LDTR_ACCESS_RIGHTS, e.ldtr);
  write_segment(F::GUEST_TR_SELECTOR, F::GUEST_TR_BASE, F::GUEST_TR_LIMIT, F::GUEST_TR_ACCESS_RIGHTS, e.tr);
  write(F::GUEST_GDTR_BASE, e.gdtr.base);
  write(F::GUEST_GDTR_LIMIT, e.gdtr.limit);
  write(F::GUEST_IDTR_BASE, e.idtr.base);
  write(F::GUEST_IDTR_LIMIT, e.idtr.limit);
  write(F::GUEST_IA32_DEBUGCTL, e.debugctl);
  write(F::GUEST_IA32_SYSENTER_CS, e.sysenter_cs);
  write(F::GUEST_IA32_SYSENTER_ESP, e.sysenter_esp);
  write(F::GUEST_IA32_SYSENTER_EIP, e.sysenter_eip);
  if (has(v, arch::ctl::LOAD_IA32_EFER_ON_ENTRY) || has(v, arch::ctl::SAVE_IA32_EFER)) write(F::GUEST_IA32_EFER, e.efer);
  if (has(v, arch::ctl::LOAD_IA32_PAT_ON_ENTRY) || has(v, arch::ctl::SAVE_IA32_PAT))
    write(F::GUEST_IA32_PAT, e.pat ? e.pat : 0x0007040600070406ull);  // power-up PAT
  if (has(v, arch::ctl::LOAD_IA32_PERF_GLOBAL_CTRL_ON_ENTRY)) write(F::GUEST_IA32_PERF_GLOBAL_CTRL, 0);
  write(F::GUEST_ACTIVITY_STATE, e.activity_state);
  write(F::GUEST_INTERRUPTIBILITY_STATE, e.interruptibility_state);
  write(F::GUEST_PENDING_DEBUG_EXCEPTIONS, e.pending_debug_exceptions);
  write(F::VMCS_LINK_POINTER, ~0ull);  // no shadow VMCS (SDM 26.3.1.5)
  if (has(v, arch::ctl::ACTIVATE_VMX_PREEMPTION_TIMER)) write(F::VMX_PREEMPTION_TIMER_VALUE, v.timer_value);
  // PAE paging with EPT: VM entry loads the PDPTEs from these fields (SDM 26.3.2.4).
  const F pdpte[] = {F::GUEST_PDPTE0, F::GUEST_PDPTE1, F::GUEST_PDPTE2, F::GUEST_PDPTE3};
  for (int i = 0; i < 4; ++i) {
    uint64_t value = e.pdpte[i];
    if (!value && v.config->mode == uint32_t(blob::GuestMode::Pae)) {
      const uint64_t hpa = guests::guest_to_host(v, (e.cr3 & ~0x1Full) + 8 * i, 8);
      if (hpa) value = *memory::phys_to_virt<uint64_t>(hpa);
    }
    write(pdpte[i], value);
  }
  for (int i = 0; i < 16; ++i) v.regs.gpr(uint32_t(i)) = e.gpr[i];
}
}  // namespace

void report_failed_write(VmcsField f) {
  const uint32_t error = uint32_t(arch::vmread(F::VM_INSTRUCTION_ERROR));
  const arch::VmcsFieldInfo* info = arch::find_field(f);
  LOG("vmm: VMWRITE %s (0x%x) failed: %s", info ? info->name : "?", uint32_t(f), arch::vm_instruction_error_text(error));
  cpu::PerCpu& c = cpu::this_cpu();
  if (c.vmwrite_failed) return;  // the first failure is the one to report
  c.vmwrite_failed = true;
  c.failed_vmwrite_field = uint32_t(f);
  c.failed_vmwrite_error = error;
}

bool build_vmcs(guests::Vcpu& v, cpu::PerCpu& c, const blob::Reader&, const char** why) {
  v.vmcs = memory::phys_allocate_page();
  if (!v.vmcs) {
    *why = "out of memory for the VMCS";
    return false;
  }
  *memory::phys_to_virt<uint32_t>(v.vmcs) = c.caps.revision_id();
  if (arch::vmclear(v.vmcs) != arch::VmxResult::Succeed || arch::vmptrld(v.vmcs) != arch::VmxResult::Succeed) {
    *why = "VMCLEAR/VMPTRLD of a new VMCS failed";
    return false;
  }
  c.current = &v;
  v.launched = false;
  c.vmwrite_failed = false;
  write_controls(v);
  // The exit's landing point (vmx/entry.S): the fast path for a guest whose
  // gate can ever open (guests/fast_path.h), else the full path directly.
  const bool floor = v.config->flags & blob::kGuestExitFloorStub;
  const char* host_rip = floor ? vmx_exit_floor_stub : v.fast_path_allowed ? vmx_exit_fast_path : vmx_exit_stub;
  write_host_state(v.controls, c, reinterpret_cast<uint64_t>(host_rip));
  write_guest_state(v, c, v.config->entry);
  if (c.vmwrite_failed) {
    *why = nullptr;  // the caller names the field (vmx::failed_vmwrite)
    return false;
  }
  return true;
}

// Real mode at the start-up IPI's page (SDM 9.4.4.2, 11.6.1): CS selector
// vector << 8 and base vector << 12, IP 0, the other segments at 0 with
// 64-KByte limits, CR0 as after INIT (CD, NW, ET; SDM Table 9-1) with the
// fixed bits unrestricted guest leaves, paging and IA-32e mode off, EDX the
// processor signature, the other registers 0.
bool load_startup_state(guests::Vcpu& v, cpu::PerCpu& c, uint8_t vector) {
  constexpr uint64_t kCr0AfterInit = 0x60000010;
  const guests::StartupState start = guests::startup_state(vector);
  blob::EntryState e{};
  auto segment = [](uint16_t selector, uint64_t base, uint32_t access_rights) {
    blob::Segment s{};
    s.selector = selector;
    s.base = base;
    s.limit = 0xFFFF;
    s.access_rights = access_rights;
    return s;
  };
  e.cs = segment(start.cs_selector, start.cs_base, 0x9B);  // present, code, execute/read, accessed
  e.ds = e.es = e.fs = e.gs = e.ss = segment(0, 0, 0x93);  // present, data, read/write, accessed
  e.ldtr = segment(0, 0, 0x82);
  e.tr = segment(0, 0, 0x8B);  // busy TSS, as VM entry requires (SDM 26.3.1.2)
  e.gdtr.limit = e.idtr.limit = 0xFFFF;
  e.cr0 = kCr0AfterInit;
  e.rflags = arch::rflags::RESERVED_1;
  e.dr7 = 0x400;
  e.pat = 0;
  e.gpr[2] = arch::cpuid(1).eax;  // EDX: the processor's signature
  c.vmwrite_failed = false;
  v.controls[uint32_t(arch::ControlWord::ENTRY)] &= ~arch::ctl::IA32E_MODE_GUEST.mask();
  write(F::VM_ENTRY_CONTROLS, v.controls[uint32_t(arch::ControlWord::ENTRY)]);
  // Nothing of its life before INIT is left to inject or wait for.
  write(F::VM_ENTRY_INTERRUPTION_INFORMATION, 0);
  v.controls[uint32_t(arch::ControlWord::PROC)] &=
      ~(arch::ctl::INTERRUPT_WINDOW_EXITING.mask() | arch::ctl::NMI_WINDOW_EXITING.mask());
  write(F::PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, v.controls[uint32_t(arch::ControlWord::PROC)]);
  write(F::CR0_READ_SHADOW, kCr0AfterInit);
  write(F::CR4_READ_SHADOW, 0);
  write_guest_state(v, c, e);
  return !c.vmwrite_failed;
}

}  // namespace vmx
