#include "guests/fw_cfg.h"

namespace guests {
namespace {
constexpr uint32_t kIdTraditionalInterface = 1u << 0;  // bit 1 (DMA) clear: the DMA port is not there

// Byte `i` of the selected item; `size` is set to the item's length.
uint8_t item_byte(uint16_t selector, uint32_t i, const blob::Guest& g, uint32_t& size) {
  auto little = [&](uint64_t value, uint32_t bytes) {
    size = bytes;
    return i < bytes ? uint8_t(value >> (8 * i)) : uint8_t(0);
  };
  switch (FwCfgItem(selector)) {
    case FwCfgItem::Signature: {
      static const char kSignature[4] = {'Q', 'E', 'M', 'U'};
      size = 4;
      return i < 4 ? uint8_t(kSignature[i]) : 0;
    }
    case FwCfgItem::Id: return little(kIdTraditionalInterface, 4);
    case FwCfgItem::RamSize: return little(g.fw_cfg_ram_size, 8);
    case FwCfgItem::CpuCount:
    case FwCfgItem::MaxCpuCount: return little(g.fw_cfg_cpu_count, 2);
    case FwCfgItem::FileDirectory: size = 4; return 0;  // a big-endian count of 0 files
  }
  size = 0;
  return 0;
}
}  // namespace

void fw_cfg_select(FwCfgState& s, uint16_t selector) {
  s.selector = selector;
  s.offset = 0;
}

uint8_t fw_cfg_read_byte(FwCfgState& s, const blob::Guest& g) {
  uint32_t size = 0;
  const uint8_t b = item_byte(s.selector, s.offset, g, size);
  if (s.offset < size) ++s.offset;
  return b;
}

}  // namespace guests
