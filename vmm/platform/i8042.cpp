#include "platform/i8042.h"

#include "arch/cpu.h"

namespace platform {
namespace {
constexpr uint16_t kData = 0x60, kStatusCommand = 0x64;
constexpr uint8_t kOutputFull = 0x01, kInputFull = 0x02;
constexpr uint8_t kReadCommandByte = 0x20, kWriteCommandByte = 0x60, kWriteKeyboardOutput = 0xD2;
constexpr uint8_t kKeyboardInterrupt = 0x01;

bool wait_input_empty() {
  for (int i = 0; i < 100000; ++i)
    if (!(arch::inb(kStatusCommand) & kInputFull)) return true;
  return false;
}
bool wait_output_full() {
  for (int i = 0; i < 100000; ++i)
    if (arch::inb(kStatusCommand) & kOutputFull) return true;
  return false;
}
}  // namespace

bool i8042_place_scancode(uint8_t scancode) {
  if (!wait_input_empty()) return false;
  arch::outb(kStatusCommand, kReadCommandByte);
  if (!wait_output_full()) return false;
  const uint8_t command_byte = arch::inb(kData);
  if (!wait_input_empty()) return false;
  arch::outb(kStatusCommand, kWriteCommandByte);
  if (!wait_input_empty()) return false;
  arch::outb(kData, command_byte | kKeyboardInterrupt);
  if (!wait_input_empty()) return false;
  arch::outb(kStatusCommand, kWriteKeyboardOutput);
  if (!wait_input_empty()) return false;
  arch::outb(kData, scancode);
  return true;
}
}  // namespace platform
