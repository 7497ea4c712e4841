// Lowering: resolved model -> blob records. Applies the defaults the
// hypervisor relies on (docs/blob-format.md), derives the controls the
// other keys imply, builds the entry state for the guest's mode (with
// generated page tables and GDT for the paging modes), and converts names
// to numbers through the SDM tables.
#pragma once
#include "model/diagnostics.h"
#include "model/lowered.h"
#include "model/profile.h"
#include "model/target.h"

namespace configgen::lower {
using model::LoweredGuest;
using model::LoweredImage;
using model::LoweredProfile;
LoweredProfile lower_profile(const model::Profile& p, const model::Target& target, Diagnostics& diags);
// The controls a guest asks for, by name and derived, as five words.
void wanted_controls(const model::Guest& g, uint32_t out[5]);
}  // namespace configgen::lower
