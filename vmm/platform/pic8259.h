// The host's 8259A interrupt controllers: remapped above the exception
// vectors, with only the IRQ lines forwarded to guests unmasked.
#pragma once
#include <stdint.h>

namespace platform {
inline constexpr uint8_t kHostPicBase = 0x20;  // IRQ n arrives as vector 0x20 + n
void pic_init(uint16_t unmasked_irqs);
void pic_end_of_interrupt(uint8_t irq);
}  // namespace platform
