/* The test kernels' small runtime: COM1 output, QEMU's isa-debug-exit and
 * fw_cfg, the multiboot information, and a trap for expected faults. Only
 * what a kernel written for QEMU would use; nothing of the hypervisor's. */
#pragma once
#include <stdint.h>

#define MULTIBOOT_LOADER_MAGIC 0x2BADB002u
#define EXIT_PORT 0xF4

struct multiboot_info {
  uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
  uint32_t syms[4];
  uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));
struct multiboot_module {
  uint32_t start, end, string, reserved;
} __attribute__((packed));
struct multiboot_mmap_entry {
  uint32_t size;
  uint64_t base, length;
  uint32_t type;
} __attribute__((packed));

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

void put_string(const char* s);
void put_hex(uint32_t v);
void put_decimal(uint32_t v);
void put_line(const char* label, uint32_t v);  /* "label v\n" in decimal */
int string_equal(const char* a, const char* b);
int string_starts(const char* s, const char* prefix);
const char* string_find(const char* s, const char* needle);

/* Ends the run: QEMU exits with status code * 2 + 1; the hypervisor ends the
 * guest as exited with this code. */
void kernel_exit(uint32_t code) __attribute__((noreturn));

/* Loads a flat GDT and an IDT whose #GP and #UD gates count the fault and
 * resume at the armed address. */
void install_traps(void);
extern volatile uint32_t gp_count, ud_count;
extern volatile uint32_t trap_resume;

/* Control registers, and MOV to them under the trap: each try_ returns how
 * many #GP faults the write raised (0 or 1) and resumes after it. */
uint32_t read_cr0(void);
uint32_t read_cr4(void);
uint32_t try_write_cr0(uint32_t value);
uint32_t try_write_cr4(uint32_t value);

/* CPUID, RDTSC and MSRs. A try_ returns how many #GP faults the access
 * raised (0 or 1) and resumes after it; a read that faulted leaves *value 0. */
struct cpuid_result {
  uint32_t eax, ebx, ecx, edx;
};
static inline struct cpuid_result cpuid(uint32_t leaf, uint32_t subleaf) {
  struct cpuid_result r;
  __asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
  return r;
}
static inline uint64_t rdtsc(void) {
  uint32_t lo, hi;
  __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (uint64_t)hi << 32 | lo;
}
uint32_t try_rdmsr(uint32_t msr, uint64_t* value);
uint32_t try_wrmsr(uint32_t msr, uint64_t value);

/* An interrupt gate for `vector` (after install_traps). */
void set_interrupt_gate(uint8_t vector, void* handler);
extern char vector_0x40_entry[];  /* calls apic_interrupt() */
void apic_interrupt(void);

/* fw_cfg (QEMU docs/specs/fw_cfg.rst): select an item, read its bytes. */
void fw_cfg_read(uint16_t item, void* out, uint32_t length);

/* Each test kernel's body: returns its exit code (0 = every check held). */
uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info);

/* A check that prints its outcome and counts failures. */
extern uint32_t failures;
#define CHECK(cond, what)                     \
  do {                                        \
    const int held_ = (cond); /* once: a check may fault */ \
    put_string(held_ ? "ok: " : "FAILED: ");  \
    put_string(what);                         \
    put_string("\n");                         \
    if (!held_) ++failures;                   \
  } while (0)
