/* A kernel that tries, case by case, what the devices and the string I/O
 * emulation must not give it (tests/hostile/kernels.cmake): the case is the
 * command line's "case=" word. Each case should end with the guest stopped
 * and a reason naming what it touched; reaching kernel_exit is a failure.
 * The x2APIC cases are the exception: the architecture answers their abuses
 * with #GP(0), so each counts the faults and exits with the number of
 * abuses that were NOT refused (0: all contained). */
#include "kernel.h"

#define OUTSIDE_MEMORY 0xF0000000u /* no region of the profile maps it */
#define RESET_CONTROL 0xCF9        /* the hypervisor's: a write resets the machine */

static void rep_outsb(uint16_t port, const void* from, uint32_t count) {
  __asm__ volatile("cld\n rep outsb" : "+S"(from), "+c"(count) : "d"(port) : "memory");
}
static void rep_insb(uint16_t port, void* to, uint32_t count) {
  __asm__ volatile("cld\n rep insb" : "+D"(to), "+c"(count) : "d"(port) : "memory");
}

#define IA32_APIC_BASE 0x1B
#define IA32_TSC_DEADLINE 0x6E0
#define APIC_EN (1u << 11)
#define APIC_EXTD (1u << 10)

/* The guest's own 8259 (vector base 0x40, ICW4 `icw4`, only IRQ 0 unmasked)
 * and its 8254's counter 0 in mode 2 with `count`. */
static void start_irq0(uint8_t icw4, uint16_t count) {
  outb(0x20, 0x11), outb(0x21, 0x40), outb(0x21, 0x04), outb(0x21, icw4);
  outb(0x21, 0xFE);
  outb(0x43, 0x34), outb(0x40, (uint8_t)count), outb(0x40, (uint8_t)(count >> 8));
}

/* An interrupt command through the xAPIC ICR: destination, then the low word. */
static void send_ipi(uint32_t destination, uint32_t icr_low) {
  volatile uint32_t* apic = (volatile uint32_t*)0xFEE00000u;
  apic[0x310 / 4] = destination << 24;
  apic[0x300 / 4] = icr_low;
}

/* One abuse that must raise #GP: 1 when it did not. */
static uint32_t refused(const char* what, uint32_t faults) {
  put_string(faults ? "abuse: #GP for " : "abuse: ALLOWED: ");
  put_string(what);
  put_string("\n");
  return faults ? 0 : 1;
}

/* x2APIC mode entered, then every way its MSRs and IA32_APIC_BASE refuse. */
static uint32_t x2apic_abuse(void) {
  uint64_t v, base = 0;
  uint32_t allowed = 0;
  install_traps();
  try_rdmsr(IA32_APIC_BASE, &base);
  allowed += refused("x2APIC MSR 0x808 in xAPIC mode", try_rdmsr(0x808, &v));
  allowed += refused("EXTD without EN (the invalid state)", try_wrmsr(IA32_APIC_BASE, (base | APIC_EXTD) & ~(uint64_t)APIC_EN));
  if (try_wrmsr(IA32_APIC_BASE, base | APIC_EXTD)) return 50;  /* the switch itself must work */
  allowed += refused("x2APIC to xAPIC without disabling", try_wrmsr(IA32_APIC_BASE, base & ~(uint64_t)APIC_EXTD));
  allowed += refused("reserved x2APIC MSR 0x8ff", try_rdmsr(0x8FF, &v));
  allowed += refused("reserved x2APIC MSR 0x831 (no ICR high half)", try_wrmsr(0x831, 0));
  allowed += refused("write to the read-only x2APIC ID", try_wrmsr(0x802, 0xFFFFFFFFu));
  allowed += refused("write to the read-only LDR", try_wrmsr(0x80D, 0xFFFFFFFFu));
  allowed += refused("reserved bits in the ICR (bit 13, delivery status 12)", try_wrmsr(0x830, (5ull << 32) | 0x3040));
  allowed += refused("reserved bits 63:32 of the TPR", try_wrmsr(0x808, 1ull << 40));
  allowed += refused("an x2APIC MSR beyond the emulated page (0x900)", try_rdmsr(0x900, &v));
  /* Interrupt commands to APICs that are not the guest's: not faults, dropped with a report. */
  try_wrmsr(0x830, (5ull << 32) | 0x40);                 /* fixed, to x2APIC ID 5 */
  try_wrmsr(0x830, (7ull << 32) | (4u << 8));            /* NMI, to x2APIC ID 7 */
  try_wrmsr(0x830, (5ull << 32) | (5u << 8) | (1u << 14)); /* INIT, to x2APIC ID 5 */
  try_wrmsr(0x830, (3u << 18) | 0x40);                   /* all excluding self */
  return allowed;
}

/* devices.local_apic without x2apic: x2APIC stays hidden. */
static uint32_t x2apic_hidden(void) {
  uint64_t v, base = 0;
  uint32_t allowed = 0;
  install_traps();
  try_rdmsr(IA32_APIC_BASE, &base);
  allowed += refused("IA32_APIC_BASE EXTD where x2APIC is not offered", try_wrmsr(IA32_APIC_BASE, base | APIC_EXTD));
  allowed += refused("RDMSR of the x2APIC ID 0x802", try_rdmsr(0x802, &v));
  allowed += refused("WRMSR of the x2APIC ICR 0x830", try_wrmsr(0x830, 0x40));
  return allowed;
}

