#include "blob/signature.h"

#include <bearssl.h>

namespace blob {

bool verify_blob_signature(const uint8_t* blob, size_t size, const uint8_t* signature, const uint8_t* public_key) {
  br_sha256_context sha;
  br_sha256_init(&sha);
  br_sha256_update(&sha, blob, size);
  uint8_t hash[32];
  br_sha256_out(&sha, hash);
  br_ec_public_key pk;
  pk.curve = BR_EC_secp256r1;
  pk.q = const_cast<uint8_t*>(public_key);
  pk.qlen = kPublicKeySize;
  return br_ecdsa_i31_vrfy_raw(&br_ec_p256_m31, hash, sizeof hash, &pk, signature, kSignatureSize) == 1;
}

}  // namespace blob
