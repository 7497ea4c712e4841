/* The local APIC as a kernel uses it (SDM Vol. 3A chapter 11): the timer in
 * one-shot and periodic mode waking HLT, EOI, an interrupt sent to itself,
 * and the TPR holding back a lower-priority interrupt. */
#include "kernel.h"

#define APIC_BASE 0xFEE00000u
#define VERSION 0x030
#define TPR 0x080
#define EOI 0x0B0
#define SVR 0x0F0
#define ISR 0x100
#define IRR 0x200
#define ICR_LOW 0x300
#define ICR_HIGH 0x310
#define LVT_TIMER 0x320
#define INITIAL_COUNT 0x380
#define CURRENT_COUNT 0x390
#define DIVIDE 0x3E0
#define VECTOR 0x40
#define PERIODIC (1u << 17)
#define MASKED (1u << 16)
#define SELF (1u << 18)

static volatile uint32_t* reg(uint32_t offset) { return (volatile uint32_t*)(APIC_BASE + offset); }
static volatile uint32_t ticks;

void apic_interrupt(void) {
  ++ticks;
  *reg(EOI) = 0;
}

static int vector_bit(uint32_t base) { return (*reg(base + (VECTOR / 32) * 16) >> (VECTOR % 32)) & 1; }
static void wait_for_ticks(uint32_t n) {
  while (ticks < n) __asm__ volatile("sti; hlt; cli" ::: "memory");
}
static void open_window(void) { __asm__ volatile("sti; nop; cli" ::: "memory"); }

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  (void)magic, (void)info;
  install_traps();
  set_interrupt_gate(VECTOR, vector_0x40_entry);
  const uint32_t version = *reg(VERSION) & 0xFF;
  put_line("apic version", version);
  CHECK(version >= 0x10, "an integrated (xAPIC) local APIC answers at 0xfee00000");
  *reg(SVR) = 0x1FF;  /* software-enabled, spurious vector 0xFF */
  *reg(DIVIDE) = 0xB; /* divide by 1 */

  *reg(LVT_TIMER) = VECTOR;
  *reg(INITIAL_COUNT) = 200000;
  const uint32_t counting = *reg(CURRENT_COUNT);
  CHECK(counting > 0 && counting <= 200000, "the one-shot timer counts down from its initial count");
  wait_for_ticks(1);
  CHECK(ticks == 1, "the one-shot timer interrupted HLT once");
  CHECK(*reg(CURRENT_COUNT) == 0, "a one-shot timer stops at 0");
  CHECK(!vector_bit(ISR), "EOI cleared the in-service bit");

  *reg(LVT_TIMER) = VECTOR | PERIODIC;
  *reg(INITIAL_COUNT) = 100000;
  const uint64_t periodic_start = rdtsc();
  wait_for_ticks(5);
  /* Four periods, in TSC ticks: their mean, because on a loaded host one
   * late tick makes the next interval short (bare QEMU's timers run on host time). */
  const uint64_t period = (rdtsc() - periodic_start) / 4;
  *reg(LVT_TIMER) = VECTOR | MASKED;
  *reg(INITIAL_COUNT) = 0;
  put_line("ticks after periodic", ticks);
  CHECK(ticks == 5, "the periodic timer interrupted HLT four more times");

  /* Spinning, not halting: the periodic timer interrupts a loop that reads
   * only memory and the TSC. Its period is ten times the one measured
   * above, and two ticks must come within twenty of them: long enough for
   * bare QEMU on a loaded host (a period of 100000 counts is 100 us there),
   * far shorter than a slice of the hypervisor's default watchdog, which is
   * when they would come without the timer cut (docs/external-guests.md). */
  *reg(LVT_TIMER) = VECTOR | PERIODIC;
  *reg(INITIAL_COUNT) = 1000000;
  const uint64_t limit = rdtsc() + period * 10 * 20;
  __asm__ volatile("sti" ::: "memory");
  while (ticks < 7 && rdtsc() < limit) __asm__ volatile("pause" ::: "memory");
  __asm__ volatile("cli" ::: "memory");
  *reg(LVT_TIMER) = VECTOR | MASKED;
  *reg(INITIAL_COUNT) = 0;
  CHECK(ticks >= 7, "the periodic timer interrupts on time a loop that spins without an exit");

  uint32_t before = ticks;
  *reg(ICR_HIGH) = 0;
  *reg(ICR_LOW) = VECTOR | SELF;
  open_window();
  CHECK(ticks == before + 1, "an interrupt sent to itself (ICR shorthand self) arrived");

  before = ticks;
  *reg(TPR) = 0x50; /* priority class 5 holds back vector 0x40 (class 4) */
  *reg(ICR_LOW) = VECTOR | SELF;
  open_window();
  CHECK(ticks == before && vector_bit(IRR), "TPR 0x50 holds the interrupt in IRR");
  *reg(TPR) = 0;
  open_window();
  CHECK(ticks == before + 1 && !vector_bit(IRR), "TPR 0 lets it through");
  return failures;
}
