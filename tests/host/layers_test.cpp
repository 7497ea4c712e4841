// The layer lists in docs/architecture.md ("Layers") are the rule: a file
// includes only headers of its own folder or of a folder below it. This
// test reads the lists from the document and every #include of vmm/ and
// configgen/, so the picture and the code cannot drift apart.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {
namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The numbered list of `folder/` items that follows `marker` in the Layers
// section, bottom first.
std::vector<std::string> layer_list(const std::string& doc, const std::string& marker) {
  std::vector<std::string> folders;
  const size_t section = doc.find("## Layers");
  if (section == std::string::npos) return folders;
  const size_t start = doc.find(marker, section);
  if (start == std::string::npos) return folders;
  std::istringstream lines(doc.substr(start));
  std::string line;
  std::getline(lines, line);  // the marker's own line
  const std::regex item(R"(^\d+\. `([a-z_]+)/`)");
  bool in_list = false;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (std::regex_search(line, m, item)) {
      folders.push_back(m[1]);
      in_list = true;
    } else if (in_list && (line.empty() || line.rfind("##", 0) == 0)) {
      break;
    }
  }
  return folders;
}

struct Violation {
  std::string where;  // file:line
  std::string text;
};

// Every #include "folder/..." in the sources under `root` whose folder is a
// layer above the including file's. Folders not in `layers` (another
// project part, a system header) are not judged here; `unlisted` collects
// the folders of `root` that hold sources but have no layer.
std::vector<Violation> upward_includes(const fs::path& root, const std::vector<std::string>& layers,
                                       std::vector<std::string>& unlisted) {
  std::map<std::string, size_t> rank;
  for (size_t i = 0; i < layers.size(); ++i) rank[layers[i]] = i;
  std::vector<Violation> out;
  const std::regex include(R"(^\s*#\s*include\s*"([a-z_]+)/[^"]+")");
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file()) continue;
    const std::string ext = entry.path().extension().string();
    if (ext != ".cpp" && ext != ".h" && ext != ".S" && ext != ".def" && ext != ".inc") continue;
    const fs::path rel = fs::relative(entry.path(), root);
    if (rel.begin() == rel.end() || std::next(rel.begin()) == rel.end()) continue;  // a file at the root
    const std::string folder = rel.begin()->string();
    const auto own = rank.find(folder);
    if (own == rank.end()) {
      if (std::find(unlisted.begin(), unlisted.end(), folder) == unlisted.end()) unlisted.push_back(folder);
      continue;
    }
    std::ifstream in(entry.path());
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      std::smatch m;
      if (!std::regex_search(line, m, include)) continue;
      const auto target = rank.find(m[1]);
      if (target != rank.end() && target->second > own->second)
        out.push_back({rel.string() + ":" + std::to_string(n), line});
    }
  }
  return out;
}

std::string describe(const std::vector<Violation>& v) {
  std::string s;
  for (const auto& x : v) s += "  " + x.where + ": " + x.text + "\n";
  return s;
}

const std::string kDoc = read_text(VTX_SOURCE_DIR "/docs/architecture.md");

TEST(Layers, TheDocumentListsBothStacks) {
  const auto vmm = layer_list(kDoc, "The hypervisor, `vmm/`");
  const auto configgen = layer_list(kDoc, "configgen, `configgen/`");
  EXPECT_GE(vmm.size(), 10u);
  EXPECT_GE(configgen.size(), 5u);
  ASSERT_FALSE(vmm.empty());
  EXPECT_EQ(vmm.front(), "lib");
  EXPECT_EQ(vmm.back(), "boot");
}

TEST(Layers, NoIncludeInVmmPointsUp) {
  const auto layers = layer_list(kDoc, "The hypervisor, `vmm/`");
  std::vector<std::string> unlisted;
  const auto up = upward_includes(VTX_SOURCE_DIR "/vmm", layers, unlisted);
  EXPECT_TRUE(up.empty()) << "includes that point up a layer (docs/architecture.md, Layers):\n" << describe(up);
  EXPECT_TRUE(unlisted.empty()) << "vmm/ folders without a layer: " << (unlisted.empty() ? "" : unlisted.front());
}

TEST(Layers, NoIncludeInConfiggenPointsUp) {
  const auto layers = layer_list(kDoc, "configgen, `configgen/`");
  std::vector<std::string> unlisted;
  const auto up = upward_includes(VTX_SOURCE_DIR "/configgen", layers, unlisted);
  EXPECT_TRUE(up.empty()) << "includes that point up a layer (docs/architecture.md, Layers):\n" << describe(up);
  // targets/ holds capability files, no sources.
  EXPECT_TRUE(unlisted.empty()) << "configgen/ folders without a layer: " << (unlisted.empty() ? "" : unlisted.front());
}

// The check itself: a tree with one include pointing up and one pointing
// down must report exactly the first.
TEST(Layers, TheCheckFindsAnUpwardInclude) {
  const fs::path root = fs::temp_directory_path() / ("layers_test_" + std::to_string(::getpid()));
  fs::create_directories(root / "low");
  fs::create_directories(root / "high");
  fs::create_directories(root / "stray");
  std::ofstream(root / "low" / "a.h") << "#pragma once\n#include \"high/b.h\"\n";
  std::ofstream(root / "high" / "b.h") << "#pragma once\n#include \"low/a.h\"\n#include <stdint.h>\n";
  std::ofstream(root / "stray" / "c.cpp") << "\n";
  std::vector<std::string> unlisted;
  const auto up = upward_includes(root, {"low", "high"}, unlisted);
  fs::remove_all(root);
  ASSERT_EQ(up.size(), 1u) << describe(up);
  EXPECT_EQ(up[0].where, "low/a.h:2");
  EXPECT_EQ(unlisted, std::vector<std::string>{"stray"});
}

}  // namespace
