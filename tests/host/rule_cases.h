// The profiles that break each configgen rule (tests/host/rule_cases.def),
// read by three programs so they cannot drift apart: the GoogleTest rule
// cases (configgen_rules_test.cpp), the Bochs differential test
// (tests/emulator/sdm_differential.cpp) and `configgen docs --sdm-coverage`,
// which says which rows the differential covers. The .def's profile
// arguments are C++ expressions over the helpers of rule_case_profiles.h; an
// includer that only wants the rule, the oracle and the reason drops them
// unexpanded.
#pragma once

namespace rule_cases {

// What the Bochs differential does with a case (one case per rule row it
// covers: profile can influence it, configgen checks it, the hypervisor
// names it).
enum class Oracle {
  none,           // not the row's differential case (another case of the rule, or a row outside it)
  boot,           // boot it past configgen: Bochs must refuse the entry and the hypervisor name the rule
  bochs_accepts,  // boot it: Bochs lets the entry through although the SDM refuses it (the reason says what Bochs omits)
  hypervisor_keeps,  // boot it: the entry goes through because the hypervisor writes the VMCS so the rule holds (the reason says how)
  not_booted,     // the case cannot reach Bochs's entry checks (the reason says why)
};

inline const char* oracle_name(Oracle o) {
  switch (o) {
    case Oracle::none: return "none";
    case Oracle::boot: return "boot";
    case Oracle::bochs_accepts: return "Bochs accepts";
    case Oracle::hypervisor_keeps: return "hypervisor keeps the rule";
    case Oracle::not_booted: return "not booted";
  }
  return "?";
}

}  // namespace rule_cases
