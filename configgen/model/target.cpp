#include "model/target.h"

namespace configgen::model {

void derive_capabilities(Target& t) {
  auto get = [&](const char* n) { auto it = t.msrs.find(n); return it == t.msrs.end() ? 0ull : it->second; };
  arch::Capabilities& c = t.caps;
  c.basic = {get("IA32_VMX_BASIC")};
  const bool tru = c.has_true_controls();
  c.pinbased = tru && get("IA32_VMX_TRUE_PINBASED_CTLS") ? get("IA32_VMX_TRUE_PINBASED_CTLS") : get("IA32_VMX_PINBASED_CTLS");
  c.procbased = tru && get("IA32_VMX_TRUE_PROCBASED_CTLS") ? get("IA32_VMX_TRUE_PROCBASED_CTLS") : get("IA32_VMX_PROCBASED_CTLS");
  c.exit = tru && get("IA32_VMX_TRUE_EXIT_CTLS") ? get("IA32_VMX_TRUE_EXIT_CTLS") : get("IA32_VMX_EXIT_CTLS");
  c.entry = tru && get("IA32_VMX_TRUE_ENTRY_CTLS") ? get("IA32_VMX_TRUE_ENTRY_CTLS") : get("IA32_VMX_ENTRY_CTLS");
  c.procbased2 = get("IA32_VMX_PROCBASED_CTLS2");
  c.misc = {get("IA32_VMX_MISC")};
  c.cr0_fixed0 = get("IA32_VMX_CR0_FIXED0");
  c.cr0_fixed1 = get("IA32_VMX_CR0_FIXED1");
  c.cr4_fixed0 = get("IA32_VMX_CR4_FIXED0");
  c.cr4_fixed1 = get("IA32_VMX_CR4_FIXED1");
  c.vmcs_enum = get("IA32_VMX_VMCS_ENUM");
  c.ept_vpid_cap = {get("IA32_VMX_EPT_VPID_CAP")};
  c.vmfunc = get("IA32_VMX_VMFUNC");
}

}  // namespace configgen::model
