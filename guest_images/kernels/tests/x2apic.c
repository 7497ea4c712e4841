/* The local APIC in x2APIC mode (SDM Vol. 3A 11.12): CPUID.01H:ECX[21]
 * announces it; IA32_APIC_BASE EXTD switches to it; the registers are then
 * MSRs 800H-8FFH: a 32-bit ID matching CPUID leaf 0BH, the LDR derived from
 * it, SELF IPI, the ICR as one 64-bit MSR, TPR, EOI, and the timer (here in
 * TSC-deadline mode); every architectural #GP case (reserved MSRs, writes
 * to read-only and reads of write-only registers, reserved bits, the
 * illegal IA32_APIC_BASE transitions); the page answers nothing meanwhile;
 * and the way back, through the disabled state (CPUID.01H:EDX[9] follows). */
#include "kernel.h"

#define IA32_APIC_BASE 0x1B
#define IA32_TSC_DEADLINE 0x6E0
#define APIC_EN (1u << 11)
#define APIC_EXTD (1u << 10)
#define MSR_ID 0x802
#define MSR_VERSION 0x803
#define MSR_TPR 0x808
#define MSR_EOI 0x80B
#define MSR_LDR 0x80D
#define MSR_DFR 0x80E /* none in x2APIC mode */
#define MSR_SVR 0x80F
#define MSR_IRR 0x820
#define MSR_ICR 0x830
#define MSR_ICR_HIGH 0x831 /* none: the ICR is one MSR */
#define MSR_LVT_TIMER 0x832
#define MSR_SELF_IPI 0x83F
#define VECTOR 0x40
#define TSC_DEADLINE_MODE (2u << 17)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_EDX_APIC (1u << 9)

static volatile uint32_t ticks;

