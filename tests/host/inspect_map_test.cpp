// inspect --map and --svg (commands/inspect_map.h): the rows of a book
// example's map, the gaps between regions, the EPT page sizes, and an SVG
// document that is well-formed XML with one group per guest and one
// rectangle per row, whatever the names in the blob hold.
#include <gtest/gtest.h>

#include <regex>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <map>
#include <string>
#include <vector>

#include "commands/inspect_json.h"
#include "commands/inspect_map.h"
#include "configgen_test_support.h"
#include "memory/ept.h"
#include "fake_physical.h"
#include "pipeline/driver.h"

namespace {
using configgen::commands::GuestMap;
using configgen::commands::MapRow;
using configgen::commands::MemoryMap;

MemoryMap map_of_profile(const std::string& path) {
  const auto p = configgen::run_pipeline(path, configgen::CompileOptions{});
  EXPECT_TRUE(p.ok(false)) << p.diags.render();
  std::string error;
  const auto m = configgen::commands::memory_map(p.blob, error);
  EXPECT_TRUE(m) << error;
  return m ? *m : MemoryMap{};
}

MemoryMap map_of_text(const std::string& name, const std::string& yaml) {
  const auto p = test_support::compile_text(name, yaml);
  EXPECT_TRUE(p.ok(false)) << p.diags.render();
  std::string error;
  const auto m = configgen::commands::memory_map(p.blob, error);
  EXPECT_TRUE(m) << error;
  return m ? *m : MemoryMap{};
}

const MapRow* row_at(const GuestMap& g, uint64_t gpa) {
  for (const MapRow& r : g.rows)
    if (r.first <= gpa && gpa <= r.last) return &r;
  return nullptr;
}

// The map covers 0 to 2^48 - 1 without a hole or an overlap.
void expect_covers_the_space(const GuestMap& g) {
  ASSERT_FALSE(g.rows.empty());
  EXPECT_EQ(g.rows.front().first, 0u);
  for (size_t i = 1; i < g.rows.size(); ++i) EXPECT_EQ(g.rows[i].first, g.rows[i - 1].last + 1) << g.name << " row " << i;
  EXPECT_EQ(g.rows.back().last, (1ull << 48) - 1);
}

// A well-formedness check of the XML this tool writes: every tag closes in
// order, attribute values are quoted, '&' starts one of the five entities,
// no '<' in text, one root element. Returns the problem, or "".
struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<size_t> children;
};
std::string parse_xml(const std::string& doc, std::vector<Element>& elements) {
  std::vector<size_t> open;
  size_t roots = 0;
  auto check_text = [](const std::string& t) -> std::string {
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '<' || t[i] == '>') return "markup character in text: " + t;
      if (t[i] != '&') continue;
      bool known = false;
      for (const char* e : {"&amp;", "&lt;", "&gt;", "&quot;", "&apos;"}) known |= t.compare(i, std::strlen(e), e) == 0;
      if (!known) return "bare & in: " + t;
    }
    return "";
  };
  for (size_t i = 0; i < doc.size();) {
    if (doc[i] != '<') {
      const size_t next = doc.find('<', i);
      const std::string text = doc.substr(i, next == std::string::npos ? std::string::npos : next - i);
      if (auto e = check_text(text); !e.empty()) return e;
      if (open.empty() && text.find_first_not_of(" \n") != std::string::npos) return "text outside the root: " + text;
      if (next == std::string::npos) break;
      i = next;
      continue;
    }
    if (doc.compare(i, 4, "<!--") == 0) {
      const size_t end = doc.find("-->", i + 4);
      if (end == std::string::npos) return "unclosed comment";
      if (doc.substr(i + 4, end - i - 4).find("--") != std::string::npos) return "-- inside a comment";
      i = end + 3;
      continue;
    }
    if (doc.compare(i, 2, "<?") == 0) {
      const size_t end = doc.find("?>", i);
      if (end == std::string::npos || i != 0) return "processing instruction not at the start";
      i = end + 2;
      continue;
    }
    const size_t end = doc.find('>', i);
    if (end == std::string::npos) return "unclosed tag";
    std::string tag = doc.substr(i + 1, end - i - 1);
    i = end + 1;
    if (tag.front() == '/') {
      if (open.empty() || elements[open.back()].name != tag.substr(1)) return "</" + tag.substr(1) + "> closes nothing open";
      open.pop_back();
      continue;
    }
    const bool empty = tag.back() == '/';
    if (empty) tag.pop_back();
    Element el;
    size_t k = tag.find_first_of(" \n");
    el.name = tag.substr(0, k);
    while (k != std::string::npos && k < tag.size()) {
      k = tag.find_first_not_of(" \n", k);
      if (k == std::string::npos) break;
      const size_t eq = tag.find('=', k);
      if (eq == std::string::npos || eq + 1 >= tag.size() || tag[eq + 1] != '"') return "unquoted attribute in <" + tag + ">";
      const size_t close = tag.find('"', eq + 2);
      if (close == std::string::npos) return "unterminated attribute in <" + tag + ">";
      const std::string value = tag.substr(eq + 2, close - eq - 2);
      if (auto e = check_text(value); !e.empty()) return e;
      if (!el.attributes.emplace(tag.substr(k, eq - k), value).second) return "duplicate attribute in <" + tag + ">";
      k = close + 1;
    }
    elements.push_back(el);
    const size_t index = elements.size() - 1;
    if (open.empty()) ++roots;
    else elements[open.back()].children.push_back(index);
    if (!empty) open.push_back(index);
  }
  if (!open.empty()) return "<" + elements[open.back()].name + "> not closed";
  if (roots != 1) return std::to_string(roots) + " root elements";
  return "";
}

