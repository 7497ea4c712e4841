// The emulator's own reason for stopping is found in its stderr, so a run
// that never reached the hypervisor says why.
#include <gtest/gtest.h>

#include "appliance/bochs_finder.h"
#include "appliance/emulator.h"

namespace {
using appliance::emulator_complaint;

TEST(EmulatorComplaint, BochsExitMessage) {
  const char* err =
      "Bochs connected to screen \"/dev/pts/0\"\n"
      "========================================================================\n"
      "Bochs is exiting with the following message:\n"
      "[BIOS  ] No bootable device.\n"
      "========================================================================\n";
  EXPECT_EQ(emulator_complaint(err), "[BIOS  ] No bootable device.");
}

TEST(EmulatorComplaint, QemuErrorLine) {
  EXPECT_EQ(emulator_complaint("qemu-system-x86_64: -kernel x.elf: Cannot load x86-64 image, give a 32bit one.\n"),
            "qemu-system-x86_64: -kernel x.elf: Cannot load x86-64 image, give a 32bit one.");
}

TEST(EmulatorComplaint, NothingToSay) {
  EXPECT_EQ(emulator_complaint("Bochs connected to screen \"/dev/pts/3\"\n"), "");
  EXPECT_EQ(emulator_complaint(""), "");
}
}  // namespace

// Which Bochs a run used is printed in its verdict; the version comes from the banner.
TEST(BochsFinder, VersionFromBanner) {
  using appliance::bochs_version_from_banner;
  EXPECT_EQ(bochs_version_from_banner("========\n                        Bochs x86 Emulator 2.7\n              Built from SVN"), "2.7");
  EXPECT_EQ(bochs_version_from_banner("  Bochs x86 Emulator 3.0.devel\n"), "3.0");
  EXPECT_EQ(bochs_version_from_banner("QEMU emulator version 7.2.0"), "");
}

TEST(BochsFinder, RequestedPathThatIsNotExecutableIsAnError) {
  const auto b = appliance::find_bochs("/nonexistent/bochs");
  EXPECT_NE(b.error.find("no Bochs found at /nonexistent/bochs"), std::string::npos) << b.error;
}
