// Issue 10's resource model: the owned-resources table and its lookups, the
// blob reader's refusals (one test per rule), the hypervisor's per-guest
// grant check on blobs forced past configgen, configgen's grant rules with
// their locations, and the freshness of docs/isolation.md's tables.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <fstream>
#include <sstream>

#include "blob/crc32c.h"
#include "blob/reader.h"
#include "commands/docs.h"
#include "configgen_test_support.h"
#include "lib/ranges.h"
#include "memory/phys_ranges.h"
#include "platform/owned_resources.h"

namespace {
using test_support::base_profile;
using test_support::compile_text;
using test_support::has_rule;

// ---- the table and its lookups ----

TEST(OwnedResources, RangeArithmeticDoesNotWrap) {
  EXPECT_TRUE(lib::within_width(0, 1ull << 40, 40));
  EXPECT_FALSE(lib::within_width(1, 1ull << 40, 40));
  EXPECT_FALSE(lib::within_width(1ull << 52, 0x1000, 40));
  EXPECT_FALSE(lib::within_width(0xFFFFFFFFFFFFF000ull, 0x2000, 64));
  EXPECT_TRUE(lib::within_width(0xFFFFFFFFFFFFF000ull, 0x1000, 64));
  EXPECT_TRUE(lib::ranges_overlap(0xFFFFFFFFFFFFF000ull, 0x1000, 0xFFFFFFFFFFFFFFFFull, 1));
  EXPECT_FALSE(lib::ranges_overlap(0x1000, 0x1000, 0x2000, 0x1000));
  EXPECT_TRUE(lib::ranges_overlap(0x1000, 0x1001, 0x2000, 0x1000));
  EXPECT_FALSE(lib::ranges_overlap(0x1000, 0, 0x1000, 0x1000));
  EXPECT_TRUE(lib::range_inside(0x10, 0x10, 0, 0x20));
  EXPECT_FALSE(lib::range_inside(0x10, 0xFFFFFFFFFFFFFFF8ull, 0, 0x20));
}

TEST(OwnedResources, LookupsNameTheRow) {
  EXPECT_STREQ(platform::owned_ports(0xCF9, 0xCF9, 0x3F8).name, "PCI configuration space and reset control");
  EXPECT_STREQ(platform::owned_ports(0x64, 0x64, 0x3F8).name, "i8042 command");
  EXPECT_STREQ(platform::owned_ports(0x3F8, 0x3FF, 0x3F8).name, "COM1 (guest console)");
  EXPECT_STREQ(platform::owned_ports(0x8900, 0x8900, 0x3F8).name, "Bochs shutdown port");
  EXPECT_EQ(platform::owned_ports(0x2F8, 0x2FF, 0x3F8).name, nullptr);  // COM2 may be given to a guest
  EXPECT_NE(platform::owned_ports(0x2F8, 0x2FF, 0x2F8).name, nullptr);  // unless it is the console
  EXPECT_NE(platform::owned_ports(0x1000, 0xFFFF, 0x3F8).name, nullptr);  // a wide range that covers 0xB000
  EXPECT_STREQ(platform::owned_mmio(0xFEE00000, 4096)->name, "local APIC");
  EXPECT_EQ(platform::owned_mmio(0xB8000, 4096), nullptr);
  EXPECT_NE(platform::owned_mmio(0xF0000000, 0x10000000), nullptr);
  ASSERT_NE(platform::grantable_msr(uint32_t(arch::Msr::IA32_LSTAR)), nullptr);
  EXPECT_TRUE(platform::may_pass(platform::grantable_msr(uint32_t(arch::Msr::IA32_LSTAR))->grant));
  EXPECT_FALSE(platform::may_pass(platform::grantable_msr(uint32_t(arch::Msr::IA32_APIC_BASE))->grant));
  EXPECT_EQ(platform::grantable_msr(0x830), nullptr);
  EXPECT_STREQ(platform::owned_msr_reason(0x830)->name, "x2APIC registers");
  EXPECT_FALSE(platform::msr_load_list_allowed(0x830));
  EXPECT_TRUE(platform::msr_load_list_allowed(uint32_t(arch::Msr::IA32_TIME_STAMP_COUNTER)));
  EXPECT_TRUE(platform::is_known_uart(0x2E8));
  EXPECT_FALSE(platform::is_known_uart(0xCF7));
}

TEST(OwnedResources, TableRowsAreWellFormed) {
  for (const auto& a : platform::kOwnedPorts) {
    EXPECT_LE(a.first, a.last) << a.name;
    EXPECT_GT(std::strlen(a.why), 10u) << a.name;
    for (const auto& b : platform::kOwnedPorts)
      if (&a != &b) EXPECT_FALSE(a.first <= b.last && b.first <= a.last) << a.name << " overlaps " << b.name;
  }
  // A passable MSR is switched per guest: never an owned row.
  for (const auto& g : platform::kGrantableMsrs)
    if (platform::may_pass(g.grant)) EXPECT_EQ(platform::owned_msr_reason(g.msr), nullptr) << g.ident;
}

// ---- blobs patched after compilation (CRC fixed) ----

struct Blob {
  std::vector<uint8_t> bytes;
  blob::Reader reader;
  explicit Blob(const std::string& yaml) {
    const auto p = compile_text("grants-blob.yaml", yaml);
    EXPECT_TRUE(p.ok(false)) << test_support::rendered(p);
    bytes = p.blob;
    EXPECT_TRUE(reader.verify(bytes.data(), bytes.size()).ok);
  }
  template <typename T>
  T* mut(const T& record) {
    return reinterpret_cast<T*>(bytes.data() + (reinterpret_cast<const uint8_t*>(&record) - bytes.data()));
  }
  blob::Status reverify() {
    const uint32_t crc = blob::blob_crc32c(bytes.data(), bytes.size());
    std::memcpy(bytes.data() + offsetof(blob::Header, crc32c), &crc, 4);
    return reader.verify(bytes.data(), bytes.size());
  }
};

const std::string kPassthroughAtVga = "      - {gpa: 0x200000, size: 8K, kind: passthrough, hpa: 0xB8000, perm: rw, page_size: 4K}\n";
std::string profile_with(const std::string& memory_extra, const std::string& guest_extra = "") {
  std::string p = base_profile(guest_extra);
  const std::string marker = "image: demo, perm: rx}\n";
  p.insert(p.find(marker) + marker.size(), memory_extra);
  return p;
}

TEST(BlobReader, RefusesARegionWhoseGpaPlusSizeWraps) {
  Blob b(base_profile());
  const blob::Guest& g = b.reader.guest(0);
  b.mut(b.reader.region(g.first_region + 1))->size = 0xFFFFFFFFFFF00000ull;  // 0x100000 + size = 2^64
  const blob::Status s = b.reverify();
  EXPECT_FALSE(s.ok);
  EXPECT_STREQ(s.reason, "region gpa + size wraps or ends beyond the 48-bit guest-physical space");
  EXPECT_EQ(s.detail, g.first_region + 1);
}

TEST(BlobReader, RefusesAPassthroughWindowThatWrapsAndHpaOnOtherRegions) {
  Blob b(profile_with(kPassthroughAtVga));
  const blob::Guest& g = b.reader.guest(0);
  const uint32_t pt = g.first_region + 2;
  ASSERT_EQ(b.reader.region(pt).kind, uint32_t(blob::RegionKind::Passthrough));
  b.mut(b.reader.region(pt))->hpa = 0xFFFFFFFFFFFFF000ull;
  EXPECT_STREQ(b.reverify().reason, "passthrough hpa + size wraps the address space");
  b.mut(b.reader.region(pt))->hpa = 0xB8000;
  b.mut(b.reader.region(g.first_region))->hpa = 0xB8000;
  EXPECT_STREQ(b.reverify().reason, "hpa set on a region that is not passthrough");
}

TEST(BlobReader, RefusesEveryReservedFieldNamingIt) {
  struct Case {
    const char* reason;
    std::function<void(Blob&)> poke;
  };
  const Case cases[] = {
      {"reserved field Header.reserved is not zero", [](Blob& b) { b.mut(b.reader.header())->reserved[8] = 1; }},
      {"reserved field Appliance.reserved is not zero", [](Blob& b) { b.mut(b.reader.appliance())->reserved[0] = 1; }},
      {"reserved field Guest.reserved2 is not zero", [](Blob& b) { b.mut(b.reader.guest(0))->reserved2[2] = 1; }},
      {"more than 16 vCPUs in one guest", [](Blob& b) { b.mut(b.reader.guest(0))->vcpu_count = 17; }},
      {"a guest of several vCPUs without devices.local_apic", [](Blob& b) { b.mut(b.reader.guest(0))->vcpu_count = 2; }},
      {"unknown device bits in Guest.devices", [](Blob& b) { b.mut(b.reader.guest(0))->devices = 0x8000; }},
      {"Guest.devices offers x2APIC mode without the virtual local APIC",
       [](Blob& b) { b.mut(b.reader.guest(0))->devices = blob::kDeviceLocalApicX2apic; }},
      {"Guest.devices has the virtual 8254 without the 8259 its IRQ 0 goes to",
       [](Blob& b) { b.mut(b.reader.guest(0))->devices = blob::kDevicePit; }},
      {"Guest.devices has the virtual 8259 and forwarded IRQs: both would answer ports 0x20/0x21", [](Blob& b) {
         b.mut(b.reader.guest(0))->devices = blob::kDevicePic;
         b.mut(b.reader.guest(0))->forwarded_irqs = 2;
       }},
      {"reserved field Guest.reserved0 is not zero", [](Blob& b) { b.mut(b.reader.guest(0))->reserved0 = 1; }},
      {"reserved field Guest.entry.cs.reserved1 is not zero", [](Blob& b) { b.mut(b.reader.guest(0))->entry.cs.reserved1 = 1; }},
      {"reserved field Guest.entry.gdtr.reserved is not zero", [](Blob& b) { b.mut(b.reader.guest(0))->entry.gdtr.reserved = 1; }},
      {"reserved field Image.reserved is not zero", [](Blob& b) { b.mut(b.reader.image(0))->reserved = 1; }},
  };
  for (const Case& c : cases) {
    Blob b(base_profile());
    c.poke(b);
    const blob::Status s = b.reverify();
    EXPECT_FALSE(s.ok) << c.reason;
    EXPECT_STREQ(s.reason, c.reason);
  }
  Blob b(base_profile());
  const auto& h = b.reader.header();
  auto* table = reinterpret_cast<blob::SectionEntry*>(b.bytes.data() + h.section_table_offset);
  table[1].reserved[2] = 7;
  EXPECT_STREQ(b.reverify().reason, "reserved field SectionEntry.reserved is not zero");
}

TEST(BlobReader, ConsolePortIsOneOfTheFourUartBases) {
  for (uint16_t bad : {uint16_t(0xCF7), uint16_t(0x6C), uint16_t(0), uint16_t(0x3F9)}) {
    Blob b(base_profile());
    b.mut(b.reader.appliance())->console_port = bad;
    const blob::Status s = b.reverify();
    EXPECT_STREQ(s.reason, "appliance console_port is not a known UART base (0x3F8, 0x2F8, 0x3E8, 0x2E8)") << bad;
    EXPECT_EQ(s.detail, bad);
  }
  for (uint16_t good : {uint16_t(0x2F8), uint16_t(0x3E8), uint16_t(0x2E8)}) {
    Blob b(base_profile());
    b.mut(b.reader.appliance())->console_port = good;
    EXPECT_TRUE(b.reverify().ok) << good;
  }
}

TEST(BlobReader, RefusesUnknownFlagsDescendingPortsAndPassPlusEmulate) {
  {
    Blob b(base_profile());
    b.mut(b.reader.guest(0))->flags |= 1u << 12;
    EXPECT_STREQ(b.reverify().reason, "unknown guest flags");
  }
  {
    Blob b(base_profile("    io: {pass: [\"0x2f8-0x2ff\"]}\n"));
    auto* io = b.mut(b.reader.io_range(b.reader.guest(0).first_io_range));
    std::swap(io->first_port, io->last_port);
    EXPECT_STREQ(b.reverify().reason, "I/O range with first port above last port");
  }
  {
    Blob b(base_profile("    msr: {pass: [ia32-sysenter-eip]}\n"));
    b.mut(b.reader.msr_grant(b.reader.guest(0).first_msr_grant))->flags |= blob::kEmulateWrite;
    EXPECT_STREQ(b.reverify().reason, "MSR grant both passes and emulates one direction");
  }
  {
    Blob b(base_profile());
    b.mut(b.reader.appliance())->log_level = 9;
    EXPECT_STREQ(b.reverify().reason, "appliance log_level above 4");
  }
}

TEST(BlobReader, RefusesEveryOtherOutOfRangeFieldNamingTheRule) {
  struct Case {
    const char* reason;
    std::function<void(Blob&)> poke;
  };
  auto region = [](Blob& b, uint32_t n) { return b.mut(b.reader.region(b.reader.guest(0).first_region + n)); };
  const Case cases[] = {
      {"unknown region permission bits", [&](Blob& b) { region(b, 0)->permissions = 8; }},
      {"region memory type not UC, WC, WT, WP or WB", [&](Blob& b) { region(b, 0)->memory_type = 2; }},
      {"region page size not 4K, 2M or 1G", [&](Blob& b) { region(b, 0)->page_size = 8192; }},
      {"unknown region kind", [&](Blob& b) { region(b, 0)->kind = 9; }},
      {"image set on a region that is not an image region", [&](Blob& b) { region(b, 0)->image = 0; }},
      {"image does not fit its region", [&](Blob& b) { region(b, 1)->image_offset = 0xFFFFFFF0u; }},
      {"region not 4K-aligned or empty", [&](Blob& b) { region(b, 0)->size = 0; }},
      {"region gpa + size wraps or ends beyond the 48-bit guest-physical space", [&](Blob& b) { region(b, 0)->gpa = 1ull << 48; }},
      {"unknown image format", [](Blob& b) { b.mut(b.reader.image(0))->format = 7; }},
      {"image data outside the image-data section", [](Blob& b) { b.mut(b.reader.image(0))->size = 0xFFFFFFFFu; }},
      {"unknown appliance flags", [](Blob& b) { b.mut(b.reader.appliance())->flags = 1u << 9; }},
      {"TPR threshold above 15", [](Blob& b) { b.mut(b.reader.guest(0))->tpr_threshold = 16; }},
      {"map-on-demand pool above 4096 pages", [](Blob& b) {
         b.mut(b.reader.guest(0))->flags |= blob::kGuestMapOnDemand;
         b.mut(b.reader.guest(0))->map_on_demand_pages = 4097;
       }},
      {"map-on-demand limit beyond the 48-bit guest-physical space", [](Blob& b) {
         b.mut(b.reader.guest(0))->flags |= blob::kGuestMapOnDemand;
         b.mut(b.reader.guest(0))->map_on_demand_limit = ~0ull;
       }},
  };
  for (const Case& c : cases) {
    Blob b(base_profile());
    c.poke(b);
    const blob::Status s = b.reverify();
    EXPECT_FALSE(s.ok) << c.reason;
    EXPECT_STREQ(s.reason, c.reason);
  }
  Blob hooked(base_profile("    ept: {hooks: [{gpa: 0xFEE00000, hook: local-apic}]}\n"));
  hooked.mut(hooked.reader.ept_hook(hooked.reader.guest(0).first_ept_hook))->hook = 9;
  EXPECT_STREQ(hooked.reverify().reason, "unknown EPT hook");
  hooked.mut(hooked.reader.ept_hook(hooked.reader.guest(0).first_ept_hook))->hook = uint32_t(blob::HookId::LocalApic);
  hooked.mut(hooked.reader.ept_hook(hooked.reader.guest(0).first_ept_hook))->gpa = 0xFEE00010;
  EXPECT_STREQ(hooked.reverify().reason, "EPT hook gpa not a 4K page of the 48-bit guest-physical space");
}

// ---- the hypervisor's per-guest grant check (platform::check_guest_grants) ----

TEST(OwnedResources, HypervisorRefusesOwnedGrantsForcedPastConfiggen) {
  {
    Blob b(base_profile("    io: {pass: [0x2f8]}\n    msr: {pass: [ia32-star]}\n"));
    EXPECT_TRUE(platform::check_guest_grants(b.reader, 0).ok);
    auto* io = b.mut(b.reader.io_range(b.reader.guest(0).first_io_range));
    io->first_port = io->last_port = 0xCF9;
    ASSERT_TRUE(b.reverify().ok);
    const platform::GrantStatus s = platform::check_guest_grants(b.reader, 0);
    EXPECT_FALSE(s.ok);
    EXPECT_STREQ(s.resource, "PCI configuration space and reset control");
    EXPECT_EQ(s.detail, 0xCF9u);
  }
  {
    Blob b(base_profile("    msr: {pass: [ia32-star]}\n"));
    b.mut(b.reader.msr_grant(b.reader.guest(0).first_msr_grant))->msr = 0x830;
    ASSERT_TRUE(b.reverify().ok);
    const platform::GrantStatus s = platform::check_guest_grants(b.reader, 0);
    EXPECT_STREQ(s.reason, "the blob grants an MSR the hypervisor owns");
    EXPECT_STREQ(s.resource, "x2APIC registers");
  }
  {
    Blob b(base_profile("    msr: {pass: [ia32-star]}\n"));
    b.mut(b.reader.msr_grant(b.reader.guest(0).first_msr_grant))->msr = uint32_t(arch::Msr::IA32_APIC_BASE);
    ASSERT_TRUE(b.reverify().ok);
    EXPECT_STREQ(platform::check_guest_grants(b.reader, 0).reason, "the blob passes an MSR the hypervisor only emulates");
  }
  {
    Blob b(base_profile("    msr: {pass: [ia32-star]}\n"));
    b.mut(b.reader.msr_grant(b.reader.guest(0).first_msr_grant))->flags = blob::kEmulateRead;
    ASSERT_TRUE(b.reverify().ok);
    EXPECT_STREQ(platform::check_guest_grants(b.reader, 0).reason, "the blob asks to emulate an MSR the hypervisor has no emulation for");
  }
  for (uint32_t flag : {uint32_t(blob::kGuestIoDefaultPass), uint32_t(blob::kGuestMsrDefaultPass)}) {
    Blob b(base_profile());
    b.mut(b.reader.guest(0))->flags |= flag;
    ASSERT_TRUE(b.reverify().ok);
    const platform::GrantStatus s = platform::check_guest_grants(b.reader, 0);
    EXPECT_FALSE(s.ok);
    EXPECT_NE(std::strstr(s.reason, "(default pass)"), nullptr);
  }
  {
    Blob b(base_profile("    msr: {entry_load: [{msr: ia32-time-stamp-counter, value: 0}]}\n"));
    EXPECT_TRUE(platform::check_guest_grants(b.reader, 0).ok);
    b.mut(b.reader.msr_entry(b.reader.guest(0).entry_msr_load_first))->index = 0x830;
    ASSERT_TRUE(b.reverify().ok);
    EXPECT_STREQ(platform::check_guest_grants(b.reader, 0).reason, "the blob's MSR-load list writes an MSR the hypervisor owns");
  }
  {
    Blob b(profile_with(kPassthroughAtVga));
    EXPECT_TRUE(platform::check_guest_grants(b.reader, 0).ok);
    b.mut(b.reader.region(b.reader.guest(0).first_region + 2))->hpa = 0xFEE00000;
    ASSERT_TRUE(b.reverify().ok);
    EXPECT_STREQ(platform::check_guest_grants(b.reader, 0).resource, "local APIC");
  }
}

// ---- configgen's rules ----

const configgen::Diagnostic* find_rule(const configgen::Pipeline& p, const std::string& rule) {
  for (const auto& d : p.diags.all())
    if (d.rule == rule) return &d;
  return nullptr;
}

struct GrantCase {
  const char* rule;
  std::string bad, good;  // whole profiles
  const char* message_part;
};
void PrintTo(const GrantCase& c, std::ostream* os) { *os << c.rule << " (" << c.message_part << ")"; }

std::string two_guests(const std::string& g_extra, const std::string& h_extra, const std::string& g_memory = "",
                       const std::string& h_memory = "") {
  const std::string second = profile_with(h_memory, h_extra);
  std::string h = second.substr(second.find("  - name: g"));
  h.replace(h.find("name: g"), 7, "name: h");
  h.replace(h.find("cpus: [0]"), 9, "cpus: [1]");
  return profile_with(g_memory, g_extra) + h;
}

class GrantRules : public ::testing::TestWithParam<GrantCase> {};

// The base profile with its appliance's console port set (one appliance key:
// a second one would be refused as a duplicate key).
std::string with_console_port(const std::string& port) {
  std::string p = base_profile();
  const std::string from = "appliance: {name: t,";
  p.replace(p.find(from), from.size(), "appliance: {console_port: " + port + ", name: t,");
  return p;
}

TEST_P(GrantRules, RefusedWithRuleMessageAndLocationThenAcceptedWhenRespected) {
  const GrantCase& c = GetParam();
  const auto bad = compile_text(std::string(c.rule) + "-grant-bad.yaml", c.bad);
  const configgen::Diagnostic* d = find_rule(bad, c.rule);
  ASSERT_NE(d, nullptr) << "rule " << c.rule << " not reported; got:\n" << test_support::rendered(bad);
  EXPECT_EQ(d->severity, configgen::Severity::Error);
  EXPECT_NE(d->message.find(c.message_part), std::string::npos) << d->message;
  EXPECT_GT(d->loc.line, 0);
  EXPECT_GT(d->loc.column, 0);
  EXPECT_FALSE(bad.ok(false));
  const auto good = compile_text(std::string(c.rule) + "-grant-good.yaml", c.good);
  EXPECT_TRUE(good.ok(false)) << test_support::rendered(good);
}

INSTANTIATE_TEST_SUITE_P(
    Issue10, GrantRules,
    ::testing::Values(
        GrantCase{"owned-port", base_profile("    io: {pass: [0xcf9]}\n"), base_profile("    io: {pass: [0x2f8]}\n"),
                  "(PCI configuration space and reset control) is the hypervisor's"},
        GrantCase{"owned-port", base_profile("    io: {pass: [\"0x3f8-0x3ff\"]}\n"), base_profile("    io: {pass: [\"0x2f8-0x2ff\"]}\n"),
                  "COM1 (guest console)"},
        GrantCase{"owned-port", base_profile("    io: {pass: [\"0x0-0xffff\"]}\n"), base_profile("    io: {pass: [\"0x1000-0x10ff\"]}\n"),
                  "is the hypervisor's"},
        GrantCase{"owned-msr", base_profile("    msr: {pass: [ia32-apic-base]}\n"), base_profile("    msr: {pass: [ia32-lstar]}\n"),
                  "IA32_APIC_BASE is the hypervisor's"},
        GrantCase{"owned-msr", base_profile("    msr: {pass: [0x830]}\n"), base_profile("    msr: {pass: [ia32-kernel-gs-base]}\n"),
                  "x2APIC registers"},
        GrantCase{"owned-msr", base_profile("    msr: {entry_load: [{msr: 0x830, value: 0x4500}]}\n"),
                  base_profile("    msr: {entry_load: [{msr: ia32-time-stamp-counter, value: 0}]}\n"), "MSR-load list"},
        GrantCase{"msr-not-emulated", base_profile("    msr: {write: [ia32-star]}\n"), base_profile("    msr: {write: [ia32-sysenter-eip]}\n"),
                  "no per-guest emulation of IA32_STAR"},
        GrantCase{"default-pass-refused", base_profile("    io: {default: pass}\n"), base_profile("    io: {default: trap}\n"),
                  "io.default: pass is refused"},
        GrantCase{"default-pass-refused", base_profile("    msr: {default: pass}\n"), base_profile("    msr: {default: trap}\n"),
                  "msr.default: pass is refused"},
        GrantCase{"passthrough-range",
                  profile_with("      - {gpa: 0x200000, size: 4K, kind: passthrough, hpa: 0x10000000000000, page_size: 4K}\n"),
                  profile_with(kPassthroughAtVga), "40-bit physical-address width"},
        GrantCase{"passthrough-range",
                  profile_with("      - {gpa: 0x200000, size: 8K, kind: passthrough, hpa: 0xFFFFFFFFFFFFF000, page_size: 4K}\n"),
                  profile_with(kPassthroughAtVga), "wraps"},
        GrantCase{"owned-mmio", profile_with("      - {gpa: 0x200000, size: 4K, kind: passthrough, hpa: 0xFEE00000, page_size: 4K}\n"),
                  profile_with(kPassthroughAtVga), "local APIC"},
        GrantCase{"console-port", with_console_port("0xCF7"), with_console_port("0x2F8"),
                  "0xcf7 is not a UART base"},
        GrantCase{"port-granted-twice", two_guests("    io: {pass: [\"0x2f8-0x2ff\"]}\n", "    io: {pass: [0x2fc]}\n"),
                  two_guests("    io: {pass: [\"0x2f8-0x2ff\"]}\n", "    io: {pass: [0x2e8]}\n"), "guest 'g' owns ports 0x2f8-0x2ff already"},
        GrantCase{"passthrough-granted-twice", two_guests("", "", kPassthroughAtVga, kPassthroughAtVga),
                  two_guests("", "", kPassthroughAtVga,
                             "      - {gpa: 0x200000, size: 8K, kind: passthrough, hpa: 0xBA000, perm: rw, page_size: 4K}\n"),
                  "overlaps the window of guest 'g'"}));

TEST(GrantRulesNotes, DoubleGrantPointsAtBothLocations) {
  const auto p = compile_text("double-grant.yaml", two_guests("    io: {pass: [0x2f8]}\n", "    io: {pass: [0x2f8]}\n"));
  const auto& all = p.diags.all();
  size_t i = 0;
  while (i < all.size() && all[i].rule != "port-granted-twice") ++i;
  ASSERT_LT(i + 1, all.size()) << test_support::rendered(p);
  EXPECT_EQ(all[i + 1].severity, configgen::Severity::Note);
  EXPECT_LT(all[i + 1].loc.line, all[i].loc.line);  // the first grant, earlier in the file
  EXPECT_NE(test_support::rendered(p).find(": note: guest 'g' is granted the ports here"), std::string::npos);
}

TEST(GrantRulesLowering, DenyByDefaultWritesOnlyGrants) {
  const auto p = compile_text("lowering.yaml", base_profile("    io: {pass: [\"0x2f8-0x2ff\"], trap: [0x2fc], on_denied: ignore}\n"
                                                            "    msr: {pass: [ia32-sysenter-eip, ia32-star], write: [ia32-sysenter-eip], on_denied: stop}\n"));
  ASSERT_TRUE(p.ok(false)) << test_support::rendered(p);
  blob::Reader r;
  ASSERT_TRUE(r.verify(p.blob.data(), p.blob.size()).ok);
  const blob::Guest& g = r.guest(0);
  EXPECT_TRUE(g.flags & blob::kGuestIoDeniedIgnore);
  EXPECT_TRUE(g.flags & blob::kGuestMsrDeniedStop);
  EXPECT_FALSE(g.flags & (blob::kGuestIoDefaultPass | blob::kGuestMsrDefaultPass));
  ASSERT_EQ(g.io_range_count, 2u);
  EXPECT_EQ(r.io_range(g.first_io_range).flags, uint32_t(blob::kIoPass));
  EXPECT_EQ(r.io_range(g.first_io_range + 1).first_port, 0x2FC);
  EXPECT_EQ(r.io_range(g.first_io_range + 1).flags, 0u);  // the trap comes after the pass, so it wins
  ASSERT_EQ(g.msr_grant_count, 2u);
  EXPECT_EQ(r.msr_grant(g.first_msr_grant).flags, uint32_t(blob::kPassRead | blob::kEmulateWrite));
  EXPECT_EQ(r.msr_grant(g.first_msr_grant + 1).flags, uint32_t(blob::kPassRead | blob::kPassWrite));
  EXPECT_TRUE(platform::check_guest_grants(r, 0).ok);
}

TEST(Docs, IsolationTablesAreFresh) {
  std::ifstream in(VTX_SOURCE_DIR "/docs/isolation.md");
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_NE(s.str().find(configgen::commands::owned_resources_markdown()), std::string::npos)
      << "docs/isolation.md's owned-resources tables are stale: replace the block between the owned-resources markers with "
         "`build/bin/configgen docs --resources`";
}

}  // namespace

