#include "boot/cmdline.h"

#include "blob/trace_format.h"
#include "lib/string.h"

namespace boot {
namespace {
void copy_word(char* out, uint32_t size, const char* in) {
  uint32_t i = 0;
  while (in[i] && in[i] != ' ' && i + 1 < size) out[i] = in[i], ++i;
  out[i] = 0;
}

// `trace=N`: a decimal count, clamped to the trace's bounds; not a number
// gives the default (the trace is still wanted).
uint32_t trace_records(const char* p) {
  uint64_t n = 0;
  bool digits = false;
  for (; *p >= '0' && *p <= '9'; ++p, digits = true)
    if (n <= trace::kMaxRecordsPerCpu) n = n * 10 + uint64_t(*p - '0');
  if (!digits || (*p && *p != ' ')) return trace::kDefaultRecordsPerCpu;
  if (n < trace::kMinRecordsPerCpu) return trace::kMinRecordsPerCpu;
  return n > trace::kMaxRecordsPerCpu ? trace::kMaxRecordsPerCpu : uint32_t(n);
}
}  // namespace

Options parse_cmdline(const char* p) {
  Options o{};
  if (!p) return o;
  while (*p) {
    while (*p == ' ') ++p;
    if (lib::starts_with(p, "exit=")) copy_word(o.exit_method, sizeof o.exit_method, p + 5);
    else if (lib::starts_with(p, "blob=")) copy_word(o.blob_name, sizeof o.blob_name, p + 5);
    else if (lib::starts_with(p, "caps") && (p[4] == ' ' || p[4] == 0)) o.print_caps = true;
    else if (lib::starts_with(p, "ring") && (p[4] == ' ' || p[4] == 0)) o.dump_ring = true;
    else if (lib::starts_with(p, "trace") && (p[5] == ' ' || p[5] == 0)) o.trace_records = trace::kDefaultRecordsPerCpu;
    else if (lib::starts_with(p, "trace=")) o.trace_records = trace_records(p + 6);
    else if (lib::starts_with(p, "x2apic") && (p[6] == ' ' || p[6] == 0)) o.x2apic = true;
    else if (lib::starts_with(p, "fast_path=off") && (p[13] == ' ' || p[13] == 0)) o.no_fast_path = true;
    else if (lib::starts_with(p, "nmi_test") && (p[8] == ' ' || p[8] == 0)) o.nmi_test = true;
    while (*p && *p != ' ') ++p;
  }
  return o;
}

bool module_name_matches(const char* s, const char* name) {
  // Compare each space-separated word's last path component with name.
  while (*s) {
    while (*s == ' ') ++s;
    const char* word = s;
    while (*s && *s != ' ') ++s;
    const char* base = word;
    for (const char* q = word; q < s; ++q)
      if (*q == '/') base = q + 1;
    const uint32_t n = uint32_t(s - base);
    if (n == strlen(name) && memcmp(base, name, n) == 0) return true;
  }
  return false;
}
}  // namespace boot
