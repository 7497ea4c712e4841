// Base64 (RFC 4648, with '=' padding): how the run trace's binary records
// cross the serial line as text (blob/trace_format.h). Header-only and
// freestanding, so the host tests run the hypervisor's own encoder.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace lib {

inline constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr size_t base64_length(size_t bytes) { return (bytes + 2) / 3 * 4; }

// Writes base64_length(n) characters and a NUL to out, which must hold
// base64_length(n) + 1; returns the characters written.
inline size_t base64_encode(const uint8_t* in, size_t n, char* out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i += 3) {
    const uint32_t b0 = in[i], b1 = i + 1 < n ? in[i + 1] : 0, b2 = i + 2 < n ? in[i + 2] : 0;
    const uint32_t triple = b0 << 16 | b1 << 8 | b2;
    out[o++] = kBase64Alphabet[triple >> 18 & 63];
    out[o++] = kBase64Alphabet[triple >> 12 & 63];
    out[o++] = i + 1 < n ? kBase64Alphabet[triple >> 6 & 63] : '=';
    out[o++] = i + 2 < n ? kBase64Alphabet[triple & 63] : '=';
  }
  out[o] = 0;
  return o;
}

}  // namespace lib
