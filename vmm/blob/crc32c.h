// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the blob checksum.
// Table-free bitwise form: the blob is read once at boot, and the same code
// runs in the hypervisor and in configgen.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace blob {

constexpr uint32_t crc32c_update(uint32_t crc, const uint8_t* data, size_t size) {
  crc = ~crc;
  for (size_t i = 0; i < size; ++i) {
    crc ^= data[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// CRC over a whole blob with its Header::crc32c field (bytes 12..15) as zero.
uint32_t blob_crc32c(const uint8_t* data, size_t size);

}  // namespace blob
