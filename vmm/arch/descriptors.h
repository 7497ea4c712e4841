// Segment and system descriptors (SDM Vol. 3 3.4.5, 7.2.2) and their VMCS
// form (SDM 24.4.1): one definition for every handler that loads a segment
// the way the CPU would (LTR/LLDT emulation, task switches, INT delivery).
#pragma once
#include <stdint.h>

namespace arch {

constexpr uint64_t descriptor_base(uint64_t d) { return ((d >> 16) & 0xFFFFFF) | (((d >> 56) & 0xFF) << 24); }
// The limit in bytes - 1, scaled by the granularity flag.
constexpr uint32_t descriptor_limit(uint64_t d) {
  const uint32_t limit = uint32_t((d & 0xFFFF) | ((d >> 32) & 0xF0000));
  return (d >> 55) & 1 ? (limit << 12) | 0xFFF : limit;
}
// VMCS access rights: type, S, DPL, P (bits 7:0) and AVL, L, D/B, G (15:12).
constexpr uint32_t descriptor_access_rights(uint64_t d) { return uint32_t((d >> 40) & 0xF0FF); }
constexpr uint32_t descriptor_dpl(uint64_t d) { return uint32_t(d >> 45) & 3; }
// An IDT gate's type (bits 44:40 of the descriptor: 5 task, 6/14 interrupt,
// 7/15 trap), DPL and P (SDM Vol. 3 6.11).
constexpr uint32_t gate_type(uint64_t d) { return uint32_t(d >> 40) & 0x1F; }
constexpr uint32_t gate_dpl(uint64_t d) { return uint32_t(d >> 45) & 3; }
constexpr bool gate_present(uint64_t d) { return (d >> 47) & 1; }
inline constexpr uint64_t kDescriptorAccessed = 1ull << 40;
inline constexpr uint64_t kTssBusy = 1ull << 41;

}  // namespace arch
