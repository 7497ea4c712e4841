// Thin wrappers over the privileged instructions the hypervisor uses.
// Register and MSR names are the SDM's; MSR numbers come from msrs.def.
#pragma once
#include <stdint.h>

#include "arch/registers.h"

#include "arch/vmx_table.h"

namespace arch {

struct CpuidResult {
  uint32_t eax, ebx, ecx, edx;
};
inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0) {
  CpuidResult r;
  asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
  return r;
}
// CPUID.80000008H:EAX[7:0] (SDM Vol. 2A, CPUID): 36 when the leaf is absent.
inline uint32_t physical_address_width() {
  if (cpuid(0x80000000).eax < 0x80000008) return 36;
  return cpuid(0x80000008).eax & 0xFF;
}
inline uint64_t rdmsr(uint32_t msr) {
  uint32_t lo, hi;
  asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return uint64_t(hi) << 32 | lo;
}
inline uint64_t rdmsr(Msr msr) { return rdmsr(uint32_t(msr)); }
inline void wrmsr(uint32_t msr, uint64_t v) {
  asm volatile("wrmsr" ::"c"(msr), "a"(uint32_t(v)), "d"(uint32_t(v >> 32)));
}
inline void wrmsr(Msr msr, uint64_t v) { wrmsr(uint32_t(msr), v); }

#define ARCH_CR(n)                                                              \
  inline uint64_t read_cr##n() {                                               \
    uint64_t v;                                                                \
    asm volatile("mov %%cr" #n ", %0" : "=r"(v));                              \
    return v;                                                                  \
  }                                                                            \
  inline void write_cr##n(uint64_t v) { asm volatile("mov %0, %%cr" #n ::"r"(v) : "memory"); }
ARCH_CR(0)
ARCH_CR(2)
ARCH_CR(3)
ARCH_CR(4)
#undef ARCH_CR

inline uint64_t read_dr7() {
  uint64_t v;
  asm volatile("mov %%dr7, %0" : "=r"(v));
  return v;
}

inline uint64_t rdtsc() {
  uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return uint64_t(hi) << 32 | lo;
}

inline void outb(uint16_t port, uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
inline void outw(uint16_t port, uint16_t v) { asm volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
inline void outl(uint16_t port, uint32_t v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
inline uint8_t inb(uint16_t port) {
  uint8_t v;
  asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

inline void cpu_pause() { asm volatile("pause"); }

// An IRET to the next instruction, with the stack as it was: ends the NMI
// blocking that a VM exit caused by an NMI leaves in root operation (SDM
// 31.7.1.2: the VMM's IRET unblocks NMIs).
inline void iret_to_self() {
  asm volatile(
      "movl %%ss, %%eax\n"
      "pushq %%rax\n"
      "pushq %%rsp\n"
      "addq $8, (%%rsp)\n"
      "pushfq\n"
      "movl %%cs, %%eax\n"
      "pushq %%rax\n"
      "leaq 1f(%%rip), %%rax\n"
      "pushq %%rax\n"
      "iretq\n"
      "1:\n" ::: "rax", "memory");
}
[[noreturn]] inline void halt_forever() {
  for (;;) asm volatile("cli; hlt");
}

struct [[gnu::packed]] DescriptorPointer {
  uint16_t limit;
  uint64_t base;
};
inline DescriptorPointer sgdt() {
  DescriptorPointer p;
  asm volatile("sgdt %0" : "=m"(p));
  return p;
}
inline DescriptorPointer sidt() {
  DescriptorPointer p;
  asm volatile("sidt %0" : "=m"(p));
  return p;
}
inline uint16_t str() {
  uint16_t s;
  asm volatile("str %0" : "=r"(s));
  return s;
}

}  // namespace arch
