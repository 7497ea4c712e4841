// Loading kernels as a boot loader would (issue 17): ELF segments at their
// physical addresses, the multiboot header, the information structure, the
// devices such kernels expect (fw_cfg, the exit port's verdict), and the
// located errors for each way a kernel can fail to fit its profile.
#include <gtest/gtest.h>

#include <cstring>

#include "appliance/serial_log.h"
#include "appliance/verdict.h"
#include "blob/reader.h"
#include "configgen_test_support.h"
#include "guests/fw_cfg.h"
#include "lower/acpi_tables.h"
#include "lower/multiboot_info.h"
#include "parse/kernel_image.h"

namespace {
using test_support::compile_text;
using test_support::has_rule;

template <typename T>
void put(std::vector<uint8_t>& f, size_t at, T v) {
  if (f.size() < at + sizeof v) f.resize(at + sizeof v);
  std::memcpy(f.data() + at, &v, sizeof v);
}
template <typename T>
T get(const std::vector<uint8_t>& f, size_t at) {
  T v;
  std::memcpy(&v, f.data() + at, sizeof v);
  return v;
}

struct Segment {
  uint32_t paddr, filesz, memsz;
  uint8_t fill;
};

// An ELF32 i386 executable: header, program headers, then each segment's
// bytes (filled with `fill`); a multiboot header (flags `mb_flags`) at the
// start of the first segment's bytes unless mb_flags is ~0.
std::vector<uint8_t> elf32(const std::vector<Segment>& segs, uint32_t entry, uint32_t mb_flags = 0x3) {
  std::vector<uint8_t> f(52 + 32 * segs.size(), 0);
  std::memcpy(f.data(), "\x7F" "ELF\x01\x01\x01", 7);
  put<uint16_t>(f, 16, 2);   // ET_EXEC
  put<uint16_t>(f, 18, 3);   // EM_386
  put<uint32_t>(f, 20, 1);
  put<uint32_t>(f, 24, entry);
  put<uint32_t>(f, 28, 52);  // e_phoff
  put<uint16_t>(f, 40, 52);
  put<uint16_t>(f, 42, 32);
  put<uint16_t>(f, 44, uint16_t(segs.size()));
  for (size_t i = 0; i < segs.size(); ++i) {
    const size_t ph = 52 + 32 * i, at = (f.size() + 15) & ~size_t(15);
    put<uint32_t>(f, ph, 1);  // PT_LOAD
    put<uint32_t>(f, ph + 4, uint32_t(at));
    put<uint32_t>(f, ph + 8, segs[i].paddr);
    put<uint32_t>(f, ph + 12, segs[i].paddr);
    put<uint32_t>(f, ph + 16, segs[i].filesz);
    put<uint32_t>(f, ph + 20, segs[i].memsz);
    f.resize(at + segs[i].filesz, segs[i].fill);
    std::fill(f.begin() + long(at), f.end(), segs[i].fill);
    if (i == 0 && mb_flags != ~0u) {
      put<uint32_t>(f, at, configgen::parse::kMultibootHeaderMagic);
      put<uint32_t>(f, at + 4, mb_flags);
      put<uint32_t>(f, at + 8, uint32_t(-(configgen::parse::kMultibootHeaderMagic + mb_flags)));
    }
  }
  return f;
}

TEST(ElfImage, PlacesLoadSegmentsAtTheirPhysicalAddressesWithGapsAndBss) {
  const auto f = elf32({{0x100000, 0x40, 0x40, 0xAA}, {0x102000, 0x10, 0x800, 0xBB}}, 0x10000C);
  std::string why;
  const auto r = configgen::parse::load_elf(f, why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(r->placement.gpa, 0x100000u);
  EXPECT_EQ(r->placement.memory_end, 0x102800u);  // the second segment's BSS counts
  ASSERT_EQ(r->bytes.size(), 0x2010u);            // up to the last file byte
  EXPECT_EQ(r->bytes[0x20], 0xAA);
  EXPECT_EQ(r->bytes[0x1000], 0);                 // the gap is zero-filled
  EXPECT_EQ(r->bytes[0x2000], 0xBB);
  EXPECT_EQ(r->entry_point, 0x10000Cu);
}

TEST(ElfImage, RefusesMalformedFilesWithTheReason) {
  std::string why;
  const std::vector<uint8_t> not_elf = {'M', 'Z', 0, 0};
  EXPECT_FALSE(configgen::parse::load_elf(not_elf, why));
  EXPECT_NE(why.find("not an ELF"), std::string::npos) << why;

  auto truncated = elf32({{0x100000, 0x40, 0x40, 1}}, 0x100000);
  truncated.resize(60);  // inside the program header table
  EXPECT_FALSE(configgen::parse::load_elf(truncated, why));
  EXPECT_NE(why.find("past the end"), std::string::npos) << why;

  auto fat = elf32({{0x100000, 0x40, 0x20, 1}}, 0x100000);  // filesz > memsz
  EXPECT_FALSE(configgen::parse::load_elf(fat, why));
  EXPECT_NE(why.find("more file bytes"), std::string::npos) << why;

  const auto overlap = elf32({{0x100000, 0x40, 0x2000, 1}, {0x101000, 0x10, 0x10, 2}}, 0x100000);
  EXPECT_FALSE(configgen::parse::load_elf(overlap, why));
  EXPECT_NE(why.find("overlap"), std::string::npos) << why;

  const auto spread = elf32({{0x100000, 0x10, 0x10, 1}, {0x40000000, 0x10, 0x10, 2}}, 0x100000);
  EXPECT_FALSE(configgen::parse::load_elf(spread, why));
  EXPECT_NE(why.find("spread over"), std::string::npos) << why;

  auto relocatable = elf32({{0x100000, 0x10, 0x10, 1}}, 0x100000);
  put<uint16_t>(relocatable, 16, 1);  // ET_REL
  EXPECT_FALSE(configgen::parse::load_elf(relocatable, why));
  EXPECT_NE(why.find("ET_EXEC"), std::string::npos) << why;
}

TEST(MultibootHeader, FoundOnlyWithAValidChecksumAndReadWithAddresses) {
  std::string why;
  auto f = elf32({{0x100000, 0x40, 0x40, 0}}, 0x100000);
  auto h = configgen::parse::find_multiboot_header(f, why);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->flags, 3u);
  EXPECT_FALSE(h->has_addresses);
  const auto at = h->offset;
  put<uint32_t>(f, at + 8, 0x12345678);  // checksum broken
  EXPECT_FALSE(configgen::parse::find_multiboot_header(f, why));

  // A flat kernel with header addresses (flag 16): loaded from load_addr.
  std::vector<uint8_t> flat(0x200, 0x90);
  const uint32_t flags = 0x10003;
  put<uint32_t>(flat, 0x10, configgen::parse::kMultibootHeaderMagic);
  put<uint32_t>(flat, 0x14, flags);
  put<uint32_t>(flat, 0x18, uint32_t(-(configgen::parse::kMultibootHeaderMagic + flags)));
  put<uint32_t>(flat, 0x1C, 0x200010);  // header_addr
  put<uint32_t>(flat, 0x20, 0x200000);  // load_addr
  put<uint32_t>(flat, 0x24, 0x200100);  // load_end_addr
  put<uint32_t>(flat, 0x28, 0x203000);  // bss_end_addr
  put<uint32_t>(flat, 0x2C, 0x200040);  // entry_addr
  h = configgen::parse::find_multiboot_header(flat, why);
  ASSERT_TRUE(h && h->has_addresses);
  const auto r = configgen::parse::load_by_header_addresses(flat, *h, why);
  ASSERT_TRUE(r) << why;
  EXPECT_EQ(r->placement.gpa, 0x200000u);
  EXPECT_EQ(r->placement.memory_end, 0x203000u);
  EXPECT_EQ(r->bytes.size(), 0x100u);
  EXPECT_EQ(r->entry_point, 0x200040u);

  flat.resize(0x24);  // the address fields cut off
  EXPECT_FALSE(configgen::parse::find_multiboot_header(flat, why));
  EXPECT_NE(why.find("past the file"), std::string::npos) << why;
}

TEST(MultibootInfo, HoldsMemoryCommandLineModulesAndMapAtTheirAddresses) {
  using namespace configgen::lower;
  const uint64_t at = 0x108000;
  const auto b = build_multiboot_info(at, {{0x100000, 0xF00000, true}, {0, 0xA0000, true}, {0xFEE00000, 0x1000, false}},
                                      "k.elf quiet", {{0x107000, 0x30, "mod arg"}});
  EXPECT_EQ(get<uint32_t>(b, 0), kInfoMemory | kInfoCmdline | kInfoModules | kInfoMemoryMap | kInfoLoaderName);
  EXPECT_EQ(get<uint32_t>(b, 4), 640u);           // mem_lower: 0..640K
  EXPECT_EQ(get<uint32_t>(b, 8), 0xF00000u / 1024);  // mem_upper: from 1 MiB
  auto string_at = [&](uint32_t gpa) { return std::string(reinterpret_cast<const char*>(b.data() + (gpa - at))); };
  EXPECT_EQ(string_at(get<uint32_t>(b, 16)), "k.elf quiet");
  ASSERT_EQ(get<uint32_t>(b, 20), 1u);
  const uint32_t mods = get<uint32_t>(b, 24) - uint32_t(at);
  EXPECT_EQ(get<uint32_t>(b, mods), 0x107000u);
  EXPECT_EQ(get<uint32_t>(b, mods + 4), 0x107030u);
  EXPECT_EQ(string_at(get<uint32_t>(b, mods + 8)), "mod arg");
  // The map is sorted, each entry's size field excludes itself.
  ASSERT_EQ(get<uint32_t>(b, 44), 3u * 24);
  const uint32_t map = get<uint32_t>(b, 48) - uint32_t(at);
  EXPECT_EQ(get<uint32_t>(b, map), 20u);
  EXPECT_EQ(get<uint64_t>(b, map + 4), 0u);
  EXPECT_EQ(get<uint64_t>(b, map + 24 + 4), 0x100000u);
  EXPECT_EQ(get<uint32_t>(b, map + 48 + 20), 2u);  // the APIC page: reserved
  EXPECT_EQ(string_at(get<uint32_t>(b, 64)).rfind("configgen", 0), 0u);
  EXPECT_EQ(b.size(), multiboot_info_size(3, "k.elf quiet", {{0x107000, 0x30, "mod arg"}}));
}

TEST(FwCfg, ReadsSignatureIdRamAndCpusAndZeroPastAnItem) {
  blob::Guest g{};
  g.fw_cfg_ram_size = 16ull << 20;
  g.fw_cfg_cpu_count = 3;
  guests::FwCfgState s{};
  auto read = [&](uint16_t item, int n) {
    guests::fw_cfg_select(s, item);
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(guests::fw_cfg_read_byte(s, g)) << (8 * i);
    return v;
  };
  EXPECT_EQ(read(uint16_t(guests::FwCfgItem::Signature), 4), 0x554D4551u);  // "QEMU"
  EXPECT_EQ(read(uint16_t(guests::FwCfgItem::Id), 4), 1u);
  EXPECT_EQ(read(uint16_t(guests::FwCfgItem::RamSize), 8), 16ull << 20);
  EXPECT_EQ(read(uint16_t(guests::FwCfgItem::CpuCount), 2), 3u);
  EXPECT_EQ(read(uint16_t(guests::FwCfgItem::Signature), 6), 0x554D4551u);  // bytes 4 and 5 past the end: 0
  EXPECT_EQ(read(0x4242, 4), 0u);                                           // an item not kept
}

TEST(Verdict, ExitedGuestsAreJudgedByTheirCode) {
  const auto log = appliance::parse_serial_log(
      "[cpu0] vmm: guest k ended: exited (code 42 (exit port 0xf4), rip 0x100365); exits: io-instruction=3\n"
      "[cpu0] vmm: summary: guests=1 finished=1 stopped=0 refused=0\n[cpu0] vmm: end: pass\n");
  configgen::model::Expectation e;
  e.kind = configgen::model::Expectation::Kind::GuestEnd;
  e.guest = "k";
  e.outcome = "exited";
  e.exit_code = 42;
  EXPECT_TRUE(appliance::judge(log, {e}, false).pass);
  e.exit_code = 0;
  const auto v = appliance::judge(log, {e}, false);
  EXPECT_FALSE(v.pass);
  EXPECT_NE(v.summary().find("expected code 0"), std::string::npos) << v.summary();
}

// A profile around a synthetic kernel written to a temporary file.
std::string kernel_profile(const std::vector<uint8_t>& elf, const std::string& guest_keys, const std::string& memory = "{gpa: 0, size: 16M}") {
  const std::string path = test_support::write_temp("kernel.elf", "");
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(elf.data()), long(elf.size()));
  const std::string module = test_support::write_temp("module.bin", "module bytes\n");
  return "appliance: {name: t, target: bochs-tigerlake}\n"
         "images:\n  k: {file: \"" + path + "\", format: elf}\n  m: {file: \"" + module + "\"}\n"
         "guests:\n  - name: g\n    cpus: [0]\n    memory: [" + memory + "]\n" + guest_keys;
}

