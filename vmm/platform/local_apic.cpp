#include "platform/local_apic.h"

#include "arch/cpu.h"

namespace platform {
namespace {
constexpr uint64_t kDefaultBase = 0xFEE00000;
constexpr uint32_t kSpuriousVector = 0x0F0, kIcrLow = 0x300, kIcrHigh = 0x310;
constexpr uint32_t kApicSoftwareEnable = 1u << 8, kIcrDeliveryPending = 1u << 12, kShorthandSelf = 1u << 18;
uint64_t g_base = kDefaultBase;

void write(uint32_t reg, uint32_t v) { *reinterpret_cast<volatile uint32_t*>(g_base + reg) = v; }
uint32_t read(uint32_t reg) { return *reinterpret_cast<volatile uint32_t*>(g_base + reg); }
void wait_sent() {
  while (read(kIcrLow) & kIcrDeliveryPending) arch::cpu_pause();
}
}  // namespace

void set_local_apic_base(uint64_t base) { g_base = base; }
uint64_t local_apic_base() { return g_base; }

void send_ipi(uint32_t apic_id, uint32_t icr_low) {
  write(kIcrHigh, apic_id << 24);
  write(kIcrLow, icr_low);
  wait_sent();
}

void send_self_ipi(uint8_t vector) {
  const uint32_t svr = read(kSpuriousVector);
  if (!(svr & kApicSoftwareEnable)) write(kSpuriousVector, svr | kApicSoftwareEnable);
  write(kIcrLow, kShorthandSelf | vector);  // fixed delivery, edge
  wait_sent();
}

}  // namespace platform