size_t count(const std::vector<Element>& els, const std::string& name, const std::string& cls) {
  size_t n = 0;
  for (const auto& e : els) n += e.name == name && e.attributes.count("class") && e.attributes.at("class") == cls;
  return n;
}

TEST(InspectMap, BookExampleRowsAreItsRegionsAndItsGaps) {
  const MemoryMap m = map_of_profile(VTX_SOURCE_DIR "/profiles/book/ex6-1-ept-time-slices.yaml");
  ASSERT_EQ(m.guests.size(), 2u);
  const GuestMap& g = m.guests[0];
  EXPECT_EQ(g.name, "guest-a");
  expect_covers_the_space(g);
  // memory: 0x7000 4K image boot rx, 0x20000 4K image kernel rx, 0x80000
  // 128K RAM; map_on_demand below 16M: the gaps below 16M are on demand.
  const MapRow* boot = row_at(g, 0x7000);
  ASSERT_TRUE(boot);
  EXPECT_EQ(boot->first, 0x7000u);
  EXPECT_EQ(boot->last, 0x7FFFu);
  EXPECT_EQ(boot->kind, "image");
  EXPECT_EQ(boot->detail, "image boot at +0xc00");
  EXPECT_EQ(configgen::commands::permissions_text(boot->permissions), "r-x");
  EXPECT_EQ(boot->memory_type, "WB");
  EXPECT_EQ(boot->pages, std::vector<uint64_t>{4096});
  const MapRow* ram = row_at(g, 0x80000);
  ASSERT_TRUE(ram);
  EXPECT_EQ(ram->kind, "ram");
  EXPECT_EQ(ram->last, 0x9FFFFu);
  const MapRow* low = row_at(g, 0x6000);  // the stack page the book's guest touches first
  ASSERT_TRUE(low);
  EXPECT_EQ(low->kind, "on-demand");
  EXPECT_FALSE(low->region);
  EXPECT_EQ(low->first, 0u);
  EXPECT_EQ(low->last, 0x6FFFu);
  const MapRow* top = row_at(g, 0x1000000);
  ASSERT_TRUE(top);
  EXPECT_EQ(top->kind, "unmapped");
  EXPECT_FALSE(top->mapped);
  EXPECT_EQ(top->first, 0x1000000u);
  EXPECT_EQ(row_at(g, 0xFFFFFF)->kind, "on-demand");

  const std::string text = configgen::commands::map_text(m, false);
  for (const char* s : {"guest guest-a: 3 region(s); map on demand below 0x1000000, 64 pool pages", "guest guest-b",
                        "  0x000000007000  0x000000007fff      4 KiB  image       r-x   WB    4K     #", "image boot at +0xc00",
                        "  0x000000020000  0x000000020fff      4 KiB  image       r-x   WB    4K", "image kernel",
                        "  0x000000080000  0x00000009ffff    128 KiB  ram         rwx   WB    4K",
                        "  0x000000000000  0x000000006fff     28 KiB  on-demand   rwx   WB    4K     ~",
                        "  0x000001000000  0xffffffffffff  256.0 TiB  unmapped    ---   -     -      ..........",
                        "large pages as bochs-3.0-tigerlake allows them"})
    EXPECT_NE(text.find(s), std::string::npos) << "no '" << s << "' in\n" << text;
  EXPECT_EQ(text.find("\033["), std::string::npos);
  EXPECT_NE(configgen::commands::map_text(m, true).find("\033[36mimage"), std::string::npos);
}

