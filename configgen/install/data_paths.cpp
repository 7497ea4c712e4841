#include "install/data_paths.h"


#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

// The GNUInstallDirs locations the install rules used, relative to the
// prefix (CMakeLists.txt refuses absolute ones): they are what makes an
// installed tree relocatable, since PREFIX is found from the executable.
#if !defined(VTX_INSTALL_BINDIR) || !defined(VTX_INSTALL_LIBDIR) || !defined(VTX_INSTALL_DATADIR)
#error "VTX_INSTALL_BINDIR, VTX_INSTALL_LIBDIR and VTX_INSTALL_DATADIR come from configgen/CMakeLists.txt"
#endif

namespace configgen::install {
namespace fs = std::filesystem;
namespace {

enum class Base { Build, Source, Lib, Data, None };

struct Layout {
  Base build_base;
  const char* build_path;
  Base installed_base;
  const char* installed_path;
};

constexpr std::array<Layout, kDataItemCount> kLayouts = {{
#define DATA_ITEM(id, name, build_base, build_path, installed_base, installed_path, required, used_for, instead) \
  {Base::build_base, build_path, Base::installed_base, installed_path},
#include "install/data_items.def"
}};

constexpr std::array<DataItemInfo, kDataItemCount> kInfo = {{
#define DATA_ITEM(id, name, build_base, build_path, installed_base, installed_path, required, used_for, instead) \
  {DataItem::id, name, used_for, instead, required},
#include "install/data_items.def"
}};

bool path_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}
bool directory_exists(const fs::path& p) {
  std::error_code ec;
  return fs::is_directory(p, ec);
}

// A relative directory's components ("bin" -> {"bin"}, "lib/x86_64-linux-gnu" -> two).
size_t depth(const char* relative) {
  size_t n = 0;
  for (const auto& part : fs::path(relative)) n += !part.empty() && part != ".";
  return n;
}

// Each item's path in the build layout or the installed one, given the bases
// (indexed by Base), and whether it exists.
void fill(DataPaths& d, bool build, const std::array<fs::path, 5>& bases) {
  for (size_t i = 0; i < kDataItemCount; ++i) {
    const Layout& l = kLayouts[i];
    const Base base = build ? l.build_base : l.installed_base;
    const char* rel = build ? l.build_path : l.installed_path;
    if (base == Base::None) continue;
    d.paths[i] = (bases[size_t(base)] / rel).lexically_normal().string();
    d.present[i] = path_exists(d.paths[i]);
  }
}

// The marker's key=value lines; nullopt when it cannot be read.
std::optional<std::map<std::string, std::string>> read_marker(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  std::map<std::string, std::string> keys;
  for (std::string line; std::getline(in, line);)
    if (const size_t eq = line.find('='); eq != std::string::npos) keys[line.substr(0, eq)] = line.substr(eq + 1);
  return keys;
}

// A data directory (option or environment) has the installed layout with
// LIBDIR/vtx and DATADIR/vtx as one directory.
DataPaths in_data_dir(const std::string& dir, Origin origin, const std::string& executable) {
  DataPaths d;
  d.origin = origin;
  d.executable = executable;
  d.root = fs::path(dir).lexically_normal().string();
  if (!directory_exists(dir)) d.rejected.push_back(dir + " (not a directory)");
  const fs::path root(dir);
  fill(d, false, {fs::path(), fs::path(), root, root, fs::path()});
  return d;
}

}  // namespace

const DataItemInfo& info(DataItem item) { return kInfo[size_t(item)]; }
const std::array<DataItemInfo, kDataItemCount>& data_items() { return kInfo; }

