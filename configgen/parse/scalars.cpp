#include "parse/scalars.h"

#include <algorithm>
#include <cctype>

#include "arch/vmx_table.h"

namespace configgen::parse {

std::optional<uint64_t> parse_integer(const std::string& raw) {
  std::string t;
  for (char c : raw)
    if (c != '_') t += c;
  if (t.empty()) return std::nullopt;
  int base = 10;
  size_t start = 0;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) base = 16, start = 2;
  else if (t.size() > 2 && t[0] == '0' && (t[1] == 'b' || t[1] == 'B')) base = 2, start = 2;
  uint64_t v = 0;
  for (size_t i = start; i < t.size(); ++i) {
    const char c = char(std::tolower(static_cast<unsigned char>(t[i])));
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else return std::nullopt;
    if (d >= base) return std::nullopt;
    if (v > (UINT64_MAX - uint64_t(d)) / uint64_t(base)) return std::nullopt;
    v = v * uint64_t(base) + uint64_t(d);
  }
  return start == t.size() ? std::nullopt : std::optional<uint64_t>(v);
}

std::optional<uint64_t> parse_size(const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::string t = text;
  while (!t.empty() && t.back() == 'B') t.pop_back();  // 4KB, 4KiB
  if (t.size() > 1 && t.back() == 'i') t.pop_back();
  uint64_t mult = 1;
  const char last = char(std::toupper(static_cast<unsigned char>(t.empty() ? 0 : t.back())));
  if (!(t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'))) {
    if (last == 'K') mult = 1ull << 10;
    else if (last == 'M') mult = 1ull << 20;
    else if (last == 'G') mult = 1ull << 30;
    if (mult != 1) t.pop_back();
  }
  const auto v = parse_integer(t);
  if (!v || (mult > 1 && *v > UINT64_MAX / mult)) return std::nullopt;
  return *v * mult;
}

std::optional<double> parse_seconds(const std::string& text) {
  size_t i = 0;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double v = 0;
  try {
    v = std::stod(text.substr(0, i));
  } catch (...) {
    return std::nullopt;
  }
  const std::string unit = text.substr(i);
  if (unit == "s") return v;
  if (unit == "ms") return v / 1e3;
  if (unit == "us") return v / 1e6;
  if (unit == "ns") return v / 1e9;
  return std::nullopt;
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = SIZE_MAX;
  for (const auto& c : candidates) {
    const size_t d = edit_distance(word, c);
    if (d < best_d) best_d = d, best = c;
  }
  return best_d <= std::max<size_t>(2, word.size() / 3) ? best : std::string();
}

std::optional<uint64_t> Scalars::integer(const Node* n, const char* what, uint64_t max) {
  if (!n->is_scalar()) {
    diags_.error(n->loc, "type", std::string(what) + " must be an integer");
    return std::nullopt;
  }
  const auto v = parse_integer(n->scalar);
  if (!v) {
    diags_.error(n->loc, "type", std::string(what) + " must be an integer (decimal, 0x hex or 0b binary), not '" + n->scalar + "'");
    return std::nullopt;
  }
  if (*v > max) {
    diags_.error(n->loc, "range", std::string(what) + " is out of range (at most " + std::to_string(max) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<uint64_t> Scalars::size(const Node* n, const char* what) {
  if (!n->is_scalar()) {
    diags_.error(n->loc, "type", std::string(what) + " must be a size");
    return std::nullopt;
  }
  const auto v = parse_size(n->scalar);
  if (!v) diags_.error(n->loc, "type", std::string(what) + " must be a size such as 4096, 0x1000, 4K, 2M or 1G, not '" + n->scalar + "'");
  return v;
}

std::optional<bool> Scalars::boolean(const Node* n, const char* what) {
  if (n->is_scalar()) {
    if (n->scalar == "true" || n->scalar == "yes" || n->scalar == "on") return true;
    if (n->scalar == "false" || n->scalar == "no" || n->scalar == "off") return false;
  }
  diags_.error(n->loc, "type", std::string(what) + " must be true or false");
  return std::nullopt;
}

std::optional<std::string> Scalars::string(const Node* n, const char* what) {
  if (n->is_scalar()) return n->scalar;
  diags_.error(n->loc, "type", std::string(what) + " must be a string");
  return std::nullopt;
}

std::optional<uint32_t> Scalars::permissions(const Node* n) {
  if (!n->is_scalar()) {
    diags_.error(n->loc, "type", "perm must be letters from r, w, x");
    return std::nullopt;
  }
  uint32_t p = 0;
  for (char c : n->scalar) {
    if (c == 'r') p |= 1;
    else if (c == 'w') p |= 2;
    else if (c == 'x') p |= 4;
    else if (c != '-') {
      diags_.error(n->loc, "type", "perm must be letters from r, w, x, not '" + n->scalar + "'");
      return std::nullopt;
    }
  }
  return p;
}

std::optional<uint32_t> Scalars::msr(const Node* n) {
  if (!n->is_scalar()) {
    diags_.error(n->loc, "type", "an MSR is a name or a number");
    return std::nullopt;
  }
  if (auto v = parse_integer(n->scalar)) {
    if (*v > UINT32_MAX) {
      diags_.error(n->loc, "range", "MSR numbers are 32-bit");
      return std::nullopt;
    }
    return uint32_t(*v);
  }
  std::vector<std::string> names;
  for (const auto& m : arch::kMsrs) {
    if (n->scalar == m.profile_name || n->scalar == m.ident) return m.number;
    names.push_back(m.profile_name);
  }
  const std::string near = closest(n->scalar, names);
  diags_.error(n->loc, "unknown-msr", "unknown MSR '" + n->scalar + "'", near.empty() ? "" : "did you mean '" + near + "'?");
  return std::nullopt;
}

std::optional<size_t> Scalars::choice(const Node* n, const std::vector<std::string>& candidates, const char* what,
                                      const char* rule) {
  if (!n->is_scalar()) {
    diags_.error(n->loc, "type", std::string(what) + " must be a name");
    return std::nullopt;
  }
  for (size_t i = 0; i < candidates.size(); ++i)
    if (candidates[i] == n->scalar) return i;
  const std::string near = closest(n->scalar, candidates);
  // Short lists are named in full; long ones (exit reasons) only by the closest.
  std::string allowed;
  if (candidates.size() <= 12)
    for (const auto& c : candidates) allowed += (allowed.empty() ? "" : ", ") + c;
  std::string hint = near.empty() ? "" : "did you mean '" + near + "'?";
  if (!allowed.empty()) hint += (hint.empty() ? "" : " ") + std::string("allowed: ") + allowed;
  diags_.error(n->loc, rule, "unknown " + std::string(what) + " '" + n->scalar + "'", hint);
  return std::nullopt;
}

}  // namespace configgen::parse