TEST(InspectMap, GapsWithoutMapOnDemandAreUnmappedAndTrapsAreNotMapped) {
  const MemoryMap m = map_of_text("map-gaps.yaml", test_support::profile_with_memory(
                                                       "      - {gpa: 0, size: 64K}\n" + std::string(rule_cases::kDemoAt1M) +
                                                       "      - {gpa: 0x400000, size: 4K, kind: mmio-trap}\n"
                                                       "      - {gpa: 0x401000, size: 4K, kind: absent}\n"));
  ASSERT_EQ(m.guests.size(), 1u);
  const GuestMap& g = m.guests[0];
  expect_covers_the_space(g);
  EXPECT_TRUE(g.note.empty());
  std::vector<std::string> kinds;
  for (const MapRow& r : g.rows) kinds.push_back(r.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"ram", "unmapped", "image", "unmapped", "mmio-trap", "absent", "unmapped"}));
  EXPECT_EQ(g.rows[1].first, 0x10000u);
  EXPECT_EQ(g.rows[1].last, 0xFFFFFu);
  EXPECT_FALSE(g.rows[4].mapped);
  EXPECT_TRUE(g.rows[4].pages.empty());
  const std::string text = configgen::commands::map_text(m, false);
  EXPECT_NE(text.find("  0x000000010000  0x0000000fffff    960 KiB  unmapped    ---   -     -"), std::string::npos) << text;
  EXPECT_NE(text.find("  0x000000400000  0x000000400fff      4 KiB  mmio-trap   ---   -     -      !"), std::string::npos) << text;
}

TEST(InspectMap, PageSizesFollowAlignmentAndThePageSizeCap) {
  const MemoryMap m = map_of_text("map-pages.yaml", test_support::profile_with_memory(
                                                        "      - {gpa: 0, size: 1M}\n" + std::string(rule_cases::kDemoAt1M) +
                                                        "      - {gpa: 0x200000, size: 0x401000, page_size: 2M}\n"
                                                        "      - {gpa: 0x40000000, size: 1G, page_size: 1G}\n"
                                                        "      - {gpa: 0x80001000, size: 4M, page_size: 2M}\n"
                                                        "      - {gpa: 0xC0000000, size: 4M, page_size: 4K}\n"));
  const GuestMap& g = m.guests[0];
  // 2M-aligned GPA: 2M pages, then the 4K left over.
  EXPECT_EQ(configgen::commands::page_sizes_text(row_at(g, 0x200000)->pages), "4K+2M");
  // The host block is 2M-aligned, not 1G: 1G is not promised.
  EXPECT_EQ(configgen::commands::page_sizes_text(row_at(g, 0x40000000)->pages), "2M");
  // A GPA off 2M against a 2M-aligned host block never lines up.
  EXPECT_EQ(configgen::commands::page_sizes_text(row_at(g, 0x80001000)->pages), "4K");
  EXPECT_EQ(configgen::commands::page_sizes_text(row_at(g, 0xC0000000)->pages), "4K");
}

using host_test::FakePhysical;  // tests/host/fake_physical.h

