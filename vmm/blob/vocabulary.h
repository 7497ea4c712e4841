// The project's own words as tables (blob/vocabulary.def), for everything
// that spells them: configgen's parser, lowering, inspect, docs and schema,
// and the hypervisor's report. The enums themselves are in blob/format.h.
// Freestanding-safe: no library beyond <stdint.h>.
#pragma once
#include <stdint.h>

#include "blob/format.h"

namespace blob {

template <typename E>
struct Word {
  E value;
  const char* word;  // "" = not a profile word (e.g. HookId::None)
  const char* description;
  const char* sdm_section;
  const char* book_section;
};

inline constexpr Word<GuestMode> kGuestModes[] = {
#define GUEST_MODE(id, word, value, description, sdm, book) {GuestMode::id, word, description, sdm, book},
#include "blob/vocabulary.def"
};
inline constexpr Word<RegionKind> kRegionKinds[] = {
#define REGION_KIND(id, word, value, description, sdm, book) {RegionKind::id, word, description, sdm, book},
#include "blob/vocabulary.def"
};
inline constexpr Word<ImageFormat> kImageFormats[] = {
#define IMAGE_FORMAT(id, word, value, description, sdm, book) {ImageFormat::id, word, description, sdm, book},
#include "blob/vocabulary.def"
};
inline constexpr Word<TimerAction> kTimerActions[] = {
#define TIMER_ACTION(id, word, value, description, sdm, book) {TimerAction::id, word, description, sdm, book},
#include "blob/vocabulary.def"
};
inline constexpr Word<Action> kActions[] = {
#define EXIT_ACTION(id, word, value, description, sdm, book) {Action::id, word, description, sdm, book},
#include "blob/vocabulary.def"
};
inline constexpr Word<HookId> kHooks[] = {
#define HOOK(id, word, value, description, sdm, book) {HookId::id, word, description, sdm, book},
#include "blob/vocabulary.def"
};
inline constexpr Word<EventType> kEventTypes[] = {
#define EVENT_TYPE(id, word, value, description, sdm, book) {EventType::id, word, description, sdm, book},
#include "blob/vocabulary.def"
};
inline constexpr Word<Outcome> kOutcomes[] = {
#define OUTCOME(id, word, value, description, sdm, book) {Outcome::id, word, description, sdm, book},
#include "blob/vocabulary.def"
};

// The word of a value, or null for a value the table does not hold (a
// corrupt blob field, read by inspect or the hypervisor's reader).
template <typename E, uint32_t N>
constexpr const char* word_of(const Word<E> (&table)[N], uint32_t value) {
  for (const Word<E>& w : table)
    if (uint32_t(w.value) == value) return w.word;
  return nullptr;
}

// The entry whose word is `word`, or null: for readers of the words the
// hypervisor prints (the verdict reads outcome words back from the log).
template <typename E, uint32_t N>
constexpr const Word<E>* find_word(const Word<E> (&table)[N], const char* word) {
  for (const Word<E>& w : table) {
    const char *a = w.word, *b = word;
    while (*a && *a == *b) ++a, ++b;
    if (*a == *b && *w.word) return &w;
  }
  return nullptr;
}

// Whether a blob field holds a value of the table (the reader's check).
template <typename E, uint32_t N>
constexpr bool is_known(const Word<E> (&table)[N], uint32_t value) {
  return word_of(table, value) != nullptr;
}

}  // namespace blob
