// The guest state at first VM entry for each mode (SDM 26.3.1, book 4.5),
// and the boot structures (page tables, GDT) the paging modes need.
#pragma once
#include <cstdint>
#include <vector>

#include "blob/format.h"
#include "model/profile.h"
#include "model/target.h"

namespace configgen::lower {

struct BootStructures {
  uint64_t gpa = 0;            // where they are placed
  std::vector<uint8_t> bytes;  // page tables then GDT
  uint64_t cr3 = 0;
  uint64_t gdt_base = 0;
  uint32_t gdt_limit = 0;
};

bool mode_needs_paging(blob::GuestMode m);
// Identity map of [0, map_end) for the mode, plus a flat GDT, laid out at gpa.
BootStructures build_boot_structures(blob::GuestMode mode, uint64_t gpa, uint64_t map_end);
struct VisibleControlRegisters {
  uint64_t cr0, cr4;  // what the guest asked for: the read shadows
};
blob::EntryState build_entry_state(const model::Guest& g, blob::GuestMode mode, const BootStructures* boot,
                                   const model::Target& target, bool unrestricted, VisibleControlRegisters& visible);

}  // namespace configgen::lower
