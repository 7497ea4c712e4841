#include "kernel.h"

#define COM1 0x3F8
#define COM1_LINE_STATUS (COM1 + 5)
#define TRANSMITTER_EMPTY 0x20
#define FW_CFG_SELECTOR 0x510
#define FW_CFG_DATA 0x511

uint32_t failures;
volatile uint32_t gp_count, ud_count, trap_resume;
extern char gp_entry[], ud_entry[];

static void put_char(char c) {
  while (!(inb(COM1_LINE_STATUS) & TRANSMITTER_EMPTY)) {
  }
  outb(COM1, (uint8_t)c);
}

void put_string(const char* s) {
  for (; *s; ++s) put_char(*s);
}

void put_hex(uint32_t v) {
  put_string("0x");
  for (int shift = 28; shift >= 0; shift -= 4) put_char("0123456789abcdef"[(v >> shift) & 0xF]);
}

void put_decimal(uint32_t v) {
  char digits[11];
  int n = 0;
  do digits[n++] = (char)('0' + v % 10), v /= 10;
  while (v);
  while (n) put_char(digits[--n]);
}

void put_line(const char* label, uint32_t v) {
  put_string(label);
  put_string(" ");
  put_decimal(v);
  put_string("\n");
}

int string_equal(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

int string_starts(const char* s, const char* prefix) {
  while (*prefix && *s == *prefix) ++s, ++prefix;
  return *prefix == 0;
}

const char* string_find(const char* s, const char* needle) {
  for (; *s; ++s)
    if (string_starts(s, needle)) return s;
  return 0;
}

void kernel_exit(uint32_t code) {
  put_string("kernel: exit code ");
  put_decimal(code);
  put_string(code ? " (failed)\n" : " (passed)\n");
  outl(EXIT_PORT, code);
  for (;;) __asm__ volatile("cli; hlt");
}

void fw_cfg_read(uint16_t item, void* out, uint32_t length) {
  outw(FW_CFG_SELECTOR, item);
  uint8_t* p = (uint8_t*)out;
  for (uint32_t i = 0; i < length; ++i) p[i] = inb(FW_CFG_DATA);
}

/* Flat 4 GiB code (0x08) and data (0x10) segments: the loader's GDTR may
 * point anywhere (Multiboot 3.2), and the IDT's gates need a valid CS. */
static const uint64_t gdt[3] __attribute__((aligned(8))) = {0, 0x00CF9A000000FFFFull, 0x00CF92000000FFFFull};
static uint64_t idt[256] __attribute__((aligned(8)));

struct table_register {
  uint16_t limit;
  uint32_t base;
} __attribute__((packed));

static uint64_t interrupt_gate(void* handler) {
  const uint32_t a = (uint32_t)handler;
  return (uint64_t)(a & 0xFFFF) | (uint64_t)0x08 << 16 | (uint64_t)0x8E00 << 32 | (uint64_t)(a >> 16) << 48;
}

void install_traps(void) {
  const struct table_register g = {sizeof gdt - 1, (uint32_t)gdt};
  __asm__ volatile(
      "lgdt %0\n"
      "ljmp $0x08, $1f\n"
      "1: mov $0x10, %%ax\n"
      "mov %%ax, %%ds\n mov %%ax, %%es\n mov %%ax, %%ss\n mov %%ax, %%fs\n mov %%ax, %%gs\n"
      ::"m"(g) : "eax", "memory");
  idt[6] = interrupt_gate(ud_entry);
  idt[13] = interrupt_gate(gp_entry);
  const struct table_register i = {sizeof idt - 1, (uint32_t)idt};
  __asm__ volatile("lidt %0" ::"m"(i));
}

void set_interrupt_gate(uint8_t vector, void* handler) { idt[vector] = interrupt_gate(handler); }

__attribute__((weak)) void apic_interrupt(void) {}

uint32_t kernel_entry(uint32_t magic, const struct multiboot_info* info) {
  put_string("kernel: started\n");
  return kernel_main(magic, info);
}

uint32_t read_cr0(void) {
  uint32_t v;
  __asm__ volatile("mov %%cr0, %0" : "=r"(v));
  return v;
}
uint32_t read_cr4(void) {
  uint32_t v;
  __asm__ volatile("mov %%cr4, %0" : "=r"(v));
  return v;
}
/* Each try arms trap_resume at the instruction after the one tried: a fault
 * resumes there, with gp_count one higher. */
uint32_t try_write_cr0(uint32_t value) {
  const uint32_t before = gp_count;
  __asm__ volatile("movl $1f, trap_resume\n mov %0, %%cr0\n1: movl $0, trap_resume" ::"r"(value) : "memory");
  return gp_count - before;
}
uint32_t try_write_cr4(uint32_t value) {
  const uint32_t before = gp_count;
  __asm__ volatile("movl $1f, trap_resume\n mov %0, %%cr4\n1: movl $0, trap_resume" ::"r"(value) : "memory");
  return gp_count - before;
}
uint32_t try_rdmsr(uint32_t msr, uint64_t* value) {
  const uint32_t before = gp_count;
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("movl $1f, trap_resume\n rdmsr\n1: movl $0, trap_resume" : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
  *value = (uint64_t)hi << 32 | lo;
  return gp_count - before;
}
uint32_t try_wrmsr(uint32_t msr, uint64_t value) {
  const uint32_t before = gp_count;
  __asm__ volatile("movl $1f, trap_resume\n wrmsr\n1: movl $0, trap_resume" ::"a"((uint32_t)value), "d"((uint32_t)(value >> 32)),
                   "c"(msr) : "memory");
  return gp_count - before;
}