namespace {
// The allocator (vmm/memory/phys_ranges.cpp): a request too big for the
// machine leaves it as it was, so the guests after it still get memory.
TEST(PhysRanges, FailedRequestDoesNotExhaustTheAllocator) {
  memory::PhysRanges r;
  r.add(0x200000, 0x1000000);   // 14 MiB
  r.add(0x2000000, 0x4000000);  // 32 MiB
  EXPECT_EQ(r.take(1ull << 30, 4096), 0u);            // a 1 GiB guest: refused
  EXPECT_EQ(r.take(~0ull, 4096), 0u);                 // a size that would wrap when rounded
  EXPECT_EQ(r.take(0xFFFFFFFFFFFFF000ull, 4096), 0u);  // a size that would wrap start + size
  EXPECT_EQ(r.take(4096, 3), 0u);                     // not a power of two
  EXPECT_EQ(r.range(0).next, 0x200000u);
  EXPECT_EQ(r.range(1).next, 0x2000000u);
  EXPECT_EQ(r.take(20ull << 20, 2ull << 20), 0x2000000u);  // too big for the first range: first fit is the second
  EXPECT_EQ(r.take(4096, 4096), 0x200000u);                // the first range is still whole
  EXPECT_EQ(r.take(1, 2ull << 20), 0x400000u);             // aligned up, rounded to 4K
  EXPECT_EQ(r.range(0).next, 0x401000u);
  EXPECT_TRUE(r.overlaps(0x3FFF000, 0x2000));
  EXPECT_FALSE(r.overlaps(0x1000000, 0x1000000));
  EXPECT_FALSE(r.overlaps(0xFFFFFFFFFFFFF000ull, 0x1000));
}
}  // namespace
