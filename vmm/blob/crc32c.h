// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the blob checksum.
// One byte per step through a 256-entry table built at compile time (about
// 8 instructions a byte instead of the bitwise form's 70: the blob is
// checked before any guest starts, docs/benchmarks.md); the same code runs
// in the hypervisor and in configgen.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace blob {

inline constexpr uint32_t kCrc32cPolynomial = 0x82F63B78u;

struct Crc32cTable {
  uint32_t entry[256];
};
constexpr Crc32cTable make_crc32c_table() {
  Crc32cTable t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (kCrc32cPolynomial & (0u - (crc & 1u)));
    t.entry[b] = crc;
  }
  return t;
}
inline constexpr Crc32cTable kCrc32cTable = make_crc32c_table();

constexpr uint32_t crc32c_update(uint32_t crc, const uint8_t* data, size_t size) {
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) crc = (crc >> 8) ^ kCrc32cTable.entry[(crc ^ data[i]) & 0xFF];
  return ~crc;
}
// The check value of the CRC32C catalogue: CRC of "123456789".
static_assert([] {
  const uint8_t check[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  return crc32c_update(0, check, sizeof check) == 0xE3069283u;
}());

// CRC over a whole blob with its Header::crc32c field (bytes 12..15) as zero.
uint32_t blob_crc32c(const uint8_t* data, size_t size);

}  // namespace blob
