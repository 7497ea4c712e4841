// The "control X requires control Y" rules of SDM 26.2.1.1 and 26.2.1.2,
// one row each: configgen refuses a profile that breaks one
// (validate/controls.cpp), the hypervisor names the row after a failed entry
// (vmx/control_checks.cpp) and `configgen explain` shows them for a control.
#pragma once
#include "arch/entry_rules.h"
#include "arch/vmx_table.h"

namespace arch {

struct ControlRequirement {
  ControlBit control, needs;
  EntryRule rule;
};

inline constexpr ControlRequirement kControlRequirements[] = {
    {ctl::UNRESTRICTED_GUEST, ctl::ENABLE_EPT, EntryRule::UNRESTRICTED_GUEST_NEEDS_EPT},
    {ctl::VIRTUAL_NMIS, ctl::NMI_EXITING, EntryRule::VIRTUAL_NMIS_NEED_NMI_EXITING},
    {ctl::NMI_WINDOW_EXITING, ctl::VIRTUAL_NMIS, EntryRule::NMI_WINDOW_EXITING_NEEDS_VIRTUAL_NMIS},
    {ctl::VIRTUAL_INTERRUPT_DELIVERY, ctl::EXTERNAL_INTERRUPT_EXITING, EntryRule::VIRTUAL_INTERRUPT_DELIVERY_NEEDS_EXTERNAL_INTERRUPT_EXITING},
    {ctl::PROCESS_POSTED_INTERRUPTS, ctl::VIRTUAL_INTERRUPT_DELIVERY, EntryRule::POSTED_INTERRUPTS_NEED_VIRTUAL_INTERRUPT_DELIVERY},
    {ctl::PROCESS_POSTED_INTERRUPTS, ctl::ACKNOWLEDGE_INTERRUPT_ON_EXIT, EntryRule::POSTED_INTERRUPTS_NEED_ACKNOWLEDGE_INTERRUPT_ON_EXIT},
    {ctl::VIRTUALIZE_X2APIC_MODE, ctl::USE_TPR_SHADOW, EntryRule::X2APIC_VIRTUALIZATION_NEEDS_TPR_SHADOW},
    {ctl::APIC_REGISTER_VIRTUALIZATION, ctl::USE_TPR_SHADOW, EntryRule::APIC_REGISTER_VIRTUALIZATION_NEEDS_TPR_SHADOW},
    {ctl::VIRTUAL_INTERRUPT_DELIVERY, ctl::USE_TPR_SHADOW, EntryRule::VIRTUAL_INTERRUPT_DELIVERY_NEEDS_TPR_SHADOW},
    {ctl::ENABLE_PML, ctl::ENABLE_EPT, EntryRule::PML_NEEDS_EPT},
    {ctl::MODE_BASED_EXECUTE_CONTROL_FOR_EPT, ctl::ENABLE_EPT, EntryRule::MODE_BASED_EXECUTE_NEEDS_EPT},
    {ctl::SUB_PAGE_WRITE_PERMISSIONS_FOR_EPT, ctl::ENABLE_EPT, EntryRule::SUB_PAGE_PERMISSIONS_NEED_EPT},
    {ctl::SAVE_VMX_PREEMPTION_TIMER_VALUE, ctl::ACTIVATE_VMX_PREEMPTION_TIMER, EntryRule::SAVE_TIMER_NEEDS_ACTIVE_TIMER},
};

}  // namespace arch
