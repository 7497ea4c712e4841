// The debug-record ring (book 1.6.3): any CPU appends a short record (tag
// and four values) without taking the console lock; the ring is dumped on
// request (cmdline `ring`, or the guest's VMCALL 3) and on a fatal error.
// Fixed size: the oldest records are overwritten.
#pragma once
#include <stdint.h>

namespace console {
inline constexpr uint32_t kDebugRingSize = 256;

struct DebugRecord {
  uint64_t sequence;  // 0 = empty slot
  uint64_t tsc;
  uint32_t cpu;
  const char* tag;  // static text
  uint64_t values[4];
};

void debug_record(const char* tag, uint64_t a = 0, uint64_t b = 0, uint64_t c = 0, uint64_t d = 0);
void debug_ring_dump(const char* why);
}  // namespace console
