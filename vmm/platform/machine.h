// Ending the machine so a harness can tell pass from fail (docs/serial-log.md).
#pragma once

namespace platform {
enum class ExitMethod { Halt, Bochs, Qemu };
void set_exit_method(ExitMethod m);
[[noreturn]] void end_machine(bool pass);
}  // namespace platform
