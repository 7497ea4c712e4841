// The emulator's own reason for stopping is found in its stderr, so a run
// that never reached the hypervisor says why.
#include <gtest/gtest.h>

#include "appliance/emulator.h"

namespace {
using configgen::appliance::emulator_complaint;

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
