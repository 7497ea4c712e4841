// libFuzzer target: the multiboot2 boot-information parser (the hypervisor's
// first look at what GRUB hands it). Any bytes are refused with a reason or
// read into a BootInfo whose counts stay within its arrays; never a read past
// the buffer (ASan) and never undefined behaviour (UBSan).
#include <cstdint>
#include <cstring>
#include <vector>

#include "boot/multiboot2.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);  // an exact-size heap copy, so ASan sees overreads
  static boot::BootInfo info;
  const boot::BootInfoStatus s = boot::parse_multiboot2(bytes.data(), bytes.size(), info);
  if (!s.ok && (!s.reason || !*s.reason)) __builtin_trap();
  if (s.ok) {
    if (info.module_count > boot::kMaxModules || info.ram_count > boot::kMaxRamRanges) __builtin_trap();
    if (std::memchr(info.cmdline, 0, sizeof info.cmdline) == nullptr) __builtin_trap();
    for (uint32_t i = 0; i < info.module_count; ++i)
      if (info.modules[i].end < info.modules[i].start || !std::memchr(info.modules[i].string, 0, boot::kMaxModuleString))
        __builtin_trap();
    if (info.rsdp_size != 0 && info.rsdp_size != boot::kRsdpV1Size && info.rsdp_size != boot::kRsdpV2Size) __builtin_trap();
  }
  return 0;
}
