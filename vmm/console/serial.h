// The host console: a 16550 UART (COM1 by default), polled. Output is
// queued in a ring and sent as fast as the UART takes it (serial.cpp).
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace console {
void serial_init(uint16_t port);
// The UART the log goes to (the hypervisor owns its ports).
uint16_t serial_port();
// Does a 16550 answer at `port`? Its scratch register (offset 7) must hold
// two patterns written to it. Touches only that register.
bool serial_probe(uint16_t port);
// Queues the text (LF as CR LF) and sends what the UART takes now; waits
// only when the ring is full.
void serial_write(const char* text, size_t length);
namespace detail {
// The ring's write and read counts, free-running: it holds head - tail bytes.
extern uint32_t g_head, g_tail;
}
// Is queued output waiting? (A hint, read without the log lock; inline
// because it is asked before every VM entry.)
inline bool serial_pending() {
  return __atomic_load_n(&detail::g_head, __ATOMIC_RELAXED) != __atomic_load_n(&detail::g_tail, __ATOMIC_RELAXED);
}
// Sends what the UART takes now, without waiting. Under the log lock.
void serial_drain();
// Hands everything queued to the UART, waiting as it needs. Under the log lock.
void serial_send_all();
// Sends everything queued and waits until the UART has sent it
// (transmitter empty), so the last line is out before the machine stops.
void serial_flush();
}  // namespace console
