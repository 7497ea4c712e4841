// Documentation and editor support generated from the tables: the profile
// reference (Markdown), `explain NAME`, and the JSON Schema.
#pragma once
#include <string>

namespace configgen::commands {
std::string profile_reference_markdown();
std::string json_schema();
// The owned-resources tables of docs/isolation.md ("Resources and grants"),
// from vmm/platform/owned_resources.def; the doc holds them between
// <!-- owned-resources:begin --> and <!-- owned-resources:end -->.
std::string owned_resources_markdown();
// docs/sdm-coverage.md: the VM-entry rules of vmm/arch/entry_rules.def and
// which half of the project checks each (`configgen docs --sdm-coverage`).
std::string sdm_coverage_markdown();
// What NAME means: a profile key path, a control, an exit reason, an
// exception mnemonic, an MSR or a VMCS field. Empty when unknown.
std::string explain(const std::string& name);
// The closest name `explain` knows, for "did you mean"; empty when none is near.
std::string closest_explainable(const std::string& name);
}  // namespace configgen::commands
