#include "blob/reader.h"

#include "blob/crc32c.h"
#include "blob/vocabulary.h"
#include "lib/ranges.h"

namespace blob {

uint32_t blob_crc32c(const uint8_t* data, size_t size) {
  static constexpr uint8_t kZero[4] = {0, 0, 0, 0};
  constexpr size_t kCrcAt = __builtin_offsetof(Header, crc32c);
  uint32_t crc = crc32c_update_fastest(0, data, kCrcAt);
  crc = crc32c_update_fastest(crc, kZero, 4);
  return crc32c_update_fastest(crc, data + kCrcAt + 4, size - kCrcAt - 4);
}

namespace {
uint32_t read_u32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

template <typename T, size_t N>
bool all_zero(const T (&words)[N]) {
  for (const T& w : words)
    if (w != 0) return false;
  return true;
}

constexpr uint16_t kKnownUartBases[] = {0x3F8, 0x2F8, 0x3E8, 0x2E8};
constexpr uint32_t kMaxMapOnDemandPages = 4096;

bool known_memory_type(uint32_t t) { return t == 0 || t == 1 || t == 4 || t == 5 || t == 6; }

Status check_segment(const Segment& s, const char* reserved0, const char* reserved1, uint32_t index) {
  if (s.reserved0 != 0) return Status::bad(reserved0, index);
  if (s.reserved1 != 0) return Status::bad(reserved1, index);
  return Status::good();
}
}  // namespace

Status Reader::verify(const uint8_t* data, size_t size) {
  *this = Reader{};
  data_ = data;
  size_ = size;
  if (data == nullptr || size < sizeof(Header)) return Status::bad("blob shorter than its header", size);
  if (read_u32(data) != kMagic) return Status::bad("bad magic (expected \"VMMB\")", read_u32(data));
  const Header& h = header();
  if (h.format_version != kFormatVersion) return Status::bad("unsupported format version", h.format_version);
  if (h.header_size != sizeof(Header)) return Status::bad("header size mismatch", h.header_size);
  if (h.total_size != size) return Status::bad("total size in header differs from blob size (truncated?)", h.total_size);
  if (h.flags != 0) return Status::bad("unknown header flags", h.flags);
  if (!all_zero(h.reserved)) return Status::bad("reserved field Header.reserved is not zero");
  const uint32_t crc = blob_crc32c(data, size);
  if (crc != h.crc32c) return Status::bad("CRC32C mismatch (blob corrupted)", crc);
  if (h.section_count == 0 || h.section_count > kMaxSections)
    return Status::bad("section count out of range", h.section_count);
  const uint64_t table_end = uint64_t(h.section_table_offset) + uint64_t(h.section_count) * sizeof(SectionEntry);
  if (h.section_table_offset < sizeof(Header) || table_end > size || h.section_table_offset % 8 != 0)
    return Status::bad("section table outside the blob", h.section_table_offset);
  const auto* table = reinterpret_cast<const SectionEntry*>(data + h.section_table_offset);
  for (uint32_t i = 0; i < h.section_count; ++i) {
    Status s = load_section(table[i]);
    if (!s.ok) return s;
  }
  if (appliance_ == nullptr) return Status::bad("no appliance section");
  if (strings_.size == 0 || data_[strings_.offset + strings_.size - 1] != 0)
    return Status::bad("strings section missing or not NUL-terminated");
  if (Status s = check_string(appliance_->name); !s.ok) return s;
  if (Status s = check_string(appliance_->target); !s.ok) return s;
  if (Status s = check_reserved_fields(); !s.ok) return s;
  {
    bool known = false;
    for (uint16_t base : kKnownUartBases) known |= appliance_->console_port == base;
    if (!known)
      return Status::bad("appliance console_port is not a known UART base (0x3F8, 0x2F8, 0x3E8, 0x2E8)", appliance_->console_port);
  }
  if (appliance_->log_level > 4) return Status::bad("appliance log_level above 4", appliance_->log_level);
  if (appliance_->flags & ~kApplianceKnownFlags) return Status::bad("unknown appliance flags", appliance_->flags);
  if (appliance_->guest_count != guests_.count) return Status::bad("appliance guest count differs from guest section", appliance_->guest_count);
  if (guests_.count > kMaxGuests) return Status::bad("too many guests", guests_.count);
  for (uint32_t i = 0; i < images_.count; ++i) {
    const Image& img = image(i);
    if (Status s = check_string(img.name); !s.ok) return s;
    if (!lib::range_inside(img.data_offset, img.size, image_data_.offset, image_data_.size))
      return Status::bad("image data outside the image-data section", i);
    if (img.format > uint32_t(ImageFormat::Elf)) return Status::bad("unknown image format", i);
  }
  for (uint32_t i = 0; i < regions_.count; ++i)
    if (Status s = check_region(i); !s.ok) return s;
  uint32_t vcpus = 0;
  for (uint32_t i = 0; i < guests_.count; ++i) {
    Status s = check_guest(i);
    if (!s.ok) return s;
    vcpus += guest(i).vcpu_count > 1 ? guest(i).vcpu_count : 1;
  }
  if (vcpus > kMaxVcpus) return Status::bad("more than 256 vCPUs over all guests", vcpus);
  return Status::good();
}

// Every record's reserved words, named as in format.h (detail: the record's index).
Status Reader::check_reserved_fields() const {
  if (!all_zero(appliance_->reserved)) return Status::bad("reserved field Appliance.reserved is not zero");
  for (uint32_t i = 0; i < images_.count; ++i)
    if (image(i).reserved != 0) return Status::bad("reserved field Image.reserved is not zero", i);
  for (uint32_t i = 0; i < msr_entries_.count; ++i)
    if (msr_entry(i).reserved != 0) return Status::bad("reserved field MsrEntry.reserved is not zero", i);
  for (uint32_t i = 0; i < behaviours_.count; ++i)
    if (!all_zero(behaviour(i).reserved)) return Status::bad("reserved field Behaviour.reserved is not zero", i);
  for (uint32_t i = 0; i < events_.count; ++i)
    if (event(i).reserved != 0) return Status::bad("reserved field Event.reserved is not zero", i);
  for (uint32_t i = 0; i < guests_.count; ++i) {
    const Guest& g = guest(i);
    if (g.reserved0 != 0) return Status::bad("reserved field Guest.reserved0 is not zero", i);
    if (g.reserved1 != 0) return Status::bad("reserved field Guest.reserved1 is not zero", i);
    if (!all_zero(g.reserved2)) return Status::bad("reserved field Guest.reserved2 is not zero", i);
    if (g.devices & ~blob::kGuestKnownDevices) return Status::bad("unknown device bits in Guest.devices", i);
    if ((g.devices & blob::kDeviceLocalApicX2apic) && !(g.devices & blob::kDeviceLocalApic))
      return Status::bad("Guest.devices offers x2APIC mode without the virtual local APIC", i);
    if ((g.devices & blob::kDevicePit) && !(g.devices & blob::kDevicePic))
      return Status::bad("Guest.devices has the virtual 8254 without the 8259 its IRQ 0 goes to", i);
    if ((g.devices & blob::kDevicePic) && g.forwarded_irqs)
      return Status::bad("Guest.devices has the virtual 8259 and forwarded IRQs: both would answer ports 0x20/0x21", i);
    const EntryState& e = g.entry;
    if (e.reserved0 != 0) return Status::bad("reserved field Guest.entry.reserved0 is not zero", i);
    if (e.gdtr.reserved != 0) return Status::bad("reserved field Guest.entry.gdtr.reserved is not zero", i);
    if (e.idtr.reserved != 0) return Status::bad("reserved field Guest.entry.idtr.reserved is not zero", i);
    const struct {
      const Segment& s;
      const char *r0, *r1;
    } segments[] = {
        {e.es, "reserved field Guest.entry.es.reserved0 is not zero", "reserved field Guest.entry.es.reserved1 is not zero"},
        {e.cs, "reserved field Guest.entry.cs.reserved0 is not zero", "reserved field Guest.entry.cs.reserved1 is not zero"},
        {e.ss, "reserved field Guest.entry.ss.reserved0 is not zero", "reserved field Guest.entry.ss.reserved1 is not zero"},
        {e.ds, "reserved field Guest.entry.ds.reserved0 is not zero", "reserved field Guest.entry.ds.reserved1 is not zero"},
        {e.fs, "reserved field Guest.entry.fs.reserved0 is not zero", "reserved field Guest.entry.fs.reserved1 is not zero"},
        {e.gs, "reserved field Guest.entry.gs.reserved0 is not zero", "reserved field Guest.entry.gs.reserved1 is not zero"},
        {e.ldtr, "reserved field Guest.entry.ldtr.reserved0 is not zero", "reserved field Guest.entry.ldtr.reserved1 is not zero"},
        {e.tr, "reserved field Guest.entry.tr.reserved0 is not zero", "reserved field Guest.entry.tr.reserved1 is not zero"},
    };
    for (const auto& seg : segments)
      if (Status s = check_segment(seg.s, seg.r0, seg.r1, i); !s.ok) return s;
  }
  return Status::good();
}

// Sizes, addresses and kinds of one region, without wrap-around: the
// hypervisor allocates, zeroes and maps exactly these bytes.
Status Reader::check_region(uint32_t i) const {
  const Region& r = region(i);
  if (r.size == 0 || (r.gpa | r.size) % 4096 != 0) return Status::bad("region not 4K-aligned or empty", i);
  if (!lib::within_width(r.gpa, r.size, kGuestPhysicalWidth))
    return Status::bad("region gpa + size wraps or ends beyond the 48-bit guest-physical space", i);
  if (!is_known(kRegionKinds, r.kind)) return Status::bad("unknown region kind", i);
  if (r.permissions & ~uint32_t(kRead | kWrite | kExecute)) return Status::bad("unknown region permission bits", i);
  if (!known_memory_type(r.memory_type)) return Status::bad("region memory type not UC, WC, WT, WP or WB", i);
  if (r.page_size != 4096 && r.page_size != (2u << 20) && r.page_size != (1u << 30))
    return Status::bad("region page size not 4K, 2M or 1G", i);
  if (r.kind == uint32_t(RegionKind::Passthrough)) {
    if (r.hpa % 4096 != 0) return Status::bad("passthrough hpa not 4K-aligned", i);
    if (!lib::within_width(r.hpa, r.size, 64)) return Status::bad("passthrough hpa + size wraps the address space", i);
  } else if (r.hpa != 0) {
    return Status::bad("hpa set on a region that is not passthrough", i);
  }
  if (r.kind == uint32_t(RegionKind::Image)) {
    if (r.image >= images_.count) return Status::bad("region refers to a missing image", i);
    if (uint64_t(r.image_offset) + image(r.image).size > r.size) return Status::bad("image does not fit its region", i);
  } else if (r.image != kNone) {
    return Status::bad("image set on a region that is not an image region", i);
  }
  return Status::good();
}

Status Reader::load_section(const SectionEntry& e) {
  if (!lib::range_inside(e.offset, e.size, 0, size_) || e.offset < sizeof(Header)) return Status::bad("section outside the blob", e.kind);
  if (!all_zero(e.reserved)) return Status::bad("reserved field SectionEntry.reserved is not zero", e.kind);
  if (e.offset % kSectionAlign != 0) return Status::bad("section not 16-byte aligned", e.kind);
  if (uint64_t(e.entry_size) * e.count != e.size) return Status::bad("section size is not entry size times count", e.kind);
  Span span{e.offset, e.size, e.count};
  auto take = [&](Span& slot, uint32_t entry_size) -> Status {
    if (slot.size != 0 || slot.count != 0) return Status::bad("duplicate section", e.kind);
    if (e.entry_size != entry_size) return Status::bad("section record size differs from this hypervisor's", e.kind);
    slot = span;
    return Status::good();
  };
  switch (SectionKind(e.kind)) {
    case SectionKind::Appliance:
      if (appliance_ != nullptr) return Status::bad("duplicate section", e.kind);
      if (e.entry_size != sizeof(Appliance) || e.count != 1) return Status::bad("appliance section malformed", e.kind);
      appliance_ = reinterpret_cast<const Appliance*>(data_ + e.offset);
      return Status::good();
    case SectionKind::Guests: return take(guests_, sizeof(Guest));
    case SectionKind::Regions: return take(regions_, sizeof(Region));
    case SectionKind::Images: return take(images_, sizeof(Image));
    case SectionKind::ImageData: return take(image_data_, 1);
    case SectionKind::Strings: return take(strings_, 1);
    case SectionKind::IoRanges: return take(io_ranges_, sizeof(IoRange));
    case SectionKind::MsrGrants: return take(msr_grants_, sizeof(MsrGrant));
    case SectionKind::MsrEntries: return take(msr_entries_, sizeof(MsrEntry));
    case SectionKind::Behaviours: return take(behaviours_, sizeof(Behaviour));
    case SectionKind::Events: return take(events_, sizeof(Event));
    case SectionKind::EptHooks: return take(ept_hooks_, sizeof(EptHook));
  }
  return Status::bad("unknown section kind", e.kind);
}

Status Reader::check_string(StringRef s) const {
  if (uint64_t(s.offset) + s.length >= strings_.size) return Status::bad("string reference outside the strings section", s.offset);
  if (data_[strings_.offset + s.offset + s.length] != 0) return Status::bad("string not NUL-terminated", s.offset);
  return Status::good();
}

Status Reader::check_run(uint32_t first, uint32_t count, const Span& s, const char* what) const {
  if (count == 0) return Status::good();
  if (uint64_t(first) + count > s.count) return Status::bad(what, first);
  return Status::good();
}

Status Reader::check_guest(uint32_t index) const {
  const Guest& g = guest(index);
  if (Status s = check_string(g.name); !s.ok) return s;
  if (g.cpu_mask == 0) return Status::bad("guest has no CPU", index);
  if (!is_known(kGuestModes, g.mode)) return Status::bad("unknown guest mode", index);
  if (g.region_count == 0) return Status::bad("guest has no memory region", index);
  if (!is_known(kTimerActions, g.timer_action)) return Status::bad("unknown timer action", index);
  if (g.cr3_target_count > 4) return Status::bad("CR3-target count above 4", index);
  if (g.flags & ~kGuestKnownFlags) return Status::bad("unknown guest flags", index);
  if (g.tpr_threshold > 15) return Status::bad("TPR threshold above 15", index);
  if (g.vcpu_count > kMaxVcpusPerGuest) return Status::bad("more than 16 vCPUs in one guest", index);
  if (g.vcpu_count > 1) {
    // Its vCPUs start one another through their virtual APICs and share one
    // EPT built once: nothing that changes guest memory at run time, nothing
    // whose state would be one device shared across CPUs.
    if (!(g.devices & kDeviceLocalApic)) return Status::bad("a guest of several vCPUs without devices.local_apic", index);
    if (g.flags & kGuestMapOnDemand) return Status::bad("a guest of several vCPUs with map-on-demand", index);
    if (g.alternate_region_count) return Status::bad("a guest of several vCPUs with an alternate EPT view", index);
    if (g.devices & (kDevicePic | kDevicePit)) return Status::bad("a guest of several vCPUs with devices.pic or devices.pit", index);
    if (g.forwarded_irqs) return Status::bad("a guest of several vCPUs with forwarded IRQs", index);
  }
  if (g.flags & kGuestMapOnDemand) {
    if (g.map_on_demand_pages > kMaxMapOnDemandPages) return Status::bad("map-on-demand pool above 4096 pages", index);
    if (g.map_on_demand_limit > (1ull << kGuestPhysicalWidth)) return Status::bad("map-on-demand limit beyond the 48-bit guest-physical space", index);
  }
  const Status runs[] = {
      check_run(g.first_region, g.region_count, regions_, "guest region run outside the region section"),
      check_run(g.first_alternate_region, g.alternate_region_count, regions_, "guest alternate EPT view outside the region section"),
      check_run(g.first_io_range, g.io_range_count, io_ranges_, "guest I/O ranges outside their section"),
      check_run(g.first_msr_grant, g.msr_grant_count, msr_grants_, "guest MSR grants outside their section"),
      check_run(g.entry_msr_load_first, g.entry_msr_load_count, msr_entries_, "VM-entry MSR-load list outside its section"),
      check_run(g.exit_msr_store_first, g.exit_msr_store_count, msr_entries_, "VM-exit MSR-store list outside its section"),
      check_run(g.exit_msr_load_first, g.exit_msr_load_count, msr_entries_, "VM-exit MSR-load list outside its section"),
      check_run(g.first_behaviour, g.behaviour_count, behaviours_, "guest behaviours outside their section"),
      check_run(g.first_event, g.event_count, events_, "guest events outside their section"),
      check_run(g.first_ept_hook, g.ept_hook_count, ept_hooks_, "guest EPT hooks outside their section"),
  };
  for (const Status& s : runs)
    if (!s.ok) return Status::bad(s.reason, index);
  for (uint32_t i = 0; i < g.behaviour_count; ++i) {
    const Behaviour& b = behaviour(g.first_behaviour + i);
    if (!is_known(kActions, b.action)) return Status::bad("unknown behaviour action", index);
    if (b.kind > uint32_t(BehaviourKind::Exception)) return Status::bad("unknown behaviour kind", index);
  }
  for (uint32_t i = 0; i < g.io_range_count; ++i) {
    const IoRange& io = io_range(g.first_io_range + i);
    if (io.first_port > io.last_port) return Status::bad("I/O range with first port above last port", index);
    if (io.flags & ~uint32_t(kIoPass)) return Status::bad("unknown I/O range flags", index);
  }
  for (uint32_t i = 0; i < g.msr_grant_count; ++i) {
    const uint32_t f = msr_grant(g.first_msr_grant + i).flags;
    if (f & ~kMsrGrantKnownFlags) return Status::bad("unknown MSR grant flags", index);
    if (((f & kPassRead) && (f & kEmulateRead)) || ((f & kPassWrite) && (f & kEmulateWrite)))
      return Status::bad("MSR grant both passes and emulates one direction", index);
  }
  for (uint32_t i = 0; i < g.ept_hook_count; ++i) {
    const EptHook& h = ept_hook(g.first_ept_hook + i);
    if (h.gpa % 4096 != 0 || h.gpa >= (1ull << kGuestPhysicalWidth)) return Status::bad("EPT hook gpa not a 4K page of the 48-bit guest-physical space", index);
    if (h.hook != uint32_t(HookId::LocalApic)) return Status::bad("unknown EPT hook", index);
    if (h.permissions & ~uint32_t(kRead | kWrite | kExecute)) return Status::bad("unknown EPT hook permission bits", index);
  }
  // Regions of one guest must not overlap: EPT would silently take the later one.
  for (uint32_t a = 0; a < g.region_count; ++a)
    for (uint32_t b = a + 1; b < g.region_count; ++b) {
      const Region& ra = region(g.first_region + a);
      const Region& rb = region(g.first_region + b);
      if (lib::ranges_overlap(ra.gpa, ra.size, rb.gpa, rb.size)) return Status::bad("guest regions overlap", index);
    }
  return Status::good();
}

}  // namespace blob
