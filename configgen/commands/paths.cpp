#include "commands/paths.h"

#include <algorithm>
#include <cstring>

namespace configgen::commands {

std::string paths_text(const install::DataPaths& data, const std::string& scratch, const std::string& scratch_error) {
  size_t width = std::strlen("scratch");
  for (const auto& i : install::data_items()) width = std::max(width, std::strlen(i.name));
  auto column = [width](const std::string& name) { return name + std::string(width + 2 - name.size(), ' '); };
  std::string s = "data: " + data.describe_origin() + "\n";
  for (const auto& i : install::data_items()) {
    const std::string& path = data.path(i.item);
    std::string state;
    if (path.empty()) state = "(not part of this layout)";
    else state = path + (data.found(i.item) ? "" : i.required ? "  MISSING" : "  missing");
    s += column(i.name) + state + "  [" + i.used_for + "]\n";
  }
  s += column("scratch") + (scratch.empty() ? "(none: " + scratch_error + ")" : scratch + "  [runs/ and images/ of run and image]") + "\n";
  return s;
}

bool required_paths_found(const install::DataPaths& data) {
  for (const auto& i : install::data_items())
    if (i.required && !data.found(i.item)) return false;
  return true;
}

}  // namespace configgen::commands
