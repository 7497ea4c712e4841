// The VM-entry rules of SDM 26.2-26.4 as typed C++: one enum value and one
// info row per line of entry_rules.def, so configgen's diagnostics, the
// hypervisor's failed-entry report and docs/sdm-coverage.md name a rule the
// same way. Freestanding-safe: no library beyond <stdint.h>.
#pragma once
#include <stdint.h>

namespace arch {

enum class EntryRule : uint16_t {
#define ENTRY_RULE(ident, id, sdm, summary, profile, configgen, hypervisor) ident,
#include "arch/entry_rules.def"
#undef ENTRY_RULE
};

struct EntryRuleInfo {
  EntryRule rule;
  const char* id;           // as diagnostics spell it, e.g. "cr0-pg-requires-pe"
  const char* sdm_section;  // e.g. "26.3.1.1"; several separated by "; "
  const char* summary;
  bool profile_can_influence;  // some profile key changes the outcome
  bool checked_by_configgen;   // configgen refuses a profile that breaks it
  bool named_by_hypervisor;    // the hypervisor names it after a failed entry
};

inline constexpr EntryRuleInfo kEntryRules[] = {
#define ENTRY_RULE(ident, id, sdm, summary, profile, configgen, hypervisor) \
  {EntryRule::ident, id, sdm, summary, profile, configgen, hypervisor},
#include "arch/entry_rules.def"
#undef ENTRY_RULE
};
inline constexpr uint32_t kEntryRuleCount = sizeof(kEntryRules) / sizeof(kEntryRules[0]);

constexpr bool same_id(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}
constexpr const EntryRuleInfo* find_entry_rule(const char* id) {
  for (const auto& r : kEntryRules)
    if (same_id(r.id, id)) return &r;
  return nullptr;
}
constexpr const EntryRuleInfo& entry_rule(EntryRule r) { return kEntryRules[uint32_t(r)]; }

// Where a check writes the rules that fail: at most `capacity` of them, but
// `count` counts them all (the host-testable checks in vmm/vmx/ share it).
struct EntryRuleSink {
  EntryRule* out;
  uint32_t capacity, count;
  constexpr void fail(EntryRule r) {
    if (count < capacity) out[count] = r;
    ++count;
  }
};

}  // namespace arch
