#include "lib/string.h"

extern "C" {
// Eight bytes per iteration where it can (guest images are copied at boot;
// see memset below).
void* memcpy(void* dst, const void* src, size_t n) {
  void* d = dst;  // REP MOVS advances RDI; memcpy returns the original destination
  size_t words = n / 8;
  n &= 7;
  asm volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(words) : : "memory");
  asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  return dst;
}
// Eight bytes per iteration for the aligned middle: zeroing guest RAM at
// boot is most of the hypervisor's start-up cost, and an emulator such as
// Bochs counts every iteration of a REP string instruction as one
// instruction (docs/benchmarks.md "Boot cost").
void* memset(void* dst, int c, size_t n) {
  void* d = dst;
  if (n >= 16) {
    size_t head = (8 - (reinterpret_cast<uintptr_t>(d) & 7)) & 7;
    asm volatile("rep stosb" : "+D"(d), "+c"(head) : "a"(c) : "memory");
    n -= head;
    size_t words = n / 8;
    const uint64_t pattern = uint64_t(uint8_t(c)) * 0x0101010101010101ull;
    asm volatile("rep stosq" : "+D"(d), "+c"(words) : "a"(pattern) : "memory");
    n &= 7;
  }
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
