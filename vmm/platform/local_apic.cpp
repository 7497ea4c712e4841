#include "platform/local_apic.h"

#include "arch/cpu.h"
#include "arch/registers.h"

namespace platform {
namespace {
constexpr uint64_t kDefaultBase = 0xFEE00000;
constexpr uint32_t kSpuriousVector = 0x0F0, kIcrLow = 0x300, kIcrHigh = 0x310;
constexpr uint32_t kApicSoftwareEnable = 1u << 8, kIcrDeliveryPending = 1u << 12, kShorthandSelf = 1u << 18;
// IA32_APIC_BASE (SDM Vol. 3 10.12.1): bit 11 enables the APIC, bit 10 (EXTD) selects x2APIC mode.
constexpr uint64_t kApicEnable = 1ull << 11, kX2apicEnable = 1ull << 10;
constexpr uint32_t kX2apicMsrBase = 0x800, kX2apicIcr = 0x830;
uint64_t g_base = kDefaultBase;
bool g_x2apic = false;

uint32_t x2apic_msr(uint32_t reg) { return kX2apicMsrBase + (reg >> 4); }
void write(uint32_t reg, uint32_t v) {
  if (g_x2apic)
    arch::wrmsr(x2apic_msr(reg), v);
  else
    *reinterpret_cast<volatile uint32_t*>(g_base + reg) = v;
}
uint32_t read(uint32_t reg) {
  return g_x2apic ? uint32_t(arch::rdmsr(x2apic_msr(reg))) : *reinterpret_cast<volatile uint32_t*>(g_base + reg);
}
// x2APIC mode has no delivery-status bit: a WRMSR to the ICR is the send.
void wait_sent() {
  if (g_x2apic) return;
  while (read(kIcrLow) & kIcrDeliveryPending) arch::cpu_pause();
}
void enable_x2apic_here() {
  const uint64_t base = arch::rdmsr(arch::Msr::IA32_APIC_BASE);
  if (base & kX2apicEnable) return;
  // xAPIC to x2APIC directly is allowed (SDM 10.12.5, figure 10-27): EN and EXTD together.
  arch::wrmsr(uint32_t(arch::Msr::IA32_APIC_BASE), base | kApicEnable | kX2apicEnable);
}
}  // namespace

void set_local_apic_base(uint64_t base) { g_base = base; }
uint64_t local_apic_base() { return g_base; }
bool x2apic_mode() { return g_x2apic; }

bool local_apic_init_bsp(bool want_x2apic) {
  const bool handed_over = arch::rdmsr(arch::Msr::IA32_APIC_BASE) & kX2apicEnable;
  const bool has = arch::cpuid(1).ecx & arch::cpuid1_ecx::X2APIC;
  if (!handed_over && want_x2apic && has) enable_x2apic_here();
  g_x2apic = handed_over || (want_x2apic && has);
  return g_x2apic;
}

void local_apic_init_ap() {
  if (g_x2apic) enable_x2apic_here();
}

uint32_t local_apic_id() {
  if (g_x2apic && arch::cpuid(0).eax >= 0xB) return arch::cpuid(0xB, 0).edx;
  if (g_x2apic) return uint32_t(arch::rdmsr(x2apic_msr(0x020)));
  return arch::cpuid(1).ebx >> 24;
}

void send_ipi(uint32_t apic_id, uint32_t icr_low) {
  if (g_x2apic) {
    arch::wrmsr(kX2apicIcr, uint64_t(apic_id) << 32 | icr_low);
    return;
  }
  write(kIcrHigh, apic_id << 24);
  write(kIcrLow, icr_low);
  wait_sent();
}

void send_self_ipi(uint8_t vector) {
  const uint32_t svr = read(kSpuriousVector);
  if (!(svr & kApicSoftwareEnable)) write(kSpuriousVector, svr | kApicSoftwareEnable);
  if (g_x2apic) {
    arch::wrmsr(kX2apicIcr, kShorthandSelf | vector);  // fixed delivery, edge, to self
    return;
  }
  write(kIcrLow, kShorthandSelf | vector);  // fixed delivery, edge
  wait_sent();
}

}  // namespace platform
