// The host's local APIC in xAPIC mode (SDM Vol. 3 10.4-10.6): the
// hypervisor's own, never a guest's. Boot finds its base in the MADT/MP
// table; SMP start-up and posted-interrupt notifications send IPIs with it.
#pragma once
#include <stdint.h>

namespace platform {

void set_local_apic_base(uint64_t base);
uint64_t local_apic_base();
// Sends an IPI (ICR low word: vector, delivery mode, shorthand) to
// `apic_id` and waits until the APIC has sent it.
void send_ipi(uint32_t apic_id, uint32_t icr_low);
// A fixed interrupt with `vector` to this CPU (ICR shorthand "self"),
// with the APIC software-enabled first so that it is accepted (SVR bit 8).
void send_self_ipi(uint8_t vector);

}  // namespace platform
