#include "emit/blob_writer.h"

#include <cstring>
#include <string>

#include "blob/crc32c.h"

namespace configgen::emit {
namespace {

class Writer {
 public:
  Writer() : bytes_(sizeof(blob::Header), 0) {}

  template <typename T>
  void section(blob::SectionKind kind, const std::vector<T>& records) {
    if (records.empty()) return;
    align();
    const uint32_t offset = uint32_t(bytes_.size());
    const auto* p = reinterpret_cast<const uint8_t*>(records.data());
    bytes_.insert(bytes_.end(), p, p + records.size() * sizeof(T));
    table_.push_back({uint32_t(kind), offset, uint32_t(records.size() * sizeof(T)), uint32_t(sizeof(T)),
                      uint32_t(records.size()), {0, 0, 0}});
  }
  uint32_t raw_section(blob::SectionKind kind, const std::vector<uint8_t>& data) {
    align();
    const uint32_t offset = uint32_t(bytes_.size());
    bytes_.insert(bytes_.end(), data.begin(), data.end());
    table_.push_back({uint32_t(kind), offset, uint32_t(data.size()), 1, uint32_t(data.size()), {0, 0, 0}});
    return offset;
  }
  uint32_t next_offset() {
    align();
    return uint32_t(bytes_.size());
  }
  std::vector<uint8_t> finish() {
    align();
    const uint32_t table_offset = uint32_t(bytes_.size());
    const auto* t = reinterpret_cast<const uint8_t*>(table_.data());
    bytes_.insert(bytes_.end(), t, t + table_.size() * sizeof(blob::SectionEntry));
    align();
    blob::Header h{};
    h.magic = blob::kMagic;
    h.format_version = blob::kFormatVersion;
    h.header_size = sizeof(blob::Header);
    h.total_size = uint32_t(bytes_.size());
    h.section_count = uint32_t(table_.size());
    h.section_table_offset = table_offset;
    std::memcpy(bytes_.data(), &h, sizeof h);
    const uint32_t crc = blob::blob_crc32c(bytes_.data(), bytes_.size());
    std::memcpy(bytes_.data() + offsetof(blob::Header, crc32c), &crc, sizeof crc);
    return std::move(bytes_);
  }

 private:
  void align() {
    while (bytes_.size() % blob::kSectionAlign) bytes_.push_back(0);
  }
  std::vector<uint8_t> bytes_;
  std::vector<blob::SectionEntry> table_;
};

class Strings {
 public:
  Strings() { data_.push_back(0); }
  blob::StringRef add(const std::string& s) {
    blob::StringRef r{uint32_t(data_.size()), uint32_t(s.size())};
    data_.insert(data_.end(), s.begin(), s.end());
    data_.push_back(0);
    return r;
  }
  const std::vector<uint8_t>& data() const { return data_; }

 private:
  std::vector<uint8_t> data_;
};

template <typename T>
uint32_t append(std::vector<T>& all, const std::vector<T>& mine) {
  const uint32_t first = uint32_t(all.size());
  all.insert(all.end(), mine.begin(), mine.end());
  return mine.empty() ? 0 : first;
}
}  // namespace

std::vector<uint8_t> write_blob(const model::LoweredProfile& p) {
  Strings strings;
  blob::Appliance app{};
  app.name = strings.add(p.name);
  app.target = strings.add(p.target);
  app.min_cpus = p.min_cpus;
  app.console_port = p.console_port;
  app.log_level = p.log_level;
  app.flags = p.flags;
  app.guest_count = uint32_t(p.guests.size());

  // Image bytes first, so image records can point at them.
  std::vector<uint8_t> image_data;
  std::vector<uint32_t> image_at;
  for (const auto& img : p.images) {
    while (image_data.size() % 16) image_data.push_back(0);
    image_at.push_back(uint32_t(image_data.size()));
    image_data.insert(image_data.end(), img.bytes.begin(), img.bytes.end());
  }
  while (image_data.size() % 16) image_data.push_back(0);

  std::vector<blob::Guest> guests;
  std::vector<blob::Region> regions;
  std::vector<blob::IoRange> io;
  std::vector<blob::MsrGrant> grants;
  std::vector<blob::MsrEntry> msr_entries;
  std::vector<blob::Behaviour> behaviours;
  std::vector<blob::Event> events;
  std::vector<blob::EptHook> hooks;
  for (const auto& g : p.guests) {
    blob::Guest r = g.record;
    r.name = strings.add(g.name);
    r.first_region = append(regions, g.regions);
    r.region_count = uint32_t(g.regions.size());
    r.first_alternate_region = append(regions, g.alternate_regions);
    r.alternate_region_count = uint32_t(g.alternate_regions.size());
    r.first_io_range = append(io, g.io_ranges);
    r.io_range_count = uint32_t(g.io_ranges.size());
    r.first_msr_grant = append(grants, g.msr_grants);
    r.msr_grant_count = uint32_t(g.msr_grants.size());
    r.entry_msr_load_first = append(msr_entries, g.entry_msr_load);
    r.entry_msr_load_count = uint32_t(g.entry_msr_load.size());
    r.exit_msr_store_first = append(msr_entries, g.exit_msr_store);
    r.exit_msr_store_count = uint32_t(g.exit_msr_store.size());
    r.exit_msr_load_first = append(msr_entries, g.exit_msr_load);
    r.exit_msr_load_count = uint32_t(g.exit_msr_load.size());
    r.first_behaviour = append(behaviours, g.behaviours);
    r.behaviour_count = uint32_t(g.behaviours.size());
    r.first_event = append(events, g.events);
    r.event_count = uint32_t(g.events.size());
    r.first_ept_hook = append(hooks, g.ept_hooks);
    r.ept_hook_count = uint32_t(g.ept_hooks.size());
    guests.push_back(r);
  }

  Writer w;
  w.section(blob::SectionKind::Appliance, std::vector<blob::Appliance>{app});
  w.section(blob::SectionKind::Guests, guests);
  w.section(blob::SectionKind::Regions, regions);
  const uint32_t data_offset = image_data.empty() ? 0 : w.raw_section(blob::SectionKind::ImageData, image_data);
  std::vector<blob::Image> images;
  for (size_t i = 0; i < p.images.size(); ++i) {
    blob::Image img{};
    img.name = strings.add(p.images[i].name);
    img.data_offset = data_offset + image_at[i];
    img.size = uint32_t(p.images[i].bytes.size());
    img.format = p.images[i].format;
    img.entry_point = p.images[i].entry_point;
    images.push_back(img);
  }
  w.section(blob::SectionKind::Images, images);
  w.section(blob::SectionKind::IoRanges, io);
  w.section(blob::SectionKind::MsrGrants, grants);
  w.section(blob::SectionKind::MsrEntries, msr_entries);
  w.section(blob::SectionKind::Behaviours, behaviours);
  w.section(blob::SectionKind::Events, events);
  w.section(blob::SectionKind::EptHooks, hooks);
  w.raw_section(blob::SectionKind::Strings, strings.data());
  return w.finish();
}

}  // namespace configgen::emit