TEST(KernelProfile, MultibootKernelGetsItsSegmentsEntryMagicAndInformation) {
  const auto elf = elf32({{0x100000, 0x40, 0x3000, 0xAA}}, 0x100010);
  const auto p = compile_text("mb.yaml", kernel_profile(elf, "    entry: {mode: multiboot, kernel: k, cmdline: \"k quiet\", modules: [m]}\n"
                                                             "    devices: {exit_port: 0xf4, fw_cfg: true}\n"
                                                             "    expect: [{ends: exited, code: 3}]\n"));
  ASSERT_TRUE(p.ok(false)) << test_support::rendered(p);
  blob::Reader r;
  ASSERT_TRUE(r.verify(p.blob.data(), p.blob.size()).ok);
  const blob::Guest& g = r.guest(0);
  EXPECT_EQ(g.mode, uint32_t(blob::GuestMode::Multiboot));
  EXPECT_EQ(g.entry.rip, 0x100010u);
  EXPECT_EQ(g.entry.gpr[0], 0x2BADB002u);
  EXPECT_EQ(g.exit_port, 0xF4);
  EXPECT_EQ(g.devices, blob::kDeviceFwCfg);
  EXPECT_EQ(g.fw_cfg_ram_size, 16ull << 20);
  // RAM [0, 1M), the kernel with its BSS [1M, 1M + 12K), the module, the information, RAM to 16M.
  ASSERT_EQ(g.region_count, 5u);
  const blob::Region& kernel = r.region(g.first_region + 1);
  EXPECT_EQ(kernel.gpa, 0x100000u);
  EXPECT_EQ(kernel.size, 0x3000u);
  EXPECT_EQ(kernel.kind, uint32_t(blob::RegionKind::Image));
  const blob::Region& module = r.region(g.first_region + 2);
  EXPECT_EQ(module.gpa, 0x103000u);
  const blob::Region& info = r.region(g.first_region + 3);
  EXPECT_EQ(info.gpa, 0x104000u);
  EXPECT_EQ(g.entry.gpr[3], info.gpa);  // EBX
  const blob::Image& img = r.image(info.image);
  const auto* bytes = static_cast<const uint8_t*>(r.image_data(img));
  uint32_t mods_addr;
  std::memcpy(&mods_addr, bytes + 24, 4);
  uint32_t mod_start;
  std::memcpy(&mod_start, bytes + (mods_addr - info.gpa), 4);
  EXPECT_EQ(mod_start, module.gpa);
  const blob::Region& tail = r.region(g.first_region + 4);
  EXPECT_EQ(tail.gpa + tail.size, 16ull << 20);
}

