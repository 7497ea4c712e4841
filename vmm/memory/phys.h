// Host-physical memory: a first-fit bump allocator over the loader's memory
// map (boot reads the loader's format and hands down the RAM ranges), used only while CPUs and guests are set up (no allocation on the exit
// path). A request that does not fit leaves the allocator as it was.
// Memory is identity-mapped, so a host-physical address is also the
// hypervisor's pointer to it: the low 4 GiB from the first instruction
// (boot/multiboot.S), the rest of the memory map's span once
// phys_map_above_4g has run.
#pragma once
#include <stdint.h>


namespace memory {

// One RAM range of the loader's memory map.
struct RamRange {
  uint64_t base, length;
};
// Everything below reserved_end (the hypervisor's image and modules) stays
// out of the allocator; RAM above 4 GiB is handed out once
// phys_map_above_4g has mapped it.
void phys_init(const RamRange* ram, uint32_t count, uint64_t reserved_end);

// Extends the boot identity map from 4 GiB to the end of the highest RAM
// range (1-GByte pages when the CPU has them, else 2-MByte pages in tables
// from the allocator) and gives that RAM to the allocator, after the RAM
// below 4 GiB: what needs no more than the low RAM stays there. Before the
// APs start (they share the tables). Returns the RAM added, in bytes.
struct HighMemory {
  uint64_t ram_bytes;     // RAM above 4 GiB now handed out
  uint64_t mapped_end;    // identity-mapped below this address
  bool one_gib_pages;
  uint64_t probe;         // the highest RAM page, written and read back (0 = none)
};
HighMemory phys_map_above_4g();
// Everything below this address is identity-mapped (4 GiB until phys_map_above_4g).
uint64_t identity_mapped_end();
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
