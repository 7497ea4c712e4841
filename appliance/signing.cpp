#include "appliance/signing.h"

#include <bearssl.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "appliance/files.h"
#include "blob/signature.h"

namespace appliance {
namespace {
std::string to_hex(const std::vector<uint8_t>& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (uint8_t x : b) s += d[x >> 4], s += d[x & 15];
  return s;
}

bool public_from_private(SigningKey& k) {
  br_ec_private_key sk{BR_EC_secp256r1, k.private_scalar.data(), k.private_scalar.size()};
  k.public_key.assign(BR_EC_KBUF_PUB_MAX_SIZE, 0);
  const size_t n = br_ec_compute_pub(&br_ec_p256_m31, nullptr, k.public_key.data(), &sk);
  k.public_key.resize(n);
  return n == blob::kPublicKeySize;
}
}  // namespace

std::string generate_signing_key(const std::string& path) {
  br_hmac_drbg_context rng;
  br_hmac_drbg_init(&rng, &br_sha256_vtable, nullptr, 0);
  br_prng_seeder seeder = br_prng_seeder_system(nullptr);
  if (!seeder || !seeder(&rng.vtable)) return "no system random source to seed the key generator";
  uint8_t kbuf[BR_EC_KBUF_PRIV_MAX_SIZE];
  br_ec_private_key sk;
  if (!br_ec_keygen(&rng.vtable, &br_ec_p256_m31, &sk, kbuf, BR_EC_secp256r1)) return "key generation failed";
  std::ostringstream out;
  out << "# vtx-appliance blob signing key: ECDSA P-256 private scalar (keep it secret)\n"
      << to_hex(std::vector<uint8_t>(sk.x, sk.x + sk.xlen)) << "\n";
  return write_file(path, out.str());
}

std::optional<SigningKey> load_signing_key(const std::string& path, std::string& error) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read signing key " + path;
    return std::nullopt;
  }
  std::string line, hex;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') hex += line;
  SigningKey k;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) k.private_scalar.push_back(uint8_t(std::stoi(hex.substr(i, 2), nullptr, 16)));
  if (k.private_scalar.size() != 32 || !public_from_private(k)) {
    error = path + " is not a P-256 private key (64 hex digits)";
    return std::nullopt;
  }
  return k;
}

std::vector<uint8_t> sign_blob(const SigningKey& key, const std::vector<uint8_t>& blob) {
  br_sha256_context sha;
  br_sha256_init(&sha);
  br_sha256_update(&sha, blob.data(), blob.size());
  uint8_t hash[32];
  br_sha256_out(&sha, hash);
  br_ec_private_key sk{BR_EC_secp256r1, const_cast<uint8_t*>(key.private_scalar.data()), key.private_scalar.size()};
  std::vector<uint8_t> sig(blob::kSignatureSize);
  // BearSSL's ECDSA derives its nonce deterministically (RFC 6979).
  const size_t n = br_ecdsa_i31_sign_raw(&br_ec_p256_m31, &br_sha256_vtable, hash, &sk, sig.data());
  sig.resize(n == blob::kSignatureSize ? n : 0);
  return sig;
}

std::string write_keyed_vmm(const std::string& vmm, const std::string& out, const SigningKey& key) {
  std::ifstream in(vmm, std::ios::binary);
  if (!in) return "cannot read " + vmm;
  std::vector<uint8_t> image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto* marker = reinterpret_cast<const uint8_t*>(blob::kKeySlotMarker);
  size_t at = std::string::npos;
  for (size_t i = 0; i + sizeof(blob::TrustedKeySlot) <= image.size(); ++i)
    if (std::memcmp(image.data() + i, marker, sizeof blob::kKeySlotMarker) == 0) {
      at = i;
      break;
    }
  if (at == std::string::npos) return vmm + " has no trusted-key slot (an older hypervisor?)";
  blob::TrustedKeySlot slot{};
  std::memcpy(slot.marker, blob::kKeySlotMarker, sizeof slot.marker);
  slot.present = 1;
  std::memcpy(slot.public_key, key.public_key.data(), blob::kPublicKeySize);
  std::memcpy(image.data() + at, &slot, sizeof slot);
  return write_file(out, image);
}

std::string sign_image(const std::string& key_path, const std::vector<uint8_t>& blob, const std::string& work_dir,
                       ImageInputs& img) {
  std::string error;
  const auto key = load_signing_key(key_path, error);
  if (!key) return error;
  const std::string signature = work_dir + "/profile.sig";
  if (auto err = write_file(signature, sign_blob(*key, blob)); !err.empty()) return err;
  const std::string keyed = work_dir + "/vmm-keyed.elf";
  if (auto err = write_keyed_vmm(img.vmm, keyed, *key); !err.empty()) return err;
  img.signature = signature;
  img.vmm = keyed;
  return {};
}

}  // namespace appliance