// The map's page sizes are the ones EptBuilder::map() really uses for a host
// block aligned exactly as backing_alignment() promises (and no more).
TEST(InspectMap, PageSizesAreTheEptBuildersOwn) {
  struct Case {
    uint64_t gpa, size, page_size;
  };
  for (const Case c : {Case{0x200000, 0x401000, 2u << 20}, Case{0x40000000, 1ull << 30, 1ull << 30}, Case{0x80001000, 4u << 20, 2u << 20},
                       Case{0x1000, 0x5000, 4096}, Case{0x600000, 0x600000, 1ull << 30}}) {
    const std::string line = "      - {gpa: " + std::to_string(c.gpa) + ", size: " + std::to_string(c.size) +
                             ", page_size: " + std::to_string(c.page_size) + "}\n";
    const std::string low = c.gpa >= 0x200000 ? "      - {gpa: 0, size: 1M}\n" + std::string(rule_cases::kDemoAt1M) : std::string(rule_cases::kDemoAt1M);
    const MemoryMap m = map_of_text("map-ept.yaml", test_support::profile_with_memory(low + line));
    ASSERT_EQ(m.guests.size(), 1u);
    const MapRow* row = row_at(m.guests[0], c.gpa);
    ASSERT_TRUE(row && row->region) << std::hex << c.gpa;
    const uint64_t align = memory::backing_alignment(c.page_size, c.size);
    FakePhysical phys;
    memory::EptBuilder ept;
    ASSERT_TRUE(ept.init(phys.source(), true, true));
    // The host block at `align` exactly: 2M-aligned is not 1G-aligned.
    ASSERT_TRUE(ept.map(c.gpa, align, c.size, memory::kEptRead, 6, std::min(c.page_size, align)));
    std::vector<uint64_t> seen;
    for (uint64_t a = c.gpa; a < c.gpa + c.size;) {
      const auto t = ept.translate(a);
      ASSERT_TRUE(t.present);
      if (std::find(seen.begin(), seen.end(), t.page_size) == seen.end()) seen.push_back(t.page_size);
      a += t.page_size;
    }
    std::sort(seen.begin(), seen.end());
    EXPECT_EQ(row->pages, seen) << std::hex << "region at 0x" << c.gpa;
  }
}

TEST(InspectMap, HumanSizes) {
  using configgen::commands::human_size;
  EXPECT_EQ(human_size(4096), "4 KiB");
  EXPECT_EQ(human_size(0x20000), "128 KiB");
  EXPECT_EQ(human_size(2ull << 20), "2 MiB");
  EXPECT_EQ(human_size(1ull << 30), "1 GiB");
  EXPECT_EQ(human_size(0xF90000), "15.6 MiB");
  EXPECT_EQ(human_size(512), "512 bytes");
}

TEST(InspectMap, SaysWhenTheTargetIsNotThereToDecideLargePages) {
  MemoryMap m;
  m.target = "my-cpu";
  EXPECT_EQ(configgen::commands::large_pages_text(m), "target 'my-cpu' not found: 2M and 1G pages assumed allowed");
  m.target_found = true;
  EXPECT_EQ(configgen::commands::large_pages_text(m), "large pages as my-cpu allows them");
}

TEST(InspectMap, RefusesABlobThatDoesNotVerify) {
  const auto p = configgen::run_pipeline(VTX_SOURCE_DIR "/profiles/demo.yaml", configgen::CompileOptions{});
  ASSERT_TRUE(p.ok(false));
  auto bytes = p.blob;
  bytes[bytes.size() / 2] ^= 0xFF;
  std::string error;
  EXPECT_FALSE(configgen::commands::memory_map(bytes, error));
  EXPECT_NE(error.find("CRC32C mismatch"), std::string::npos) << error;
  // The same reason as inspect --json gives for the same bytes.
  std::string json_error;
  EXPECT_FALSE(configgen::commands::inspect_document(bytes, json_error));
  EXPECT_EQ(error, json_error);
  EXPECT_FALSE(configgen::commands::memory_map({1, 2, 3}, error));
  EXPECT_FALSE(error.empty());
}

// Every docs/book page that shows `inspect --map` of its profile shows what
// that command prints (docs/book/pictures.sh writes them); kept fresh here.
TEST(InspectMap, BookPagesShowTheCommandsOutput) {
  static const std::regex command(R"(build/bin/configgen inspect --map (profiles/book/[a-z0-9-]+\.yaml)\n```\n)");
  size_t pages = 0;
  for (const auto& e : std::filesystem::directory_iterator(VTX_SOURCE_DIR "/docs/book")) {
    if (e.path().extension() != ".md") continue;
    std::ifstream in(e.path());
    const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    if (!std::regex_search(page, m, command)) continue;
    ++pages;
    const size_t after = size_t(m.position(0) + m.length(0));
    const size_t open = page.find("```\n", after);
    const size_t close = page.find("```\n", open + 4);
    ASSERT_NE(close, std::string::npos) << e.path();
    const std::string shown = page.substr(open + 4, close - open - 4);
    EXPECT_EQ(shown, configgen::commands::map_text(map_of_profile(std::string(VTX_SOURCE_DIR "/") + m[1].str()), false) + "")
        << e.path() << " is stale: run docs/book/pictures.sh (or paste the output of the command above it)";
  }
  EXPECT_GE(pages, 11u);  // every example with guests
}

