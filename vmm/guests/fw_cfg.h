// QEMU's firmware configuration device as test kernels written for QEMU read
// it (QEMU's docs/specs/fw_cfg.rst): a 16-bit selector written to port
// 0x510 picks an item, and each byte read from port 0x511 is the item's next
// byte (0 past its end, and for items not kept). Items kept: the signature
// "QEMU", the interface id (traditional I/O only, no DMA), the RAM size, the
// CPU counts and an empty file directory, from the guest's blob record.
// Plain logic (vmm/host_logic.cmake): host-tested.
#pragma once
#include <stdint.h>

#include "blob/format.h"

namespace guests {

inline constexpr uint16_t kFwCfgSelectorPort = 0x510, kFwCfgDataPort = 0x511, kFwCfgDmaPort = 0x514;

enum class FwCfgItem : uint16_t {
  Signature = 0x0000,
  Id = 0x0001,
  RamSize = 0x0003,
  CpuCount = 0x0005,     // FW_CFG_NB_CPUS
  MaxCpuCount = 0x000F,  // FW_CFG_MAX_CPUS
  FileDirectory = 0x0019,
};

struct FwCfgState {
  uint16_t selector;
  uint32_t offset;
};

void fw_cfg_select(FwCfgState& s, uint16_t selector);
// The next data byte of the selected item.
uint8_t fw_cfg_read_byte(FwCfgState& s, const blob::Guest& g);

}  // namespace guests
