#include "vmx/msr_load_checks.h"

#include "arch/registers.h"
#include "arch/vmx_table.h"

namespace vmx {
namespace {
using arch::EntryRule;
using arch::Msr;

// Canonical in 48 bits (4-level paging): bits 63:47 all equal. A CPU with
// 5-level paging accepts more; none of the targets has it.
constexpr bool canonical(uint64_t a) {
  const uint64_t top = a >> 47;
  return top == 0 || top == 0x1FFFF;
}

// Values WRMSR refuses with #GP that the SDM fixes for every processor
// (Vol. 4 2.1 and the MSRs' own descriptions): non-canonical addresses in
// the address MSRs, reserved IA32_EFER bits (only SCE, LME, LMA, NXE exist
// on Intel processors), PAT entries of the reserved types 2 and 3 or with
// bits 7:3 set, and IA32_TSC_AUX bits 63:32.
bool wrmsr_would_fault(uint32_t index, uint64_t value) {
  switch (Msr(index)) {
    case Msr::IA32_SYSENTER_ESP:
    case Msr::IA32_SYSENTER_EIP:
    case Msr::IA32_LSTAR:
    case Msr::IA32_CSTAR:
    case Msr::IA32_KERNEL_GS_BASE: return !canonical(value);
    case Msr::IA32_EFER: return value & ~(arch::efer::SCE | arch::efer::LME | arch::efer::LMA | arch::efer::NXE);
    case Msr::IA32_PAT:
      for (int i = 0; i < 8; ++i) {
        const uint64_t type = (value >> (8 * i)) & 0xFF;
        if (type == 2 || type == 3 || type > 7) return true;
      }
      return false;
    case Msr::IA32_TSC_AUX: return value >> 32;
    default: return false;
  }
}
}  // namespace

uint32_t check_msr_load_entry(const blob::MsrEntry& entry, bool in_smm, EntryRule* failures, uint32_t capacity) {
  arch::EntryRuleSink k{failures, capacity, 0};
  const uint32_t index = entry.index;
  // Bits 31:8 = 000008H: the x2APIC registers' MSR range (800H-8FFH).
  if (index == uint32_t(Msr::IA32_FS_BASE) || index == uint32_t(Msr::IA32_GS_BASE) || (index >> 8) == 0x8)
    k.fail(EntryRule::MSR_LOAD_ENTRY);
  if (index == uint32_t(Msr::IA32_SMM_MONITOR_CTL) && !in_smm) k.fail(EntryRule::MSR_LOAD_SMM_ONLY);
  if (entry.reserved) k.fail(EntryRule::MSR_LOAD_RESERVED_BITS);
  if (wrmsr_would_fault(index, entry.value)) k.fail(EntryRule::MSR_LOAD_WRMSR_FAULT);
  return k.count;
}

}  // namespace vmx
