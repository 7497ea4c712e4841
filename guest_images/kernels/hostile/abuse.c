/* A kernel that tries, case by case, what the devices and the string I/O
 * emulation must not give it (tests/hostile/kernels.cmake): the case is the
 * command line's "case=" word. Each case should end with the guest stopped
 * and a reason naming what it touched; reaching kernel_exit is a failure. */
#include "kernel.h"

#define OUTSIDE_MEMORY 0xF0000000u /* no region of the profile maps it */
#define RESET_CONTROL 0xCF9        /* the hypervisor's: a write resets the machine */

static void rep_outsb(uint16_t port, const void* from, uint32_t count) {
  __asm__ volatile("cld\n rep outsb" : "+S"(from), "+c"(count) : "d"(port) : "memory");
}
static void rep_insb(uint16_t port, void* to, uint32_t count) {
  __asm__ volatile("cld\n rep insb" : "+D"(to), "+c"(count) : "d"(port) : "memory");
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
