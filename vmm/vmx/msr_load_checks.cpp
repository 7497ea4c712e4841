#include "vmx/msr_load_checks.h"

#include "arch/vmx_table.h"

namespace vmx {
namespace {
using arch::EntryRule;
using arch::Msr;
}  // namespace

uint32_t check_msr_load_entry(const blob::MsrEntry& entry, bool in_smm, EntryRule* failures, uint32_t capacity) {
  uint32_t count = 0;
  auto fail = [&](EntryRule r) {
    if (count < capacity) failures[count] = r;
    ++count;
  };
  const uint32_t index = entry.index;
  // Bits 31:8 = 000008H: the x2APIC registers' MSR range (800H-8FFH).
  if (index == uint32_t(Msr::IA32_FS_BASE) || index == uint32_t(Msr::IA32_GS_BASE) || (index >> 8) == 0x8)
    fail(EntryRule::MSR_LOAD_ENTRY);
  if (index == uint32_t(Msr::IA32_SMM_MONITOR_CTL) && !in_smm) fail(EntryRule::MSR_LOAD_SMM_ONLY);
  if (entry.reserved) fail(EntryRule::MSR_LOAD_RESERVED_BITS);
  return count;
}

}  // namespace vmx
