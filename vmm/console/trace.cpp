#include "console/trace.h"

#include "arch/cpu.h"
#include "blob/crc32c.h"
#include "console/log.h"
#include "lib/base64.h"

namespace console {
namespace detail {
bool g_trace_enabled = false;
}
namespace {
using detail::g_trace_enabled;
// One CPU's ring: only that CPU writes it, and only once every CPU is done
// is it read, so it needs no lock and no atomics.
struct Ring {
  trace::Record* records;
  uint64_t written;  // records ever appended; the ring holds the last `capacity`
  uint64_t offset;   // added to RDTSC (modulo 2^64): trace_clock_continue
  uint64_t resets;   // times trace_clock_continue moved the offset
};
Ring g_rings[kMaxTraceCpus];
uint32_t g_cpus = 0, g_capacity = 0;
}  // namespace

void trace_init(trace::Record* storage, uint32_t cpus, uint32_t records_per_cpu) {
  if (!storage || !records_per_cpu) return;
  g_cpus = cpus < kMaxTraceCpus ? cpus : kMaxTraceCpus;
  g_capacity = records_per_cpu;
  for (uint32_t c = 0; c < g_cpus; ++c) g_rings[c] = {storage + uint64_t(c) * records_per_cpu, 0, 0, 0};
  g_trace_enabled = true;
}

void trace_record(trace::Kind kind, uint8_t code, uint16_t guest, uint32_t value, uint64_t tsc) {
  if (!g_trace_enabled) return;
  const uint32_t cpu = speaking_cpu();
  if (cpu >= g_cpus) return;
  Ring& r = g_rings[cpu];
  r.records[r.written++ % g_capacity] = {(tsc ? tsc : arch::rdtsc()) + r.offset, uint8_t(kind), code, guest, value};
}

void trace_clock_continue(uint64_t before_entry) {
  if (!g_trace_enabled) return;
  const uint32_t cpu = speaking_cpu();
  if (cpu >= g_cpus) return;
  Ring& r = g_rings[cpu];
  r.offset += before_entry - arch::rdtsc();
  ++r.resets;
}

void trace_dump_header() {
  if (!g_trace_enabled) return;
  LOG("vmm: trace: format %u, %u CPUs, %u records per CPU", trace::kFormatVersion, g_cpus, g_capacity);
}

// Oldest first; the CRC32C covers the record bytes in the order sent, so the
// reader knows the lines arrived whole.
void trace_dump_rings() {
  if (!g_trace_enabled) return;
  for (uint32_t c = 0; c < g_cpus; ++c) {
    const Ring& r = g_rings[c];
    const uint64_t kept = r.written < g_capacity ? r.written : g_capacity;
    LOG("vmm: trace cpu %u: %lu records, %lu overwritten, %lu clock resets", c, kept, r.written - kept, r.resets);
    uint32_t crc = 0;
    for (uint64_t i = r.written - kept; i < r.written;) {
      trace::Record line[trace::kRecordsPerLine];
      uint32_t n = 0;
      for (; n < trace::kRecordsPerLine && i < r.written; ++n, ++i) line[n] = r.records[i % g_capacity];
      const auto* bytes = reinterpret_cast<const uint8_t*>(line);
      crc = blob::crc32c_update(crc, bytes, n * sizeof(trace::Record));
      char text[lib::base64_length(sizeof line) + 1];
      lib::base64_encode(bytes, n * sizeof(trace::Record), text);
      LOG("vmm: trace cpu %u data: %s", c, text);
    }
    LOG("vmm: trace cpu %u end: crc32c 0x%08x", c, crc);
  }
  LOG("vmm: trace end");
}

}  // namespace console
