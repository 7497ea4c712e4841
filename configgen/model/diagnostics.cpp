#include "model/diagnostics.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

namespace configgen {

// A template shared by several guests (extends:) yields the same diagnostic
// once per guest at the same place: keep one.
void Diagnostics::add(Diagnostic d) {
  for (const auto& x : items_)
    if (x.severity == d.severity && x.loc.file == d.loc.file && x.loc.line == d.loc.line && x.loc.column == d.loc.column &&
        x.rule == d.rule && x.message == d.message)
      return;
  items_.push_back(std::move(d));
}
std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

void Diagnostics::error(const model::SourceLoc& loc, std::string rule, std::string message, std::string hint) {
  add({Severity::Error, loc, std::move(rule), std::move(message), std::move(hint)});
}
void Diagnostics::warning(const model::SourceLoc& loc, std::string rule, std::string message, std::string hint) {
  add({Severity::Warning, loc, std::move(rule), std::move(message), std::move(hint)});
}
void Diagnostics::note(const model::SourceLoc& loc, std::string message) {
  items_.push_back({Severity::Note, loc, "", std::move(message), ""});
}
size_t Diagnostics::error_count() const {
  size_t n = 0;
  for (const auto& d : items_) n += d.severity == Severity::Error;
  return n;
}
size_t Diagnostics::warning_count() const {
  size_t n = 0;
  for (const auto& d : items_) n += d.severity == Severity::Warning;
  return n;
}
std::string Diagnostics::summary(bool werror) const {
  const size_t warnings = werror ? warning_count() : 0;
  std::string s = std::to_string(error_count() + warnings) + " error(s)";
  if (warnings) s += " (" + std::to_string(warnings) + " of them warning(s) treated as errors by --werror)";
  return s;
}
bool Diagnostics::has_errors(bool werror) const {
  for (const auto& d : items_)
    if (d.severity == Severity::Error || (werror && d.severity == Severity::Warning)) return true;
  return false;
}

size_t Diagnostics::allow_rule(const std::string& id) {
  size_t n = 0;
  for (auto& d : items_) {
    const bool named = d.rule == id || d.rule.rfind(id + ",", 0) == 0 || d.rule.rfind(id + " ", 0) == 0;
    if (d.severity != Severity::Error || !named) continue;
    d.severity = Severity::Note;
    d.message = "allowed by --allow-rule " + id + " (testing only): " + d.message;
    ++n;
  }
  return n;
}

std::string Diagnostics::render(bool color) const {
  // Bold location, coloured severity, green caret: the text is unchanged.
  auto paint = [color](const char* code, const std::string& text) {
    return color ? std::string("\033[") + code + "m" + text + "\033[0m" : text;
  };
  std::map<std::string, std::vector<std::string>> sources;
  auto line_of = [&](const std::string& file, int line) -> std::string {
    auto it = sources.find(file);
    if (it == sources.end()) {
      std::vector<std::string> lines;
      std::ifstream in(file);
      for (std::string l; std::getline(in, l);) lines.push_back(l);
      it = sources.emplace(file, std::move(lines)).first;
    }
    return line >= 1 && size_t(line) <= it->second.size() ? it->second[size_t(line) - 1] : std::string();
  };
  std::ostringstream out;
  for (const auto& d : items_) {
    const char* sev = d.severity == Severity::Error ? "error" : d.severity == Severity::Warning ? "warning" : "note";
    const char* sev_colour = d.severity == Severity::Error ? "1;31" : d.severity == Severity::Warning ? "1;35" : "1;36";
    out << paint("1", (d.loc.file.empty() ? "<profile>" : d.loc.file) + ':' + std::to_string(d.loc.line) + ':' +
                          std::to_string(d.loc.column) + ':')
        << ' ' << paint(sev_colour, std::string(sev) + ':') << ' ' << d.message;
    if (!d.rule.empty()) out << " [" << d.rule << ']';
    out << '\n';
    const std::string src = d.loc.line > 0 ? line_of(d.loc.file, d.loc.line) : std::string();
    if (!src.empty()) {
      out << "  " << src << '\n' << "  " << std::string(size_t(d.loc.column > 1 ? d.loc.column - 1 : 0), ' ') << paint("1;32", "^") << '\n';
    }
    if (!d.hint.empty()) out << "  " << paint("36", "hint:") << ' ' << d.hint << '\n';
  }
  return out.str();
}

}  // namespace configgen
