// The host's local APIC (SDM Vol. 3 10.4-10.6, 10.12): the hypervisor's
// own, never a guest's. In xAPIC mode its registers are MMIO at the base the
// MADT/MP table gives; in x2APIC mode they are MSRs 0x800 + offset/16 and
// the ICR is one 64-bit MSR with a 32-bit destination. The mode is the one
// the firmware handed over in (IA32_APIC_BASE.EXTD), or x2APIC when the
// command line asks (`x2apic`); every CPU then runs in it. SMP start-up,
// the host's NMIs and posted-interrupt notifications send IPIs with it.
#pragma once
#include <stdint.h>

namespace platform {

void set_local_apic_base(uint64_t base);
uint64_t local_apic_base();
// The BSP, before any IPI: keeps the firmware's mode, or enables x2APIC
// mode when `want_x2apic` and CPUID.01H:ECX[21] says the CPU has it.
// Returns whether the system runs in x2APIC mode.
bool local_apic_init_bsp(bool want_x2apic);
// An AP, before it sends anything: into the system's mode (INIT and SIPI
// leave an AP in the mode it had).
void local_apic_init_ap();
bool x2apic_mode();
// This CPU's APIC ID: the 32-bit x2APIC ID in x2APIC mode (CPUID.0BH:EDX),
// the initial 8-bit one (CPUID.01H:EBX[31:24]) in xAPIC mode.
uint32_t local_apic_id();
// Sends an IPI (ICR low word: vector, delivery mode, shorthand) to
// `apic_id` and, in xAPIC mode, waits until the APIC has sent it.
void send_ipi(uint32_t apic_id, uint32_t icr_low);
// A fixed interrupt with `vector` to this CPU (ICR shorthand "self"),
// with the APIC software-enabled first so that it is accepted (SVR bit 8).
void send_self_ipi(uint8_t vector);

}  // namespace platform
