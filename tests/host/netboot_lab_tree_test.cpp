// The lab's netboot tree and its generated dnsmasq configuration
// (netboot/lab.cpp): BIOS and UEFI clients are told apart by client
// architecture, and every boot file the configuration names, in normal and
// in proxy-DHCP mode, is a file the tree holds under the name dnsmasq asks for.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "appliance/process.h"
#include "appliance/signing.h"
#include "blob/signature.h"
#include "netboot/lab.h"

namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> lines_starting(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
  return out;
}

class LabTree : public ::testing::Test {
 protected:
  // A two-machine lab built into a fresh directory; proxy chooses the DHCP mode.
  // With a key, the real hypervisor: its trusted-key slot is filled.
  std::string build(bool proxy, const std::string& tftp_root = {}, const std::string& address = {},
                    const appliance::SigningKey* key = nullptr) {
    // One directory per test: CTest runs the tests of this file in parallel.
    dir_ = root() / (key ? "signed" : proxy ? "proxy" : "dhcp");
    fs::remove_all(dir_);
    fs::create_directories(dir_.parent_path());
    fs::path vmm = fs::path(VTX_BINARY_DIR) / "bin" / "vmm.elf";
    if (!key) {
      vmm = dir_.parent_path() / "vmm.elf";
      std::ofstream(vmm) << "not a real hypervisor: the tree only copies it";
    }
    netboot::Lab lab;
    lab.name = "tree-test";
    lab.proxy_dhcp = proxy;
    lab.cmdline = "exit=qemu";
    lab.default_profile = std::string(VTX_SOURCE_DIR) + "/profiles/demo.yaml";
    lab.machines = {{"bios-box", "52:54:00:AA:00:01", std::string(VTX_SOURCE_DIR) + "/profiles/demo.yaml", ""},
                    {"uefi-box", "52:54:00:aa:00:02", std::string(VTX_SOURCE_DIR) + "/profiles/demo.yaml", address}};
    return netboot::build_lab_tree(lab, vmm.string(), dir_.string(), tftp_root, key);
  }
  static fs::path root() {
    return fs::path(VTX_BINARY_DIR) / "tests" / "host-lab-tree" / ::testing::UnitTest::GetInstance()->current_test_info()->name();
  }
  std::string conf() const { return slurp(dir_ / "dnsmasq.conf"); }
  bool holds(const std::string& file) const { return fs::is_regular_file(dir_ / file); }
  fs::path dir_;
};

TEST_F(LabTree, DnsmasqTellsBiosAndUefiClientsApartByClientArchitecture) {
  ASSERT_EQ(build(false), "");
  const std::string c = conf();
  // RFC 4578 option 93: 7 and 9 are what x86-64 UEFI firmware sends.
  EXPECT_NE(c.find("dhcp-match=set:efi64,option:client-arch,7\n"), std::string::npos) << c;
  EXPECT_NE(c.find("dhcp-match=set:efi64,option:client-arch,9\n"), std::string::npos) << c;
  EXPECT_NE(c.find("dhcp-boot=tag:!ipxe,tag:!efi64,undionly.kpxe\n"), std::string::npos) << c;
  EXPECT_NE(c.find("dhcp-boot=tag:!ipxe,tag:efi64,snponly.efi\n"), std::string::npos) << c;
  EXPECT_NE(c.find("dhcp-boot=tag:ipxe,boot.ipxe\n"), std::string::npos) << c;
  // Every dhcp-boot file is in the tree.
  const auto boots = lines_starting(c, "dhcp-boot=");
  ASSERT_EQ(boots.size(), 3u);
  for (const auto& line : boots) {
    const std::string file = line.substr(line.rfind(',') + 1);
    EXPECT_TRUE(holds(file)) << line;
  }
  EXPECT_TRUE(lines_starting(c, "pxe-service=").empty()) << "pxe-service belongs to proxy mode";
}

