// Scalar conversions with diagnostics: integers (decimal, 0x hex, 0b binary,
// `_` separators), sizes with units (4K, 2M, 1G = 2^10, 2^20, 2^30), booleans,
// EPT permission letters, and names from the SDM tables.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parse/tree.h"

namespace configgen::parse {

std::optional<uint64_t> parse_integer(const std::string& text);
std::optional<uint64_t> parse_size(const std::string& text);
std::optional<double> parse_seconds(const std::string& text);  // "50us", "2ms", "1s"

class Scalars {
 public:
  explicit Scalars(Diagnostics& d) : diags_(d) {}
  std::optional<uint64_t> integer(const Node* n, const char* what, uint64_t max = UINT64_MAX);
  std::optional<uint64_t> size(const Node* n, const char* what);
  std::optional<bool> boolean(const Node* n, const char* what);
  std::optional<std::string> string(const Node* n, const char* what);
  std::optional<uint32_t> permissions(const Node* n);
  std::optional<uint32_t> msr(const Node* n);  // name or number
  // A name from `candidates`; an unknown one is reported with the closest.
  std::optional<size_t> choice(const Node* n, const std::vector<std::string>& candidates, const char* what,
                               const char* rule);

 private:
  Diagnostics& diags_;
};

// Levenshtein distance, for "did you mean".
size_t edit_distance(const std::string& a, const std::string& b);
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace configgen::parse
