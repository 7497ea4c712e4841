#include "memory/ept.h"

namespace memory {
namespace {
constexpr uint64_t kAddressMask = 0x000FFFFFFFFFF000ull;
constexpr uint64_t kLargePage = 1ull << 7;
constexpr uint64_t kAllAccess = 7;  // R/W/X on non-leaf entries: leaves decide
// Level 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT. Bits translated per level.
constexpr int shift_of(int level) { return 12 + 9 * (level - 1); }
constexpr uint64_t index_of(uint64_t gpa, int level) { return (gpa >> shift_of(level)) & 511; }
constexpr uint64_t leaf(uint64_t hpa, uint32_t perms, uint32_t memory_type, bool large) {
  return (hpa & kAddressMask) | (perms & 7) | (uint64_t(memory_type & 7) << 3) | (large ? kLargePage : 0);
}
constexpr bool present(uint64_t e) { return (e & 7) != 0; }
}  // namespace

bool EptBuilder::init(PageSource source, bool allow_2m, bool allow_1g) {
  source_ = source;
  allow_2m_ = allow_2m;
  allow_1g_ = allow_1g;
  tables_ = 0;
  pml4_ = source_.allocate_page(source_.context);
  if (!pml4_) return false;
  ++tables_;
  return true;
}

uint64_t* EptBuilder::walk_to(uint64_t gpa, int level, bool create) {
  uint64_t* t = table(pml4_);
  for (int l = 4; l > level; --l) {
    uint64_t& e = t[index_of(gpa, l)];
    if (present(e) && (e & kLargePage)) {
      if (!create || !split(&e, l)) return nullptr;
    } else if (!present(e)) {
      if (!create) return nullptr;
      const uint64_t page = source_.allocate_page(source_.context);
      if (!page) return nullptr;
      ++tables_;
      e = page | kAllAccess;
    }
    t = table(e & kAddressMask);
  }
  return &t[index_of(gpa, level)];
}

// Replaces a large-page leaf at `level` with a table of the next level down
// holding the same translation.
bool EptBuilder::split(uint64_t* entry, int level) {
  const uint64_t page = source_.allocate_page(source_.context);
  if (!page) return false;
  ++tables_;
  uint64_t* t = table(page);
  const uint64_t base = *entry & kAddressMask & ~((1ull << shift_of(level)) - 1);
  const uint64_t attrs = *entry & 0x7F;  // permissions + memory type + ignore-PAT
  const uint64_t step = 1ull << shift_of(level - 1);
  for (uint64_t i = 0; i < 512; ++i) t[i] = (base + i * step) | attrs | (level - 1 > 1 ? kLargePage : 0);
  *entry = page | kAllAccess;
  return true;
}

bool EptBuilder::map(uint64_t gpa, uint64_t hpa, uint64_t size, uint32_t permissions, uint32_t memory_type,
                     uint64_t max_page) {
  if (!pml4_ || ((gpa | hpa | size) & (kPage4K - 1)) || size == 0 || gpa + size < gpa) return false;
  if (gpa + size > (1ull << 48)) return false;  // a 4-level walk covers 48 bits
  while (size) {
    const uint64_t page = ept_page_for(gpa, hpa, size, max_page, allow_2m_, allow_1g_);
    const int level = page == kPage1G ? 3 : page == kPage2M ? 2 : 1;
    uint64_t* e = walk_to(gpa, level, true);
    if (!e) return false;
    // A table that a large page replaces stays allocated but unreachable: maps are built once per guest.
    *e = leaf(hpa, permissions, memory_type, level > 1);
    gpa += page, hpa += page, size -= page;
  }
  return true;
}

bool EptBuilder::protect_4k(uint64_t gpa, uint32_t permissions) {
  uint64_t* e = walk_to(gpa & ~(kPage4K - 1), 1, true);
  if (!e || !(*e & kAddressMask)) return false;
  *e = (*e & ~7ull) | (permissions & 7);
  return true;
}

EptTranslation EptBuilder::translate(uint64_t gpa) const {
  EptTranslation r{};
  if (!pml4_) return r;
  const uint64_t* t = table(pml4_);
  for (int l = 4; l >= 1; --l) {
    const uint64_t e = t[index_of(gpa, l)];
    if (!present(e)) return r;
    if (l == 1 || (e & kLargePage)) {
      const uint64_t page = 1ull << shift_of(l);
      r.present = true;
      r.page_size = page;
      r.host_physical = (e & kAddressMask & ~(page - 1)) | (gpa & (page - 1));
      r.permissions = uint32_t(e & 7);
      r.memory_type = uint32_t((e >> 3) & 7);
      return r;
    }
    t = table(e & kAddressMask);
  }
  return r;
}

uint64_t EptBuilder::eptp(bool accessed_dirty) const {
  constexpr uint64_t kWriteBack = 6, kWalkLengthMinus1 = 3;
  return pml4_ | kWriteBack | (kWalkLengthMinus1 << 3) | (accessed_dirty ? 1ull << 6 : 0);
}

}  // namespace memory
