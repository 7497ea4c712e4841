// The multiboot2 boot-information parser (vmm/boot/multiboot2.cpp) over
// hand-built tag lists: what GRUB gives is read into the one BootInfo both
// loaders fill; malformed lists are refused with the rule they broke, and
// never read past the bytes they were given.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "boot/multiboot2.h"

namespace {
using namespace boot;

// Builds a multiboot2 information buffer the way the spec lays it out.
class Mb2Builder {
 public:
  Mb2Builder() { bytes_.resize(8); }
  Mb2Builder& tag(uint32_t type, const std::vector<uint8_t>& payload) {
    return raw_tag(type, uint32_t(8 + payload.size()), payload);
  }
  // A tag whose size field says `size` whatever its payload holds.
  Mb2Builder& raw_tag(uint32_t type, uint32_t size, const std::vector<uint8_t>& payload) {
    put32(type);
    put32(size);
    bytes_.insert(bytes_.end(), payload.begin(), payload.end());
    while (bytes_.size() % 8) bytes_.push_back(0);
    return *this;
  }
  Mb2Builder& cmdline(const std::string& s) { return tag(1, with_nul(s)); }
  Mb2Builder& module(uint32_t start, uint32_t end, const std::string& s) {
    std::vector<uint8_t> p = le32(start);
    append(p, le32(end));
    append(p, with_nul(s));
    return tag(3, p);
  }
  struct Entry {
    uint64_t base, length;
    uint32_t type;
  };
  Mb2Builder& mmap(const std::vector<Entry>& entries, uint32_t entry_size = 24) {
    std::vector<uint8_t> p = le32(entry_size);
    append(p, le32(0));
    for (const Entry& e : entries) {
      std::vector<uint8_t> one = le64(e.base);
      append(one, le64(e.length));
      append(one, le32(e.type));
      one.resize(entry_size, 0);
      append(p, one);
    }
    return tag(6, p);
  }
  Mb2Builder& end() { return tag(0, {}); }
  // total_size as the loader would write it, or a lie.
  std::vector<uint8_t> build(int64_t total_adjust = 0) const {
    std::vector<uint8_t> b = bytes_;
    const uint32_t total = uint32_t(int64_t(b.size()) + total_adjust);
    std::memcpy(b.data(), &total, 4);
    return b;
  }

  static std::vector<uint8_t> le32(uint32_t v) { return {uint8_t(v), uint8_t(v >> 8), uint8_t(v >> 16), uint8_t(v >> 24)}; }
  static std::vector<uint8_t> le64(uint64_t v) {
    std::vector<uint8_t> p = le32(uint32_t(v));
    append(p, le32(uint32_t(v >> 32)));
    return p;
  }
  static void append(std::vector<uint8_t>& a, const std::vector<uint8_t>& b) { a.insert(a.end(), b.begin(), b.end()); }
  static std::vector<uint8_t> with_nul(const std::string& s) {
    std::vector<uint8_t> p(s.begin(), s.end());
    p.push_back(0);
    return p;
  }

