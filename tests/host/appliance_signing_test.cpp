// Blob signatures: what configgen signs, the hypervisor's verifier accepts;
// one changed byte, another key, or a truncated signature is refused.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <unistd.h>

#include "appliance/signing.h"
#include "blob/signature.h"

namespace {
using namespace appliance;

SigningKey fresh_key(const char* name) {
  const auto path = (std::filesystem::temp_directory_path() / name).string();
  EXPECT_EQ(generate_signing_key(path), "");
  std::string error;
  auto key = load_signing_key(path, error);
  EXPECT_TRUE(key) << error;
  return *key;
}

TEST(Signing, SignedBlobVerifiesAndTamperingIsCaught) {
  const SigningKey key = fresh_key("sign-test-a.key");
  std::vector<uint8_t> blob(1600);
  for (size_t i = 0; i < blob.size(); ++i) blob[i] = uint8_t(i * 7);
  const auto sig = sign_blob(key, blob);
  ASSERT_EQ(sig.size(), blob::kSignatureSize);
  EXPECT_TRUE(blob::verify_blob_signature(blob.data(), blob.size(), sig.data(), key.public_key.data()));
  auto tampered = blob;
  tampered[900] ^= 1;
  EXPECT_FALSE(blob::verify_blob_signature(tampered.data(), tampered.size(), sig.data(), key.public_key.data()));
  const SigningKey other = fresh_key("sign-test-b.key");
  EXPECT_FALSE(blob::verify_blob_signature(blob.data(), blob.size(), sig.data(), other.public_key.data()));
  auto bad_sig = sig;
  bad_sig[10] ^= 0x80;
  EXPECT_FALSE(blob::verify_blob_signature(blob.data(), blob.size(), bad_sig.data(), key.public_key.data()));
}

TEST(Signing, KeyedHypervisorCopyCarriesThePublicKey) {
  const SigningKey key = fresh_key("sign-test-c.key");
  const auto out = (std::filesystem::temp_directory_path() / "vmm-keyed-test.elf").string();
  ASSERT_EQ(write_keyed_vmm(VTX_BINARY_DIR "/bin/vmm.elf", out, key), "");
  std::ifstream in(out, std::ios::binary);
  const std::string image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t at = image.find(std::string(blob::kKeySlotMarker));
  ASSERT_NE(at, std::string::npos);
  blob::TrustedKeySlot slot;
  std::memcpy(&slot, image.data() + at, sizeof slot);
  EXPECT_EQ(slot.present, 1);
  EXPECT_EQ(std::memcmp(slot.public_key, key.public_key.data(), blob::kPublicKeySize), 0);
}

TEST(Signing, SignImageWritesTheSignatureAndTheKeyedHypervisor) {
  namespace fs = std::filesystem;
  const fs::path work = fs::temp_directory_path() / ("sign-image-" + std::to_string(::getpid()));
  fs::create_directories(work);
  const std::string key_path = (work / "k.key").string();
  ASSERT_EQ(generate_signing_key(key_path), "");
  std::string error;
  const auto key = load_signing_key(key_path, error);
  ASSERT_TRUE(key) << error;
  const std::vector<uint8_t> blob(512, 0x5a);
  ImageInputs img{VTX_BINARY_DIR "/bin/vmm.elf", "", "", "", ""};
  ASSERT_EQ(sign_image(key_path, blob, work.string(), img), "");
  EXPECT_EQ(img.signature, (work / "profile.sig").string());
  EXPECT_EQ(img.vmm, (work / "vmm-keyed.elf").string());
  std::ifstream in(img.signature, std::ios::binary);
  const std::vector<uint8_t> sig((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(sig.size(), blob::kSignatureSize);
  EXPECT_TRUE(blob::verify_blob_signature(blob.data(), blob.size(), sig.data(), key->public_key.data()));
  // A work directory that cannot be written is reported, naming the file.
  ImageInputs unwritable{VTX_BINARY_DIR "/bin/vmm.elf", "", "", "", ""};
  const std::string not_a_dir = key_path;  // a file: nothing can be created under it
  const std::string err = sign_image(key_path, blob, not_a_dir, unwritable);
  EXPECT_NE(err.find("cannot write " + not_a_dir + "/profile.sig"), std::string::npos) << err;
  EXPECT_TRUE(unwritable.signature.empty());
  fs::remove_all(work);
}

TEST(Signing, MalformedKeyFilesAreRefused) {
  const auto path = (std::filesystem::temp_directory_path() / "sign-test-bad.key").string();
  std::ofstream(path) << "# not a key\n1234\n";
  std::string error;
  EXPECT_FALSE(load_signing_key(path, error));
  EXPECT_NE(error.find("not a P-256 private key"), std::string::npos);
}
}  // namespace
