// Run directories: a new one per run, and only the newest few are kept.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "appliance/run_dir.h"

namespace {
namespace fs = std::filesystem;
using appliance::make_fresh_run_dir;
using appliance::prune_run_dirs;

fs::path scratch(const char* name) {
  const fs::path p = fs::temp_directory_path() / name;
  fs::remove_all(p);
  return p;
}

TEST(RunDir, EachRunGetsItsOwnDirectory) {
  const fs::path parent = scratch("vtx-run-dir-test-fresh");
  std::string error;
  const std::string a = make_fresh_run_dir(parent, "demo-bochs-cdrom", error);
  const std::string b = make_fresh_run_dir(parent, "demo-bochs-cdrom", error);
  ASSERT_FALSE(a.empty()) << error;
  ASSERT_FALSE(b.empty()) << error;
  EXPECT_NE(a, b);
  EXPECT_TRUE(fs::is_directory(a));
  EXPECT_EQ(fs::path(a).filename().string().rfind("demo-bochs-cdrom-", 0), 0u);
  fs::remove_all(parent);
}

TEST(RunDir, PruningKeepsTheNewestRunsAndNothingElse) {
  const fs::path parent = scratch("vtx-run-dir-test-prune");
  std::string error;
  std::vector<std::string> made;
  for (int i = 0; i < 5; ++i) {
    made.push_back(make_fresh_run_dir(parent, "demo-qemu-kernel", error));
    ASSERT_FALSE(made.back().empty()) << error;
    // Distinct, increasing times: oldest first.
    fs::last_write_time(made.back(), fs::file_time_type::clock::now() - std::chrono::hours(10 - i));
  }
  fs::create_directories(parent / "notes");  // not a run directory: never removed
  std::ofstream(parent / "README") << "x";
  EXPECT_EQ(prune_run_dirs(parent, 2), 3);
  EXPECT_FALSE(fs::exists(made[0]));
  EXPECT_FALSE(fs::exists(made[2]));
  EXPECT_TRUE(fs::exists(made[3]));
  EXPECT_TRUE(fs::exists(made[4]));
  EXPECT_TRUE(fs::exists(parent / "notes"));
  EXPECT_TRUE(fs::exists(parent / "README"));
  EXPECT_EQ(prune_run_dirs(parent, 2), 0);
  fs::remove_all(parent);
}
}  // namespace
