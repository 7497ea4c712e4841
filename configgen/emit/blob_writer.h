// Packs a lowered profile into blob v1 bytes: fixed section order, 16-byte
// alignment, zeroed padding, CRC32C last. Deterministic by construction.
#pragma once
#include <cstdint>
#include <vector>

#include "model/lowered.h"

namespace configgen::emit {
std::vector<uint8_t> write_blob(const model::LoweredProfile& p);
}
