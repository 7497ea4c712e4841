/* XSETBV as the architecture defines it (SDM Vol. 2B XSETBV, 13.3): a valid
 * XCR0 is taken, an invalid one raises #GP, and without XSAVE the
 * instruction is #UD. */
#include "kernel.h"

#define CR4_OSXSAVE (1u << 18)
#define CPUID1_ECX_XSAVE (1u << 26)

/* Each try arms trap_resume at the instruction after the one tried: a fault
 * resumes there, with the count of that fault one higher. */
static uint32_t try_xsetbv(uint32_t xcr0, volatile uint32_t* counter) {
  const uint32_t before = *counter;
  __asm__ volatile("movl $1f, trap_resume\n xsetbv\n1: movl $0, trap_resume" ::"a"(xcr0), "d"(0), "c"(0) : "memory");
  return *counter - before;
}

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  (void)magic, (void)info;
  install_traps();
  uint32_t eax = 1, ebx, ecx, edx;
  __asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
  if (ecx & CPUID1_ECX_XSAVE) {
    put_string("xsave: present\n");
    CHECK(try_write_cr4(read_cr4() | CR4_OSXSAVE) == 0, "CR4.OSXSAVE can be set");
    CHECK(try_xsetbv(0x3, &gp_count) == 0, "XSETBV XCR0=3 (x87, SSE) is accepted");
    CHECK(try_xsetbv(0x2, &gp_count) == 1, "XSETBV XCR0=2 (x87 clear) raises #GP");
    CHECK(try_xsetbv(0x5, &gp_count) == 1, "XSETBV XCR0=5 (AVX without SSE) raises #GP");
  } else {
    put_string("xsave: absent\n");
    CHECK(try_xsetbv(0x3, &ud_count) == 1, "XSETBV without XSAVE raises #UD");
  }
  return failures;
}
