// The profile lowered to blob records (vmm/blob/format.h), before packing.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "blob/format.h"
#include "model/expect.h"

namespace configgen::model {

struct LoweredImage {
  std::string name;
  std::vector<uint8_t> bytes;
  uint32_t format = 0;
  uint64_t entry_point = 0;
};

struct LoweredGuest {
  blob::Guest record{};  // run indices are relative to this guest's vectors below
  std::string name;
  std::vector<blob::Region> regions;
  std::vector<blob::Region> alternate_regions;  // EPT view 1
  std::vector<blob::IoRange> io_ranges;
  std::vector<blob::MsrGrant> msr_grants;
  std::vector<blob::MsrEntry> entry_msr_load, exit_msr_store, exit_msr_load;
  std::vector<blob::Behaviour> behaviours;
  std::vector<blob::Event> events;
  std::vector<blob::EptHook> ept_hooks;
  model::SourceLoc loc, entry_loc, controls_loc;
};

struct LoweredProfile {
  std::string name, target;
  uint32_t min_cpus = 1;
  uint16_t console_port = 0x3F8;
  uint16_t log_level = 2;
  uint32_t flags = 0;
  std::vector<LoweredImage> images;  // profile images, then generated ones
  std::vector<LoweredGuest> guests;
};

}  // namespace configgen::model
