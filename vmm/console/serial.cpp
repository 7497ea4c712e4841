#include "console/serial.h"

#include "arch/cpu.h"

namespace console {
namespace {
uint16_t g_port = 0x3F8;
// 16550 register offsets and bits.
constexpr uint16_t kData = 0, kInterruptEnable = 1, kFifoControl = 2, kLineControl = 3, kModemControl = 4,
                   kLineStatus = 5, kScratch = 7;
constexpr uint8_t kTransmitterEmpty = 0x20, kTransmitterIdle = 0x40, kDivisorLatch = 0x80;

void put(char c) {
  while (!(arch::inb(g_port + kLineStatus) & kTransmitterEmpty)) arch::cpu_pause();
  arch::outb(g_port + kData, uint8_t(c));
}
}  // namespace

void serial_init(uint16_t port) {
  g_port = port;
  arch::outb(port + kInterruptEnable, 0);
  arch::outb(port + kLineControl, kDivisorLatch);
  arch::outb(port + kData, 1);  // divisor 1: 115200 baud
  arch::outb(port + kInterruptEnable, 0);
  arch::outb(port + kLineControl, 0x03);  // 8N1
  arch::outb(port + kFifoControl, 0xC7);
  arch::outb(port + kModemControl, 0x03);
}

uint16_t serial_port() { return g_port; }

bool serial_probe(uint16_t port) {
  static constexpr uint8_t kPatterns[] = {0x5A, 0xA5};
  for (uint8_t pattern : kPatterns) {
    arch::outb(port + kScratch, pattern);
    if (arch::inb(port + kScratch) != pattern) return false;
  }
  return true;
}

void serial_flush() {
  for (int i = 0; i < 1000000 && !(arch::inb(g_port + kLineStatus) & kTransmitterIdle); ++i) arch::cpu_pause();
}

void serial_write(const char* text, size_t length) {
  for (size_t i = 0; i < length; ++i) {
    if (text[i] == '\n') put('\r');
    put(text[i]);
  }
}
}  // namespace console