TEST(KernelProfile, EachWayAKernelDoesNotFitIsALocatedError) {
  const auto elf = elf32({{0x100000, 0x40, 0x40, 0xAA}}, 0x100000);
  // The kernel's addresses are in no RAM region.
  auto p = compile_text("k1.yaml", kernel_profile(elf, "    entry: {mode: multiboot, kernel: k}\n", "{gpa: 0x200000, size: 1M}"));
  EXPECT_TRUE(has_rule(p, "kernel-placement")) << test_support::rendered(p);
  // No multiboot header.
  const auto bare = elf32({{0x100000, 0x40, 0x40, 0xAA}}, 0x100000, ~0u);
  p = compile_text("k2.yaml", kernel_profile(bare, "    entry: {mode: multiboot, kernel: k}\n"));
  EXPECT_TRUE(has_rule(p, "multiboot-header")) << test_support::rendered(p);
  // A required header flag this loader does not know (bit 3).
  const auto demanding = elf32({{0x100000, 0x40, 0x40, 0xAA}}, 0x100000, 0x8);
  p = compile_text("k3.yaml", kernel_profile(demanding, "    entry: {mode: multiboot, kernel: k}\n"));
  EXPECT_TRUE(has_rule(p, "multiboot-header")) << test_support::rendered(p);
  // multiboot without a kernel; a misspelled kernel; an ELF module.
  p = compile_text("k4.yaml", kernel_profile(elf, "    entry: {mode: multiboot, rip: 0x100000}\n"));
  EXPECT_TRUE(has_rule(p, "multiboot-needs-kernel"));
  p = compile_text("k5.yaml", kernel_profile(elf, "    entry: {mode: multiboot, kernel: kk}\n"));
  EXPECT_TRUE(has_rule(p, "unknown-image"));
  EXPECT_NE(test_support::rendered(p).find("did you mean 'k'"), std::string::npos) << test_support::rendered(p);
  p = compile_text("k6.yaml", kernel_profile(elf, "    entry: {mode: multiboot, kernel: k, modules: [k]}\n"));
  EXPECT_TRUE(has_rule(p, "module-format"));
  // Devices whose ports would not exit, or clash.
  p = compile_text("k7.yaml", kernel_profile(elf, "    entry: {mode: multiboot, kernel: k}\n    devices: {exit_port: 0x3f8}\n"));
  EXPECT_TRUE(has_rule(p, "device-port"));
  p = compile_text("k8.yaml", kernel_profile(elf, "    entry: {mode: multiboot, kernel: k}\n    devices: {exit_port: 0x80}\n"
                                                  "    io: {pass: [0x80]}\n"));
  EXPECT_TRUE(has_rule(p, "device-port"));
  // An exit code is only an exited guest's.
  p = compile_text("k9.yaml", kernel_profile(elf, "    entry: {mode: multiboot, kernel: k}\n    expect: [{ends: halted, code: 1}]\n"));
  EXPECT_TRUE(has_rule(p, "code-needs-exited"));
  // The loader's keys outside multiboot mode.
  p = compile_text("k10.yaml", kernel_profile(elf, "    entry: {mode: protected, kernel: k, cmdline: x}\n"));
  EXPECT_TRUE(has_rule(p, "multiboot-only"));
}