TEST(InspectSvg, BookExampleIsWellFormedWithAGroupPerGuestAndARectPerRow) {
  const MemoryMap m = map_of_profile(VTX_SOURCE_DIR "/profiles/book/ex6-1-ept-time-slices.yaml");
  const std::string svg = configgen::commands::map_svg(m);
  std::vector<Element> els;
  ASSERT_EQ(parse_xml(svg, els), "") << svg;
  ASSERT_FALSE(els.empty());
  EXPECT_EQ(els[0].name, "svg");
  EXPECT_EQ(els[0].attributes["xmlns"], "http://www.w3.org/2000/svg");
  EXPECT_EQ(count(els, "g", "guest"), m.guests.size());
  size_t regions = 0, gaps = 0;
  for (const auto& g : m.guests)
    for (const auto& r : g.rows) (r.region ? regions : gaps) += 1;
  EXPECT_EQ(count(els, "rect", "region"), regions);
  EXPECT_EQ(count(els, "rect", "gap"), gaps);
  EXPECT_EQ(regions, 6u);  // three per guest
  // Each guest's rectangles sit in its own group and stack without a gap.
  for (const auto& e : els) {
    if (e.name != "g" || !e.attributes.count("class") || e.attributes.at("class") != "guest") continue;
    int next_y = -1, rects = 0;
    for (size_t c : e.children)
      for (size_t r : els[c].children) {
        if (els[r].name != "rect") continue;
        const int y = std::stoi(els[r].attributes.at("y")), h = std::stoi(els[r].attributes.at("height"));
        if (next_y >= 0) EXPECT_EQ(y, next_y);
        EXPECT_GE(h, 18);  // a 4 KiB page keeps a line of text
        next_y = y + h;
        ++rects;
      }
    EXPECT_EQ(size_t(rects), m.guests[0].rows.size());
  }
  EXPECT_NE(svg.find("logarithmic"), std::string::npos) << "the scale is explained in a comment";
}

TEST(InspectSvg, EveryShippedProfileMapsTheWholeSpaceAsWellFormedSvg) {
  size_t checked = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(VTX_SOURCE_DIR "/profiles")) {
    if (e.path().extension() != ".yaml" || e.path().filename() == "defaults.yaml") continue;
    const MemoryMap m = map_of_profile(e.path().string());
    EXPECT_FALSE(m.appliance.empty()) << e.path();  // ex1-2 has no guest: its map is the header alone
    for (const GuestMap& g : m.guests) expect_covers_the_space(g);
    std::vector<Element> els;
    EXPECT_EQ(parse_xml(configgen::commands::map_svg(m), els), "") << e.path();
    EXPECT_EQ(count(els, "g", "guest"), m.guests.size()) << e.path();
    ++checked;
  }
  EXPECT_GE(checked, 20u);
}

TEST(InspectSvg, NamesAreEscaped) {
  MemoryMap m;
  m.appliance = "a&b";
  m.target = "t";
  GuestMap g;
  g.name = "<guest> & \"friends\" 'x' \xff\x01";
  MapRow r;
  r.first = 0;
  r.last = (1ull << 48) - 1;
  r.kind = "ram";
  r.region = blob::RegionKind::Image;
  r.mapped = true;
  r.detail = "image <boot&>";
  r.memory_type = "WB";
  g.rows.push_back(r);
  m.guests.push_back(g);
  const std::string svg = configgen::commands::map_svg(m);
  std::vector<Element> els;
  EXPECT_EQ(parse_xml(svg, els), "") << svg;
  EXPECT_NE(svg.find("guest &lt;guest&gt; &amp; &quot;friends&quot; &apos;x&apos; \xEF\xBF\xBD\xEF\xBF\xBD"), std::string::npos) << svg;
  EXPECT_NE(svg.find("image &lt;boot&amp;&gt;"), std::string::npos);
  EXPECT_NE(svg.find("appliance a&amp;b"), std::string::npos);
  EXPECT_EQ(svg.find("<guest>"), std::string::npos);
  EXPECT_EQ(count(els, "rect", "region"), 1u);
}

}  // namespace
