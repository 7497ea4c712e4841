// EPT paging-structure builder (SDM 28.3.2, book 6.1.2-6.1.7). Plain logic:
// the page source decides where tables live, so host tests can run it over
// ordinary memory and check every translation.
#pragma once
#include <stdint.h>

namespace memory {

// Where EPT tables come from: a zeroed 4 KiB page, by host-physical address,
// and how the builder reaches it.
struct PageSource {
  void* context;
  uint64_t (*allocate_page)(void* context);       // 0 = out of memory
  uint64_t* (*table_at)(void* context, uint64_t host_physical);
};

enum EptPermission : uint32_t { kEptRead = 1, kEptWrite = 2, kEptExecute = 4 };
inline constexpr uint64_t kPage4K = 4096, kPage2M = 2ull << 20, kPage1G = 1ull << 30;

// The page EptBuilder::map() uses at gpa -> hpa with `left` bytes still to
// map: the largest that both addresses' alignment, the bytes left, max_page
// and the CPU allow. `configgen inspect --map` asks the same question.
constexpr uint64_t ept_page_for(uint64_t gpa, uint64_t hpa, uint64_t left, uint64_t max_page, bool allow_2m, bool allow_1g) {
  auto fits = [&](uint64_t p) { return ((gpa | hpa) & (p - 1)) == 0 && left >= p && max_page >= p; };
  return allow_1g && fits(kPage1G) ? kPage1G : allow_2m && fits(kPage2M) ? kPage2M : kPage4K;
}

// The alignment of the host block behind a RAM or image region (book
// 6.3.1): 2M when the region may use large pages, so that a 2M-aligned GPA
// maps with 2M pages. 1G pages need a 1G-aligned block, which is luck.
constexpr uint64_t backing_alignment(uint64_t max_page, uint64_t size) {
  return max_page >= kPage2M && size >= kPage2M ? kPage2M : kPage4K;
}

struct EptTranslation {
  bool present;
  uint64_t host_physical;
  uint32_t permissions;  // EptPermission bits
  uint32_t memory_type;
  uint64_t page_size;
};

class EptBuilder {
 public:
  // large_pages: the page sizes the CPU allows beyond 4K (IA32_VMX_EPT_VPID_CAP bits 16, 17).
  bool init(PageSource source, bool allow_2m, bool allow_1g);

  // Maps [gpa, gpa+size) to [hpa, hpa+size) using the largest pages that
  // alignment, size and max_page allow. Returns false on a bad argument or
  // when tables run out; existing mappings in the range are replaced.
  bool map(uint64_t gpa, uint64_t hpa, uint64_t size, uint32_t permissions, uint32_t memory_type, uint64_t max_page);
  // Changes the permissions of one 4K page, splitting a large page if needed
  // (for EPT hooks).
  bool protect_4k(uint64_t gpa, uint32_t permissions);
  EptTranslation translate(uint64_t gpa) const;

  // EPTP (SDM 24.6.11): WB paging-structure memory type, 4-level walk.
  uint64_t eptp(bool accessed_dirty) const;
  uint64_t root() const { return pml4_; }
  uint32_t tables_used() const { return tables_; }

 private:
  uint64_t* table(uint64_t hpa) const { return source_.table_at(source_.context, hpa); }
  uint64_t* walk_to(uint64_t gpa, int level, bool create);
  bool split(uint64_t* entry, int level);

  PageSource source_{};
  uint64_t pml4_ = 0;
  bool allow_2m_ = false, allow_1g_ = false;
  uint32_t tables_ = 0;
};

}  // namespace memory
