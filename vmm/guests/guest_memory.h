// Reading a guest's memory by guest-linear address, through its own paging
// (memory/guest_paging) and its EPT (guest_to_host). For traces and hooks.
#pragma once
#include <stdint.h>

#include "guests/vcpu.h"

namespace guests {
// Reads n bytes at CS-relative or linear address `linear` of the guest whose
// VMCS is current. Returns the number of bytes read (stops at a hole).
uint32_t read_guest_linear(const Vcpu& v, uint64_t linear, uint8_t* out, uint32_t n);
// The same for writes; returns the number of bytes written.
uint32_t write_guest_linear(const Vcpu& v, uint64_t linear, const uint8_t* in, uint32_t n);
}  // namespace guests
