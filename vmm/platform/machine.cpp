#include "platform/machine.h"

#include "arch/cpu.h"
#include "console/log.h"
#include "console/serial.h"

namespace platform {
namespace {
ExitMethod g_method = ExitMethod::Halt;
constexpr uint16_t kBochsShutdownPort = 0x8900;  // writes of "Shutdown" power off Bochs
constexpr uint16_t kQemuDebugExitPort = 0xF4;    // isa-debug-exit: status (v << 1) | 1
}  // namespace

void set_exit_method(ExitMethod m) { g_method = m; }

void end_machine(bool pass) {
  LOG("vmm: end: %s", pass ? "pass" : "fail");
  console::serial_flush();
  switch (g_method) {
    case ExitMethod::Bochs:
      if (pass) {
        asm volatile("xchg %%bx, %%bx" ::: "memory");  // magic breakpoint: the rc file quits with status 0
      } else {
        for (const char* p = "Shutdown"; *p; ++p) arch::outb(kBochsShutdownPort, uint8_t(*p));
      }
      break;
    case ExitMethod::Qemu: arch::outl(kQemuDebugExitPort, pass ? 1 : 2); break;
    case ExitMethod::Halt: break;  // real hardware: stay halted with the summary on serial
  }
  arch::halt_forever();
  __builtin_unreachable();
}
}  // namespace platform