TEST(KernelProfile, LocalApicIsABooleanOrAMapThatOffersX2apic) {
  const auto elf = elf32({{0x100000, 0x40, 0x40, 0xAA}}, 0x100000);
  const auto devices = [&](const std::string& name, const std::string& local_apic) {
    return compile_text(name, kernel_profile(elf, "    entry: {mode: multiboot, kernel: k}\n    devices: {local_apic: " + local_apic + "}\n"));
  };
  const auto devices_of = [](const configgen::Pipeline& p) -> uint32_t {
    blob::Reader r;
    if (!r.verify(p.blob.data(), p.blob.size()).ok) return ~0u;
    return r.guest(0).devices;
  };
  auto p = devices("a1.yaml", "true");
  ASSERT_TRUE(p.ok(false)) << test_support::rendered(p);
  EXPECT_EQ(devices_of(p), blob::kDeviceLocalApic);
  p = devices("a2.yaml", "{x2apic: true}");
  ASSERT_TRUE(p.ok(false)) << test_support::rendered(p);
  EXPECT_EQ(devices_of(p), blob::kDeviceLocalApic | blob::kDeviceLocalApicX2apic);
  p = devices("a3.yaml", "{x2apic: false}");  // the map turns the device on; x2APIC stays hidden
  ASSERT_TRUE(p.ok(false)) << test_support::rendered(p);
  EXPECT_EQ(devices_of(p), blob::kDeviceLocalApic);
  p = devices("a4.yaml", "false");
  ASSERT_TRUE(p.ok(false)) << test_support::rendered(p);
  EXPECT_EQ(devices_of(p), 0u);
  p = devices("a5.yaml", "{x2apci: true}");
  EXPECT_TRUE(has_rule(p, "unknown-key")) << test_support::rendered(p);
  EXPECT_NE(test_support::rendered(p).find("did you mean 'x2apic'"), std::string::npos) << test_support::rendered(p);
  p = devices("a6.yaml", "{x2apic: maybe}");
  EXPECT_FALSE(p.ok(false));
}

