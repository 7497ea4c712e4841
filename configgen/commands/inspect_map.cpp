#include "commands/inspect_map.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "blob/format.h"
#include "blob/reader.h"
#include "blob/vocabulary.h"
#include "memory/ept.h"
#include "model/diagnostics.h"  // hex()
#include "model/target.h"
#include "model/vocabulary.h"
#include "parse/target_file.h"

namespace configgen::commands {
namespace {

constexpr uint64_t kGuestPhysicalTop = 1ull << blob::kGuestPhysicalWidth;

// The table's word in capitals, as the SDM writes the types (28.3.7).
std::string memory_type_name(uint32_t value) {
  const model::MemoryType* t = model::find_memory_type(value);
  std::string s = t ? t->word : "?";
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The page sizes EptBuilder::map() picks over [gpa, gpa + size) with hpa -
// gpa fixed. It walks a run of one size at once: before the next boundary
// of the size above, nothing larger can fit, so a region of 2^36 4K pages
// takes a few steps, not 2^36.
std::vector<uint64_t> pages_used(uint64_t gpa, uint64_t hpa, uint64_t size, uint64_t max_page, bool allow_2m, bool allow_1g) {
  bool used4k = false, used2m = false, used1g = false;
  while (size) {
    const uint64_t page = memory::ept_page_for(gpa, hpa, size, max_page, allow_2m, allow_1g);
    uint64_t step;
    if (page == memory::kPage4K) {
      used4k = true;
      step = std::min(size, memory::kPage2M - (gpa & (memory::kPage2M - 1)));
    } else if (page == memory::kPage2M) {
      used2m = true;
      step = std::min(size / memory::kPage2M * memory::kPage2M, memory::kPage1G - (gpa & (memory::kPage1G - 1)));
    } else {
      used1g = true;
      step = size / memory::kPage1G * memory::kPage1G;
    }
    gpa += step, hpa += step, size -= step;
  }
  std::vector<uint64_t> out;
  if (used4k) out.push_back(memory::kPage4K);
  if (used2m) out.push_back(memory::kPage2M);
  if (used1g) out.push_back(memory::kPage1G);
  return out;
}

struct LargePages {
  bool allow_2m = true, allow_1g = true;
};

MapRow region_row(const blob::Reader& r, const blob::Region& reg, LargePages cpu) {
  MapRow row;
  row.first = reg.gpa;
  row.last = reg.gpa + reg.size - 1;
  const char* word = blob::word_of(blob::kRegionKinds, reg.kind);
  row.kind = word ? word : "?";
  row.region = blob::RegionKind(reg.kind);
  switch (blob::RegionKind(reg.kind)) {
    case blob::RegionKind::Ram:
    case blob::RegionKind::Image: {
      // The host block is only as aligned as backing_alignment() makes it:
      // pages beyond that are the allocator's luck, not a promise.
      const uint64_t align = memory::backing_alignment(reg.page_size, reg.size);
      row.pages = pages_used(reg.gpa, align, reg.size, std::min<uint64_t>(reg.page_size, align), cpu.allow_2m, cpu.allow_1g);
      row.mapped = true;
      if (reg.kind == uint32_t(blob::RegionKind::Image))
        row.detail = "image " + std::string(r.string(r.image(reg.image).name)) + (reg.image_offset ? " at +" + hex(reg.image_offset) : "");
      break;
    }
    case blob::RegionKind::Passthrough:
      row.pages = pages_used(reg.gpa, reg.hpa, reg.size, reg.page_size, cpu.allow_2m, cpu.allow_1g);
      row.mapped = true;
      row.detail = "hpa " + hex(reg.hpa);
      break;
    case blob::RegionKind::MmioTrap: row.detail = "not mapped: every access exits to the hypervisor"; break;
    case blob::RegionKind::Absent: row.detail = "not mapped: a read gives all ones, a write is dropped"; break;
  }
  if (row.mapped) {
    row.permissions = reg.permissions;
    row.memory_type = memory_type_name(reg.memory_type);
  }
  return row;
}

// The gap [first, end): pages on demand below the guest's limit, nothing above.
void add_gap(const blob::Guest& g, uint64_t first, uint64_t end, std::vector<MapRow>& rows) {
  const uint64_t on_demand_end = (g.flags & blob::kGuestMapOnDemand) ? std::min(end, g.map_on_demand_limit) : first;
  if (on_demand_end > first) {
    MapRow row;
    row.first = first;
    row.last = on_demand_end - 1;
    row.kind = "on-demand";
    row.mapped = true;
    // What exits/ept.cpp maps at an EPT violation there: one 4K WB page, rwx.
    row.permissions = blob::kRead | blob::kWrite | blob::kExecute;
    row.memory_type = "WB";
    row.pages = {memory::kPage4K};
    row.detail = "a pool page at the first touch, while the pool lasts";
    rows.push_back(row);
    first = on_demand_end;
  }
  if (end > first) {
    MapRow row;
    row.first = first;
    row.last = end - 1;
    row.kind = "unmapped";
    row.detail = "the guest cannot reach it: an access stops the guest";
    rows.push_back(row);
  }
}

GuestMap guest_map(const blob::Reader& r, const blob::Guest& g, LargePages cpu) {
  GuestMap m;
  m.name = r.string(g.name);
  if (g.flags & blob::kGuestMapOnDemand)
    m.note = "map on demand below " + hex(g.map_on_demand_limit) + ", " + std::to_string(g.map_on_demand_pages) + " pool pages";
  std::vector<MapRow> regions;
  for (uint32_t i = 0; i < g.region_count; ++i) regions.push_back(region_row(r, r.region(g.first_region + i), cpu));
  std::stable_sort(regions.begin(), regions.end(), [](const MapRow& a, const MapRow& b) { return a.first < b.first; });
  uint64_t cursor = 0;  // the first GPA no row has covered yet
  for (const MapRow& row : regions) {
    if (row.first > cursor) add_gap(g, cursor, row.first, m.rows);
    m.rows.push_back(row);
    cursor = std::max(cursor, row.last + 1);
  }
  if (cursor < kGuestPhysicalTop) add_gap(g, cursor, kGuestPhysicalTop, m.rows);
  return m;
}

}  // namespace

std::optional<MemoryMap> memory_map(const std::vector<uint8_t>& bytes, std::string& error) {
  blob::Reader r;
  const blob::Status st = r.verify(bytes.data(), bytes.size());
  if (!st.ok) {
    error = std::string(st.reason) + " (detail " + hex(st.detail) + ")";
    return std::nullopt;
  }
  const blob::Appliance& a = r.appliance();
  MemoryMap map;
  map.appliance = r.string(a.name);
  std::string err;
  LargePages cpu;
  if (const auto target = parse::load_target(r.string(a.target), err)) {
    cpu.allow_2m = target->caps.ept_vpid_cap.pde_2mb_pages();
    cpu.allow_1g = target->caps.ept_vpid_cap.pdpte_1gb_pages();
    map.target = target->name;
    map.target_found = true;
  } else {
    map.target = r.string(a.target);
  }
  for (uint32_t i = 0; i < r.guest_count(); ++i) map.guests.push_back(guest_map(r, r.guest(i), cpu));
  return map;
}

std::string human_size(uint64_t bytes) {
  static const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (u + 1 < 6 && bytes >= (1ull << (10 * (u + 1)))) ++u;
  const uint64_t unit = 1ull << (10 * u);
  if (bytes % unit == 0) return std::to_string(bytes / unit) + " " + units[u];
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", double(bytes) / double(unit), units[u]);
  return buf;
}

std::string page_sizes_text(const std::vector<uint64_t>& pages) {
  if (pages.empty()) return "-";
  std::string s;
  for (uint64_t p : pages)
    s += (s.empty() ? "" : "+") + std::string(p == memory::kPage1G ? "1G" : p == memory::kPage2M ? "2M" : "4K");
  return s;
}

std::string permissions_text(uint32_t p) {
  std::string s;
  s += p & blob::kRead ? 'r' : '-';
  s += p & blob::kWrite ? 'w' : '-';
  s += p & blob::kExecute ? 'x' : '-';
  return s;
}

int scale_steps(uint64_t bytes) {
  // log2 of the size in 4K pages, halved: 4 KiB is 1 step, 1 GiB 10, the
  // 256 TiB of the whole space 19. A linear bar would show only the tail.
  int log2_pages = 0;
  for (uint64_t pages = bytes / memory::kPage4K; pages > 1; pages >>= 1) ++log2_pages;
  return 1 + log2_pages / 2;
}

MapStyle style_of(const MapRow& row) {
  if (!row.region) return row.mapped ? MapStyle{'~', "34", "#cfe0f7"} : MapStyle{'.', "2", "#f2f2f2"};
  switch (*row.region) {
    case blob::RegionKind::Ram: return {'#', "32", "#a8dca8"};
    case blob::RegionKind::Image: return {'#', "36", "#9fd6e0"};
    case blob::RegionKind::Passthrough: return {'#', "33", "#f0d890"};
    case blob::RegionKind::MmioTrap:
    case blob::RegionKind::Absent: return {'!', "35", "#e8b4e0"};
  }
  return {'?', "0", "#ffffff"};
}

namespace {
std::string pad(std::string s, size_t width, bool right = false) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string address_text(uint64_t a) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%012llx", static_cast<unsigned long long>(a));
  return buf;
}

std::string large_pages_text(const MemoryMap& map) {
  return map.target_found ? "large pages as " + map.target + " allows them"
                          : "target '" + map.target + "' not found: 2M and 1G pages assumed allowed";
}

std::string map_text(const MemoryMap& map, bool color) {
  std::string out = "appliance " + map.appliance + ": guest-physical memory maps, " + large_pages_text(map) + "\n" +
                    "pages: the EPT page sizes the mapping is sure to use; scale: 1 mark for 4 KiB, 1 more per factor of 4\n" +
                    "(# mapped, ~ mapped on demand, ! trapped or emulated, . unmapped)\n";
  // The colour goes round the word only, so the padding and a trimmed line
  // end are the same with colour and without.
  auto paint = [&](const std::string& text, size_t width, const char* ansi) {
    const std::string padding = pad(text, width).substr(text.size());
    return (color ? std::string("\033[") + ansi + "m" + text + "\033[0m" : text) + padding;
  };
  if (map.guests.empty()) out += "\nno guests\n";
  for (const GuestMap& g : map.guests) {
    size_t regions = 0;
    for (const MapRow& row : g.rows) regions += row.region.has_value();
    out += "\nguest " + g.name + ": " + std::to_string(regions) + " region(s)" + (g.note.empty() ? "" : "; " + g.note) + "\n";
    out += "  " + pad("start", 16) + pad("end", 16) + pad("size", 9, true) + "  " + pad("kind", 12) + pad("perm", 6) + pad("type", 6) +
           pad("pages", 7) + pad("scale", 20) + "detail\n";
    for (const MapRow& row : g.rows) {
      const MapStyle st = style_of(row);
      std::string line = "  " + address_text(row.first) + "  " + address_text(row.last) + "  " + pad(human_size(row.size()), 9, true) + "  " +
                         paint(row.kind, 12, st.ansi) + pad(row.mapped ? permissions_text(row.permissions) : "---", 6) +
                         pad(row.mapped ? row.memory_type : "-", 6) + pad(page_sizes_text(row.pages), 7) +
                         paint(std::string(size_t(scale_steps(row.size())), st.mark), 20, st.ansi) + row.detail;
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
  }
  return out;
}

}  // namespace configgen::commands
