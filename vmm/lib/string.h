// The few C library routines the freestanding hypervisor needs (gcc may also
// emit calls to memcpy/memset on its own).
#pragma once
#include <stddef.h>
#include <stdint.h>

extern "C" {
void* memcpy(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
void* memmove(void* dst, const void* src, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
}

namespace lib {
bool str_equal(const char* a, const char* b);
bool starts_with(const char* s, const char* prefix);
}  // namespace lib
