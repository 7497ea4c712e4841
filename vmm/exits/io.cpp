// I/O-instruction exits (SDM 25.1.3, exit qualification in Table 27-5).
// Every port a guest was not granted exits here. COM1 (0x3F8-0x3FF) is the
// guest's console; a guest with forwarded IRQs has an emulated 8259, and
// with IRQ 1 forwarded it reads the i8042's data port through the
// hypervisor. Any other port is denied: the guest is stopped with a report
// naming the port, or (io.on_denied: ignore) reads all ones and its writes
// are dropped, as absent hardware does.
#include "arch/cpu.h"
#include "console/log.h"
#include "console/serial.h"
#include "exits/handlers.h"
#include "platform/owned_resources.h"

namespace exits {
namespace {
constexpr uint16_t kCom1 = 0x3F8, kCom1LineStatus = 0x3FD, kI8042Data = 0x60;
constexpr uint16_t kKeyboardIrq = 1u << 1;
constexpr uint8_t kTransmitterIdle = 0x60;  // THRE | TEMT

struct IoAccess {
  uint16_t port;
  uint8_t size;  // bytes
  bool in, string, rep;
};
IoAccess decode(arch::IoQualification q) { return {q.port(), q.size(), q.in(), q.string(), q.rep()}; }

Flow deny(guests::Vcpu& v, const ExitInfo& e, const IoAccess& a, uint64_t size_mask) {
  if (v.config->flags & blob::kGuestIoDeniedIgnore) {
    if (a.in) v.regs.rax |= size_mask;
    skip_instruction(e);
    return Flow::Resume;
  }
  const platform::OwnedPorts row =
      platform::owned_ports(a.port, uint32_t(a.port) + a.size - 1, console::serial_port());
  return finish(v, guests::Outcome::Stopped, "denied I/O: %s port 0x%x (%s), %u byte%s, rip 0x%lx%s%s",
                a.in ? "in from" : "out to", a.port, row.name ? row.name : "not granted by the profile", a.size,
                a.size == 1 ? "" : "s", e.guest_rip, row.name ? "; the hypervisor's: " : "", row.name ? row.why : "");
}
}  // namespace

void console_put(guests::Vcpu& v, char c) {
  if (c == '\r') return;
  if (c == '\n' || v.console_length + 1 >= guests::kConsoleLine) {
    console_flush(v);
    if (c == '\n') return;
  }
  v.console[v.console_length++] = c;
}

void console_flush(guests::Vcpu& v) {
  if (v.console_length == 0) return;
  v.console[v.console_length] = 0;
  LOG("guest %s| %s", v.name, v.console);
  v.console_length = 0;
}

Flow on_io_instruction(guests::Vcpu& v, const ExitInfo& e) {
  const IoAccess a = decode(arch::IoQualification{e.qualification});
  if (a.string)
    return finish(v, guests::Outcome::Stopped, "denied I/O: string I/O (INS/OUTS) on port 0x%x is not emulated, rip 0x%lx", a.port,
                  e.guest_rip);
  const uint64_t size_mask = a.size == 1 ? 0xFF : a.size == 2 ? 0xFFFF : 0xFFFFFFFFull;
  uint32_t value = uint32_t(v.regs.rax & size_mask);
  if (virtual_pic_io(v, a.port, a.in, value)) {
    if (a.in) v.regs.rax = (v.regs.rax & ~size_mask) | value;
  } else if (a.port >= kCom1 && a.port < kCom1 + 8) {
    if (!a.in && a.port == kCom1) console_put(v, char(v.regs.rax & 0xFF));
    if (a.in) v.regs.rax = (v.regs.rax & ~size_mask) | (a.port == kCom1LineStatus ? kTransmitterIdle : 0);
  } else if (a.port == kI8042Data && a.in && a.size == 1 && (v.config->forwarded_irqs & kKeyboardIrq)) {
    v.regs.rax = (v.regs.rax & ~size_mask) | arch::inb(kI8042Data);  // the forwarded keyboard's byte (book 7.3.3.4)
  } else {
    return deny(v, e, a, size_mask);
  }
  skip_instruction(e);
  return Flow::Resume;
}

}  // namespace exits
