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

namespace {
using appliance::choose_qemu_accel;
using appliance::HostVirtualization;

// QEMU uses KVM (and so the host's real VMX) only where it can; the choice
// is said in one line, and asking for KVM where it is impossible is an error.
TEST(QemuAccel, KvmOnlyWithDevKvmAndHostVmx) {
  const HostVirtualization both{true, true}, no_kvm{false, true}, no_vmx{true, false};
  EXPECT_TRUE(choose_qemu_accel("auto", both).kvm);
  EXPECT_NE(choose_qemu_accel("auto", both).why.find("KVM"), std::string::npos);
  EXPECT_FALSE(choose_qemu_accel("auto", no_kvm).kvm);
  EXPECT_NE(choose_qemu_accel("auto", no_kvm).why.find("no usable /dev/kvm"), std::string::npos);
  EXPECT_FALSE(choose_qemu_accel("auto", no_vmx).kvm);
  EXPECT_NE(choose_qemu_accel("auto", no_vmx).why.find("no VMX"), std::string::npos);
  EXPECT_FALSE(choose_qemu_accel("tcg", both).kvm);
  EXPECT_TRUE(choose_qemu_accel("kvm", both).kvm);
  EXPECT_NE(choose_qemu_accel("kvm", no_kvm).error.find("--qemu-accel kvm"), std::string::npos);
  EXPECT_FALSE(choose_qemu_accel("hvf", both).error.empty());
}
}  // namespace
