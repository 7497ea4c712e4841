// Reading a guest's memory by guest-linear address, through its own paging
// (memory/guest_paging) and its EPT (guest_to_host). For traces and hooks.
#pragma once
#include <stdint.h>

#include "arch/instruction_decoder.h"
#include "guests/vcpu.h"

namespace guests {
// Reads n bytes at CS-relative or linear address `linear` of the guest whose
// VMCS is current. Returns the number of bytes read (stops at a hole).
uint32_t read_guest_linear(const Vcpu& v, uint64_t linear, uint8_t* out, uint32_t n);
// The same for writes; returns the number of bytes written.
uint32_t write_guest_linear(const Vcpu& v, uint64_t linear, const uint8_t* in, uint32_t n);
bool read_guest_u32(const Vcpu& v, uint64_t linear, uint32_t& value);
bool write_guest_u32(const Vcpu& v, uint64_t linear, uint32_t value);
// The 8-byte descriptor `selector` names in the guest's GDT (or LDT at ldt_base when TI = 1).
bool read_guest_descriptor(const Vcpu& v, uint16_t selector, uint64_t& descriptor, uint64_t ldt_base = 0);
// The code size the guest runs at, from CR0.PE and CS.L/D (for decoding its instructions).
arch::CpuMode guest_code_mode();
}  // namespace guests
