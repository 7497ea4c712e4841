// Validation passes. Structure checks run on the model; the SDM VM-entry
// checks (26.2.1.1 execution controls, 26.2.1.2 exit controls, 26.2.1.3
// entry controls and event injection, 26.3.1 guest state) and the target's capability MSRs run
// on the lowered records, i.e. on exactly what the hypervisor will load.
// Each message names its rule and SDM section.
#pragma once
#include "model/diagnostics.h"
#include "model/lowered.h"
#include "model/profile.h"
#include "model/target.h"

namespace configgen::validate {
void check_structure(const model::Profile& p, const model::Target& target, Diagnostics& diags);
// Kernels, modules and emulated devices (validate/kernels.cpp).
void check_kernels(const model::Profile& p, Diagnostics& diags);
// Grants of ports, MSRs and host-physical ranges (validate/grants.cpp).
void check_grants(const model::Profile& p, const model::Target& target, Diagnostics& diags);
void check_controls(const model::Guest& g, const model::LoweredGuest& lg, const model::Target& target, Diagnostics& diags);
void check_guest_state(const model::Guest& g, const model::LoweredGuest& lg, const model::Target& target, Diagnostics& diags);
}  // namespace configgen::validate
