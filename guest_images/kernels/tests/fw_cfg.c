/* QEMU's fw_cfg, as kernels that size themselves read it: the signature,
 * the interface id, the CPU count and the RAM size. */
#include "kernel.h"

#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define FW_CFG_RAM_SIZE 0x0003
#define FW_CFG_NB_CPUS 0x0005

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  (void)magic, (void)info;
  char signature[5] = {0};
  fw_cfg_read(FW_CFG_SIGNATURE, signature, 4);
  put_string("signature: ");
  put_string(signature);
  put_string("\n");
  CHECK(string_equal(signature, "QEMU"), "the fw_cfg signature is QEMU");
  uint32_t id = 0;
  fw_cfg_read(FW_CFG_ID, &id, 4);
  CHECK(id & 1, "the id offers the traditional I/O interface");
  uint16_t cpus = 0;
  fw_cfg_read(FW_CFG_NB_CPUS, &cpus, 2);
  put_line("cpus", cpus);
  CHECK(cpus == 1, "one CPU");
  uint64_t ram = 0;
  fw_cfg_read(FW_CFG_RAM_SIZE, &ram, 8);
  put_line("ram MiB", (uint32_t)(ram >> 20));
  CHECK(ram == 16ull << 20, "16 MiB of RAM");
  return failures;
}
