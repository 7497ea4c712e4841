#include "vmx/control_checks.h"

#include "arch/control_requirements.h"

#include "arch/registers.h"

namespace vmx {
namespace {
using arch::EntryRule;
namespace ctl = arch::ctl;

using Sink = arch::EntryRuleSink;

// 26.2.1.1: the EPTP names a memory type and walk length the CPU reports
// (IA32_VMX_EPT_VPID_CAP bits 8 UC, 14 WB, 6 4-level, 7 5-level) and keeps
// bits 11:7 and those above the physical-address width clear.
bool eptp_valid(arch::Eptp eptp, arch::EptVpidCap cap, uint32_t physical_bits) {
  const uint8_t type = eptp.memory_type(), walk = eptp.page_walk_length();
  if (!((type == 0 && cap.uncacheable_paging_structures()) || (type == 6 && cap.write_back_paging_structures()))) return false;
  if (!((walk == 4 && cap.page_walk_length_4()) || (walk == 5 && cap.page_walk_length_5()))) return false;
  if (eptp.reserved_bits_11_7()) return false;
  return physical_bits >= 64 || (eptp.raw >> physical_bits) == 0;
}
}  // namespace

uint32_t check_controls(const ControlsInput& in, EntryRule* failures, uint32_t capacity) {
  Sink k{failures, capacity, 0};
  uint32_t w[arch::kControlWordCount];
  for (uint32_t i = 0; i < arch::kControlWordCount; ++i) w[i] = in.controls[i];
  const auto has = [&w](arch::ControlBit b) { return (w[uint32_t(b.word)] & b.mask()) != 0; };
  // Without "activate secondary controls" the CPU treats them as all 0 (SDM 24.6.2).
  if (!has(ctl::ACTIVATE_SECONDARY_CONTROLS)) w[uint32_t(arch::ControlWord::PROC2)] = 0;

  // 26.2.1.1-26.2.1.3: reserved bits as the capability MSRs say (allowed-0
  // bits set, nothing outside allowed-1).
  for (uint32_t i = 0; i < arch::kControlWordCount; ++i) {
    const uint32_t allowed0 = uint32_t(in.control_capability[i]), allowed1 = uint32_t(in.control_capability[i] >> 32);
    if (i == uint32_t(arch::ControlWord::PROC2) && !has(ctl::ACTIVATE_SECONDARY_CONTROLS)) continue;
    if ((w[i] & allowed0) != allowed0 || (w[i] & ~allowed1)) {
      k.fail(EntryRule::CONTROL_NOT_ALLOWED);
      break;
    }
  }

  // 26.2.1.1 VM-execution controls
  for (const arch::ControlRequirement& r : arch::kControlRequirements)
    if (has(r.control) && !has(r.needs)) k.fail(r.rule);
  const uint32_t cr3_max = in.misc.cr3_target_count();
  if (in.cr3_target_count > 4 || in.cr3_target_count > cr3_max) k.fail(EntryRule::CR3_TARGET_COUNT);
  if (has(ctl::USE_TPR_SHADOW) && !has(ctl::VIRTUAL_INTERRUPT_DELIVERY) && !has(ctl::VIRTUALIZE_APIC_ACCESSES) &&
      (in.tpr_threshold & 0xF) > uint32_t(in.vtpr >> 4))
    k.fail(EntryRule::TPR_THRESHOLD_ABOVE_VTPR);
  if (has(ctl::VIRTUALIZE_X2APIC_MODE) && has(ctl::VIRTUALIZE_APIC_ACCESSES)) k.fail(EntryRule::X2APIC_AND_APIC_ACCESS_EXCLUSIVE);
  if (has(ctl::ENABLE_EPT)) {
    const arch::Eptp eptp{in.eptp};
    if (!eptp_valid(eptp, in.ept_vpid_cap, in.physical_address_bits)) k.fail(EntryRule::EPTP_VALID);
    if (eptp.accessed_dirty_enabled() && !in.ept_vpid_cap.accessed_and_dirty_flags()) k.fail(EntryRule::EPTP_ACCESSED_DIRTY);
  }
  if (has(ctl::ENABLE_VM_FUNCTIONS) && (in.vm_function_controls & 1) && !(in.vmfunc & 1)) k.fail(EntryRule::EPTP_SWITCHING);

  // 26.2.1.2 and 26.2.1.3: MSR-list counts
  const uint64_t msr_max = in.misc.max_msr_list_entries();
  if (in.exit_msr_store_count > msr_max || in.exit_msr_load_count > msr_max || in.entry_msr_load_count > msr_max)
    k.fail(EntryRule::MSR_LIST_COUNT);

  // 26.2.1.3 VM-entry controls: SMM, then event injection
  if (has(ctl::ENTRY_TO_SMM) || has(ctl::DEACTIVATE_DUAL_MONITOR_TREATMENT)) k.fail(EntryRule::ENTRY_TO_SMM);
  const arch::InterruptionInfo info{in.interruption_info};
  if (info.valid()) {
    using T = arch::InterruptionType;
    const T type = info.type();
    const uint32_t vector = info.vector();
    if (type == T::Reserved) k.fail(EntryRule::EVENT_TYPE_RESERVED);
    if (type == T::Nmi && vector != 2) k.fail(EntryRule::EVENT_NMI_VECTOR);
    if (type == T::HardwareException && vector > 31) k.fail(EntryRule::EVENT_EXCEPTION_VECTOR);
    // Deliver error code: only for a hardware exception in protected mode
    // (or without unrestricted guest); unless IA32_VMX_BASIC[56], exactly
    // for the vectors that push one.
    const bool deliver = info.deliver_error_code();
    const bool protected_mode = !has(ctl::UNRESTRICTED_GUEST) || (in.guest_cr0 & arch::cr0::PE);
    const arch::ExceptionInfo* x = arch::find_exception(vector);
    const bool pushes = x && x->has_error_code;
    const bool may = protected_mode && type == T::HardwareException;
    const bool any_vector = in.basic.no_error_code_consistency_check();
    if (any_vector ? (deliver && !may) : (deliver != (may && pushes))) k.fail(EntryRule::EVENT_ERROR_CODE);
    if (deliver && (in.exception_error_code >> 16)) k.fail(EntryRule::EVENT_ERROR_CODE_RESERVED);
    const bool zero_ok = in.misc.zero_length_instruction_injection();
    if (info.software_event() && (in.instruction_length > 15 || (in.instruction_length == 0 && !zero_ok)))
      k.fail(EntryRule::EVENT_INSTRUCTION_LENGTH);
  }
  return k.count;
}

}  // namespace vmx