/* No devices.local_apic: its MSRs are denied as before. */
static uint32_t no_apic_msrs(void) {
  uint64_t v;
  uint32_t allowed = 0;
  install_traps();
  allowed += refused("IA32_TSC_DEADLINE without a virtual APIC", try_wrmsr(IA32_TSC_DEADLINE, 1));
  allowed += refused("x2APIC ICR without a virtual APIC", try_rdmsr(0x830, &v));
  return allowed;
}

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  (void)magic;
  const char* c = string_find((const char*)info->cmdline, "case=");
  if (!c) return 100;
  c += 5;
  static const char reset[] = {0x06, 0x0E};  /* "hard reset" then "full reset" */
  if (string_starts(c, "outs-unmapped")) rep_outsb(0x3F8, (const void*)OUTSIDE_MEMORY, 16);
  else if (string_starts(c, "ins-unmapped")) rep_insb(0x511, (void*)OUTSIDE_MEMORY, 16);
  else if (string_starts(c, "outs-reset")) rep_outsb(RESET_CONTROL, reset, sizeof reset);
  else if (string_starts(c, "fw-cfg-undeclared")) fw_cfg_read(0x0000, (void*)info, 4);
  else if (string_starts(c, "exit-undeclared")) outl(EXIT_PORT, 0);
  else if (string_starts(c, "pic-undeclared")) outb(0x21, 0x00);  /* unmask every IRQ of the host's 8259 */
  else if (string_starts(c, "pit-undeclared")) outb(0x43, 0x34);  /* reprogram the host's IRQ 0 timer */
  else if (string_starts(c, "pit-storm")) {
    /* The 8254 at its fastest (count 2: 597 kHz) behind an 8259 in automatic-EOI
     * mode, so that every entry has an interrupt to take, and HLT in a loop:
     * the CPU's other guests must still run and the storm be stopped. */
    install_traps();
    set_interrupt_gate(0x40, vector_0x40_entry);
    start_irq0(0x03, 2);
    for (;;) __asm__ volatile("sti; hlt; cli");
  }
  else if (string_starts(c, "ipi-others")) {
    /* A guest of two vCPUs whose bootstrap processor aims interrupts at
     * every APIC ID and through every shorthand: fixed, NMI, INIT and
     * start-up. Only its own never-started vCPU 1 may take any (it waits
     * for a start-up IPI, so it takes none until the last one starts it at
     * 0x8000, where this kernel put a HLT loop); the other guests on these
     * CPUs, whose vCPUs have the same APIC IDs, must see nothing. */
    static const uint8_t halt_loop[] = {0xFA, 0xF4, 0xEB, 0xFD};  /* cli; hlt; jmp $-3 */
    for (uint32_t i = 0; i < sizeof halt_loop; ++i) ((volatile uint8_t*)0x8000)[i] = halt_loop[i];
    for (uint32_t id = 1; id < 0xFF; ++id) {  /* not 0, itself, nor 0xFF, the broadcast that includes it */
      send_ipi(id, 0x40);         /* fixed */
      send_ipi(id, 4u << 8);      /* NMI */
    }
    send_ipi(0, 0x41 | (3u << 18));            /* fixed, all excluding self */
    send_ipi(0, (4u << 8) | (3u << 18));       /* NMI, all excluding self */
    send_ipi(0xFE, 0x42 | (1u << 11));         /* fixed, logical, every APIC but its own (LDR 0) of the flat model */
    send_ipi(0, (5u << 8) | (1u << 14) | (3u << 18));  /* INIT, all excluding self */
    send_ipi(0, (6u << 8) | 0x08 | (3u << 18));        /* start-up at 0x8000, all excluding self */
    return 0;
  }
  else if (string_starts(c, "pause-spin")) {
    /* PAUSE exits (on for a guest of several vCPUs) are not progress: a
     * vCPU that only spins on PAUSE must still meet the watchdog, whether
     * it yields to a sibling on its CPU or not. vCPU 1 spins too. */
    static const uint8_t spin[] = {0xF3, 0x90, 0xEB, 0xFC};  /* pause; jmp $-4 */
    for (uint32_t i = 0; i < sizeof spin; ++i) ((volatile uint8_t*)0x8000)[i] = spin[i];
    send_ipi(1, (6u << 8) | 0x08);  /* start-up at 0x8000 */
    for (;;) __asm__ volatile("pause");
  }
  else if (string_starts(c, "init-then-halt")) {
    /* vCPU 1 started, then sent back to wait for a start-up IPI by INIT;
     * then the BSP halts: no vCPU is left running, so the guest must end
     * halted, not leave its CPUs waiting. */
    static const uint8_t spin[] = {0xEB, 0xFE};  /* jmp $ */
    for (uint32_t i = 0; i < sizeof spin; ++i) ((volatile uint8_t*)0x8000)[i] = spin[i];
    send_ipi(1, (6u << 8) | 0x08);           /* start-up at 0x8000 */
    for (volatile uint32_t i = 0; i < 200000; ++i) {
    }
    send_ipi(1, (5u << 8) | (1u << 14));     /* INIT */
    __asm__ volatile("cli; hlt");
    return 99;
  }
  else if (string_starts(c, "sipi-unmapped")) {
    /* A start-up IPI whose page the guest has no memory at (its RAM starts
     * at 1 MiB): vCPU 1's first fetch is an EPT violation, which stops the
     * whole guest; the BSP waits meanwhile. */
    send_ipi(1, (5u << 8) | (1u << 14));  /* INIT */
    send_ipi(1, (6u << 8) | 0x10);        /* start-up at 0x10000 */
    for (;;) __asm__ volatile("pause");
  }
  else if (string_starts(c, "apic-timer-masked")) {
    /* A periodic APIC timer with its LVT entry masked: it counts and
     * interrupts nothing, so HLT has nothing to wait for. */
    volatile uint32_t* apic = (volatile uint32_t*)0xFEE00000u;
    apic[0xF0 / 4] = 0x1FF;
    apic[0x3E0 / 4] = 0xB;  /* divide by 1 */
    apic[0x320 / 4] = 0x40 | (1u << 17) | (1u << 16);
    apic[0x380 / 4] = 10000;
    __asm__ volatile("sti; hlt; cli");
    put_string("abuse: HLT returned\n");
    return 0;
  }
  else if (string_starts(c, "pic-no-eoi")) {
    /* IRQ 0 taken and never ended (the default handler sends no EOI): the
     * 8259 holds every later request back, and the second HLT has nothing
     * to wait for, however fast the 8254 ticks. */
    install_traps();
    set_interrupt_gate(0x40, vector_0x40_entry);
    start_irq0(0x01, 11932);
    __asm__ volatile("sti; hlt; cli");
    __asm__ volatile("sti; hlt; cli");
    put_string("abuse: HLT returned\n");
    return 0;
  }
  else if (string_starts(c, "pic-lint0-masked")) {
    /* The 8254 ticking into an unmasked IRQ 0, but LINT0 of the guest's own
     * local APIC masked: no interrupt can come, and HLT must not wait forever. */
    volatile uint32_t* apic = (volatile uint32_t*)0xFEE00000u;
    start_irq0(0x01, 11932);
    apic[0x350 / 4] = (1u << 16) | (7u << 8);
    __asm__ volatile("sti; hlt; cli");
    put_string("abuse: HLT returned\n");
    return 0;
  }
  else if (string_starts(c, "x2apic-abuse")) return x2apic_abuse();
  else if (string_starts(c, "x2apic-hidden")) return x2apic_hidden();
  else if (string_starts(c, "no-apic-msrs")) return no_apic_msrs();
  else if (string_starts(c, "apic-far-deadline")) {
    /* A TSC deadline 2^40 ticks away, then HLT: a wait without end. */
    volatile uint32_t* apic = (volatile uint32_t*)0xFEE00000u;
    install_traps();
    apic[0xF0 / 4] = 0x1FF;
    apic[0x320 / 4] = 0x40 | (2u << 17);
    try_wrmsr(IA32_TSC_DEADLINE, rdtsc() + (1ull << 40));
    __asm__ volatile("sti; hlt; cli");
  }
  else if (string_starts(c, "apic-far-timer")) {
    /* A timer 2^39 TSC ticks away, then HLT: a wait without end. */
    volatile uint32_t* apic = (volatile uint32_t*)0xFEE00000u;
    apic[0xF0 / 4] = 0x1FF;
    apic[0x3E0 / 4] = 0xA;  /* divide by 128 */
    apic[0x320 / 4] = 0x40;
    apic[0x380 / 4] = 0xFFFFFFFFu;
    __asm__ volatile("sti; hlt; cli");
  } else if (string_starts(c, "apic-ipi-other")) {
    /* A fixed interrupt to APIC ID 5, which is not this guest's: dropped;
     * then HLT with nothing to wait for. */
    volatile uint32_t* apic = (volatile uint32_t*)0xFEE00000u;
    apic[0xF0 / 4] = 0x1FF;
    apic[0x310 / 4] = 5u << 24;
    apic[0x300 / 4] = 0x40;
    __asm__ volatile("sti; hlt; cli");
    put_string("abuse: HLT returned\n");
    return 0;
  } else if (string_starts(c, "absent")) {
    /* The I/O APIC page, declared absent: reads are all ones, writes vanish;
     * then a jump into it, which no absent hardware can answer. */
    volatile uint32_t* ioapic = (volatile uint32_t*)0xFEC00000u;
    volatile uint8_t* byte = (volatile uint8_t*)0xFEC00010u;
    ioapic[0] = 1;
    const uint32_t word = ioapic[4];
    const uint8_t small = *byte;
    put_string(word == 0xFFFFFFFFu && small == 0xFF ? "absent: reads gave all ones\n" : "absent: reads gave data\n");
    ((void (*)(void))0xFEC00000u)();
  }
  else return 101;
  put_string("abuse: the access was allowed\n");
  return 102;
}
