// Host-physical memory: a first-fit bump allocator over the loader's memory
// map (boot reads the loader's format and hands down the RAM ranges), used only while CPUs and guests are set up (no allocation on the exit
// path). A request that does not fit leaves the allocator as it was.
// The low 4 GiB are identity-mapped, so a host-physical address is also the
// hypervisor's pointer to it.
#pragma once
#include <stdint.h>


namespace memory {

// One RAM range of the loader's memory map.
struct RamRange {
  uint64_t base, length;
};
// Everything below reserved_end (the hypervisor's image and modules) stays
// out of the allocator; RAM above 4 GiB is known but not handed out (not
// identity-mapped).
void phys_init(const RamRange* ram, uint32_t count, uint64_t reserved_end);
// Zeroed, aligned, contiguous; 0 when memory is exhausted.
uint64_t phys_allocate(uint64_t size, uint64_t align);
uint64_t phys_allocate_page();
// Does [start, start + size) touch RAM of the loader's memory map (which
// holds the hypervisor and everything the allocator hands out, now or
// later) or the hypervisor's image and modules? Overflow-safe.
bool phys_overlaps_ram_or_hypervisor(uint64_t start, uint64_t size);

template <typename T>
T* phys_to_virt(uint64_t hpa) {
  return reinterpret_cast<T*>(hpa);
}

}  // namespace memory
