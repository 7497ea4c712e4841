// The SDM 26.3.1 checks on the guest-state area that a profile or a blob
// can violate, as plain logic over field values. configgen runs them on the
// entry state it produces; the hypervisor runs them after a VM-entry failure
// (exit reason 33) to name the check the CPU refused.
#pragma once
#include <stdint.h>

#include "blob/format.h"

namespace vmx {

struct GuestStateInput {
  blob::EntryState state;  // as written to the VMCS (fixed bits applied)
  uint32_t proc2;          // secondary processor-based controls in force
  uint32_t entry;          // VM-entry controls in force
  uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
  uint64_t vmcs_link_pointer;
};

struct CheckFailure {
  const char* rule;         // short rule name, e.g. "cr0-pg-requires-pe"
  const char* text;         // the SDM requirement in words
  const char* sdm_section;  // e.g. "26.3.1.1"
};

// Runs every check in SDM order; returns the number of failures written
// (at most `capacity`). Zero means the state passes.
uint32_t check_guest_state(const GuestStateInput& in, CheckFailure* failures, uint32_t capacity);

}  // namespace vmx
