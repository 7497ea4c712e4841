// Every profile key, once: its path, the kind of value, what it means, and
// where the SDM and the book explain it. The reader's unknown-key checks, the
// generated docs/profile-reference.md and the JSON Schema all come from this
// table. Paths use `[]` for list items and `*` for user-chosen map keys.
#pragma once
#include <string>
#include <vector>

namespace configgen::model {

// Switch: a device that is on or off (a boolean), or on with options (a map of its keys).
enum class KeyKind { Map, List, String, Integer, Size, Boolean, Number, NameList, Any, Switch };

struct KeyInfo {
  const char* path;
  KeyKind kind;
  const char* description;
  const char* sdm;   // SDM section, "" when none
  const char* book;  // book section, "" when none
  const char* values = "";  // allowed words for enumerations, '|' separated
};

const std::vector<KeyInfo>& profile_keys();
// Keys directly under `path` (e.g. "guests[].entry").
const std::vector<const KeyInfo*>& children_of(const std::string& path);
const KeyInfo* find_key(const std::string& path);
const char* kind_name(KeyKind k);

}  // namespace configgen::model
