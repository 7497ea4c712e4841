#include "platform/pit8254.h"

#include "arch/cpu.h"

namespace platform {
namespace {
constexpr uint16_t kControl = 0x43, kCounter2 = 0x42, kGate = 0x61;
uint64_t g_tsc_hz;
}  // namespace

void pit_start_us(uint32_t us) {
  const uint32_t ticks = us * 1193u / 1000u + 1;
  const uint8_t gate = arch::inb(kGate) & 0xFC;
  arch::outb(kGate, gate);
  arch::outb(kControl, 0xB0);  // channel 2, lobyte/hibyte, mode 0
  arch::outb(kCounter2, uint8_t(ticks));
  arch::outb(kCounter2, uint8_t(ticks >> 8));
  arch::outb(kGate, gate | 1);
}
bool pit_expired() { return arch::inb(kGate) & 0x20; }
void pit_stop() { arch::outb(kGate, arch::inb(kGate) & 0xFC); }

bool measure_tsc_hz() {
  if (g_tsc_hz) return true;
  pit_start_us(10000);
  const uint64_t start = arch::rdtsc();
  // Bounded: some machines gate the 8254's clock off. 5 M reads of port
  // 61H take far longer than 10 ms anywhere (each is a bus cycle).
  uint32_t polls = 0;
  while (!pit_expired() && ++polls < 5000000u) arch::cpu_pause();
  const uint64_t measured = polls < 5000000u ? (arch::rdtsc() - start) * 100 : 0;
  pit_stop();
  g_tsc_hz = measured ? measured : 1000000000;  // not measured (or a TSC that did not move): 1 GHz, never a divisor of 0
  return measured != 0;
}
uint64_t tsc_hz() { return g_tsc_hz; }
}  // namespace platform
