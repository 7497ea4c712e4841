// Finding configgen's data (configgen/install/data_paths.h) in fake trees:
// an installed prefix, a build tree with its marker, --data-dir and
// $VTX_DATA_DIR, and the message when a file is missing; the scratch
// directory; and this test binary, which runs from the real build tree.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "commands/paths.h"
#include "install/data_paths.h"

namespace {
namespace fs = std::filesystem;
using configgen::install::DataItem;
using configgen::install::DataPaths;
using configgen::install::locate_data;
using configgen::install::Origin;

void touch(const fs::path& p) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << "x";
}

class DataPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("vtx-data-paths-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // PREFIX/bin/configgen, PREFIX/lib/vtx/{vmm.elf,guest_images/}, PREFIX/share/vtx/{targets,profiles}/.
  fs::path make_installed_tree(const std::string& name) {
    const fs::path prefix = root_ / name;
    touch(prefix / VTX_INSTALL_BINDIR / "configgen");
    touch(prefix / VTX_INSTALL_LIBDIR / "vtx" / "vmm.elf");
    touch(prefix / VTX_INSTALL_LIBDIR / "vtx" / "guest_images" / "demo.bin");
    touch(prefix / VTX_INSTALL_DATADIR / "vtx" / "targets" / "bochs-3.0-tigerlake.yaml");
    touch(prefix / VTX_INSTALL_DATADIR / "vtx" / "profiles" / "demo.yaml");
    touch(prefix / VTX_INSTALL_DATADIR / "vtx" / "profile.schema.json");
    return prefix;
  }
  // A flat data directory: lib/vtx and share/vtx in one.
  fs::path make_data_dir(const std::string& name) {
    const fs::path d = root_ / name;
    touch(d / "vmm.elf");
    touch(d / "guest_images" / "demo.bin");
    touch(d / "targets" / "bochs-3.0-tigerlake.yaml");
    return d;
  }
  std::string s(const fs::path& p) const { return p.lexically_normal().string(); }

  fs::path root_;
};

TEST_F(DataPathsTest, InstalledTreeIsFoundFromTheExecutable) {
  const fs::path prefix = make_installed_tree("prefix");
  const DataPaths d = locate_data({s(prefix / VTX_INSTALL_BINDIR / "configgen"), "", ""});
  EXPECT_EQ(d.origin, Origin::InstalledTree) << d.describe_origin();
  EXPECT_EQ(d.root, s(prefix));
  EXPECT_EQ(d.path(DataItem::vmm), s(prefix / VTX_INSTALL_LIBDIR / "vtx" / "vmm.elf"));
  EXPECT_EQ(d.path(DataItem::guest_images), s(prefix / VTX_INSTALL_LIBDIR / "vtx" / "guest_images"));
  EXPECT_EQ(d.path(DataItem::targets), s(prefix / VTX_INSTALL_DATADIR / "vtx" / "targets"));
  EXPECT_EQ(d.path(DataItem::profiles), s(prefix / VTX_INSTALL_DATADIR / "vtx" / "profiles"));
  EXPECT_EQ(d.path(DataItem::schema), s(prefix / VTX_INSTALL_DATADIR / "vtx" / "profile.schema.json"));
  EXPECT_TRUE(d.found(DataItem::vmm));
  EXPECT_TRUE(d.found(DataItem::targets));
  EXPECT_TRUE(d.path(DataItem::bochs).empty()) << "an installed tree carries no Bochs";
  EXPECT_TRUE(configgen::commands::required_paths_found(d));
}

TEST_F(DataPathsTest, InstalledTreeMovesWithItsPrefix) {
  const fs::path first = make_installed_tree("first");
  fs::rename(first, root_ / "moved");
  const DataPaths d = locate_data({s(root_ / "moved" / VTX_INSTALL_BINDIR / "configgen"), "", ""});
  EXPECT_EQ(d.origin, Origin::InstalledTree);
  EXPECT_EQ(d.path(DataItem::vmm), s(root_ / "moved" / VTX_INSTALL_LIBDIR / "vtx" / "vmm.elf"));
  EXPECT_TRUE(d.found(DataItem::vmm));
}

