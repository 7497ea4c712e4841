#include "lib/string.h"

extern "C" {
void* memcpy(void* dst, const void* src, size_t n) {
  void* d = dst;  // REP MOVSB advances RDI; memcpy returns the original destination
  asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  return dst;
}
void* memset(void* dst, int c, size_t n) {
  void* d = dst;
  asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return dst;
}
void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<uint8_t*>(dst);
  const auto* s = static_cast<const uint8_t*>(src);
  if (d < s) return memcpy(dst, src, n);
  while (n--) d[n] = s[n];
  return dst;
}
int memcmp(const void* a, const void* b, size_t n) {
  const auto* x = static_cast<const uint8_t*>(a);
  const auto* y = static_cast<const uint8_t*>(b);
  for (size_t i = 0; i < n; ++i)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}
// Fortified variants the packaged BearSSL objects call (their buffers are
// ours and sized; the checks are the callers' promise).
void* __memcpy_chk(void* dst, const void* src, size_t n, size_t) { return memcpy(dst, src, n); }
void* __memmove_chk(void* dst, const void* src, size_t n, size_t) { return memmove(dst, src, n); }
void* __memset_chk(void* dst, int c, size_t n, size_t) { return memset(dst, c, n); }
[[noreturn]] void __stack_chk_fail() {
  for (;;) asm volatile("cli; hlt");
}
size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) ++n;
  return n;
}
}

namespace lib {
bool str_equal(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}
bool starts_with(const char* s, const char* prefix) {
  while (*prefix)
    if (*s++ != *prefix++) return false;
  return true;
}
}  // namespace lib
