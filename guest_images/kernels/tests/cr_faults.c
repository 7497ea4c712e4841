/* MOV to CR0/CR4 values the architecture refuses with #GP(0) (SDM Vol. 2B
 * MOV-Move to/from Control Registers): a reserved CR4 bit, PCIDE outside
 * IA-32e mode, NW without CD, PG without PE. The profile puts the bits
 * under the CR0/CR4 guest/host masks, so the hypervisor, not the CPU, must
 * refuse them. Not run on bare QEMU: QEMU 7.2's TCG raises none of these
 * faults (measured; docs/external-guests.md). */
#include "kernel.h"

#define CR4_RESERVED_BIT31 (1u << 31)
#define CR4_PCIDE (1u << 17)
#define CR0_NW (1u << 29)
#define CR0_CD (1u << 30)

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  (void)magic, (void)info;
  install_traps();
  const uint32_t cr4 = read_cr4(), cr0 = read_cr0();
  CHECK(try_write_cr4(cr4 | CR4_RESERVED_BIT31) == 1, "MOV to CR4 with reserved bit 31 raises #GP");
  CHECK(try_write_cr4(cr4 | CR4_PCIDE) == 1, "MOV to CR4 setting PCIDE outside IA-32e mode raises #GP");
  CHECK(read_cr4() == cr4, "CR4 is unchanged after the refused writes");
  CHECK(try_write_cr0((cr0 | CR0_NW) & ~CR0_CD) == 1, "MOV to CR0 with NW=1 and CD=0 raises #GP");
  CHECK(try_write_cr0((cr0 | (1u << 31)) & ~1u) == 1, "MOV to CR0 with PG=1 and PE=0 raises #GP");
  CHECK(read_cr0() == cr0, "CR0 is unchanged after the refused writes");
  CHECK(try_write_cr4(cr4) == 0, "MOV to CR4 of its own value is accepted");
  return failures;
}
