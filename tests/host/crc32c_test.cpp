// The two CRC32C forms of blob/crc32c.h must agree: the hypervisor uses the
// SSE4.2 instruction where the CPU has it, configgen and CPUs without it the
// table, and both check the same blobs.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "blob/crc32c.h"

namespace {

TEST(Crc32c, TableGivesTheCatalogueCheckValue) {
  const uint8_t check[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  EXPECT_EQ(blob::crc32c_update(0, check, sizeof check), 0xE3069283u);
}

TEST(Crc32c, InstructionAgreesWithTheTable) {
  if (!blob::crc32c_instruction_available()) GTEST_SKIP() << "this CPU has no SSE4.2 CRC32 instruction";
  const uint8_t check[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  EXPECT_EQ(blob::crc32c_update_instruction(0, check, sizeof check), 0xE3069283u);
  // Every length up to three words and every start within a word, so both
  // the eight-byte steps and the byte tail run from aligned and unaligned
  // addresses; a running value carried in from a previous chunk too.
  std::vector<uint8_t> bytes(64);
  uint32_t x = 0x12345678;
  for (auto& b : bytes) b = uint8_t((x = x * 1103515245u + 12345u) >> 24);
  for (size_t start = 0; start < 8; ++start)
    for (size_t length = 0; start + length <= 32; ++length)
      for (uint32_t seed : {0u, 0xDEADBEEFu}) {
        const uint8_t* p = bytes.data() + start;
        EXPECT_EQ(blob::crc32c_update_instruction(seed, p, length), blob::crc32c_update(seed, p, length))
            << "start " << start << " length " << length << " seed " << seed;
      }
  EXPECT_EQ(blob::crc32c_update_fastest(0, bytes.data(), bytes.size()), blob::crc32c_update(0, bytes.data(), bytes.size()));
}

}  // namespace
