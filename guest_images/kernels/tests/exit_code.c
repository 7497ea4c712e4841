/* The exit port carries a code, not only pass or fail. */
#include "kernel.h"

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  (void)magic, (void)info;
  put_string("exit_code: ending with code 42\n");
  return 42;
}