TEST_F(LabTree, ProxyModeServicesNameFilesTheTreeHolds) {
  ASSERT_EQ(build(true), "");
  const std::string c = conf();
  EXPECT_NE(c.find("dhcp-range=10.77.0.1,proxy\n"), std::string::npos) << c;
  const auto services = lines_starting(c, "pxe-service=");
  ASSERT_EQ(services.size(), 6u) << c;
  static const std::regex service(R"(^pxe-service=tag:(!?ipxe),([A-Za-z0-9_-]+),"[^"]*",([^,]+)$)");
  std::vector<std::string> csas;
  for (const auto& line : services) {
    std::smatch m;
    ASSERT_TRUE(std::regex_match(line, m, service)) << line;
    csas.push_back(m[1].str() + " " + m[2].str());
    // dnsmasq (2.76+) appends the layer suffix ".0" to a basename without a
    // suffix and uses a basename with one as it is.
    const std::string basename = m[3];
    const std::string file = basename.find('.') == std::string::npos ? basename + ".0" : basename;
    EXPECT_TRUE(holds(file)) << line << " asks for " << file;
    // iPXE, asking again with its user class, is sent to the lab's script;
    // a firmware PXE client to iPXE.
    if (m[1] == "ipxe") EXPECT_EQ(basename, "boot.ipxe") << line;
    else EXPECT_NE(basename, "boot.ipxe") << line;
  }
  EXPECT_EQ(csas, (std::vector<std::string>{"!ipxe x86PC", "ipxe x86PC", "!ipxe X86-64_EFI", "ipxe X86-64_EFI", "!ipxe BC_EFI",
                                            "ipxe BC_EFI"}));
  // dhcp-boot is for a DHCP server; in proxy mode the services say it.
  EXPECT_TRUE(lines_starting(c, "dhcp-boot=").empty()) << c;
}

TEST_F(LabTree, UefiClientsReachGrubAndEachMachinesOwnMultiboot2Script) {
  ASSERT_EQ(build(false), "");
  const std::string boot = slurp(dir_ / "boot.ipxe");
  EXPECT_NE(boot.find("iseq ${platform} efi && goto uefi"), std::string::npos) << boot;
  EXPECT_NE(boot.find("chain grub/x86_64-efi/core.efi"), std::string::npos) << boot;
  EXPECT_TRUE(holds("grub/x86_64-efi/core.efi"));
  EXPECT_TRUE(holds("grub/x86_64-efi/multiboot2.mod"));
  const std::string grub = slurp(dir_ / "grub" / "grub.cfg");
  EXPECT_NE(grub.find("source /grub/$net_default_mac.cfg"), std::string::npos) << grub;
  // GRUB spells $net_default_mac in lower case with colons, whatever the manifest wrote.
  const std::string machine = slurp(dir_ / "grub" / "52:54:00:aa:00:01.cfg");
  EXPECT_NE(machine.find("multiboot2 /vmm.elf exit=qemu blob=bios-box.blob\n"), std::string::npos) << machine;
  EXPECT_NE(machine.find("module2 /bios-box.blob bios-box.blob\n"), std::string::npos) << machine;
  EXPECT_TRUE(holds("grub/52:54:00:aa:00:02.cfg"));
  EXPECT_TRUE(holds("grub/default.cfg"));
  EXPECT_TRUE(holds("bios-box.blob"));
  // The BIOS path is unchanged: iPXE's own script by hexhyp MAC.
  EXPECT_NE(slurp(dir_ / "52-54-00-aa-00-01.ipxe").find("kernel vmm.elf exit=qemu blob=bios-box.blob"), std::string::npos);
}

TEST_F(LabTree, TheTreeNamesNoPathOutsideItselfAndServesFromTheGivenRoot) {
  ASSERT_EQ(build(false, "/srv/tftp/vtx-lab", "10.77.0.21"), "");
  const std::string c = conf();
  EXPECT_NE(c.find("\ntftp-root=/srv/tftp/vtx-lab\n"), std::string::npos) << c;
  // Only the machine given an address gets a dhcp-host line.
  EXPECT_EQ(lines_starting(c, "dhcp-host="), (std::vector<std::string>{"dhcp-host=52:54:00:aa:00:02,10.77.0.21,uefi-box"})) << c;
  // No text file in the tree names the directory it was built in or the
  // source tree, so it can be copied to the server.
  for (const auto& e : fs::recursive_directory_iterator(dir_)) {
    if (!e.is_regular_file() || e.file_size() > 65536) continue;
    const std::string text = slurp(e.path());
    EXPECT_EQ(text.find(dir_.string()), std::string::npos) << e.path();
    EXPECT_EQ(text.find(VTX_SOURCE_DIR), std::string::npos) << e.path();
  }
  // Without --tftp-root, dnsmasq serves the directory the tree was built in.
  ASSERT_EQ(build(false), "");
  EXPECT_NE(conf().find("\ntftp-root=" + fs::absolute(dir_).lexically_normal().string() + "\n"), std::string::npos) << conf();
}

// image --lab --sign-key (docs/netboot.md, "Integrity and authenticity"):
// the tree's hypervisor trusts the key, and every script, iPXE and GRUB,
// loads its machine's signature as the module the hypervisor looks for.
TEST_F(LabTree, SignedTreeTrustsTheKeyAndEveryScriptLoadsItsBlobsSignature) {
  const fs::path key_path = root() / "lab.key";
  fs::create_directories(key_path.parent_path());
  ASSERT_EQ(appliance::generate_signing_key(key_path.string()), "");
  std::string error;
  const auto key = appliance::load_signing_key(key_path.string(), error);
  ASSERT_TRUE(key) << error;
  ASSERT_EQ(build(false, {}, {}, &*key), "");
  const std::string vmm = slurp(dir_ / "vmm.elf");
  const size_t at = vmm.find(std::string(blob::kKeySlotMarker));
  ASSERT_NE(at, std::string::npos);
  blob::TrustedKeySlot slot;
  std::memcpy(&slot, vmm.data() + at, sizeof slot);
  EXPECT_EQ(slot.present, 1);
  EXPECT_EQ(std::memcmp(slot.public_key, key->public_key.data(), blob::kPublicKeySize), 0);
  for (const std::string name : {"bios-box", "uefi-box", "default"}) {
    const std::string blob = slurp(dir_ / (name + ".blob")), sig = slurp(dir_ / (name + ".sig"));
    ASSERT_EQ(sig.size(), blob::kSignatureSize) << name;
    EXPECT_TRUE(blob::verify_blob_signature(reinterpret_cast<const uint8_t*>(blob.data()), blob.size(),
                                            reinterpret_cast<const uint8_t*>(sig.data()), key->public_key.data()))
        << name;
  }
  EXPECT_NE(slurp(dir_ / "52-54-00-aa-00-01.ipxe").find("module bios-box.blob bios-box.blob\nmodule bios-box.sig profile.sig\nboot\n"),
            std::string::npos);
  EXPECT_NE(slurp(dir_ / "default.ipxe").find("module default.sig profile.sig\n"), std::string::npos);
  EXPECT_NE(slurp(dir_ / "grub" / "52:54:00:aa:00:02.cfg").find("module2 /uefi-box.sig profile.sig\n"), std::string::npos);
  EXPECT_NE(slurp(dir_ / "grub" / "default.cfg").find("module2 /default.sig profile.sig\n"), std::string::npos);
}

// Without a key the scripts load no signature (the hypervisor relies on the CRC).
TEST_F(LabTree, UnsignedTreeLoadsNoSignature) {
  ASSERT_EQ(build(false), "");
  EXPECT_FALSE(holds("bios-box.sig"));
  EXPECT_EQ(slurp(dir_ / "52-54-00-aa-00-01.ipxe").find(".sig"), std::string::npos);
  EXPECT_EQ(slurp(dir_ / "grub" / "52:54:00:aa:00:01.cfg").find(".sig"), std::string::npos);
}

TEST_F(LabTree, DnsmasqAcceptsTheGeneratedConfiguration) {
  if (appliance::run_process({"sh", "-c", "command -v dnsmasq"}, 10).exit_status != 0) GTEST_SKIP() << "no dnsmasq here";
  for (bool proxy : {false, true}) {
    ASSERT_EQ(build(proxy, {}, proxy ? "" : "10.77.0.21"), "");
    const auto r = appliance::run_process({"dnsmasq", "--test", "--conf-file=" + (dir_ / "dnsmasq.conf").string()}, 10);
    EXPECT_EQ(r.exit_status, 0) << (proxy ? "proxy: " : "dhcp: ") << r.output;
  }
}

}  // namespace
