// Line-oriented logging: every line is prefixed with "[cpuN] " and written
// whole under a lock, so lines from different CPUs never interleave
// (docs/serial-log.md). Format directives: %s %c %d %u %x %p, with optional
// '0' flag, width and 'l'/'ll' (64-bit).
#pragma once
#include <stdarg.h>
#include <stdint.h>

namespace console {
[[gnu::format(printf, 1, 2)]] void log(const char* format, ...);
void vlog(const char* format, va_list args);
// Sends queued console output the UART can take now (console/serial.h);
// for places that wait or run for a while without logging. Never waits.
void log_drain();
// Sends all queued console output and waits until the UART has taken it:
// before a guest runs, since it may not give the CPU back for a long time.
void log_flush();
// Formats into buf (always NUL-terminated); returns the length.
uint32_t format_to(char* buf, uint32_t size, const char* format, va_list args);
[[gnu::format(printf, 3, 4)]] uint32_t format(char* buf, uint32_t size, const char* format, ...);
// Who is speaking: set once per CPU after its per-CPU block exists.
void set_cpu_index_source(uint32_t (*source)());
// The CPU that source names (0 before it is set): for records that carry it.
uint32_t speaking_cpu();
}  // namespace console

#define LOG(...) ::console::log(__VA_ARGS__)
