// Signing blobs for hypervisor images that carry a trusted key
// (vmm/blob/signature.h), with BearSSL: key generation, signatures, and
// writing the public key into a copy of vmm.elf.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "appliance/image.h"

namespace appliance {

struct SigningKey {
  std::vector<uint8_t> private_scalar;  // 32 bytes
  std::vector<uint8_t> public_key;      // 65 bytes, uncompressed point
};

// Writes a new P-256 key (hex, one line) to `path`; empty on success.
std::string generate_signing_key(const std::string& path);
std::optional<SigningKey> load_signing_key(const std::string& path, std::string& error);
std::vector<uint8_t> sign_blob(const SigningKey& key, const std::vector<uint8_t>& blob);
// Copies `vmm` to `out` with the trusted-key slot filled; empty on success.
std::string write_keyed_vmm(const std::string& vmm, const std::string& out, const SigningKey& key);

// The one signing sequence, for `run` and `image` alike: signs `blob` with
// the key in `key_path`, writes WORK/profile.sig and WORK/vmm-keyed.elf (a
// copy of img.vmm that trusts the key) and points `img` at both. Empty on
// success.
std::string sign_image(const std::string& key_path, const std::vector<uint8_t>& blob, const std::string& work_dir,
                       ImageInputs& img);

}  // namespace appliance
