#include "appliance/bochs_finder.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>

#include "appliance/process.h"

namespace appliance {
namespace fs = std::filesystem;

int BochsBinary::version_number() const {
  int major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) < 1) return 0;
  return major * 100 + minor;
}

std::string bochs_version_from_banner(const std::string& output) {
  static const std::regex banner(R"(Bochs x86 Emulator ([0-9]+\.[0-9]+(?:\.[0-9]+)?))");
  std::smatch m;
  return std::regex_search(output, m, banner) ? m[1].str() : "";
}

namespace {
std::string on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    const size_t end = dirs.find(':', start);
    const std::string dir = dirs.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}
}  // namespace

BochsBinary find_bochs(const std::string& requested, const std::string& built) {
  BochsBinary b;
  const char* env = std::getenv("VTX_BOCHS");
  if (!requested.empty())
    b.path = requested;
  else if (env && *env)
    b.path = env;
  else if (!built.empty() && access(built.c_str(), X_OK) == 0)
    b.path = built;
  else
    b.path = on_path("bochs");
  if (b.path.empty() || access(b.path.c_str(), X_OK) != 0) {
    b.error = "no Bochs found" + (b.path.empty() ? std::string() : " at " + b.path) +
              " (make deps builds Bochs 3.0 into the build tree; or give --bochs PATH or VTX_BOCHS)";
    return b;
  }
  const ProcessResult r = run_process({b.path, "-n", "-q"}, 10);
  b.version = bochs_version_from_banner(r.output);
  if (b.version.empty()) b.error = b.path + " printed no \"Bochs x86 Emulator\" banner: is it Bochs?";
  return b;
}

}  // namespace appliance