TEST_F(DataPathsTest, BuildTreeIsFoundFromItsMarker) {
  const fs::path build = root_ / "build", source = root_ / "src";
  touch(build / "bin" / "configgen");
  touch(build / "bin" / "vmm.elf");
  touch(build / "bochs3" / "bin" / "bochs");
  fs::create_directories(build / "guest_images");
  fs::create_directories(source / "configgen" / "targets");
  std::ofstream(build / "bin" / configgen::install::kBuildTreeMarker) << "source_dir=" << s(source) << "\nbuild_dir=" << s(build) << "\n";
  const DataPaths d = locate_data({s(build / "bin" / "configgen"), "", ""});
  EXPECT_EQ(d.origin, Origin::BuildTree) << d.describe_origin();
  EXPECT_EQ(d.root, s(build));
  EXPECT_EQ(d.source_dir, s(source));
  EXPECT_EQ(d.path(DataItem::vmm), s(build / "bin" / "vmm.elf"));
  EXPECT_EQ(d.path(DataItem::guest_images), s(build / "guest_images"));
  EXPECT_EQ(d.path(DataItem::targets), s(source / "configgen" / "targets"));
  EXPECT_EQ(d.path(DataItem::schema), s(source / "docs" / "profile.schema.json"));
  EXPECT_EQ(d.path(DataItem::bochs), s(build / "bochs3" / "bin" / "bochs"));
  EXPECT_TRUE(d.found(DataItem::bochs));
  EXPECT_FALSE(d.found(DataItem::profiles));  // not made above
}

TEST_F(DataPathsTest, AMarkerWithoutItsKeysIsNotABuildTree) {
  const fs::path prefix = make_installed_tree("prefix");
  std::ofstream(prefix / VTX_INSTALL_BINDIR / configgen::install::kBuildTreeMarker) << "nonsense\n";
  const DataPaths d = locate_data({s(prefix / VTX_INSTALL_BINDIR / "configgen"), "", ""});
  EXPECT_EQ(d.origin, Origin::InstalledTree);
  ASSERT_FALSE(d.rejected.empty());
  EXPECT_NE(d.rejected.front().find("no source_dir="), std::string::npos) << d.rejected.front();
}

TEST_F(DataPathsTest, DataDirOptionWinsOverEnvironmentAndTree) {
  const fs::path prefix = make_installed_tree("prefix");
  const fs::path option = make_data_dir("option"), env = make_data_dir("env");
  const DataPaths d = locate_data({s(prefix / VTX_INSTALL_BINDIR / "configgen"), s(option), s(env)});
  EXPECT_EQ(d.origin, Origin::DataDirOption);
  EXPECT_EQ(d.path(DataItem::vmm), s(option / "vmm.elf"));
  EXPECT_EQ(d.path(DataItem::targets), s(option / "targets"));
  EXPECT_TRUE(d.found(DataItem::vmm));
  EXPECT_NE(d.describe_origin().find("--data-dir"), std::string::npos);
}

TEST_F(DataPathsTest, EnvironmentWinsOverTheTree) {
  const fs::path prefix = make_installed_tree("prefix");
  const fs::path env = make_data_dir("env");
  const DataPaths d = locate_data({s(prefix / VTX_INSTALL_BINDIR / "configgen"), "", s(env)});
  EXPECT_EQ(d.origin, Origin::DataDirEnvironment);
  EXPECT_EQ(d.path(DataItem::guest_images), s(env / "guest_images"));
  EXPECT_NE(d.describe_origin().find("$VTX_DATA_DIR"), std::string::npos);
}

TEST_F(DataPathsTest, AnOverrideIsNotMixedWithTheTree) {
  const fs::path prefix = make_installed_tree("prefix");
  const fs::path partial = root_ / "partial";
  touch(partial / "targets" / "x.yaml");
  const DataPaths d = locate_data({s(prefix / VTX_INSTALL_BINDIR / "configgen"), s(partial), ""});
  EXPECT_FALSE(d.found(DataItem::vmm)) << "the installed vmm.elf must not fill a gap in --data-dir";
  std::string error;
  EXPECT_TRUE(d.require(DataItem::vmm, error).empty());
  EXPECT_NE(error.find(s(partial / "vmm.elf")), std::string::npos) << error;
  EXPECT_FALSE(configgen::commands::required_paths_found(d));
}

