// CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the blob checksum.
// Two forms that give the same value (tests/host/crc32c_test.cpp): the
// SSE4.2 CRC32 instruction, eight bytes per instruction in general
// registers, where CPUID.01H:ECX[20] says the CPU has it; otherwise one byte
// per step through a 256-entry table built at compile time (about 8
// instructions a byte instead of the bitwise form's 70). The blob is checked
// before any guest starts (docs/benchmarks.md "Boot cost"); the same code
// runs in the hypervisor and in configgen.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "arch/cpu.h"

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

// The CRC32 instruction computes CRC32C over its source operand with the
// bit order of the reflected form (SDM Vol. 2A, CRC32: "CRC32C polynomial
// 11EDC6F41H"); it takes and leaves the running value without the
// inversions, as the table loop's body does.
inline bool crc32c_instruction_available() { return arch::cpuid(1).ecx & arch::cpuid1_ecx::SSE4_2; }
inline uint32_t crc32c_update_instruction(uint32_t crc, const uint8_t* data, size_t size) {
  uint64_t c = ~crc;
  for (; size >= 8; size -= 8, data += 8) {
    uint64_t word;
    __builtin_memcpy(&word, data, 8);  // unaligned blob offsets are allowed
    asm("crc32q %1, %0" : "+r"(c) : "rm"(word));
  }
  uint32_t c32 = uint32_t(c);
  for (; size; --size, ++data) asm("crc32b %1, %0" : "+r"(c32) : "rm"(*data));
  return ~c32;
}
// The instruction where the CPU has it, the table otherwise.
inline uint32_t crc32c_update_fastest(uint32_t crc, const uint8_t* data, size_t size) {
  return crc32c_instruction_available() ? crc32c_update_instruction(crc, data, size) : crc32c_update(crc, data, size);
}

// CRC over a whole blob with its Header::crc32c field (bytes 12..15) as zero.
uint32_t blob_crc32c(const uint8_t* data, size_t size);

}  // namespace blob
