/* The local APIC timer in TSC-deadline mode (SDM Vol. 3A 11.5.4.1), the
 * APIC reached through its page: CPUID.01H:ECX[24] announces it; LVT timer
 * mode 2 arms it with a write of IA32_TSC_DEADLINE, which reads back until
 * the interrupt, then reads 0; a deadline already passed fires at once;
 * writing 0, or leaving the mode, disarms it; the count registers are idle. */
#include "kernel.h"

#define APIC_BASE 0xFEE00000u
#define SVR 0x0F0
#define EOI 0x0B0
#define LVT_TIMER 0x320
#define INITIAL_COUNT 0x380
#define CURRENT_COUNT 0x390
#define VECTOR 0x40
#define TSC_DEADLINE_MODE (2u << 17)
#define IA32_TSC_DEADLINE 0x6E0
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

static volatile uint32_t* reg(uint32_t offset) { return (volatile uint32_t*)(APIC_BASE + offset); }
static volatile uint32_t ticks;

void apic_interrupt(void) {
  ++ticks;
  *reg(EOI) = 0;
}

static void wait_for_ticks(uint32_t n) {
  while (ticks < n) __asm__ volatile("sti; hlt; cli" ::: "memory");
}
static void open_window(void) { __asm__ volatile("sti; nop; cli" ::: "memory"); }
static uint64_t deadline(void) {
  uint64_t v = 0;
  return try_rdmsr(IA32_TSC_DEADLINE, &v) ? ~0ull : v;
}
/* Lets the TSC pass `until`, then gives an interrupt that is due a chance. */
static void spin_past(uint64_t until) {
  while (rdtsc() < until) {
  }
  (void)cpuid(0, 0);
  open_window();
}

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  (void)magic, (void)info;
  install_traps();
  set_interrupt_gate(VECTOR, vector_0x40_entry);
  CHECK(cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE, "CPUID.01H:ECX[24] announces the TSC-deadline timer");
  *reg(SVR) = 0x1FF;

  *reg(LVT_TIMER) = VECTOR | TSC_DEADLINE_MODE;
  const uint64_t armed = rdtsc() + 300000;
  CHECK(try_wrmsr(IA32_TSC_DEADLINE, armed) == 0, "WRMSR IA32_TSC_DEADLINE is accepted");
  CHECK(deadline() == armed, "IA32_TSC_DEADLINE reads back the armed deadline");
  *reg(INITIAL_COUNT) = 1000;
  CHECK(*reg(INITIAL_COUNT) == 0 && *reg(CURRENT_COUNT) == 0, "the count registers are idle in TSC-deadline mode");
  wait_for_ticks(1);
  CHECK(ticks == 1 && rdtsc() >= armed, "the deadline interrupted HLT, not before the TSC reached it");
  CHECK(deadline() == 0, "a deadline that fired reads 0");

  try_wrmsr(IA32_TSC_DEADLINE, 1);
  spin_past(0);
  CHECK(ticks == 2, "a deadline already passed fires at once");

  const uint64_t cancelled = rdtsc() + 200000;
  try_wrmsr(IA32_TSC_DEADLINE, cancelled);
  try_wrmsr(IA32_TSC_DEADLINE, 0);
  spin_past(cancelled + 50000);
  CHECK(ticks == 2 && deadline() == 0, "writing 0 disarms it");

  const uint64_t switched = rdtsc() + 200000;
  try_wrmsr(IA32_TSC_DEADLINE, switched);
  *reg(LVT_TIMER) = VECTOR; /* one-shot */
  CHECK(deadline() == 0, "leaving TSC-deadline mode disarms it; IA32_TSC_DEADLINE reads 0");
  spin_past(switched + 50000);
  CHECK(ticks == 2, "the disarmed deadline does not fire");
  try_wrmsr(IA32_TSC_DEADLINE, rdtsc() + 10);
  spin_past(rdtsc() + 50000);
  CHECK(ticks == 2 && deadline() == 0, "outside TSC-deadline mode writes are ignored");
  *reg(LVT_TIMER) = VECTOR | (1u << 16);
  return failures;
}
