// `configgen inspect --json`: a verified blob as a typed document (numbers as
// numbers, flags as booleans, lists as arrays of objects, names from the
// tables), described by docs/inspect.schema.json (`configgen schema
// --inspect`). `diff` compares two of these field by field.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace configgen::commands {

// The document, or nullopt with `error` when the blob does not verify.
std::optional<nlohmann::ordered_json> inspect_document(const std::vector<uint8_t>& bytes, std::string& error);

// The JSON Schema (draft 2020-12) every inspect_document() satisfies; its
// enums are the tables' names.
nlohmann::ordered_json inspect_schema();

}  // namespace configgen::commands
