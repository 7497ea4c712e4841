// Guest-linear to guest-physical translation through the guest's own page
// tables (SDM Vol. 3 4.3, 4.4, 4.5): 32-bit, PAE and 4-level paging, large
// pages included. The hypervisor needs it to read the instruction a guest
// just executed (MTF trace) or is executing (EPT hooks). Plain logic.
#pragma once
#include <stdint.h>

namespace memory {

struct GuestPagingState {
  uint64_t cr0, cr3, cr4, efer;
};

// Reads `size` (4 or 8) bytes of guest-physical memory; false if unmapped.
using ReadGuestPhysical = bool (*)(void* context, uint64_t gpa, uint32_t size, uint64_t* value);

enum class WalkStatus : uint8_t { Ok, NotPresent, Unreadable };

WalkStatus guest_linear_to_physical(const GuestPagingState& s, uint64_t linear, ReadGuestPhysical read, void* context,
                                    uint64_t& gpa);

}  // namespace memory
