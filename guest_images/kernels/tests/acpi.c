/* The ACPI tables a kernel finds without a loader's help (ACPI 6.x, 5.2):
 * the RSDP by its signature in the BIOS area, the RSDT, the MADT's
 * processors and I/O APIC, and the FADT, every checksum valid. */
#include "kernel.h"

struct sdt_header {
  char signature[4];
  uint32_t length;
  uint8_t revision, checksum;
  char oem[6], oem_table[8];
  uint32_t oem_revision, creator, creator_revision;
} __attribute__((packed));

static int sums_to_zero(const void* p, uint32_t n) {
  uint8_t sum = 0;
  for (uint32_t i = 0; i < n; ++i) sum = (uint8_t)(sum + ((const uint8_t*)p)[i]);
  return sum == 0;
}
static int signature_is(const char* p, const char* s, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i)
    if (p[i] != s[i]) return 0;
  return 1;
}

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  (void)magic, (void)info;
  const uint8_t* rsdp = 0;
  for (uint32_t at = 0xE0000; at < 0x100000 && !rsdp; at += 16)
    if (signature_is((const char*)at, "RSD PTR ", 8) && sums_to_zero((const void*)at, 20)) rsdp = (const uint8_t*)at;
  CHECK(rsdp != 0, "an RSDP with a valid checksum lies in the BIOS area");
  if (!rsdp) return failures;
  const struct sdt_header* rsdt = (const struct sdt_header*)*(const uint32_t*)(rsdp + 16);
  CHECK(signature_is(rsdt->signature, "RSDT", 4) && sums_to_zero(rsdt, rsdt->length), "the RSDT is valid");
  const struct sdt_header *madt = 0, *fadt = 0;
  const uint32_t* entries = (const uint32_t*)(rsdt + 1);
  for (uint32_t i = 0; i < (rsdt->length - sizeof *rsdt) / 4; ++i) {
    const struct sdt_header* t = (const struct sdt_header*)entries[i];
    if (signature_is(t->signature, "APIC", 4)) madt = t;
    if (signature_is(t->signature, "FACP", 4)) fadt = t;
  }
  CHECK(madt && sums_to_zero(madt, madt->length), "the RSDT lists a valid MADT");
  CHECK(fadt && sums_to_zero(fadt, fadt->length), "the RSDT lists a valid FADT");
  if (!madt) return failures;
  uint32_t cpus = 0, io_apics = 0, io_apic_address = 0, cpu_apic_id = 0x100;
  const uint8_t* end = (const uint8_t*)madt + madt->length;
  for (const uint8_t* e = (const uint8_t*)madt + 44; e + 2 <= end && e[1] >= 2; e += e[1]) {
    if (e[0] == 0 && (*(const uint32_t*)(e + 4) & 1)) ++cpus, cpu_apic_id = e[3];
    if (e[0] == 1) ++io_apics, io_apic_address = *(const uint32_t*)(e + 4);
  }
  put_line("madt cpus", cpus);
  put_line("madt io apics", io_apics);
  CHECK(*(const uint32_t*)((const uint8_t*)madt + 36) == 0xFEE00000u, "the MADT puts the local APIC at 0xfee00000");
  CHECK(cpus == 1, "the MADT lists one enabled processor");
  put_line("madt apic id", cpu_apic_id);
  CHECK(cpu_apic_id == cpuid(1, 0).ebx >> 24, "its APIC ID is this CPU's (CPUID.01H:EBX[31:24])");
  CHECK(io_apics == 1 && io_apic_address == 0xFEC00000u, "the MADT lists one I/O APIC at 0xfec00000");
  return failures;
}
