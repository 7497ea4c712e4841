// An x86 instruction decoder for what the hypervisor must understand of a
// guest's code: lengths and operands for every one-byte and 0F opcode, and
// Intel-syntax text, with the SDM's mnemonics, for every instruction the
// project's guests execute (SDM Vol. 2, Appendix A opcode maps). Used by the
// monitor-trap-flag trace (book 4.14.5, example 4-2) and by EPT hooks that
// emulate a guest's MOV (book 7.2.1). Plain logic: also compiled on the host
// and tested against a table of encodings.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace arch {

enum class CpuMode : uint8_t { Bits16, Bits32, Bits64 };

// Why decode_instruction() gave up (Instruction::status).
enum class DecodeStatus : uint8_t {
  Ok,
  Truncated,  // the bytes end inside the instruction
  Invalid,    // no such instruction in this mode (#UD), longer than 15 bytes (#GP), or a VEX/EVEX form (not decoded)
};
const char* decode_status_name(DecodeStatus s);

struct MemoryOperand {
  int8_t base = -1, index = -1;  // register numbers, -1 = none
  uint8_t scale = 1;
  bool rip_relative = false;
  int64_t displacement = 0;
  int8_t segment = -1;  // override prefix: 0 ES .. 5 GS
};

struct Instruction {
  uint8_t length = 0;  // 0: not decodable (status says why)
  DecodeStatus status = DecodeStatus::Ok;
  CpuMode mode = CpuMode::Bits32;
  uint8_t map = 0;     // 0 one-byte, 1 0F, 2 0F38, 3 0F3A
  uint8_t opcode = 0;
  bool has_modrm = false;
  uint8_t mod = 0, reg = 0, rm = 0;  // reg and rm include REX.R / REX.B
  bool memory = false;               // ModRM names memory
  MemoryOperand mem;
  uint8_t operand_size = 4;          // bytes
  uint8_t address_size = 4;
  uint8_t rex = 0;
  bool lock = false;
  bool rep = false, repne = false;   // F3 / F2 (the last one given counts)
  bool string = false;               // MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS
  uint8_t immediate_size = 0;
  uint64_t immediate = 0;
  char text[64] = {};
};

// Decodes one instruction from `bytes` (never reading past `available`).
// False when it cannot: out.length is then 0 and out.status says why.
bool decode_instruction(const uint8_t* bytes, size_t available, CpuMode mode, Instruction& out);

// A string instruction under REP/REPE/REPNE: it repeats while the count
// register (CX, ECX or RCX by address size, SDM Vol. 2 "REP/REPE/REPZ")
// is not zero.
inline bool is_repeated_string(const Instruction& in) { return in.string && (in.rep || in.repne); }
inline uint64_t address_mask(uint8_t address_size) {
  return address_size == 8 ? ~0ull : address_size == 4 ? 0xFFFFFFFFull : 0xFFFFull;
}
const char* count_register_name(const Instruction& in);

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
