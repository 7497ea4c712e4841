/* What a multiboot loader hands a kernel (Multiboot Specification 3.2, 3.3):
 * the magic, memory sizes, a memory map, the command line and a module. */
#include "kernel.h"

#define INFO_MEMORY (1u << 0)
#define INFO_CMDLINE (1u << 2)
#define INFO_MODULES (1u << 3)
#define INFO_MMAP (1u << 6)
#define KERNEL_BASE 0x100000u

uint32_t kernel_main(uint32_t magic, const struct multiboot_info* info) {
  CHECK(magic == MULTIBOOT_LOADER_MAGIC, "EAX holds the loader magic 0x2badb002");
  const uint32_t want = INFO_MEMORY | INFO_CMDLINE | INFO_MODULES | INFO_MMAP;
  CHECK((info->flags & want) == want, "flags give memory, command line, modules and memory map");
  put_line("mem_lower KiB", info->mem_lower);
  put_line("mem_upper KiB", info->mem_upper);
  /* A loader may keep some of it (QEMU: the EBDA's 1 KiB, ACPI tables at the top). */
  CHECK(info->mem_lower >= 600 && info->mem_lower <= 640, "mem_lower is about 640 KiB");
  CHECK(info->mem_upper >= 14 * 1024 && info->mem_upper <= 15 * 1024, "mem_upper is about 15 MiB (16 MiB of RAM)");
  const char* cmdline = (const char*)info->cmdline;
  put_string("cmdline: ");
  put_string(cmdline);
  put_string("\n");
  CHECK(string_find(cmdline, "kernel-test=multiboot") != 0, "the command line carries kernel-test=multiboot");
  CHECK(info->mods_count == 1, "one module");
  if (info->mods_count == 1) {
    const struct multiboot_module* m = (const struct multiboot_module*)info->mods_addr;
    put_string("module string: ");
    put_string((const char*)m->string);
    put_string("\n");
    CHECK((m->start & 0xFFF) == 0, "the module is page-aligned (header flag 0)");
    CHECK(m->end > m->start && string_starts((const char*)m->start, "module-payload"), "the module's bytes are the payload");
    CHECK(string_find((const char*)m->string, "payload") != 0, "the module string names the payload");
    CHECK(m->start >= KERNEL_BASE, "the module lies above the kernel's base");
  }
  int kernel_ram = 0;
  for (uint32_t at = info->mmap_addr; at < info->mmap_addr + info->mmap_length;) {
    const struct multiboot_mmap_entry* e = (const struct multiboot_mmap_entry*)at;
    if (e->type == 1 && e->base <= KERNEL_BASE && e->base + e->length > KERNEL_BASE) kernel_ram = 1;
    at += e->size + 4;
  }
  CHECK(kernel_ram, "the memory map has available RAM at the kernel's 1 MiB");
  return failures;
}
