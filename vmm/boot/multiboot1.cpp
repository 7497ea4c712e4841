#include "boot/multiboot.h"

namespace boot {
namespace {
template <typename T>
const T* at(uint32_t physical) {
  return reinterpret_cast<const T*>(uint64_t(physical));
}
// v1 strings carry no length: each may run to the hypervisor's own limit.
constexpr size_t kUnbounded = ~size_t(0);
}  // namespace

BootInfoStatus read_multiboot1(const MultibootInfo& mbi, BootInfo& out) {
  out = BootInfo{};
  out.loader = Loader::Multiboot1;
  BootInfoStatus s = kBootInfoOk;
  if (mbi.flags & kHasCmdline) s = set_cmdline(out, at<char>(mbi.cmdline), kUnbounded);
  if (!s.ok) return s;
  if (mbi.flags & kHasModules) {
    const auto* mods = at<MultibootModule>(mbi.mods_addr);
    for (uint32_t i = 0; i < mbi.mods_count && s.ok; ++i)
      s = add_module(out, mods[i].start, mods[i].end, mods[i].string ? at<char>(mods[i].string) : nullptr, kUnbounded);
  }
  if (!s.ok) return s;
  // The RAM ranges of the memory map (type 1), or, without a map, the
  // upper-memory size as one range from 0.
  if (mbi.flags & kHasMmap) {
    for (uint64_t p = mbi.mmap_addr, end = p + mbi.mmap_length; p < end && s.ok;) {
      const auto* e = reinterpret_cast<const MultibootMmapEntry*>(p);
      if (e->type == 1) s = add_ram_range(out, e->base, e->length);
      p += uint64_t(e->size) + 4;
    }
  } else if (mbi.flags & kHasMemory) {
    s = add_ram_range(out, 0, (uint64_t(mbi.mem_upper) + 1024) * 1024);
  }
  return s;
}

}  // namespace boot
