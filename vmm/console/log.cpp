#include "console/log.h"

#include "console/serial.h"
#include "lib/spinlock.h"

namespace console {
namespace {
lib::Spinlock g_lock;
uint32_t no_cpu() { return 0; }
uint32_t (*g_cpu_index)() = no_cpu;

struct Out {
  char* buf;
  uint32_t size, len;
  void put(char c) {
    if (len + 1 < size) buf[len++] = c;
  }
};

void put_unsigned(Out& o, uint64_t v, unsigned base, int width, char pad) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  for (int i = n; i < width; ++i) o.put(pad);
  while (n) o.put(digits[--n]);
}
}  // namespace

void set_cpu_index_source(uint32_t (*source)()) { g_cpu_index = source; }
uint32_t speaking_cpu() { return g_cpu_index(); }

uint32_t format_to(char* buf, uint32_t size, const char* f, va_list ap) {
  Out o{buf, size, 0};
  for (; *f; ++f) {
    if (*f != '%') {
      o.put(*f);
      continue;
    }
    ++f;
    char pad = ' ';
    if (*f == '-') ++f;  // strings are always left-aligned
    if (*f == '0') pad = '0', ++f;
    int width = 0;
    while (*f >= '0' && *f <= '9') width = width * 10 + (*f++ - '0');
    int longs = 0;
    while (*f == 'l') ++longs, ++f;
    switch (*f) {
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (!s) s = "(null)";
        int n = 0;
        while (s[n]) o.put(s[n++]);
        for (; n < width; ++n) o.put(' ');
        break;
      }
      case 'c': o.put(char(va_arg(ap, int))); break;
      case 'd': {
        int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
        if (v < 0) o.put('-'), v = -v;
        put_unsigned(o, uint64_t(v), 10, width, pad);
        break;
      }
      case 'u': put_unsigned(o, longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad); break;
      case 'x': put_unsigned(o, longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad); break;
      case 'p': put_unsigned(o, uint64_t(va_arg(ap, void*)), 16, 16, '0'); break;
      case '%': o.put('%'); break;
      default: o.put('?'); break;
    }
  }
  buf[o.len] = 0;
  return o.len;
}

void vlog(const char* format, va_list args) {
  char line[512];
  Out o{line, sizeof line, 0};
  const char prefix[] = "[cpu";
  for (const char* p = prefix; *p; ++p) o.put(*p);
  put_unsigned(o, g_cpu_index(), 10, 0, ' ');
  o.put(']');
  o.put(' ');
  uint32_t n = format_to(line + o.len, sizeof line - o.len - 1, format, args);
  uint32_t len = o.len + n;
  line[len++] = '\n';
  lib::SpinlockGuard guard(g_lock);
  serial_write(line, len);
}

void log_drain() {
  if (!serial_pending() || !g_lock.try_lock()) return;  // a writer holding the lock drains as it writes
  serial_drain();
  g_lock.unlock();
}

void log_flush() {
  if (!serial_pending()) return;
  lib::SpinlockGuard guard(g_lock);
  serial_send_all();
}

void log(const char* format, ...) {
  va_list args;
  va_start(args, format);
  vlog(format, args);
  va_end(args);
}

uint32_t format(char* buf, uint32_t size, const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  const uint32_t n = format_to(buf, size, fmt, args);
  va_end(args);
  return n;
}

}  // namespace console
