// Verifies a blob and gives typed, bounds-checked access to its sections.
// Plain logic, compiled into the hypervisor and into host tests/configgen.
// The hypervisor trusts a blob only after verify() has returned ok: every
// offset, count and cross-reference has been checked here.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "blob/format.h"

namespace blob {

struct Status {
  bool ok;
  const char* reason;  // static text naming the rule that failed
  uint64_t detail;     // the offending value (offset, index, ...)
  static constexpr Status good() { return {true, "ok", 0}; }
  static constexpr Status bad(const char* why, uint64_t d = 0) { return {false, why, d}; }
};

class Reader {
 public:
  // Checks magic, version, size, CRC, the section table, each section's
  // bounds and record size, every cross-reference between records, every
  // size, address and port (overflow-safe), that reserved fields are zero
  // and that console_port is a known UART base.
  Status verify(const uint8_t* data, size_t size);

  const Header& header() const { return *reinterpret_cast<const Header*>(data_); }
  const Appliance& appliance() const { return *appliance_; }
  uint32_t guest_count() const { return guests_.count; }
  const Guest& guest(uint32_t i) const { return at<Guest>(guests_, i); }
  const Region& region(uint32_t i) const { return at<Region>(regions_, i); }
  const Image& image(uint32_t i) const { return at<Image>(images_, i); }
  const IoRange& io_range(uint32_t i) const { return at<IoRange>(io_ranges_, i); }
  const MsrGrant& msr_grant(uint32_t i) const { return at<MsrGrant>(msr_grants_, i); }
  const MsrEntry& msr_entry(uint32_t i) const { return at<MsrEntry>(msr_entries_, i); }
  const Behaviour& behaviour(uint32_t i) const { return at<Behaviour>(behaviours_, i); }
  const Event& event(uint32_t i) const { return at<Event>(events_, i); }
  const EptHook& ept_hook(uint32_t i) const { return at<EptHook>(ept_hooks_, i); }
  uint32_t region_count() const { return regions_.count; }
  uint32_t image_count() const { return images_.count; }
  const uint8_t* image_data(const Image& img) const { return data_ + img.data_offset; }
  // A verified StringRef: NUL-terminated inside the Strings section.
  const char* string(StringRef s) const {
    return reinterpret_cast<const char*>(data_ + strings_.offset + s.offset);
  }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  struct Span {
    uint32_t offset = 0, size = 0, count = 0;
  };
  template <typename T>
  const T& at(const Span& s, uint32_t i) const {
    return reinterpret_cast<const T*>(data_ + s.offset)[i];
  }
  Status load_section(const SectionEntry& e);
  Status check_string(StringRef s) const;
  Status check_run(uint32_t first, uint32_t count, const Span& s, const char* what) const;
  Status check_guest(uint32_t index) const;
  Status check_region(uint32_t index) const;
  Status check_reserved_fields() const;

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  const Appliance* appliance_ = nullptr;
  Span guests_, regions_, images_, image_data_, strings_, io_ranges_, msr_grants_, msr_entries_,
      behaviours_, events_, ept_hooks_;
};

}  // namespace blob
