// SDM 26.3.1 checks on the entry state the profile produces: the same code
// the hypervisor runs after a failed VM entry (vmm/vmx/guest_state_checks).
#include "validate/validate.h"
#include "vmx/guest_state_checks.h"

namespace configgen::validate {

void check_guest_state(const model::Guest& g, const lower::LoweredGuest& lg, const model::Target& t, Diagnostics& d) {
  vmx::GuestStateInput in{};
  in.state = lg.record.entry;
  in.proc2 = lg.record.controls[uint32_t(arch::ControlWord::PROC2)];
  in.entry = lg.record.controls[uint32_t(arch::ControlWord::ENTRY)];
  in.cr0_fixed0 = t.caps.cr0_fixed0;
  in.cr0_fixed1 = t.caps.cr0_fixed1;
  in.cr4_fixed0 = t.caps.cr4_fixed0;
  in.cr4_fixed1 = t.caps.cr4_fixed1;
  in.vmcs_link_pointer = ~0ull;  // the hypervisor writes it
  vmx::CheckFailure failures[32];
  const uint32_t n = vmx::check_guest_state(in, failures, 32);
  const model::SourceLoc loc = g.entry.loc.line ? g.entry.loc : g.loc;
  // Bits the profile asks for that the target cannot set: lowering would
  // have to drop them silently (SDM 26.3.1.1, IA32_VMX_CR0/CR4_FIXED1).
  if (g.entry.cr0 && (*g.entry.cr0 & ~t.caps.cr0_fixed1))
    d.error(loc, "cr0-fixed-bits, SDM 26.3.1.1", "entry.cr0 sets bits the target cannot: outside IA32_VMX_CR0_FIXED1");
  if (g.entry.cr4 && (*g.entry.cr4 & ~t.caps.cr4_fixed1))
    d.error(loc, "cr4-fixed-bits, SDM 26.3.1.1", "entry.cr4 sets bits the target cannot: outside IA32_VMX_CR4_FIXED1");
  for (uint32_t i = 0; i < n && i < 32; ++i)
    d.error(loc, std::string(failures[i].rule) + ", SDM " + failures[i].sdm_section,
            "guest '" + g.name + "' entry state (mode " + g.entry.mode + "): " + failures[i].text);
}

}  // namespace configgen::validate
