// I/O-instruction exits (SDM 25.1.3, exit qualification in Table 27-5).
// COM1 (0x3F8-0x3FF) is the guest's console; other trapped ports read as
// all-ones and ignore writes, as absent hardware does.
#include "console/log.h"
#include "exits/handlers.h"

namespace exits {
namespace {
constexpr uint16_t kCom1 = 0x3F8, kCom1LineStatus = 0x3FD;
constexpr uint8_t kTransmitterIdle = 0x60;  // THRE | TEMT

struct IoAccess {
  uint16_t port;
  uint8_t size;  // bytes
  bool in, string, rep;
};
IoAccess decode(uint64_t q) {
  return {uint16_t(q >> 16), uint8_t((q & 7) + 1), bool(q & (1 << 3)), bool(q & (1 << 4)), bool(q & (1 << 5))};
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
  const IoAccess a = decode(e.qualification);
  if (a.string)
    return finish(v, guests::Outcome::Stopped, "string I/O (INS/OUTS) on port 0x%x is not emulated, rip 0x%lx", a.port,
                  e.guest_rip);
  const uint64_t size_mask = a.size == 1 ? 0xFF : a.size == 2 ? 0xFFFF : 0xFFFFFFFFull;
  uint32_t value = uint32_t(v.regs.rax & size_mask);
  if (virtual_pic_io(v, a.port, a.in, value)) {
    if (a.in) v.regs.rax = (v.regs.rax & ~size_mask) | value;
  } else if (a.port >= kCom1 && a.port < kCom1 + 8) {
    if (!a.in && a.port == kCom1) console_put(v, char(v.regs.rax & 0xFF));
    if (a.in) v.regs.rax = (v.regs.rax & ~size_mask) | (a.port == kCom1LineStatus ? kTransmitterIdle : 0);
  } else if (a.in) {
    v.regs.rax |= size_mask;
  }
  skip_instruction(e);
  return Flow::Resume;
}

}  // namespace exits
