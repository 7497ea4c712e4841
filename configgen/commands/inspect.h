// `configgen inspect`: a verified blob in words (controls, exits, exceptions
// and fields by their SDM names, from the one table).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "commands/report_tree.h"

namespace configgen::commands {
// Returns false with `error` when the blob does not verify.
bool describe_blob(const std::vector<uint8_t>& bytes, Item& out, std::string& error);
}  // namespace configgen::commands
