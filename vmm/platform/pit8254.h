// The host's 8254 channel 2 as a one-shot (1.193182 MHz, gated through port
// 61H; its OUT bit rises when the count runs out, at most 54.9 ms per
// start): the SMP start's waits, and the TSC's rate for devices.pit.
#pragma once
#include <stdint.h>

namespace platform {
void pit_start_us(uint32_t us);
bool pit_expired();
void pit_stop();  // the gate low again: channel 2 idle

// TSC ticks per second, measured over 10 ms (BSP only, before the guests
// run: the PIT is one device). False when the 8254 did not count (its
// clock gated off): the rate is then taken as 1 GHz. tsc_hz() is 0 before.
bool measure_tsc_hz();
uint64_t tsc_hz();
}  // namespace platform
