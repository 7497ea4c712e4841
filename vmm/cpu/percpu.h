// Per-CPU state block (the book's PCB, 1.4.1): one per physical CPU, found
// through GS base. Nothing here is shared between CPUs. Data only, near the
// bottom of the layers: boot fills it (boot/cpu_tables.cpp, boot/smp.cpp),
// vmx, exits and the scheduler read it.
#pragma once
#include <stdint.h>

#include "arch/vmx_capabilities.h"

namespace guests {
struct Vcpu;
}

namespace cpu {

// The most CPUs: every 8-bit xAPIC ID (the MADT's processor-local-APIC
// entries). Only the BSP's block and stacks are static; the APs' are
// allocated for as many CPUs as the MADT lists (allocate_application_processors).
inline constexpr uint32_t kMaxCpus = 256;
inline constexpr uint32_t kStackSize = 32 * 1024;
inline constexpr uint32_t kIstStackSize = 8 * 1024;  // the NMI/#MC/#DF stack (TSS IST1)

struct [[gnu::packed]] Tss64 {
  uint32_t reserved0;
  uint64_t rsp[3];
  uint64_t reserved1;
  uint64_t ist[7];
  uint64_t reserved2;
  uint16_t reserved3;
  uint16_t io_map_base;
};
static_assert(sizeof(Tss64) == 104);

// Host GDT layout, shared by every CPU (selectors are the VMCS host selectors).
inline constexpr uint16_t kCodeSelector = 0x08, kDataSelector = 0x10, kTssSelector = 0x18;

struct alignas(64) PerCpu {
  PerCpu* self;  // at %gs:0
  uint32_t index;
  uint32_t apic_id;
  uint64_t gdt[5];  // null, code, data, TSS (two slots)
  Tss64 tss;
  uint64_t stack_top;
  uint64_t vmxon_region;  // host-physical
  arch::Capabilities caps;
  bool online;       // reached kmain/ap_main
  bool vmx_on;       // VMXON succeeded
  bool done;         // finished its guests
  guests::Vcpu* current;  // VMCS currently loaded on this CPU
  // Controls the capability probe found advertised but not delivered
  // (vmx/probe.h), per control word: guests that use them are refused.
  uint32_t undelivered[arch::kControlWordCount];
  guests::Vcpu* state_owner;  // guest whose non-VMCS state is in the registers (guests/cpu_state.h)
  // NMIs taken in VMX root operation (run/host_nmis.cpp), counted by the handler,
  // routed and reported outside it (the handler cannot take the log lock).
  volatile uint32_t nmis_in_root;
  uint32_t nmis_routed;
  // The first VMWRITE that failed since vmx::build_vmcs began (a field this
  // CPU lacks, or a value it refuses): that guest is refused naming it.
  bool vmwrite_failed;
  uint32_t failed_vmwrite_field;
  uint32_t failed_vmwrite_error;  // VM-instruction error number
};

PerCpu& at(uint32_t index);  // index < the count allocated (the BSP's, 0, always)
PerCpu& this_cpu();
uint32_t cpu_count();
uint64_t stack_top_for(uint32_t index);
uint64_t ist_stack_top_for(uint32_t index);
void set_cpu_count(uint32_t n);
// Per-CPU blocks and stacks for CPUs 1..count-1, zeroed, once memory is set
// up (memory/phys.h); false when there is no room (only the BSP runs).
bool allocate_application_processors(uint32_t count);

}  // namespace cpu
