/* INS and OUTS with REP: a kernel printing with REP OUTSB and reading fw_cfg
 * with REP INSB. */
#include "kernel.h"

static const char message[] = "outsb: a line written with rep outsb\n";

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  (void)magic, (void)info;
  const char* source = message;
  uint32_t count = sizeof message - 1;
  __asm__ volatile("cld\n rep outsb" : "+S"(source), "+c"(count) : "d"(0x3F8) : "memory");
  CHECK(count == 0 && source == message + sizeof message - 1, "REP OUTSB advanced ESI and counted ECX down");
  char signature[5] = {0};
  char* dest = signature;
  count = 4;
  outw(0x510, 0x0000);
  __asm__ volatile("cld\n rep insb" : "+D"(dest), "+c"(count) : "d"(0x511) : "memory");
  put_string("insb signature: ");
  put_string(signature);
  put_string("\n");
  CHECK(string_equal(signature, "QEMU") && dest == signature + 4, "REP INSB read the fw_cfg signature");
  char backwards[4] = {0};
  dest = backwards + 2;
  count = 2;
  outw(0x510, 0x0000);
  __asm__ volatile("std\n rep insb\n cld" : "+D"(dest), "+c"(count) : "d"(0x511) : "memory");
  CHECK(backwards[2] == 'Q' && backwards[1] == 'E' && dest == backwards, "REP INSB with DF=1 stores downwards");
  return failures;
}
