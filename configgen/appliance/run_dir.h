// Where `configgen run` builds and boots when no --keep directory is given:
// a new directory per run under the build tree, so concurrent runs (CTest -j,
// two terminals) never share a serial log.
#pragma once
#include <string>

namespace configgen::appliance {

// Creates PARENT/PREFIX-XXXXXX (mkdtemp); returns its path, or "" with `error` set.
std::string make_fresh_run_dir(const std::string& parent, const std::string& prefix, std::string& error);

}  // namespace configgen::appliance
