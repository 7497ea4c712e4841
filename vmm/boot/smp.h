// Multiprocessor bring-up (book 1.5.2.1): CPUs found in the ACPI MADT,
// application processors started with INIT-SIPI-SIPI, then every CPU runs
// cpu_main once it is released.
#pragma once
#include "blob/reader.h"
#include "boot/boot_info.h"
#include "boot/cmdline.h"
#include "cpu/percpu.h"

namespace boot {
// The two halves of starting the APs, with the BSP's own set-up between them
// to cover the SDM's 10 ms wait: find the CPUs and send each AP an INIT;
// then the Startup IPIs, until each AP waits in ap_main. Sets cpu::cpu_count().
// The MADT is found from the loader's RSDP copy, else by the BIOS-area scan.
void send_init_to_application_processors(const BootInfo& info);
void start_application_processors(const BootInfo& info);
void release_application_processors();
// Per-CPU work: VMX on, capability print, this CPU's guests.
void cpu_main(cpu::PerCpu& c);
void wait_for_all_cpus();
// The nmi_test command-line hook (boot/cmdline.h, docs/isolation.md).
void nmi_test_while_running();
void nmi_test_while_idle();
// An NMI IPI to one CPU (the nmi_test hook's, from the BSP).
void send_nmi(uint32_t apic_id);
}  // namespace boot

const blob::Reader& verified_blob();
const boot::Options& boot_options();
