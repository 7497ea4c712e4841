// Documentation and editor support generated from the tables: the profile
// reference (Markdown), `explain NAME`, and the JSON Schema.
#pragma once
#include <string>

namespace configgen::commands {
std::string profile_reference_markdown();
// docs/profile.schema.json (commands/schema.cpp): the key table, with every
// named value enumerated from its table, for yaml-language-server.
std::string json_schema();
// The schema's patterns (ECMAScript) for what parse/scalars.cpp accepts as
// text: integers, sizes, ports or port ranges, times. Exposed so a test
// compares them with the parser.
std::string integer_pattern();
std::string size_pattern();
std::string port_pattern();
std::string time_pattern();
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