TEST(KernelProfile, The8259And8254AreDeclaredTogetherAndTheirPortsMustExit) {
  const auto elf = elf32({{0x100000, 0x40, 0x40, 0xAA}}, 0x100000);
  const auto compile = [&](const std::string& name, const std::string& extra) {
    return compile_text(name, kernel_profile(elf, "    entry: {mode: multiboot, kernel: k}\n" + extra));
  };
  auto p = compile("l1.yaml", "    devices: {pic: true, pit: true}\n");
  ASSERT_TRUE(p.ok(false)) << test_support::rendered(p);
  blob::Reader r;
  ASSERT_TRUE(r.verify(p.blob.data(), p.blob.size()).ok);
  EXPECT_EQ(r.guest(0).devices, blob::kDevicePic | blob::kDevicePit);
  p = compile("l2.yaml", "    devices: {pit: true}\n");
  EXPECT_TRUE(has_rule(p, "device-pit-needs-pic")) << test_support::rendered(p);
  EXPECT_NE(test_support::rendered(p).find("l2.yaml:"), std::string::npos);
  p = compile("l3.yaml", "    devices: {pic: true, pit: true}\n    io: {pass: [0x61]}\n");
  EXPECT_TRUE(has_rule(p, "device-port")) << test_support::rendered(p);
  EXPECT_NE(test_support::rendered(p).find("devices.pit needs port 0x61 to exit"), std::string::npos) << test_support::rendered(p);
  p = compile("l4.yaml", "    devices: {pic: true, exit_port: 0xa1}\n");
  EXPECT_TRUE(has_rule(p, "device-port")) << test_support::rendered(p);
  p = compile("l5.yaml", "    devices: {pic: true}\n    cpus: [0]\n    interrupts: {forward_irqs: [1]}\n");
  EXPECT_TRUE(has_rule(p, "device-port")) << test_support::rendered(p);
  p = compile("l6.yaml", "    devices: {pic: yes-please}\n");
  EXPECT_FALSE(p.ok(false));
}

