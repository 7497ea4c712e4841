// Host-side helpers over the project's word tables (vmm/blob/vocabulary.def
// via blob/vocabulary.h): the profile words of a table, the word of a value,
// and the choice lists of the key table and schema.
#pragma once
#include <string>
#include <vector>

#include "blob/vocabulary.h"

namespace configgen::model {

// The words a profile may write (entries without a word, such as
// HookId::None, are not profile words).
template <typename E, uint32_t N>
std::vector<std::string> profile_words(const blob::Word<E> (&table)[N]) {
  std::vector<std::string> out;
  for (const auto& w : table)
    if (*w.word) out.push_back(w.word);
  return out;
}

// The entries behind profile_words(), in the same order.
template <typename E, uint32_t N>
std::vector<const blob::Word<E>*> profile_entries(const blob::Word<E> (&table)[N]) {
  std::vector<const blob::Word<E>*> out;
  for (const auto& w : table)
    if (*w.word) out.push_back(&w);
  return out;
}

// "a|b|c": the key table's choice list.
template <typename E, uint32_t N>
std::string choices(const blob::Word<E> (&table)[N]) {
  std::string out;
  for (const auto& w : profile_words(table)) out += (out.empty() ? "" : "|") + w;
  return out;
}

// Which built-in hooks each place takes: the reader accepts these, the
// schema enumerates them.
inline bool is_ept_hook(blob::HookId h) { return h == blob::HookId::LocalApic; }
inline bool is_exit_hook(blob::HookId h) { return h == blob::HookId::SysenterTrap || h == blob::HookId::IntDelivery; }

// EPT memory types (SDM 28.3.7, Table 11-2): the profile's words, the
// SDM's values the blob stores, and the SDM's names. The parser and inspect
// read this one table.
struct MemoryType {
  const char* word;
  uint32_t value;
  const char* sdm_name;
};
inline constexpr MemoryType kMemoryTypes[] = {
    {"uc", 0, "Uncacheable"}, {"wc", 1, "Write Combining"}, {"wt", 4, "Write-through"},
    {"wp", 5, "Write-protected"}, {"wb", 6, "Write-back"},
};
inline const MemoryType* find_memory_type(uint32_t value) {
  for (const auto& t : kMemoryTypes)
    if (t.value == value) return &t;
  return nullptr;
}

template <typename E, uint32_t N>
std::string word(const blob::Word<E> (&table)[N], E value) {
  const char* w = blob::word_of(table, uint32_t(value));
  return w ? w : "?";
}

}  // namespace configgen::model
