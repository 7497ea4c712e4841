// From the located tree to model::Profile: every key checked against the
// key table (model/keys.cpp), every value converted with a diagnostic on
// failure. All problems are reported, not just the first.
#pragma once
#include <string>

#include "model/diagnostics.h"
#include "model/profile.h"

namespace configgen::parse {

struct ReadOptions {
  std::string build_dir;  // expands ${build} in image paths
};

// Reads PATH (with its includes) into `out`. Returns false when it could not
// be read at all; other problems are in `diags`.
bool read_profile(const std::string& path, const ReadOptions& options, model::Profile& out, Diagnostics& diags);

}  // namespace configgen::parse