 private:
  void put32(uint32_t v) { append(bytes_, le32(v)); }
  std::vector<uint8_t> bytes_;
};

// An RSDP as firmware writes it: revision 0 (20 bytes) or 2 (36 bytes), checksums right.
std::vector<uint8_t> rsdp(uint8_t revision, uint32_t rsdt, uint64_t xsdt = 0) {
  std::vector<uint8_t> r = {'R', 'S', 'D', ' ', 'P', 'T', 'R', ' ', 0, 'B', 'O', 'C', 'H', 'S', ' ', revision};
  Mb2Builder::append(r, Mb2Builder::le32(rsdt));
  if (revision >= 2) {
    Mb2Builder::append(r, Mb2Builder::le32(36));
    Mb2Builder::append(r, Mb2Builder::le64(xsdt));
    r.insert(r.end(), {0, 0, 0, 0});
  }
  auto fix = [&r](size_t at, size_t n) {
    uint8_t sum = 0;
    for (size_t i = 0; i < n; ++i) sum = uint8_t(sum + r[i]);
    r[at] = uint8_t(-sum);
  };
  fix(8, 20);
  if (revision >= 2) fix(32, 36);
  return r;
}

BootInfoStatus parse(const std::vector<uint8_t>& b, BootInfo& out) { return parse_multiboot2(b.data(), b.size(), out); }

// Refused, and the reason mentions `words`.
void expect_refused(const std::vector<uint8_t>& b, const std::string& words) {
  SCOPED_TRACE(words);
  BootInfo info;
  const BootInfoStatus s = parse(b, info);
  EXPECT_FALSE(s.ok);
  EXPECT_NE(std::string(s.reason).find(words), std::string::npos) << "reason: " << s.reason;
}

TEST(Multiboot2, ReadsWhatGrubGives) {
  const auto b = Mb2Builder()
                     .cmdline("exit=qemu caps")
                     .module(0x200000, 0x201000, "/profile.blob profile.blob")
                     .module(0x202000, 0x202040, "/profile.sig profile.sig")
                     .tag(4, {0x80, 2, 0, 0, 0, 0xFC, 0, 0})  // basic meminfo: not needed, skipped
                     .mmap({{0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0x100000, 0x7EE0000, 1}, {0xFEC00000, 0x1000, 2}})
                     .tag(14, rsdp(0, 0x7FE1234))
                     .end()
                     .build();
  BootInfo info;
  const BootInfoStatus s = parse(b, info);
  ASSERT_TRUE(s.ok) << s.reason;
  EXPECT_EQ(info.loader, Loader::Multiboot2);
  EXPECT_STREQ(info.cmdline, "exit=qemu caps");
  ASSERT_EQ(info.module_count, 2u);
  EXPECT_EQ(info.modules[0].start, 0x200000u);
  EXPECT_EQ(info.modules[0].end, 0x201000u);
  EXPECT_STREQ(info.modules[0].string, "/profile.blob profile.blob");
  EXPECT_STREQ(info.modules[1].string, "/profile.sig profile.sig");
  ASSERT_EQ(info.ram_count, 2u);
  EXPECT_EQ(info.ram[0].base, 0u);
  EXPECT_EQ(info.ram[0].length, 0x9FC00u);
  EXPECT_EQ(info.ram[1].base, 0x100000u);
  EXPECT_EQ(info.ram[1].length, 0x7EE0000u);
  ASSERT_EQ(info.rsdp_size, kRsdpV1Size);
  EXPECT_EQ(std::memcmp(info.rsdp, rsdp(0, 0x7FE1234).data(), kRsdpV1Size), 0);
}

TEST(Multiboot2, TheAcpi2CopyWinsOverTheAcpi1OneInEitherOrder) {
  for (bool new_first : {false, true}) {
    Mb2Builder m;
    if (new_first) m.tag(15, rsdp(2, 0x1000, 0x2000)).tag(14, rsdp(0, 0x1000));
    else m.tag(14, rsdp(0, 0x1000)).tag(15, rsdp(2, 0x1000, 0x2000));
    BootInfo info;
    ASSERT_TRUE(parse(m.end().build(), info).ok);
    EXPECT_EQ(info.rsdp_size, kRsdpV2Size);
    EXPECT_EQ(info.rsdp[24], 0x00);
    EXPECT_EQ(info.rsdp[25], 0x20);  // the XSDT address, 0x2000
  }
}

TEST(Multiboot2, Acpi1TagMayHoldTheStartOfARevision2Rsdp) {
  // GRUB on UEFI copies the first 20 bytes of the firmware's (revision 2) RSDP into tag 14.
  std::vector<uint8_t> r = rsdp(2, 0x1000, 0x2000);
  r.resize(20);
  BootInfo info;
  ASSERT_TRUE(parse(Mb2Builder().tag(14, r).end().build(), info).ok);
  EXPECT_EQ(info.rsdp_size, kRsdpV1Size);
}

TEST(Multiboot2, WithoutAcpiTagsTheBiosAreaIsLeftToScan) {
  BootInfo info;
  ASSERT_TRUE(parse(Mb2Builder().end().build(), info).ok);
  EXPECT_EQ(info.rsdp_size, 0u);
  EXPECT_EQ(info.module_count, 0u);
  EXPECT_STREQ(info.cmdline, "");
}

TEST(Multiboot2, AdjacentRamRangesMergeAndOtherTypesAreLeftOut) {
  // UEFI maps come in many pieces: boot-services code and data become RAM next to conventional memory.
  const auto b = Mb2Builder()
                     .mmap({{0x100000, 0x100000, 1}, {0x200000, 0x300000, 1}, {0x500000, 0x1000, 3}, {0x501000, 0x1000, 1},
                            {0x502000, 0x1000, 1}})
                     .end()
                     .build();
  BootInfo info;
  ASSERT_TRUE(parse(b, info).ok);
  ASSERT_EQ(info.ram_count, 2u);
  EXPECT_EQ(info.ram[0].base, 0x100000u);
  EXPECT_EQ(info.ram[0].length, 0x400000u);
  EXPECT_EQ(info.ram[1].base, 0x501000u);
  EXPECT_EQ(info.ram[1].length, 0x2000u);
}

TEST(Multiboot2, LargerMmapEntriesAreSteppedByEntrySize) {
  const auto b = Mb2Builder().mmap({{0x100000, 0x1000, 1}, {0x300000, 0x1000, 1}}, 32).end().build();
  BootInfo info;
  ASSERT_TRUE(parse(b, info).ok);
  ASSERT_EQ(info.ram_count, 2u);
  EXPECT_EQ(info.ram[1].base, 0x300000u);
}

TEST(Multiboot2, UnknownTagsAreSkipped) {
  const auto b = Mb2Builder().tag(21, {1, 2, 3, 4, 5}).tag(2, Mb2Builder::with_nul("GRUB 2.06")).cmdline("ring").end().build();
  BootInfo info;
  ASSERT_TRUE(parse(b, info).ok);
  EXPECT_STREQ(info.cmdline, "ring");
}

TEST(Multiboot2, TruncatedBuffersAreRefused) {
  const auto b = Mb2Builder().cmdline("exit=qemu").end().build();
  BootInfo info;
  for (size_t n = 0; n < b.size(); ++n) {
    const BootInfoStatus s = parse_multiboot2(b.data(), n, info);
    EXPECT_FALSE(s.ok) << n << " bytes";
  }
  EXPECT_TRUE(parse_multiboot2(b.data(), b.size(), info).ok);
  expect_refused(std::vector<uint8_t>(b.begin(), b.begin() + 4), "shorter than its 8-byte fixed part");
}

TEST(Multiboot2, TotalSizePastTheReadableBytesIsRefused) {
  expect_refused(Mb2Builder().cmdline("x").end().build(8), "total_size past the readable information");
}

TEST(Multiboot2, TotalSizeTooSmallIsRefused) {
  auto b = Mb2Builder().end().build();
  std::memset(b.data(), 0, 4);
  expect_refused(b, "total_size too small");
}

TEST(Multiboot2, AListWithoutAnEndTagIsRefused) {
  expect_refused(Mb2Builder().cmdline("exit=qemu").build(), "no end tag");
  // total_size cuts the list before its end tag.
  expect_refused(Mb2Builder().cmdline("exit=qemu").end().build(-8), "no end tag");
}

TEST(Multiboot2, ATagRunningPastTotalSizeIsRefused) {
  expect_refused(Mb2Builder().raw_tag(1, 4096, Mb2Builder::with_nul("exit=qemu")).end().build(), "tag runs past total_size");
  expect_refused(Mb2Builder().raw_tag(1, 0xFFFFFFF8u, {}).end().build(), "tag runs past total_size");
}

TEST(Multiboot2, ATagSmallerThanItsHeaderIsRefused) {
  expect_refused(Mb2Builder().raw_tag(21, 4, {}).end().build(), "tag size below 8");
  expect_refused(Mb2Builder().raw_tag(0, 0, {}).build(), "tag size below 8");
}

TEST(Multiboot2, StringsMustEndWithinTheirTags) {
  expect_refused(Mb2Builder().raw_tag(1, 8 + 4, {'a', 'b', 'c', 'd'}).end().build(), "command line is not NUL-terminated");
  std::vector<uint8_t> m = Mb2Builder::le32(0x200000);
  Mb2Builder::append(m, Mb2Builder::le32(0x201000));
  Mb2Builder::append(m, {'b', 'l', 'o', 'b'});
  expect_refused(Mb2Builder().tag(3, m).end().build(), "module string is not NUL-terminated");
}

TEST(Multiboot2, StringsLongerThanTheHypervisorKeepsAreRefused) {
  expect_refused(Mb2Builder().cmdline(std::string(kMaxCmdline, 'x')).end().build(), "command line is longer");
  BootInfo info;
  EXPECT_TRUE(parse(Mb2Builder().cmdline(std::string(kMaxCmdline - 1, 'x')).end().build(), info).ok);
  expect_refused(Mb2Builder().module(0, 0x1000, std::string(kMaxModuleString, 'm')).end().build(), "module string is longer");
}

TEST(Multiboot2, MalformedModulesAreRefused) {
  expect_refused(Mb2Builder().tag(3, Mb2Builder::le32(0x200000)).end().build(), "module tag shorter than 16");
  expect_refused(Mb2Builder().module(0x201000, 0x200000, "profile.blob").end().build(), "module ends before it starts");
  Mb2Builder many;
  for (uint32_t i = 0; i <= kMaxModules; ++i) many.module(0x200000 + i * 0x1000, 0x201000 + i * 0x1000, "m");
  expect_refused(many.end().build(), "more modules than the hypervisor keeps");
}

TEST(Multiboot2, MalformedMemoryMapsAreRefused) {
  expect_refused(Mb2Builder().tag(6, Mb2Builder::le32(24)).end().build(), "memory-map tag shorter than 16");
  expect_refused(Mb2Builder().mmap({{0x100000, 0x1000, 1}}, 16).end().build(), "entry_size is below 24");
  expect_refused(Mb2Builder().mmap({{0x100000, 0x1000, 1}}, 28).end().build(), "not a multiple of 8");
  expect_refused(Mb2Builder().mmap({{0xFFFFFFFFFFFFF000ull, 0x2000, 1}}).end().build(), "wraps past 2^64");
  std::vector<Mb2Builder::Entry> apart;
  for (uint32_t i = 0; i <= kMaxRamRanges; ++i) apart.push_back({uint64_t(i) * 0x200000, 0x100000, 1});
  expect_refused(Mb2Builder().mmap(apart).end().build(), "more separate RAM ranges");
}

TEST(Multiboot2, AHugeEntrySizeReadsNoEntry) {
  // Found by fuzz_multiboot2: entry_size 0xFFFFFFF8 made off + entry_size wrap,
  // and an entry past the tag was read.
  std::vector<uint8_t> p = Mb2Builder::le32(0xFFFFFFF8u);
  Mb2Builder::append(p, Mb2Builder::le32(0));
  Mb2Builder::append(p, {0, 0x5B, 0x53, 0xFF, 0x0D});
  std::vector<uint8_t> exact = Mb2Builder().tag(6, p).end().build();
  BootInfo info;
  ASSERT_TRUE(parse_multiboot2(exact.data(), exact.size(), info).ok);
  EXPECT_EQ(info.ram_count, 0u);
  // The fuzzer's own input, byte for byte: no end tag after the cut, refused, not read past.
  const std::vector<uint8_t> crash = {0x1d, 0, 0, 0, 0xcf, 0xcf, 0x2a, 0, 6, 0, 0, 0, 0x11, 0, 0, 0, 0xf8, 0xff, 0xff, 0xff,
                                      0, 0, 0, 0, 0, 0x5b, 0x53, 0xff, 0x0d};
  EXPECT_FALSE(parse_multiboot2(crash.data(), crash.size(), info).ok);
}

TEST(Multiboot2, AMemoryMapEntryCutByItsTagIsNotRead) {
  // entry_size 24, one whole entry, then 8 bytes of a second: only the whole one is read.
  std::vector<uint8_t> p = Mb2Builder::le32(24);
  Mb2Builder::append(p, Mb2Builder::le32(0));
  Mb2Builder::append(p, Mb2Builder::le64(0x100000));
  Mb2Builder::append(p, Mb2Builder::le64(0x1000));
  Mb2Builder::append(p, Mb2Builder::le32(1));
  Mb2Builder::append(p, Mb2Builder::le32(0));
  Mb2Builder::append(p, Mb2Builder::le64(0x300000));
  BootInfo info;
  ASSERT_TRUE(parse(Mb2Builder().tag(6, p).end().build(), info).ok);
  ASSERT_EQ(info.ram_count, 1u);
  EXPECT_EQ(info.ram[0].base, 0x100000u);
}

TEST(Multiboot2, BadRsdpCopiesAreRefused) {
  auto bad_signature = rsdp(0, 0x1000);
  bad_signature[0] = 'X';
  expect_refused(Mb2Builder().tag(14, bad_signature).end().build(), "signature");
  auto bad_sum = rsdp(0, 0x1000);
  bad_sum[16] ^= 1;
  expect_refused(Mb2Builder().tag(14, bad_sum).end().build(), "checksum of its first 20 bytes");
  auto short_v1 = rsdp(0, 0x1000);
  short_v1.resize(12);
  expect_refused(Mb2Builder().tag(14, short_v1).end().build(), "shorter than its 20-byte");
  expect_refused(Mb2Builder().tag(15, rsdp(0, 0x1000)).end().build(), "revision below 2");
  auto short_v2 = rsdp(2, 0x1000, 0x2000);
  short_v2.resize(30);
  expect_refused(Mb2Builder().tag(15, short_v2).end().build(), "shorter than 36");
  auto bad_extended = rsdp(2, 0x1000, 0x2000);
  bad_extended[24] ^= 1;
  expect_refused(Mb2Builder().tag(15, bad_extended).end().build(), "extended checksum");
  auto long_length = rsdp(2, 0x1000, 0x2000);
  long_length[20] = 200;
  expect_refused(Mb2Builder().tag(15, long_length).end().build(), "length field outside its tag");
}

TEST(Multiboot2, ANullInformationAddressIsRefused) {
  BootInfo info;
  EXPECT_FALSE(parse_multiboot2(nullptr, 64, info).ok);
}

TEST(BootInfo, TheApStartupPageMustBeFreeRam) {
  BootInfo info{};
  ASSERT_TRUE(add_ram_range(info, 0, 0x9FC00).ok);
  ASSERT_TRUE(add_ram_range(info, 0x100000, 0x7F00000).ok);
  ASSERT_TRUE(add_module(info, 0x200000, 0x201000, "profile.blob", 13).ok);
  EXPECT_EQ(why_not_free_ram(info, 0x8000, 0x1000), nullptr);
  // UEFI firmware that keeps the low pages: the map starts above them.
  BootInfo uefi{};
  ASSERT_TRUE(add_ram_range(uefi, 0x10000, 0x8F000).ok);
  EXPECT_STREQ(why_not_free_ram(uefi, 0x8000, 0x1000), "is not RAM in the loader's memory map");
  // A page straddling the end of a range is not inside it.
  EXPECT_STREQ(why_not_free_ram(info, 0x9F000, 0x1000), "is not RAM in the loader's memory map");
  // A module the loader put there.
  ASSERT_TRUE(add_module(info, 0x8800, 0x9000, "profile.sig", 12).ok);
  EXPECT_STREQ(why_not_free_ram(info, 0x8000, 0x1000), "overlaps a module the loader placed there");
  // No map at all (a v1 loader without one): only the modules count.
  BootInfo none{};
  EXPECT_EQ(why_not_free_ram(none, 0x8000, 0x1000), nullptr);
}

// Every prefix and every single-byte corruption of a full list: refused or
// read, never a read past the buffer (run under ASan in the sanitizer build).
TEST(Multiboot2, CorruptionsNeverReadPastTheBuffer) {
  const auto good = Mb2Builder()
                        .cmdline("exit=qemu")
                        .module(0x200000, 0x201000, "/profile.blob profile.blob")
                        .mmap({{0, 0x9FC00, 1}, {0x100000, 0x7EE0000, 1}})
                        .tag(15, rsdp(2, 0x1000, 0x2000))
                        .end()
                        .build();
  BootInfo info;
  for (size_t at = 0; at < good.size(); ++at)
    for (uint8_t value : {uint8_t(0), uint8_t(0xFF), uint8_t(0x80), uint8_t(good[at] + 1)}) {
      auto b = good;
      b[at] = value;
      std::vector<uint8_t> exact(b.begin(), b.end());  // heap buffer of exactly this size
      const BootInfoStatus s = parse_multiboot2(exact.data(), exact.size(), info);
      if (!s.ok) EXPECT_NE(std::string(s.reason), "");
    }
}

}  // namespace
