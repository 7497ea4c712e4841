#include "appliance/run_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace configgen::appliance {

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

}  // namespace configgen::appliance
