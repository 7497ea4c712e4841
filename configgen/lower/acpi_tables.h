// ACPI tables for a guest (devices.acpi), as firmware would leave them for
// a kernel to find (ACPI 6.x, 5.2): the RSDP on a 16-byte boundary in the
// BIOS area (0xE0000-0xFFFFF, where a kernel scans for "RSD PTR "), an RSDT
// and an XSDT, a MADT with one Processor Local APIC entry per vCPU and an
// I/O APIC entry, and a FADT pointing at an empty DSDT.
#pragma once
#include <cstdint>
#include <vector>

namespace configgen::lower {

inline constexpr uint64_t kAcpiTablesGpa = 0xE0000;  // the RSDP comes first

struct AcpiLayout {
  uint32_t cpu_count = 1;
  // The first processor's APIC ID, the others' following: the hypervisor
  // numbers a guest's vCPUs 0..n-1, and gives a guest of one vCPU its index
  // among the guests (vmm/exits/virtual_apic.cpp reset_virtual_apic).
  uint32_t first_apic_id = 0;
  uint32_t local_apic_address = 0xFEE00000;
  uint32_t io_apic_address = 0xFEC00000;
};

// The tables' bytes, to be placed at kAcpiTablesGpa.
std::vector<uint8_t> build_acpi_tables(const AcpiLayout& layout);

}  // namespace configgen::lower
