#include "console/debug_ring.h"

#include "arch/cpu.h"
#include "console/log.h"

namespace console {
namespace {
DebugRecord g_ring[kDebugRingSize];
uint64_t g_next = 0;  // sequence of the next record, claimed atomically
}  // namespace

void debug_record(const char* tag, uint64_t a, uint64_t b, uint64_t c, uint64_t d) {
  const uint64_t seq = __atomic_add_fetch(&g_next, 1, __ATOMIC_RELAXED);
  DebugRecord& r = g_ring[seq % kDebugRingSize];
  r.sequence = 0;  // invalid while being written
  __atomic_thread_fence(__ATOMIC_RELEASE);
  r.tsc = arch::rdtsc();
  r.cpu = speaking_cpu();
  r.tag = tag;
  r.values[0] = a, r.values[1] = b, r.values[2] = c, r.values[3] = d;
  __atomic_store_n(&r.sequence, seq, __ATOMIC_RELEASE);
}

void debug_ring_dump(const char* why) {
  const uint64_t last = __atomic_load_n(&g_next, __ATOMIC_ACQUIRE);
  const uint64_t first = last > kDebugRingSize ? last - kDebugRingSize + 1 : 1;
  LOG("vmm: debug ring dump (%s): records %lu..%lu", why, first, last);
  for (uint64_t s = first; s <= last; ++s) {
    const DebugRecord& r = g_ring[s % kDebugRingSize];
    if (__atomic_load_n(&r.sequence, __ATOMIC_ACQUIRE) != s) continue;
    LOG("vmm: ring #%lu cpu%u tsc=%lu %s: 0x%lx 0x%lx 0x%lx 0x%lx", s, r.cpu, r.tsc, r.tag, r.values[0], r.values[1],
        r.values[2], r.values[3]);
  }
  LOG("vmm: debug ring dump end");
}
}  // namespace console