TEST(KernelProfile, AnElfImageRegionPlacesSegmentsInsideTheRegionOnly) {
  const auto elf = elf32({{0x101000, 0x40, 0x40, 0xAA}}, 0x101000, ~0u);
  auto p = compile_text("r1.yaml", kernel_profile(elf, "    entry: {mode: protected, rip: 0x101000}\n",
                                                  "{gpa: 0, size: 1M}, {gpa: 0x100000, size: 64K, kind: image, image: k, perm: rx}"));
  ASSERT_TRUE(p.ok(false)) << test_support::rendered(p);
  blob::Reader r;
  ASSERT_TRUE(r.verify(p.blob.data(), p.blob.size()).ok);
  EXPECT_EQ(r.region(r.guest(0).first_region + 1).image_offset, 0x1000u);
  p = compile_text("r2.yaml", kernel_profile(elf, "    entry: {mode: protected, rip: 0x101000}\n",
                                             "{gpa: 0, size: 1M}, {gpa: 0x102000, size: 64K, kind: image, image: k, perm: rx}"));
  EXPECT_TRUE(has_rule(p, "image-fit")) << test_support::rendered(p);
}

}  // namespace

namespace {
TEST(AcpiTables, RsdpTablesAndMadtAreWellFormedWithValidChecksums) {
  configgen::lower::AcpiLayout layout;
  layout.cpu_count = 2;
  const auto b = configgen::lower::build_acpi_tables(layout);
  auto sum = [&](size_t at, size_t n) {
    uint8_t s = 0;
    for (size_t i = 0; i < n; ++i) s = uint8_t(s + b[at + i]);
    return s;
  };
  ASSERT_EQ(std::string(reinterpret_cast<const char*>(b.data()), 8), "RSD PTR ");
  EXPECT_EQ(sum(0, 20), 0);
  EXPECT_EQ(sum(0, 36), 0);
  EXPECT_EQ(b[15], 2);
  const uint64_t base = configgen::lower::kAcpiTablesGpa;
  const uint32_t rsdt = get<uint32_t>(b, 16) - uint32_t(base);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(b.data() + rsdt), 4), "RSDT");
  const uint32_t rsdt_len = get<uint32_t>(b, rsdt + 4);
  EXPECT_EQ(sum(rsdt, rsdt_len), 0);
  const uint32_t madt = get<uint32_t>(b, rsdt + 36) - uint32_t(base), fadt = get<uint32_t>(b, rsdt + 40) - uint32_t(base);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(b.data() + madt), 4), "APIC");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(b.data() + fadt), 4), "FACP");
  const uint32_t madt_len = get<uint32_t>(b, madt + 4);
  EXPECT_EQ(sum(madt, madt_len), 0);
  EXPECT_EQ(sum(fadt, get<uint32_t>(b, fadt + 4)), 0);
  EXPECT_EQ(get<uint32_t>(b, madt + 36), 0xFEE00000u);
  // Two processors, then the I/O APIC.
  EXPECT_EQ(b[madt + 44], 0);
  EXPECT_EQ(b[madt + 44 + 3], 0);
  EXPECT_EQ(b[madt + 52 + 3], 1);
  EXPECT_EQ(get<uint32_t>(b, madt + 52 + 4), 1u);
  EXPECT_EQ(b[madt + 60], 1);
  EXPECT_EQ(get<uint32_t>(b, madt + 60 + 4), 0xFEC00000u);
  EXPECT_EQ(madt_len, 36u + 8 + 2 * 8 + 12);
  const uint32_t dsdt = get<uint32_t>(b, fadt + 40) - uint32_t(base);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(b.data() + dsdt), 4), "DSDT");
  EXPECT_EQ(get<uint64_t>(b, fadt + 140), base + dsdt);
}

