#include "platform/pic8259.h"

#include "arch/cpu.h"

namespace platform {
namespace {
constexpr uint16_t kMasterCommand = 0x20, kMasterData = 0x21, kSlaveCommand = 0xA0, kSlaveData = 0xA1;
constexpr uint8_t kIcw1Init = 0x11;   // edge triggered, cascade, ICW4 follows
constexpr uint8_t kIcw4_8086 = 0x01;
constexpr uint8_t kNonSpecificEoi = 0x20;
}  // namespace

void pic_init(uint16_t unmasked) {
  if (unmasked & 0xFF00) unmasked |= 1u << 2;  // the cascade line carries the slave's IRQs
  arch::outb(kMasterCommand, kIcw1Init);
  arch::outb(kSlaveCommand, kIcw1Init);
  arch::outb(kMasterData, kHostPicBase);
  arch::outb(kSlaveData, kHostPicBase + 8);
  arch::outb(kMasterData, 1u << 2);  // slave on IRQ 2
  arch::outb(kSlaveData, 2);         // slave identity
  arch::outb(kMasterData, kIcw4_8086);
  arch::outb(kSlaveData, kIcw4_8086);
  arch::outb(kMasterData, uint8_t(~unmasked));
  arch::outb(kSlaveData, uint8_t(~unmasked >> 8));
}

void pic_end_of_interrupt(uint8_t irq) {
  if (irq >= 8) arch::outb(kSlaveCommand, kNonSpecificEoi);
  arch::outb(kMasterCommand, kNonSpecificEoi);
}
}  // namespace platform