DataPaths locate_data(const LocateInputs& in) {
  if (!in.data_dir_option.empty()) return in_data_dir(in.data_dir_option, Origin::DataDirOption, in.executable);
  if (!in.data_dir_environment.empty()) return in_data_dir(in.data_dir_environment, Origin::DataDirEnvironment, in.executable);

  DataPaths d;
  d.executable = in.executable;
  const fs::path exe_dir = fs::path(in.executable).parent_path();

  // The build tree first: an installed configgen is never beside a marker.
  const fs::path marker = exe_dir / kBuildTreeMarker;
  if (auto keys = read_marker(marker)) {
    const std::string source = (*keys)["source_dir"], build = (*keys)["build_dir"];
    if (!source.empty() && !build.empty()) {
      d.origin = Origin::BuildTree;
      d.root = build;
      d.source_dir = source;
      fill(d, true, {fs::path(build), fs::path(source), fs::path(), fs::path(), fs::path()});
      return d;
    }
    d.rejected.push_back(marker.string() + " (no source_dir= and build_dir= lines)");
  }

  // PREFIX/BINDIR/configgen: strip BINDIR's components from the executable's directory.
  fs::path prefix = exe_dir;
  const size_t up = depth(VTX_INSTALL_BINDIR);
  for (size_t i = 0; i < up && !prefix.empty(); ++i) prefix = prefix.parent_path();
  const fs::path lib = prefix / VTX_INSTALL_LIBDIR / "vtx", data = prefix / VTX_INSTALL_DATADIR / "vtx";
  const bool bindir_matches = (prefix / VTX_INSTALL_BINDIR).lexically_normal() == exe_dir.lexically_normal();
  d.root = prefix.lexically_normal().string();
  if (bindir_matches && (directory_exists(lib) || directory_exists(data))) {
    d.origin = Origin::InstalledTree;
  } else {
    d.origin = Origin::NotFound;
    if (!path_exists(marker)) d.rejected.push_back(marker.string() + " (no build-tree marker)");
    d.rejected.push_back(lib.lexically_normal().string() + " and " + data.lexically_normal().string() + " (no installed tree)");
  }
  // NotFound keeps the installed candidates so that an error names them.
  fill(d, false, {fs::path(), fs::path(), lib, data, fs::path()});
  if (d.origin == Origin::NotFound) d.present.fill(false);
  return d;
}

std::string DataPaths::describe_origin() const {
  switch (origin) {
    case Origin::DataDirOption:
      return "data directory " + root + " (--data-dir)";
    case Origin::DataDirEnvironment:
      return "data directory " + root + " ($" + std::string(kDataDirEnvironment) + ")";
    case Origin::BuildTree:
      return "build tree " + root + " (source " + source_dir + "; configgen at " + executable + ")";
    case Origin::InstalledTree:
      return "installed tree " + root + " (configgen at " + executable + ")";
    case Origin::NotFound:
      break;
  }
  return "no data directory: " + executable + " is in neither a build tree nor an installed tree";
}

std::string DataPaths::require(DataItem item, std::string& error) const {
  if (found(item)) return path(item);
  const DataItemInfo& i = info(item);
  std::string looked = path(item).empty() ? std::string(i.name) + " is not part of an installation"
                                          : std::string(i.name) + " not found at " + path(item);
  looked += " (" + describe_origin() + ")";
  for (const auto& r : rejected) looked += "; looked at " + r;
  error = looked + ". Give --data-dir DIR or set " + kDataDirEnvironment + "=DIR to a directory holding " + i.name +
          (kLayouts[size_t(item)].installed_base == Base::None ? "" : " (as PREFIX/lib/vtx and PREFIX/share/vtx do)") +
          (*i.instead ? std::string(", or ") + i.instead + " for one command" : std::string());
  return {};
}

std::string self_executable() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : p.string();
}

namespace {
std::string& chosen_data_dir() {
  static std::string dir;
  return dir;
}
}  // namespace

void use_data_dir(const std::string& data_dir_option) { chosen_data_dir() = data_dir_option; }

const DataPaths& data_paths() {
  // Located on first use, after main has passed --data-dir.
  static const DataPaths located = [] {
    const char* env = std::getenv(kDataDirEnvironment);
    return locate_data({self_executable(), chosen_data_dir(), env ? env : ""});
  }();
  return located;
}

std::string image_root() {
  const std::string& images = data_paths().path(DataItem::guest_images);
  return images.empty() ? std::string() : fs::path(images).parent_path().string();
}

std::string scratch_directory(const ScratchInputs& in, std::string& error) {
  if (!in.build_dir_option.empty()) return in.build_dir_option;
  // The XDG base directory specification: a relative $XDG_CACHE_HOME is invalid and ignored.
  if (!in.xdg_cache_home.empty() && in.xdg_cache_home.front() == '/') return (fs::path(in.xdg_cache_home) / "vtx").string();
  if (!in.home.empty()) return (fs::path(in.home) / ".cache" / "vtx").string();
  error = "no scratch directory for runs and images: give --build-dir DIR (or set XDG_CACHE_HOME or HOME)";
  return {};
}

ScratchInputs scratch_inputs_from_environment(const std::string& build_dir_option) {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  return {build_dir_option, xdg ? xdg : "", home ? home : ""};
}

}  // namespace configgen::install
