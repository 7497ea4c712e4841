// Where `configgen run` builds and boots when no --keep directory is given:
// a new directory per run under the build tree, so concurrent runs (CTest -j,
// two terminals) never share a serial log.
#pragma once
#include <string>

namespace appliance {

// Creates PARENT/PREFIX-XXXXXX (mkdtemp); returns its path, or "" with `error` set.
std::string make_fresh_run_dir(const std::string& parent, const std::string& prefix, std::string& error);

// Removes all but the `keep` newest run directories (names as made above:
// STEM-EMULATOR-BOOT-XXXXXX) under `parent`, so that repeated `make demo`
// runs do not fill the disk with ISOs. Returns how many were removed.
int prune_run_dirs(const std::string& parent, size_t keep);

}  // namespace appliance
