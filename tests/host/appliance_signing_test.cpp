// Blob signatures: what configgen signs, the hypervisor's verifier accepts;
// one changed byte, another key, or a truncated signature is refused.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "appliance/signing.h"
#include "blob/signature.h"

namespace {
using namespace configgen::appliance;

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

TEST(Signing, MalformedKeyFilesAreRefused) {
  const auto path = (std::filesystem::temp_directory_path() / "sign-test-bad.key").string();
  std::ofstream(path) << "# not a key\n1234\n";
  std::string error;
  EXPECT_FALSE(load_signing_key(path, error));
  EXPECT_NE(error.find("not a P-256 private key"), std::string::npos);
}
}  // namespace
