// Where the running configgen's data is (vmm.elf, guest images, targets,
// profiles, the schema: install/data_items.def), found from the executable's
// own path so that a build tree and an installed tree both work wherever they
// are, and from a directory the user names (--data-dir, $VTX_DATA_DIR).
// Nothing here is an absolute path compiled in: a build tree is recognised by
// the marker file CMake writes next to its executables (kBuildTreeMarker), an
// installed tree by its GNUInstallDirs layout relative to PREFIX/bin.
//
// Also the scratch directory of `run` and `image`: --build-dir, else
// $XDG_CACHE_HOME/vtx, else ~/.cache/vtx, never the tree the data came from
// (an installed prefix is usually not writable, and a build tree should not
// fill with runs of an installed tool).
#pragma once
#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace configgen::install {

enum class DataItem {
#define DATA_ITEM(id, name, build_base, build_path, installed_base, installed_path, required, used_for, instead) id,
#include "install/data_items.def"
};
inline constexpr size_t kDataItemCount = 0
#define DATA_ITEM(id, name, build_base, build_path, installed_base, installed_path, required, used_for, instead) +1
#include "install/data_items.def"
    ;

struct DataItemInfo {
  DataItem item;
  const char* name;
  const char* used_for;
  const char* instead;  // what replaces it for one command ("" if nothing)
  bool required;
};
const DataItemInfo& info(DataItem item);
const std::array<DataItemInfo, kDataItemCount>& data_items();

// The file CMake writes beside the build tree's executables (build/bin/):
// `source_dir=` and `build_dir=` lines, the two bases of the build layout.
inline constexpr const char* kBuildTreeMarker = "vtx-build-tree";
inline constexpr const char* kDataDirEnvironment = "VTX_DATA_DIR";

// How the data was found, in the order they are tried.
enum class Origin {
  DataDirOption,       // --data-dir DIR
  DataDirEnvironment,  // $VTX_DATA_DIR
  BuildTree,           // the executable sits beside kBuildTreeMarker
  InstalledTree,       // the executable is PREFIX/BINDIR/configgen and PREFIX holds LIBDIR/vtx or DATADIR/vtx
  NotFound,            // none of these: every item is missing
};

struct DataPaths {
  Origin origin = Origin::NotFound;
  std::string executable;  // what the search started from
  std::string root;        // the data directory, the build directory, or the prefix
  std::string source_dir;  // build tree only
  // Per item: the path this layout gives it (empty: the layout has none,
  // e.g. Bochs outside a build tree), and whether it exists.
  std::array<std::string, kDataItemCount> paths;
  std::array<bool, kDataItemCount> present{};
  // Paths that were looked at and did not qualify, for the error message.
  std::vector<std::string> rejected;

  const std::string& path(DataItem item) const { return paths[size_t(item)]; }
  bool found(DataItem item) const { return present[size_t(item)]; }
  // "installed tree /usr (configgen at /usr/bin/configgen)", for messages.
  std::string describe_origin() const;
  // The item's path, or empty with `error` naming the path(s) looked at and
  // how to override.
  std::string require(DataItem item, std::string& error) const;
};

struct LocateInputs {
  std::string executable;        // normally /proc/self/exe
  std::string data_dir_option;   // --data-dir
  std::string data_dir_environment;  // $VTX_DATA_DIR
};
// Pure apart from reading the file system: the tests give it fake trees.
DataPaths locate_data(const LocateInputs& in);

// The running process's: /proc/self/exe, the --data-dir that main passed to
// use_data_dir (before any command runs), and $VTX_DATA_DIR. Located once.
std::string self_executable();
void use_data_dir(const std::string& data_dir_option);
const DataPaths& data_paths();
// What ${build} in an image path means when --build-dir is not given: the
// directory holding guest_images/ (the build directory, or PREFIX/LIBDIR/vtx).
std::string image_root();

struct ScratchInputs {
  std::string build_dir_option;  // --build-dir
  std::string xdg_cache_home;    // $XDG_CACHE_HOME
  std::string home;              // $HOME
};
// The directory under which `run` keeps runs/ and `image` keeps images/;
// empty with `error` when none can be named.
std::string scratch_directory(const ScratchInputs& in, std::string& error);
ScratchInputs scratch_inputs_from_environment(const std::string& build_dir_option);

}  // namespace configgen::install
