// Signed blobs (docs/netboot.md, "Integrity"): ECDSA P-256 over SHA-256 of
// the whole blob, checked by the hypervisor before any guest starts, with
// BearSSL (a vetted implementation; no home-made cryptography). The trusted
// public key lives in the hypervisor image itself, in a slot that
// `configgen image/run --sign-key` fills in the copy of vmm.elf it deploys;
// the signature travels as a second multiboot module.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace blob {

inline constexpr char kKeySlotMarker[16] = {'V', 'T', 'X', '-', 'T', 'R', 'U', 'S', 'T', 'E', 'D', '-', 'K', 'E', 'Y', 0};
inline constexpr size_t kPublicKeySize = 65;  // uncompressed P-256 point: 04 || X || Y
inline constexpr size_t kSignatureSize = 64;  // raw r || s
inline constexpr const char* kSignatureModule = "profile.sig";

struct TrustedKeySlot {
  char marker[16];
  uint8_t present;  // 1 when a key was written: every blob must then carry a valid signature
  uint8_t reserved[15];
  uint8_t public_key[kPublicKeySize];
  uint8_t padding[15];
};
static_assert(sizeof(TrustedKeySlot) == 112);

// True when `signature` is a valid ECDSA P-256/SHA-256 signature of blob[0..size).
bool verify_blob_signature(const uint8_t* blob, size_t size, const uint8_t* signature, const uint8_t* public_key);

}  // namespace blob