TEST(KernelProfile, AcpiTablesAreCarvedAtTheBiosAreaAndReservedInTheMemoryMap) {
  const auto elf = elf32({{0x100000, 0x40, 0x40, 0xAA}}, 0x100000);
  auto p = compile_text("acpi.yaml", kernel_profile(elf, "    entry: {mode: multiboot, kernel: k}\n    devices: {acpi: true}\n"));
  ASSERT_TRUE(p.ok(false)) << test_support::rendered(p);
  blob::Reader r;
  ASSERT_TRUE(r.verify(p.blob.data(), p.blob.size()).ok);
  const blob::Guest& g = r.guest(0);
  const blob::Region& tables = r.region(g.first_region + 1);
  EXPECT_EQ(tables.gpa, configgen::lower::kAcpiTablesGpa);
  EXPECT_EQ(tables.kind, uint32_t(blob::RegionKind::Image));
  // The multiboot memory map shows the tables' pages reserved (type 2).
  const blob::Region& info = r.region(g.first_region + g.region_count - 2);
  const auto* bytes = static_cast<const uint8_t*>(r.image_data(r.image(info.image)));
  uint32_t map_length, map_addr;
  std::memcpy(&map_length, bytes + 44, 4);
  std::memcpy(&map_addr, bytes + 48, 4);
  bool reserved = false;
  for (uint32_t at = map_addr - uint32_t(info.gpa); at < map_addr - info.gpa + map_length; at += 24) {
    uint64_t base;
    uint32_t type;
    std::memcpy(&base, bytes + at + 4, 8);
    std::memcpy(&type, bytes + at + 20, 4);
    reserved |= base == configgen::lower::kAcpiTablesGpa && type == 2;
  }
  EXPECT_TRUE(reserved);
  // Without RAM at the BIOS area: a located error.
  p = compile_text("acpi2.yaml", kernel_profile(elf, "    entry: {mode: multiboot, kernel: k}\n    devices: {acpi: true}\n",
                                                "{gpa: 0x100000, size: 15M}"));
  EXPECT_TRUE(has_rule(p, "acpi-placement")) << test_support::rendered(p);
}
}  // namespace

