// `configgen inspect --map` and `--svg FILE`: each guest's guest-physical
// memory map, computed once from a verified blob (memory_map()) and drawn
// as text (map_text()) or as an SVG document (map_svg()). The rows cover the
// whole 48-bit guest-physical space: the blob's regions sorted by GPA, and
// between them what the guest meets there (pages mapped on demand, or
// nothing: an access stops the guest).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "blob/format.h"

namespace configgen::commands {

struct MapRow {
  uint64_t first = 0, last = 0;  // guest-physical, inclusive
  // A region kind's word (blob/vocabulary.def), or a gap: "on-demand" (pool
  // pages mapped at the first touch) or "unmapped".
  std::string kind;
  std::optional<blob::RegionKind> region;  // none: a gap between (or after) the blob's regions
  bool mapped = false;     // EPT maps it (at the first VM entry, or on demand)
  uint32_t permissions = 0;    // blob::RegionPerm bits when mapped
  std::string memory_type;     // "WB" etc. when mapped
  std::vector<uint64_t> pages;  // EPT page sizes the mapping is sure to use, ascending
  std::string detail;           // "image boot at +0xc00", "hpa 0xfee00000", what an access does
  uint64_t size() const { return last - first + 1; }
};

struct GuestMap {
  std::string name;
  std::string note;  // map on demand, if the guest has it
  std::vector<MapRow> rows;  // by GPA, from 0 to the top of the space; gaps only where no region is
};

struct MemoryMap {
  std::string appliance;
  std::string target;         // the blob's appliance.target
  bool target_found = false;  // false: 2M and 1G pages are assumed allowed
  std::vector<GuestMap> guests;
};

// The map, or nullopt with `error` when the blob does not verify.
std::optional<MemoryMap> memory_map(const std::vector<uint8_t>& bytes, std::string& error);

// "4 KiB", "128 KiB", "15.9 MiB": the largest unit not above the size.
std::string human_size(uint64_t bytes);
// "4K", "4K+2M"; "-" for none.
std::string page_sizes_text(const std::vector<uint64_t>& pages);

std::string permissions_text(uint32_t permissions);  // "r-x"
std::string address_text(uint64_t gpa);              // "0x000000007000": 12 digits, the 48-bit space
// "large pages as bochs-3.0-tigerlake allows them", or that the target was not found.
std::string large_pages_text(const MemoryMap& map);
// A row's length on the maps' log scale: 1 for 4 KiB, one more per factor of 4.
int scale_steps(uint64_t bytes);

// How a row is drawn: its scale bar's mark, ANSI colour and SVG fill.
struct MapStyle {
  char mark;
  const char* ansi;
  const char* fill;
};
MapStyle style_of(const MapRow& row);

// One table per guest; ANSI colours for the kinds when `color`.
std::string map_text(const MemoryMap& map, bool color);
// A standalone SVG document: one column (<g class="guest">) per guest, one
// <rect class="region"> per region and <rect class="gap"> per gap.
std::string map_svg(const MemoryMap& map);

}  // namespace configgen::commands
