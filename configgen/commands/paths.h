// `configgen paths`: every data file configgen found and where it came from
// (install/data_paths.h), and the scratch directory of run and image.
#pragma once
#include <string>

#include "install/data_paths.h"

namespace configgen::commands {

// One line for the origin, then one per item: name, path (or why there is
// none), "missing" when it does not exist, and what reads it; then the
// scratch directory (or why there is none).
std::string paths_text(const install::DataPaths& data, const std::string& scratch, const std::string& scratch_error);
// Every required item exists (the command's exit status).
bool required_paths_found(const install::DataPaths& data);

}  // namespace configgen::commands