TEST(KernelProfile, SeveralVcpusReachTheBlobFwCfgTheMadtAndTheirControls) {
  const auto elf = elf32({{0x100000, 0x40, 0x40, 0xAA}}, 0x100000);
  const auto p = compile_text("v1.yaml", kernel_profile(elf, "    vcpus: 3\n    entry: {mode: multiboot, kernel: k}\n"
                                                             "    devices: {exit_port: 0xf4, fw_cfg: true, local_apic: true, acpi: true}\n"));
  ASSERT_TRUE(p.ok(false)) << test_support::rendered(p);
  blob::Reader r;
  ASSERT_TRUE(r.verify(p.blob.data(), p.blob.size()).ok);
  const blob::Guest& g = r.guest(0);
  EXPECT_EQ(g.vcpu_count, 3);
  EXPECT_EQ(g.fw_cfg_cpu_count, 3);
  // vCPUs 1..n start in real mode; one that spins on PAUSE yields.
  EXPECT_TRUE(g.controls[uint32_t(arch::ControlWord::PROC2)] & arch::ctl::UNRESTRICTED_GUEST.mask());
  EXPECT_TRUE(g.controls[uint32_t(arch::ControlWord::PROC)] & arch::ctl::PAUSE_EXITING.mask());
  // The MADT lists three processors (type 0, 8 bytes each) with APIC IDs 0, 1, 2.
  const blob::Image* tables = nullptr;
  for (uint32_t i = 0; i < r.image_count(); ++i)
    if (std::string(r.string(r.image(i).name)) == "g.acpi-tables") tables = &r.image(i);
  ASSERT_NE(tables, nullptr);
  const uint8_t* b = r.image_data(*tables);
  std::vector<uint32_t> ids;
  for (uint32_t at = 0; at + 8 <= tables->size; ++at)
    if (std::memcmp(b + at, "APIC", 4) == 0) {
      const uint32_t length = b[at + 4] | b[at + 5] << 8;
      for (uint32_t e = at + 44; e + 2 <= at + length; e += b[e + 1])
        if (b[e] == 0) ids.push_back(b[e + 3]);
      break;
    }
  EXPECT_EQ(ids, (std::vector<uint32_t>{0, 1, 2}));
  // One vCPU by default: the field stays 0, as in blobs before format 5.
  const auto one = compile_text("v0.yaml", kernel_profile(elf, "    entry: {mode: multiboot, kernel: k}\n"));
  ASSERT_TRUE(one.ok(false)) << test_support::rendered(one);
  ASSERT_TRUE(r.verify(one.blob.data(), one.blob.size()).ok);
  EXPECT_EQ(r.guest(0).vcpu_count, 0);
}

TEST(KernelProfile, SeveralVcpusNeedTheVirtualApicAndNothingThatChangesSharedMemory) {
  const auto elf = elf32({{0x100000, 0x40, 0x40, 0xAA}}, 0x100000);
  const auto compile = [&](const std::string& name, const std::string& extra) {
    return compile_text(name, kernel_profile(elf, "    entry: {mode: multiboot, kernel: k}\n" + extra));
  };
  const struct {
    const char* keys;
    const char* says;
  } cases[] = {
      {"    vcpus: 2\n", "vcpus: 2 needs devices.local_apic"},
      {"    vcpus: 0\n", "a guest has at least one vCPU"},
      {"    vcpus: 2\n    devices: {local_apic: true, pic: true}\n", "devices.pic and devices.pit are for a guest of one vCPU"},
      {"    vcpus: 2\n    devices: {local_apic: true}\n    ept: {map_on_demand: {limit: 0x2000000, pages: 4}}\n",
       "ept.map_on_demand changes the EPT its vCPUs share"},
      {"    vcpus: 2\n    devices: {local_apic: true}\n    ept: {alternate: [{gpa: 0x200000, size: 4K}]}\n", "ept.alternate"},
  };
  for (const auto& c : cases) {
    const auto p = compile("m.yaml", c.keys);
    EXPECT_TRUE(has_rule(p, "multi-vcpu")) << c.keys << test_support::rendered(p);
    EXPECT_NE(test_support::rendered(p).find(c.says), std::string::npos) << test_support::rendered(p);
    EXPECT_NE(test_support::rendered(p).find("m.yaml:"), std::string::npos) << test_support::rendered(p);
  }
  const auto over = compile("o.yaml", "    vcpus: 17\n    devices: {local_apic: true}\n");
  EXPECT_FALSE(over.ok(false));
}
