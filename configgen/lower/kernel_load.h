// Loading a kernel the way a boot loader would (entry.kernel): the kernel's
// bytes at their own guest-physical addresses, then (multiboot mode) its
// modules page-aligned after it and the information structure after them
// (Multiboot Specification 0.6.96, 3.3). Each piece becomes an image region
// carved out of the RAM region that holds it, so the blob holds the bytes
// once and the rest of the RAM stays zero.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "model/diagnostics.h"
#include "model/lowered.h"
#include "model/profile.h"

namespace configgen::lower {

// Splits the RAM region of `regions` that holds [gpa, gpa + size) (both
// 4K-aligned) into the RAM before, an image region for the piece, and the
// RAM after. False when no single RAM region holds it.
bool carve_image_region(std::vector<blob::Region>& regions, uint64_t gpa, uint64_t size, uint32_t image, uint32_t image_offset);

// Places the guest's kernel, modules and multiboot information in
// `lg.regions`, appending generated images to `images`. Returns the
// guest-physical address of the information structure (0 when the guest is
// not in multiboot mode or placement failed, with an error reported).
// [firmware_gpa, + firmware_size) is RAM the guest's firmware keeps (the
// ACPI tables): the memory map reports it reserved.
uint64_t load_kernel(const model::Profile& p, const model::Guest& g, model::LoweredGuest& lg,
                     std::vector<model::LoweredImage>& images, const std::function<uint32_t(const std::string&)>& image_index,
                     Diagnostics& diags, uint64_t firmware_gpa = 0, uint64_t firmware_size = 0);

}  // namespace configgen::lower