TEST_F(DataPathsTest, MissingFileNamesWhereItLookedAndHowToOverride) {
  const fs::path prefix = make_installed_tree("prefix");
  fs::remove(prefix / VTX_INSTALL_LIBDIR / "vtx" / "vmm.elf");
  const DataPaths d = locate_data({s(prefix / VTX_INSTALL_BINDIR / "configgen"), "", ""});
  std::string error;
  EXPECT_TRUE(d.require(DataItem::vmm, error).empty());
  EXPECT_NE(error.find(s(prefix / VTX_INSTALL_LIBDIR / "vtx" / "vmm.elf")), std::string::npos) << error;
  EXPECT_NE(error.find("--data-dir DIR"), std::string::npos) << error;
  EXPECT_NE(error.find("VTX_DATA_DIR=DIR"), std::string::npos) << error;
  EXPECT_NE(error.find("--vmm FILE"), std::string::npos) << error;
  const std::string text = configgen::commands::paths_text(d, "/cache/vtx", "");
  EXPECT_NE(text.find("vmm.elf"), std::string::npos);
  EXPECT_NE(text.find("MISSING"), std::string::npos) << text;
  EXPECT_FALSE(configgen::commands::required_paths_found(d));
}

TEST_F(DataPathsTest, NoTreeAtAllNamesTheMarkerAndTheInstalledPlaces) {
  touch(root_ / "loose" / "bin" / "configgen");
  const DataPaths d = locate_data({s(root_ / "loose" / "bin" / "configgen"), "", ""});
  EXPECT_EQ(d.origin, Origin::NotFound);
  std::string error;
  EXPECT_TRUE(d.require(DataItem::targets, error).empty());
  EXPECT_NE(error.find(s(root_ / "loose" / "bin" / configgen::install::kBuildTreeMarker)), std::string::npos) << error;
  EXPECT_NE(error.find(s(root_ / "loose" / VTX_INSTALL_DATADIR / "vtx" / "targets")), std::string::npos) << error;
  EXPECT_NE(error.find("--target FILE.yaml"), std::string::npos) << error;
}

TEST_F(DataPathsTest, ADataDirThatIsNotADirectoryIsSaid) {
  touch(root_ / "file");
  const DataPaths d = locate_data({"/x/bin/configgen", s(root_ / "file"), ""});
  std::string error;
  d.require(DataItem::vmm, error);
  EXPECT_NE(error.find("not a directory"), std::string::npos) << error;
}

TEST(ScratchDirectory, FollowsBuildDirThenXdgThenHome) {
  using configgen::install::scratch_directory;
  std::string error;
  EXPECT_EQ(scratch_directory({"/b", "/xdg", "/home/u"}, error), "/b");
  EXPECT_EQ(scratch_directory({"", "/xdg", "/home/u"}, error), "/xdg/vtx");
  EXPECT_EQ(scratch_directory({"", "relative", "/home/u"}, error), "/home/u/.cache/vtx") << "a relative XDG_CACHE_HOME is ignored";
  EXPECT_EQ(scratch_directory({"", "", "/home/u"}, error), "/home/u/.cache/vtx");
  EXPECT_TRUE(error.empty());
  EXPECT_EQ(scratch_directory({"", "", ""}, error), "");
  EXPECT_NE(error.find("--build-dir"), std::string::npos) << error;
}

// host_tests runs from build/bin, beside the marker CMake writes.
TEST(DataPathsOfThisBuild, TheTestBinaryFindsItsBuildTree) {
  const DataPaths& d = configgen::install::data_paths();
  if (std::getenv(configgen::install::kDataDirEnvironment)) GTEST_SKIP() << "VTX_DATA_DIR is set";
  EXPECT_EQ(d.origin, Origin::BuildTree) << d.describe_origin();
  EXPECT_EQ(fs::path(d.root), fs::path(VTX_BINARY_DIR));
  EXPECT_EQ(fs::path(d.source_dir), fs::path(VTX_SOURCE_DIR));
  EXPECT_EQ(fs::path(d.path(DataItem::targets)), fs::path(VTX_SOURCE_DIR) / "configgen" / "targets");
  EXPECT_TRUE(d.found(DataItem::targets));
  EXPECT_EQ(fs::path(configgen::install::image_root()), fs::path(VTX_BINARY_DIR));
}

}  // namespace
