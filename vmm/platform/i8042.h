// The i8042 keyboard controller, used as real hardware that raises IRQ 1
// (example 7-5): command D2h writes a byte into the controller's output
// buffer as if the keyboard had sent it.
#pragma once
#include <stdint.h>

namespace platform {
// Enables the keyboard interrupt in the controller and queues `scancode`.
// Returns false if the controller does not accept commands.
bool i8042_place_scancode(uint8_t scancode);
}  // namespace platform
