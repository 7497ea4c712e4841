// The host console: a 16550 UART (COM1 by default), polled.
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
void serial_write(const char* text, size_t length);
// Waits until the UART has sent everything (transmitter empty), so the last
// line is out before the machine stops.
void serial_flush();
}  // namespace console