static uint64_t rd(uint32_t msr) {
  uint64_t v = 0;
  return try_rdmsr(msr, &v) ? ~0ull : v;
}
void apic_interrupt(void) {
  ++ticks;
  try_wrmsr(MSR_EOI, 0);
}
static void wait_for_ticks(uint32_t n) {
  while (ticks < n) __asm__ volatile("sti; hlt; cli" ::: "memory");
}
static void open_window(void) { __asm__ volatile("sti; nop; cli" ::: "memory"); }
static uint32_t faults(uint32_t msr, int write, uint64_t value) {
  uint64_t v;
  return write ? try_wrmsr(msr, value) : try_rdmsr(msr, &v);
}

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  (void)magic, (void)info;
  install_traps();
  set_interrupt_gate(VECTOR, vector_0x40_entry);
  CHECK(cpuid(1, 0).ecx & CPUID1_ECX_X2APIC, "CPUID.01H:ECX[21] announces x2APIC mode");
  const uint64_t base = rd(IA32_APIC_BASE);
  CHECK((base & (APIC_EN | APIC_EXTD)) == APIC_EN, "the APIC starts enabled in xAPIC mode");
  CHECK(base & (1u << 8), "IA32_APIC_BASE.BSP: its one processor is the bootstrap processor");
  CHECK(faults(MSR_VERSION, 0, 0) == 1, "x2APIC MSRs raise #GP in xAPIC mode");

  CHECK(try_wrmsr(IA32_APIC_BASE, base | APIC_EXTD) == 0, "IA32_APIC_BASE EXTD switches to x2APIC mode");
  CHECK(rd(IA32_APIC_BASE) & APIC_EXTD, "IA32_APIC_BASE reads EXTD back");
  const uint32_t id = (uint32_t)rd(MSR_ID);
  put_line("x2apic id", id);
  CHECK(cpuid(0, 0).eax < 0xB || cpuid(0xB, 0).edx == id, "the x2APIC ID is CPUID.0BH:EDX");
  CHECK(rd(MSR_LDR) == (((id >> 4) << 16) | (1u << (id & 0xF))), "the LDR holds the logical x2APIC ID");
  CHECK((rd(MSR_VERSION) & 0xFF) >= 0x10, "the version register answers at 803H");
  CHECK(*(volatile uint32_t*)0xFEE00030u == 0xFFFFFFFFu, "the memory-mapped page answers nothing (reads all ones)");
  try_wrmsr(MSR_SVR, 0x1FF);

  try_wrmsr(MSR_SELF_IPI, VECTOR);
  open_window();
  CHECK(ticks == 1, "SELF IPI (83FH) interrupts itself");
  try_wrmsr(MSR_ICR, (uint64_t)id << 32 | VECTOR);
  open_window();
  CHECK(ticks == 2, "the 64-bit ICR with its own x2APIC ID interrupts itself");
  try_wrmsr(MSR_TPR, 0x50);
  try_wrmsr(MSR_SELF_IPI, VECTOR);
  open_window();
  CHECK(ticks == 2 && (rd(MSR_IRR + VECTOR / 32) & (1u << (VECTOR % 32))), "TPR 0x50 holds vector 0x40 in IRR");
  try_wrmsr(MSR_TPR, 0);
  open_window();
  CHECK(ticks == 3, "TPR 0 lets it through");

  try_wrmsr(MSR_LVT_TIMER, VECTOR | TSC_DEADLINE_MODE);
  const uint64_t armed = rdtsc() + 300000;
  try_wrmsr(IA32_TSC_DEADLINE, armed);
  CHECK(rd(IA32_TSC_DEADLINE) == armed, "IA32_TSC_DEADLINE reads back the deadline");
  wait_for_ticks(4);
  CHECK(ticks == 4 && rdtsc() >= armed, "the TSC deadline interrupted HLT");
  CHECK(rd(IA32_TSC_DEADLINE) == 0, "and then reads 0");

  CHECK(faults(MSR_DFR, 0, 0) == 1 && faults(MSR_ICR_HIGH, 1, 0) == 1 && faults(0x8FF, 0, 0) == 1,
        "reserved x2APIC MSRs (DFR 80EH, 831H, 8FFH) raise #GP");
  CHECK(faults(MSR_ID, 1, 7) == 1 && faults(MSR_LDR, 1, 0) == 1, "writes to the read-only ID and LDR raise #GP");
  CHECK(faults(MSR_EOI, 0, 0) == 1 && faults(MSR_SELF_IPI, 0, 0) == 1, "reads of the write-only EOI and SELF IPI raise #GP");
  CHECK(faults(MSR_EOI, 1, 1) == 1 && faults(MSR_TPR, 1, 0x100) == 1 && faults(MSR_SELF_IPI, 1, 0x140) == 1 &&
            faults(MSR_TPR, 1, 1ull << 32) == 1,
        "reserved bits (a non-zero EOI, TPR 31:8, SELF IPI 31:8, bits 63:32) raise #GP");
  CHECK(rd(MSR_ID) == id && rd(MSR_TPR) == 0, "the refused writes changed nothing");
  CHECK(faults(IA32_APIC_BASE, 1, base & ~(uint64_t)APIC_EXTD) == 1, "x2APIC straight to xAPIC mode raises #GP");
  CHECK(faults(IA32_APIC_BASE, 1, (base | APIC_EXTD) & ~(uint64_t)APIC_EN) == 1, "EXTD without EN (the invalid state) raises #GP");

  CHECK(try_wrmsr(IA32_APIC_BASE, base & ~(uint64_t)(APIC_EN | APIC_EXTD)) == 0, "x2APIC mode to disabled is allowed");
  CHECK(!(cpuid(1, 0).edx & CPUID1_EDX_APIC), "CPUID.01H:EDX[9] reads 0 while the APIC is disabled");
  CHECK(faults(IA32_APIC_BASE, 1, base | APIC_EXTD) == 1, "disabled straight to x2APIC mode raises #GP");
  CHECK(try_wrmsr(IA32_APIC_BASE, base) == 0, "disabled to xAPIC mode is allowed");
  CHECK(cpuid(1, 0).edx & CPUID1_EDX_APIC, "CPUID.01H:EDX[9] is back");
  CHECK((*(volatile uint32_t*)0xFEE00030u & 0xFF) >= 0x10, "the page answers again in xAPIC mode");
  return failures;
}
