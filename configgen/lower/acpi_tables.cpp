#include "lower/acpi_tables.h"

#include <cstring>
#include <string>

namespace configgen::lower {
namespace {
constexpr char kOemId[] = "VTXAPP";        // 6 bytes
constexpr char kOemTableId[] = "CONFIGEN";  // 8 bytes
constexpr uint32_t kHeaderBytes = 36;

void put(std::vector<uint8_t>& b, size_t at, const void* p, size_t n) { std::memcpy(b.data() + at, p, n); }
template <typename T>
void put(std::vector<uint8_t>& b, size_t at, T v) { std::memcpy(b.data() + at, &v, sizeof v); }

// The bytes from `at` sum to 0 (mod 256) with the checksum byte set.
void checksum(std::vector<uint8_t>& b, size_t at, size_t length, size_t checksum_at) {
  b[checksum_at] = 0;
  uint8_t sum = 0;
  for (size_t i = 0; i < length; ++i) sum = uint8_t(sum + b[at + i]);
  b[checksum_at] = uint8_t(-sum);
}

// A system description table header (ACPI 5.2.6) at `at`, of `length` bytes.
void header(std::vector<uint8_t>& b, size_t at, const char (&signature)[5], uint32_t length, uint8_t revision) {
  put(b, at, signature, 4);
  put<uint32_t>(b, at + 4, length);
  b[at + 8] = revision;
  put(b, at + 10, kOemId, 6);
  put(b, at + 16, kOemTableId, 8);
  put<uint32_t>(b, at + 24, 1);         // OEM revision
  put(b, at + 28, "VTXA", 4);           // creator ID
  put<uint32_t>(b, at + 32, 1);         // creator revision
}
}  // namespace

std::vector<uint8_t> build_acpi_tables(const AcpiLayout& l) {
  // Layout from kAcpiTablesGpa: RSDP (36 B) | RSDT | XSDT | MADT | FADT | DSDT, each 16-byte aligned.
  auto align = [](uint32_t x) { return (x + 15) & ~15u; };
  const uint32_t rsdp = 0, rsdt = align(36), rsdt_len = kHeaderBytes + 2 * 4;
  const uint32_t xsdt = align(rsdt + rsdt_len), xsdt_len = kHeaderBytes + 2 * 8;
  const uint32_t madt = align(xsdt + xsdt_len), madt_len = kHeaderBytes + 8 + 8 * l.cpu_count + 12;
  const uint32_t fadt = align(madt + madt_len), fadt_len = 244;  // FADT revision 3 (ACPI 2.0)
  const uint32_t dsdt = align(fadt + fadt_len), dsdt_len = kHeaderBytes;
  std::vector<uint8_t> b(align(dsdt + dsdt_len), 0);
  const auto gpa = [](uint32_t offset) { return uint32_t(kAcpiTablesGpa + offset); };

  // RSDP, ACPI 2.0 form (5.2.5.3): the first 20 bytes have their own checksum.
  put(b, rsdp, "RSD PTR ", 8);
  put(b, rsdp + 9, kOemId, 6);
  b[rsdp + 15] = 2;  // revision: ACPI 2.0 and later
  put<uint32_t>(b, rsdp + 16, gpa(rsdt));
  put<uint32_t>(b, rsdp + 20, 36);
  put<uint64_t>(b, rsdp + 24, gpa(xsdt));
  checksum(b, rsdp, 20, rsdp + 8);
  checksum(b, rsdp, 36, rsdp + 32);

  header(b, rsdt, "RSDT", rsdt_len, 1);
  put<uint32_t>(b, rsdt + 36, gpa(madt));
  put<uint32_t>(b, rsdt + 40, gpa(fadt));
  checksum(b, rsdt, rsdt_len, rsdt + 9);

  header(b, xsdt, "XSDT", xsdt_len, 1);
  put<uint64_t>(b, xsdt + 36, gpa(madt));
  put<uint64_t>(b, xsdt + 44, gpa(fadt));
  checksum(b, xsdt, xsdt_len, xsdt + 9);

  // MADT (5.2.12): local APIC address, flags 0 (no 8259 pair), then the entries.
  header(b, madt, "APIC", madt_len, 3);
  put<uint32_t>(b, madt + 36, l.local_apic_address);
  uint32_t at = madt + 44;
  for (uint32_t cpu = 0; cpu < l.cpu_count; ++cpu, at += 8) {
    b[at] = 0;  // Processor Local APIC
    b[at + 1] = 8;
    b[at + 2] = uint8_t(cpu);  // ACPI processor UID
    b[at + 3] = uint8_t(l.first_apic_id + cpu);  // APIC ID
    put<uint32_t>(b, at + 4, 1);  // enabled
  }
  b[at] = 1;  // I/O APIC
  b[at + 1] = 12;
  b[at + 2] = uint8_t(l.first_apic_id + l.cpu_count);  // its ID, after the CPUs'
  put<uint32_t>(b, at + 4, l.io_apic_address);
  put<uint32_t>(b, at + 8, 0);  // global system interrupt base
  checksum(b, madt, madt_len, madt + 9);

  // FADT (5.2.9): no SMI command port (ACPI mode is always on), no PM
  // blocks; only the DSDT pointers are set.
  header(b, fadt, "FACP", fadt_len, 3);
  put<uint32_t>(b, fadt + 40, gpa(dsdt));
  put<uint64_t>(b, fadt + 140, gpa(dsdt));  // X_DSDT
  checksum(b, fadt, fadt_len, fadt + 9);

  header(b, dsdt, "DSDT", dsdt_len, 2);  // no AML: nothing to describe
  checksum(b, dsdt, dsdt_len, dsdt + 9);
  return b;
}

}  // namespace configgen::lower
