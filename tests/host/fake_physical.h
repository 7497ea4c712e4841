// Page tables in ordinary memory for host tests of the EPT builder: a
// vector of 4K pages, a "host-physical" address is 0x1000 * (index + 1).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "memory/ept.h"

namespace host_test {
struct FakePhysical {
  std::vector<std::unique_ptr<uint64_t[]>> pages;
  static uint64_t allocate(void* self) {
    auto* f = static_cast<FakePhysical*>(self);
    f->pages.emplace_back(new uint64_t[512]());
    return 0x1000ull * f->pages.size();
  }
  static uint64_t* at(void* self, uint64_t hpa) { return static_cast<FakePhysical*>(self)->pages.at(hpa / 0x1000 - 1).get(); }
  memory::PageSource source() { return {this, allocate, at}; }
};
}  // namespace host_test
