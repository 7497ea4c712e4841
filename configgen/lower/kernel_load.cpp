#include "lower/kernel_load.h"

#include "lower/multiboot_info.h"

namespace configgen::lower {
namespace {
constexpr uint64_t kPage = 4096;
uint64_t page_floor(uint64_t a) { return a & ~(kPage - 1); }
uint64_t page_ceil(uint64_t a) { return (a + kPage - 1) & ~(kPage - 1); }

// The guest's memory as the information structure's map shows it: RAM and
// image regions usable, the rest (MMIO, passthrough windows) reserved, and
// so the pages firmware keeps for itself (the ACPI tables).
std::vector<MultibootMemory> memory_map(const model::Guest& g, uint64_t firmware_gpa, uint64_t firmware_size) {
  std::vector<MultibootMemory> out;
  const uint64_t hole_end = firmware_gpa + firmware_size;
  for (const auto& r : g.memory) {
    const bool usable = r.kind == blob::RegionKind::Ram || r.kind == blob::RegionKind::Image;
    const uint64_t start = r.gpa.value, end = start + r.size.value;
    if (!usable || !firmware_size || hole_end <= start || firmware_gpa >= end) {
      out.push_back({start, r.size.value, usable});
      continue;
    }
    if (firmware_gpa > start) out.push_back({start, firmware_gpa - start, true});
    out.push_back({firmware_gpa, firmware_size, false});
    if (hole_end < end) out.push_back({hole_end, end - hole_end, true});
  }
  return out;
}
}  // namespace

bool carve_image_region(std::vector<blob::Region>& regions, uint64_t gpa, uint64_t size, uint32_t image, uint32_t image_offset) {
  for (size_t i = 0; i < regions.size(); ++i) {
    const blob::Region r = regions[i];
    if (r.kind != uint32_t(blob::RegionKind::Ram) || gpa < r.gpa || gpa + size > r.gpa + r.size) continue;
    blob::Region before = r, piece = r, after = r;
    before.size = gpa - r.gpa;
    piece.gpa = gpa, piece.size = size;
    piece.kind = uint32_t(blob::RegionKind::Image);
    piece.image = image, piece.image_offset = image_offset;
    after.gpa = gpa + size, after.size = r.gpa + r.size - after.gpa;
    regions.erase(regions.begin() + std::ptrdiff_t(i));
    size_t at = i;
    for (const blob::Region* part : {&before, &piece, &after})
      if (part->size) regions.insert(regions.begin() + std::ptrdiff_t(at++), *part);
    return true;
  }
  return false;
}

uint64_t load_kernel(const model::Profile& p, const model::Guest& g, model::LoweredGuest& lg,
                     std::vector<model::LoweredImage>& images, const std::function<uint32_t(const std::string&)>& image_index,
                     Diagnostics& diags, uint64_t firmware_gpa, uint64_t firmware_size) {
  const model::Entry& en = g.entry;
  if (en.kernel.empty()) return 0;
  const auto kernel = p.images.find(en.kernel);
  if (kernel == p.images.end() || !kernel->second.placement) return 0;  // reported by validate
  const model::LoadPlacement& at = *kernel->second.placement;
  const uint64_t kernel_start = page_floor(at.gpa), kernel_end = page_ceil(at.memory_end);
  auto no_room = [&](const model::SourceLoc& loc, const std::string& what, uint64_t gpa, uint64_t size) {
    diags.error(loc, "kernel-placement",
                what + " needs guest-physical [" + hex(gpa) + ", " + hex(gpa + size) + ") inside one RAM region of guest '" +
                    g.name + "', clear of the generated page tables",
                "make the RAM region that holds the kernel larger, or move it");
    return uint64_t(0);
  };
  if (!carve_image_region(lg.regions, kernel_start, kernel_end - kernel_start, image_index(en.kernel), uint32_t(at.gpa - kernel_start)))
    return no_room(en.kernel_loc, "kernel '" + en.kernel + "'", kernel_start, kernel_end - kernel_start);
  if (en.mode != blob::GuestMode::Multiboot) return 0;

  // Modules page-aligned after the kernel (header flag 0 asks for it; a
  // loader may always do it), then the information structure.
  uint64_t next = kernel_end;
  std::vector<MultibootModulePlacement> placed;
  for (const auto& m : en.modules) {
    const auto img = p.images.find(m.image);
    if (img == p.images.end()) return 0;  // reported by validate
    const uint64_t size = img->second.bytes.size();
    if (size && !carve_image_region(lg.regions, next, page_ceil(size), image_index(m.image), 0))
      return no_room(m.loc, "module '" + m.image + "'", next, page_ceil(size));
    placed.push_back({next, size, m.string});
    next += page_ceil(size);
  }
  const std::string cmdline = en.cmdline.value_or(en.kernel);
  const std::vector<MultibootMemory> memory = memory_map(g, firmware_gpa, firmware_size);
  const uint64_t info_size = page_ceil(multiboot_info_size(memory.size(), cmdline, placed));
  const uint32_t info_image = uint32_t(images.size());
  images.push_back({g.name + ".multiboot-info", build_multiboot_info(next, memory, cmdline, placed), 0, 0});
  if (!carve_image_region(lg.regions, next, info_size, info_image, 0))
    return no_room(en.mode_loc, "the multiboot information", next, info_size);
  return next;
}

}  // namespace configgen::lower
