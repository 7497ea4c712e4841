#include "console/serial.h"

#include "arch/cpu.h"

namespace console {
namespace detail {
uint32_t g_head = 0, g_tail = 0;
}
namespace {
uint16_t g_port = 0x3F8;
using detail::g_head;
using detail::g_tail;
// 16550 register offsets and bits.
constexpr uint16_t kData = 0, kInterruptEnable = 1, kFifoControl = 2, kInterruptId = 2, kLineControl = 3,
                   kModemControl = 4, kLineStatus = 5, kScratch = 7;
constexpr uint8_t kTransmitterEmpty = 0x20, kTransmitterIdle = 0x40, kDivisorLatch = 0x80;
constexpr uint8_t kFifosEnabled = 0xC0;  // interrupt-identification bits 7:6 once the FIFOs are on
constexpr uint32_t kFifoDepth = 16;      // the 16550A's transmit FIFO

// Output waits here and goes to the UART only as fast as it can send: at
// 115200 baud a character takes 87 us, and waiting for each one in turn put
// the UART time of the whole boot log on top of the boot's work
// (docs/benchmarks.md "Boot cost"). The ring drains whenever the log is
// written or drained (console/log.h, run/scheduler.cpp), and completely at
// serial_flush (end of run, fatal errors); a writer waits only when the
// ring is full. Callers hold the log lock (console/log.cpp).
constexpr uint32_t kRingSize = 16384;
char g_ring[kRingSize];
bool g_fifo = false;

// When the transmitter holding register is empty (with FIFOs: the whole
// transmit FIFO is), a FIFO takes 16 bytes at once, a bare 8250/16450 one.
bool push_burst() {
  if (g_tail == g_head || !(arch::inb(g_port + kLineStatus) & kTransmitterEmpty)) return false;
  for (uint32_t n = g_fifo ? kFifoDepth : 1; n && g_tail != g_head; --n)
    arch::outb(g_port + kData, uint8_t(g_ring[g_tail++ % kRingSize]));
  return true;
}

void push_all() {
  while (g_tail != g_head)
    if (!push_burst()) arch::cpu_pause();
}

void put(char c) {
  if (g_head - g_tail == kRingSize)
    while (!push_burst()) arch::cpu_pause();
  g_ring[g_head++ % kRingSize] = c;
}
}  // namespace

void serial_init(uint16_t port) {
  push_all();  // what the previous port still owes
  g_port = port;
  arch::outb(port + kInterruptEnable, 0);
  arch::outb(port + kLineControl, kDivisorLatch);
  arch::outb(port + kData, 1);  // divisor 1: 115200 baud
  arch::outb(port + kInterruptEnable, 0);
  arch::outb(port + kLineControl, 0x03);  // 8N1
  arch::outb(port + kFifoControl, 0xC7);
  arch::outb(port + kModemControl, 0x03);
  g_fifo = (arch::inb(port + kInterruptId) & kFifosEnabled) == kFifosEnabled;
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
  push_all();
  for (int i = 0; i < 1000000 && !(arch::inb(g_port + kLineStatus) & kTransmitterIdle); ++i) arch::cpu_pause();
}

void serial_send_all() { push_all(); }

void serial_drain() { push_burst(); }

void serial_write(const char* text, size_t length) {
  for (size_t i = 0; i < length; ++i) {
    if (text[i] == '\n') put('\r');
    put(text[i]);
  }
  push_burst();
}
}  // namespace console
