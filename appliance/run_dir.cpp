#include "appliance/run_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <regex>
#include <vector>

namespace appliance {

std::string make_fresh_run_dir(const std::string& parent, const std::string& prefix, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    error = "cannot create " + parent + ": " + ec.message();
    return {};
  }
  const std::string pattern = parent + "/" + prefix + "-XXXXXX";
  std::vector<char> path(pattern.begin(), pattern.end());
  path.push_back('\0');
  if (!mkdtemp(path.data())) {
    error = "cannot create a run directory under " + parent + ": " + std::strerror(errno);
    return {};
  }
  return path.data();
}

int prune_run_dirs(const std::string& parent, size_t keep) {
  namespace fs = std::filesystem;
  static const std::regex ours(R"(.+-(bochs|qemu)-(cdrom|net|kernel)-[A-Za-z0-9]{6})");
  std::vector<std::pair<fs::file_time_type, fs::path>> runs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    if (!entry.is_directory(ec) || !std::regex_match(entry.path().filename().string(), ours)) continue;
    runs.emplace_back(fs::last_write_time(entry.path(), ec), entry.path());
  }
  if (runs.size() <= keep) return 0;
  std::sort(runs.begin(), runs.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  int removed = 0;
  for (size_t i = keep; i < runs.size(); ++i)
    if (fs::remove_all(runs[i].second, ec) > 0 && !ec) ++removed;
  return removed;
}

}  // namespace appliance
