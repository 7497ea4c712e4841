// Host-physical memory: a bump allocator over the multiboot memory map, used
// only while CPUs and guests are set up (no allocation on the exit path).
// The low 4 GiB are identity-mapped, so a host-physical address is also the
// hypervisor's pointer to it.
#pragma once
#include <stdint.h>

#include "boot/multiboot.h"

namespace memory {

void phys_init(const boot::MultibootInfo& info, uint64_t reserved_end);
// Zeroed, aligned, contiguous; 0 when memory is exhausted.
uint64_t phys_allocate(uint64_t size, uint64_t align);
uint64_t phys_allocate_page();
// [start, end) of everything handed out so far: guests are never mapped onto it.
uint64_t phys_hypervisor_start();
uint64_t phys_used_end();
bool phys_overlaps_hypervisor(uint64_t start, uint64_t size);

template <typename T>
T* phys_to_virt(uint64_t hpa) {
  return reinterpret_cast<T*>(hpa);
}

}  // namespace memory
