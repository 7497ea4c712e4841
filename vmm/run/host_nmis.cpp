#include "run/host_nmis.h"

#include "arch/cpu.h"
#include "console/log.h"
#include "guests/isolation_rules.h"
#include "guests/vcpu.h"

namespace {
// NMIs before this CPU's GS base points at its cpu::PerCpu block (early boot).
volatile uint32_t g_early_nmis;
}  // namespace

// Vector 2 of the host IDT (boot/isr.S), on IST1. Nothing here may block.
extern "C" void host_nmi() {
  const uint64_t gs = arch::rdmsr(arch::Msr::IA32_GS_BASE);
  if (!gs) {
    __atomic_add_fetch(&g_early_nmis, 1, __ATOMIC_RELAXED);
    return;
  }
  cpu::PerCpu& c = *reinterpret_cast<cpu::PerCpu*>(gs);
  __atomic_add_fetch(&c.nmis_in_root, 1, __ATOMIC_RELAXED);
  // Routed before the next entry (route_host_nmis): the fast path, which
  // resumes without the scheduler, is closed until then (guests/fast_path.h).
  if (guests::Vcpu* v = c.current) __atomic_store_n(&v->exits.fast_path_reasons, 0, __ATOMIC_RELAXED);
}

namespace run {

void route_host_nmis(cpu::PerCpu& c, guests::Vcpu* current) {
  if (c.index == 0 && g_early_nmis) {
    const uint32_t early = __atomic_exchange_n(&g_early_nmis, 0, __ATOMIC_ACQ_REL);
    LOG("vmm: NMI handled by the host during boot (%u)", early);
  }
  const uint32_t taken = nmis_taken(c);
  while (c.nmis_routed != taken) {
    const uint32_t count = c.nmis_routed + 1;
    const bool takes = current && current->takes_nmis;
    if (guests::nmi_party(current != nullptr, takes) == guests::NmiParty::Guest) {
      current->nmi_pending = true;
      LOG("vmm: guest %s: NMI taken in VMX root while it was being served: pending for the guest", current->name);
    } else if (current) {
      ++current->nmis_to_host;
      LOG("vmm: NMI handled by the host in VMX root while serving guest %s (it does not take NMIs); %u on this CPU so far",
          current->name, count);
    } else {
      LOG("vmm: NMI handled by the host (no guest being served); %u on this CPU so far", count);
    }
    __atomic_store_n(&c.nmis_routed, count, __ATOMIC_RELEASE);  // after the line: nmi_test waits for it
  }
  if (current) guests::refresh_fast_path(*current);
}

[[noreturn]] void idle_forever(cpu::PerCpu& c) {
  // The last guest may have left NMIs blocked: without virtual NMIs, a VM
  // exit keeps the guest's NMI blocking; an IRET ends it (SDM 31.7.1.2).
  arch::iret_to_self();
  for (;;) {
    route_host_nmis(c, nullptr);
    // An NMI wakes HLT even with interrupts off; its handler returns here.
    asm volatile("cli; hlt" ::: "memory");
  }
}

}  // namespace run
