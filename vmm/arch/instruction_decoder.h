// An x86 instruction decoder for what the hypervisor must understand of a
// guest's code: lengths and operands for every one-byte and 0F opcode, and
// Intel-syntax text for the common ones (SDM Vol. 2, Appendix A opcode
// maps). Used by the monitor-trap-flag trace (book 4.14.5, example 4-2) and
// by EPT hooks that emulate a guest's MOV (book 7.2.1). Plain logic: also
// compiled on the host and tested against a table of encodings.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace arch {

enum class CpuMode : uint8_t { Bits16, Bits32, Bits64 };

struct MemoryOperand {
  int8_t base = -1, index = -1;  // register numbers, -1 = none
  uint8_t scale = 1;
  bool rip_relative = false;
  int64_t displacement = 0;
  int8_t segment = -1;  // override prefix: 0 ES .. 5 GS
};

struct Instruction {
  uint8_t length = 0;  // 0: not decodable (unknown opcode or too few bytes)
  uint8_t map = 0;     // 0 one-byte, 1 0F, 2 0F38, 3 0F3A
  uint8_t opcode = 0;
  bool has_modrm = false;
  uint8_t mod = 0, reg = 0, rm = 0;  // reg and rm include REX.R / REX.B
  bool memory = false;               // ModRM names memory
  MemoryOperand mem;
  uint8_t operand_size = 4;          // bytes
  uint8_t address_size = 4;
  uint8_t rex = 0;
  bool lock = false, rep = false, repne = false;
  uint8_t immediate_size = 0;
  uint64_t immediate = 0;
  char text[64] = {};
};

// Decodes one instruction from `bytes` (never reading past `available`).
bool decode_instruction(const uint8_t* bytes, size_t available, CpuMode mode, Instruction& out);

// A MOV between a register (or immediate) and memory, as EPT hooks see it.
struct MemoryMove {
  bool store;          // register/immediate -> memory
  uint8_t size;        // bytes
  bool immediate;      // source is the immediate
  uint8_t reg;         // register number (when !immediate)
  uint64_t value;      // immediate value
};
bool as_memory_move(const Instruction& in, MemoryMove& out);

}  // namespace arch
