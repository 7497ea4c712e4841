// EPT builder (vmm/memory/ept.cpp) over ordinary host memory: every
// translation checked, page sizes chosen by alignment, hooks split pages.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "memory/ept.h"
#include "fake_physical.h"

namespace {
using memory::EptBuilder;

using host_test::FakePhysical;  // tests/host/fake_physical.h

TEST(EptBuilder, Maps4KPagesWithPermissionsAndType) {
  FakePhysical phys;
  EptBuilder ept;
  ASSERT_TRUE(ept.init(phys.source(), true, true));
  ASSERT_TRUE(ept.map(0x100000, 0x40000000, 0x3000, memory::kEptRead | memory::kEptExecute, 6, memory::kPage2M));
  for (uint64_t off = 0; off < 0x3000; off += 0x800) {
    const auto t = ept.translate(0x100000 + off);
    ASSERT_TRUE(t.present);
    EXPECT_EQ(t.host_physical, 0x40000000 + off);
    EXPECT_EQ(t.permissions, memory::kEptRead | memory::kEptExecute);
    EXPECT_EQ(t.memory_type, 6u);
    EXPECT_EQ(t.page_size, memory::kPage4K);
  }
  EXPECT_FALSE(ept.translate(0x103000).present);
  EXPECT_FALSE(ept.translate(0xFF000).present);
}

TEST(EptBuilder, UsesLargePagesOnlyWhereAlignedAndAllowed) {
  FakePhysical phys;
  EptBuilder ept;
  ASSERT_TRUE(ept.init(phys.source(), true, true));
  // 2M-aligned both sides, 4M + 4K long: two 2M pages then one 4K page.
  ASSERT_TRUE(ept.map(0x200000, 0x800000, 0x401000, 7, 6, memory::kPage1G));
  EXPECT_EQ(ept.translate(0x200000).page_size, memory::kPage2M);
  EXPECT_EQ(ept.translate(0x5FFFFF).host_physical, 0xBFFFFFu);
  EXPECT_EQ(ept.translate(0x600000).page_size, memory::kPage4K);
  // max_page 4K forces small pages even when aligned.
  ASSERT_TRUE(ept.map(0x40000000, 0x40000000, 0x200000, 7, 6, memory::kPage4K));
  EXPECT_EQ(ept.translate(0x40000000).page_size, memory::kPage4K);
  // 1G when allowed and aligned.
  ASSERT_TRUE(ept.map(0x80000000, 0xC0000000, 1ull << 30, 7, 6, memory::kPage1G));
  EXPECT_EQ(ept.translate(0x80000000).page_size, memory::kPage1G);
  EXPECT_EQ(ept.translate(0x80000000 + 12345).host_physical, 0xC0000000u + 12345);
}

TEST(EptBuilder, NoLargePagesWhenTheCpuLacksThem) {
  FakePhysical phys;
  EptBuilder ept;
  ASSERT_TRUE(ept.init(phys.source(), false, false));
  ASSERT_TRUE(ept.map(0, 0, 4ull << 20, 7, 6, memory::kPage1G));
  EXPECT_EQ(ept.translate(0x200000).page_size, memory::kPage4K);
}

TEST(EptBuilder, ProtectSplitsALargePageKeepingTheRest) {
  FakePhysical phys;
  EptBuilder ept;
  ASSERT_TRUE(ept.init(phys.source(), true, false));
  ASSERT_TRUE(ept.map(0, 0x10000000, memory::kPage2M, 7, 6, memory::kPage2M));
  ASSERT_TRUE(ept.protect_4k(0x5000, memory::kEptRead));
  const auto hooked = ept.translate(0x5123);
  EXPECT_EQ(hooked.permissions, memory::kEptRead);
  EXPECT_EQ(hooked.host_physical, 0x10005123u);
  EXPECT_EQ(hooked.page_size, memory::kPage4K);
  const auto other = ept.translate(0x6000);
  EXPECT_EQ(other.permissions, 7u);
  EXPECT_EQ(other.host_physical, 0x10006000u);
  EXPECT_EQ(other.memory_type, 6u);
}

TEST(EptBuilder, RejectsMisalignedOrEmptyRanges) {
  FakePhysical phys;
  EptBuilder ept;
  ASSERT_TRUE(ept.init(phys.source(), true, true));
  EXPECT_FALSE(ept.map(0x1001, 0, 0x1000, 7, 6, memory::kPage4K));
  EXPECT_FALSE(ept.map(0x1000, 0x800, 0x1000, 7, 6, memory::kPage4K));
  EXPECT_FALSE(ept.map(0x1000, 0x1000, 0, 7, 6, memory::kPage4K));
  EXPECT_FALSE(ept.map(1ull << 48, 0, 0x1000, 7, 6, memory::kPage4K));
}

TEST(EptBuilder, EptpEncodesWriteBackFourLevelsAndAccessedDirty) {
  FakePhysical phys;
  EptBuilder ept;
  ASSERT_TRUE(ept.init(phys.source(), true, true));
  EXPECT_EQ(ept.eptp(false), ept.root() | 6 | (3 << 3));
  EXPECT_EQ(ept.eptp(true), ept.root() | 6 | (3 << 3) | (1 << 6));
}
}  // namespace
