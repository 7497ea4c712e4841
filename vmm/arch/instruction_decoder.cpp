#include "arch/instruction_decoder.h"

#include "arch/registers.h"

namespace arch {
namespace {

// One-byte opcode properties (SDM Vol. 2 Table A-2).
enum : uint8_t {
  M = 1,       // ModRM follows
  I8 = 2,      // 8-bit immediate
  IZ = 4,      // 16/32-bit immediate (operand size; 32 when 64-bit operands)
  I16 = 8,     // 16-bit immediate
  IV = 16,     // 16/32/64-bit immediate (MOV r, imm with REX.W)
  AP = 32,     // far pointer: 16/32-bit offset, then a 16-bit selector
  MOFFS = 64,  // address-size offset
  BAD = 128,   // invalid (or a prefix handled elsewhere)
};

constexpr uint8_t one_byte(uint8_t op) {
  if (op < 0x40 && (op & 7) <= 3) return M;        // ALU r/m forms
  if (op < 0x40 && (op & 7) == 4) return I8;       // ALU al, imm8
  if (op < 0x40 && (op & 7) == 5) return IZ;       // ALU eax, imm
  if (op < 0x40) return 0;                         // push/pop seg, DAA.., prefixes (handled before)
  if (op < 0x60) return 0;                         // inc/dec/push/pop reg
  switch (op) {
    case 0x62: case 0x63: return M;
    case 0x68: return IZ;
    case 0x69: return M | IZ;
    case 0x6A: return I8;
    case 0x6B: return M | I8;
    case 0x80: case 0x82: case 0x83: return M | I8;
    case 0x81: return M | IZ;
    case 0x9A: case 0xEA: return AP;
    case 0xA0: case 0xA1: case 0xA2: case 0xA3: return MOFFS;
    case 0xA8: return I8;
    case 0xA9: return IZ;
    case 0xC0: case 0xC1: return M | I8;
    case 0xC2: case 0xCA: return I16;
    case 0xC4: case 0xC5: return M;
    case 0xC6: return M | I8;
    case 0xC7: return M | IZ;
    case 0xC8: return I16 | I8;
    case 0xCD: return I8;
    case 0xD4: case 0xD5: return I8;
    case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0xE4: case 0xE5: case 0xE6: case 0xE7: return I8;
    case 0xE8: case 0xE9: return IZ;
    case 0xEB: return I8;
    case 0xF6: case 0xF7: return M;  // + immediate for TEST (/0, /1)
    case 0xFE: case 0xFF: return M;
    default: break;
  }
  if (op >= 0x70 && op <= 0x7F) return I8;
  if (op >= 0x84 && op <= 0x8F) return M;
  if (op >= 0xB0 && op <= 0xB7) return I8;
  if (op >= 0xB8 && op <= 0xBF) return IV;
  if (op >= 0xD0 && op <= 0xD3) return M;
  if (op >= 0xD8 && op <= 0xDF) return M;  // x87
  return 0;
}

// Two-byte (0F xx) opcode properties (SDM Vol. 2 Table A-3).
constexpr uint8_t two_byte(uint8_t op) {
  switch (op) {
    case 0x04: case 0x0A: case 0x0C: case 0x0E: case 0x0F: case 0x24: case 0x25: case 0x26: case 0x27:
    case 0x36: case 0x39: case 0x3B: case 0x3C: case 0x3D: case 0x3E: case 0x3F: case 0x7A: case 0x7B: return BAD;
    case 0x05: case 0x06: case 0x07: case 0x08: case 0x09: case 0x0B: case 0x30: case 0x31: case 0x32: case 0x33:
    case 0x34: case 0x35: case 0x37: case 0x77: case 0xA0: case 0xA1: case 0xA2: case 0xA8: case 0xA9: case 0xAA: return 0;
    case 0x70: case 0x71: case 0x72: case 0x73: case 0xA4: case 0xAC: case 0xBA: case 0xC2: case 0xC4: case 0xC5: case 0xC6:
      return M | I8;
    default: break;
  }
  if (op >= 0x80 && op <= 0x8F) return IZ;  // Jcc rel16/32
  if (op >= 0xC8 && op <= 0xCF) return 0;   // BSWAP
  return M;
}

// One-byte opcodes that do not exist in 64-bit mode (SDM Vol. 2 Table A-2, "i64").
constexpr bool invalid_in_64_bit_mode(uint8_t op) {
  switch (op) {
    case 0x06: case 0x07: case 0x0E: case 0x16: case 0x17: case 0x1E: case 0x1F: case 0x27: case 0x2F: case 0x37:
    case 0x3F: case 0x60: case 0x61: case 0x62: case 0x82: case 0x9A: case 0xC4: case 0xC5: case 0xD4: case 0xD5:
    case 0xCE: case 0xEA: return true;
    default: return false;
  }
}

// Stack operations and near branches whose operand size is 64 bits by
// default in 64-bit mode (SDM Vol. 1 3.6.1 / Vol. 2 Table A-2, "d64").
constexpr bool default_64_in_64_bit_mode(uint8_t map, uint8_t op) {
  if (map == 1) return op == 0xA0 || op == 0xA1 || op == 0xA8 || op == 0xA9;  // push/pop fs, gs
  return (op >= 0x50 && op <= 0x5F) || op == 0x68 || op == 0x6A || op == 0x8F || op == 0x9C || op == 0x9D ||
         op == 0xC2 || op == 0xC3 || op == 0xC8 || op == 0xC9;
}

const char* const* const kReg64 = kGeneralRegisterNames;
const char* const kReg32[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
const char* const kReg16[16] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
const char* const kReg8[16] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
const char* const kReg8Rex[8] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"};
const char* const kSeg[6] = {"es", "cs", "ss", "ds", "fs", "gs"};
enum Segment : uint8_t { ES, CS, SS, DS, FS, GS };
const char* const kAlu[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
const char* const kShift[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
const char* const kCc[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};

struct Mnemonic {
  uint8_t opcode;
  const char* name;
};

// Instructions without operands (SDM Vol. 2 mnemonics).
constexpr Mnemonic kPlainOneByte[] = {
    {0x27, "daa"},   {0x2F, "das"},      {0x37, "aaa"},  {0x3F, "aas"}, {0x9B, "fwait"}, {0x9E, "sahf"}, {0x9F, "lahf"},
    {0xC9, "leave"}, {0xCB, "ret far"},  {0xCC, "int3"}, {0xCE, "into"}, {0xD7, "xlatb"}, {0xF1, "int1"}, {0xF4, "hlt"},
    {0xF5, "cmc"},   {0xF8, "clc"},      {0xF9, "stc"},  {0xFA, "cli"}, {0xFB, "sti"},   {0xFC, "cld"},  {0xFD, "std"},
};
constexpr Mnemonic kPlainTwoByte[] = {
    {0x05, "syscall"}, {0x06, "clts"},  {0x07, "sysret"},   {0x08, "invd"},     {0x09, "wbinvd"}, {0x0B, "ud2"},
    {0x30, "wrmsr"},   {0x31, "rdtsc"}, {0x32, "rdmsr"},    {0x33, "rdpmc"},    {0x34, "sysenter"}, {0x35, "sysexit"},
    {0x37, "getsec"},  {0x77, "emms"},  {0xA2, "cpuid"},    {0xAA, "rsm"},
};
// 0F 01 with a register ModRM: one instruction per ModRM byte (SDM Vol. 2 Table A-6, group 7).
constexpr Mnemonic kGroup7Registers[] = {
    {0xC1, "vmcall"}, {0xC2, "vmlaunch"}, {0xC3, "vmresume"}, {0xC4, "vmxoff"}, {0xC8, "monitor"}, {0xC9, "mwait"},
    {0xCA, "clac"},   {0xCB, "stac"},     {0xD0, "xgetbv"},   {0xD1, "xsetbv"}, {0xD4, "vmfunc"},  {0xD5, "xend"},
    {0xD6, "xtest"},  {0xF8, "swapgs"},   {0xF9, "rdtscp"},
};

// Instructions without operands whose name says the operand size.
struct SizedMnemonic {
  uint8_t opcode;
  const char* name[3];  // 16-, 32-, 64-bit operand size
};
constexpr SizedMnemonic kSizedOneByte[] = {
    {0x60, {"pusha", "pushad", nullptr}}, {0x61, {"popa", "popad", nullptr}}, {0x98, {"cbw", "cwde", "cdqe"}},
    {0x99, {"cwd", "cdq", "cqo"}},        {0x9C, {"pushf", "pushfd", "pushfq"}}, {0x9D, {"popf", "popfd", "popfq"}},
    {0xCF, {"iret", "iretd", "iretq"}},
};

// String instructions (SDM Vol. 1 7.3.9.1): the even opcode is the byte
// form, the odd one the word/dword/qword form. `compares`: F3 reads REPE.
enum class StringOperands : uint8_t {
  DestinationSource,  // MOVS m, m: ES:(E)DI <- DS:(E)SI
  SourceDestination,  // CMPS m, m: compares DS:(E)SI with ES:(E)DI
  Destination,        // STOS, SCAS: ES:(E)DI
  Source,             // LODS: DS:(E)SI
  DestinationPort,    // INS m, DX
  PortSource,         // OUTS DX, m
};
struct StringInstruction {
  uint8_t opcode;
  const char* stem;
  bool compares;
  bool has_qword_form;  // INS and OUTS stop at doublewords
  StringOperands operands;
};
constexpr StringInstruction kStringInstructions[] = {
    {0x6C, "ins", false, false, StringOperands::DestinationPort},
    {0x6E, "outs", false, false, StringOperands::PortSource},
    {0xA4, "movs", false, true, StringOperands::DestinationSource},
    {0xA6, "cmps", true, true, StringOperands::SourceDestination},
    {0xAA, "stos", false, true, StringOperands::Destination},
    {0xAC, "lods", false, true, StringOperands::Source},
    {0xAE, "scas", true, true, StringOperands::Destination},
};

const StringInstruction* find_string_instruction(uint8_t map, uint8_t op) {
  if (map != 0) return nullptr;
  for (const StringInstruction& s : kStringInstructions)
    if (s.opcode == (op & 0xFE)) return &s;
  return nullptr;
}

template <size_t N>
const char* find_mnemonic(const Mnemonic (&table)[N], uint8_t opcode) {
  for (const Mnemonic& m : table)
    if (m.opcode == opcode) return m.name;
  return nullptr;
}

uint8_t size_index(uint8_t size) { return size == 2 ? 0 : size == 4 ? 1 : 2; }

class Text {
 public:
  explicit Text(char* buf) : buf_(buf) { buf_[0] = 0; }
  Text& s(const char* t) {
    while (*t && n_ + 1 < 64) buf_[n_++] = *t++;
    buf_[n_] = 0;
    return *this;
  }
  Text& c(char ch) {
    const char one[2] = {ch, 0};
    return s(one);
  }
  Text& hex(uint64_t v) {
    char d[20];
    int k = 0;
    do d[k++] = "0123456789abcdef"[v & 15], v >>= 4;
    while (v);
    s("0x");
    while (k) c(d[--k]);
    return *this;
  }
  Text& sdisp(int64_t v) { return v < 0 ? s("-").hex(uint64_t(-v)) : s("+").hex(uint64_t(v)); }

 private:
  char* buf_;
  int n_ = 0;
};

const char* reg_name(const Instruction& in, uint8_t r, uint8_t size) {
  switch (size) {
    case 1: return (in.rex && r < 8) ? kReg8Rex[r] : kReg8[r & 15];
    case 2: return kReg16[r & 15];
    case 8: return kReg64[r & 15];
    default: return kReg32[r & 15];
  }
}

const char* address_reg_name(uint8_t address_size, uint8_t r) {
  return address_size == 8 ? kReg64[r & 15] : address_size == 2 ? kReg16[r & 15] : kReg32[r & 15];
}

// The operand-size keyword in front of a memory operand; nullptr for none
// (LEA, LGDT and the like, whose operand is only an address).
const char* size_keyword(uint8_t size) {
  switch (size) {
    case 1: return "byte";
    case 2: return "word";
    case 4: return "dword";
    case 8: return "qword";
    default: return nullptr;
  }
}
// A far pointer in memory, as the SDM names it: m16:16, m16:32, m16:64.
const char* far_pointer_keyword(uint8_t operand_size) {
  return operand_size == 2 ? "m16:16" : operand_size == 4 ? "m16:32" : "m16:64";
}

void memory_text(Text& t, const Instruction& in, const char* keyword) {
  if (keyword) t.s(keyword).s(" ");
  t.s("[");
  if (in.mem.segment >= 0) t.s(kSeg[in.mem.segment]).s(":");
  const MemoryOperand& m = in.mem;
  bool any = false;
  if (in.address_size == 2 && m.base >= 0 && m.index < 0 && m.base >= 100) {
    static const char* pairs[] = {"bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx"};
    t.s(pairs[m.base - 100]);
    any = true;
  } else {
    const uint8_t asz = in.address_size;
    if (m.rip_relative) t.s(asz == 8 ? "rip" : "eip"), any = true;
    if (m.base >= 0) t.s(address_reg_name(asz, uint8_t(m.base))), any = true;
    if (m.index >= 0) {
      if (any) t.s("+");
      t.s(address_reg_name(asz, uint8_t(m.index)));
      if (m.scale > 1) t.c('*').c(char('0' + m.scale));
      any = true;
    }
  }
  if (m.displacement || !any) {
    if (any) t.sdisp(m.displacement);
    else t.hex(uint64_t(m.displacement) & address_mask(in.address_size));
  }
  t.s("]");
}
void memory_text(Text& t, const Instruction& in, uint8_t size) { memory_text(t, in, size_keyword(size)); }

void rm_text(Text& t, const Instruction& in, uint8_t size) {
  if (in.memory) memory_text(t, in, size);
  else t.s(reg_name(in, in.rm, size));
}

// A string operand: [es:(e/r)di] or [seg:(e/r)si] (the source honours a segment override).
void string_operand(Text& t, const Instruction& in, uint8_t size, bool destination) {
  t.s(size_keyword(size)).s(" [");
  if (destination) t.s("es:").s(address_reg_name(in.address_size, 7));
  else {
    if (in.mem.segment >= 0) t.s(kSeg[in.mem.segment]).s(":");
    t.s(address_reg_name(in.address_size, 6));
  }
  t.s("]");
}

void format_string(Text& t, const Instruction& in, const StringInstruction& s) {
  uint8_t size = (in.opcode & 1) ? in.operand_size : 1;
  if (size == 8 && !s.has_qword_form) size = 4;
  if (in.rep) t.s(s.compares ? "repe " : "rep ");
  if (in.repne) t.s("repne ");
  const CpuMode m = in.mode;
  const uint8_t default_address_size = m == CpuMode::Bits64 ? 8 : m == CpuMode::Bits32 ? 4 : 2;
  // The short form (MOVSB ..) when nothing is overridden; otherwise the
  // explicit-operand form, which shows the registers and segment used. Only
  // the source segment can be overridden (ES:(E)DI cannot).
  const bool has_source = s.operands != StringOperands::Destination && s.operands != StringOperands::DestinationPort;
  if (in.address_size == default_address_size && (in.mem.segment < 0 || !has_source)) {
    const char suffix[4] = {'b', 'w', 'd', 'q'};
    t.s(s.stem).c(suffix[size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3]);
    return;
  }
  t.s(s.stem).s(" ");
  switch (s.operands) {
    case StringOperands::DestinationSource: string_operand(t, in, size, true); t.s(", "); string_operand(t, in, size, false); return;
    case StringOperands::SourceDestination: string_operand(t, in, size, false); t.s(", "); string_operand(t, in, size, true); return;
    case StringOperands::Destination: string_operand(t, in, size, true); return;
    case StringOperands::Source: string_operand(t, in, size, false); return;
    case StringOperands::DestinationPort: string_operand(t, in, size, true); t.s(", dx"); return;
    case StringOperands::PortSource: t.s("dx, "); string_operand(t, in, size, false); return;
  }
}

// A direct far pointer (ptr16:16, ptr16:32): "selector:offset".
void far_pointer_text(Text& t, const Instruction& in) {
  const uint8_t offset_bytes = in.operand_size == 2 ? 2 : 4;
  const uint64_t offset = in.immediate & (offset_bytes == 2 ? 0xFFFFull : 0xFFFFFFFFull);
  t.hex((in.immediate >> (8 * offset_bytes)) & 0xFFFF).s(":").hex(offset);
}

int64_t relative(const Instruction& in) {
  return in.immediate_size == 1 ? int8_t(in.immediate) : in.immediate_size == 2 ? int16_t(in.immediate) : int32_t(in.immediate);
}

uint64_t size_mask(uint8_t size) {
  return size == 8 ? ~0ull : size == 4 ? 0xFFFFFFFFull : size == 2 ? 0xFFFFull : 0xFFull;
}
// An 8-bit immediate sign-extended to the operand size (6A, 6B, 83).
uint64_t sign_extended_imm8(const Instruction& in) { return uint64_t(int64_t(int8_t(in.immediate))) & size_mask(in.operand_size); }

void format_one_byte(Text& t, const Instruction& in) {
  const uint8_t op = in.opcode;
  const uint8_t os = in.operand_size;
  const uint8_t size = ((op & 1) == 0 && (op < 0x40 || (op >= 0x84 && op <= 0x8B) || op == 0xC6 || op == 0xF6 || op == 0xFE ||
                                          op == 0x80 || op == 0x82 || op == 0xC0 || op == 0xD0 || op == 0xD2))
                           ? 1
                           : os;
  if (const StringInstruction* s = find_string_instruction(0, op)) { format_string(t, in, *s); return; }
  if (const char* name = find_mnemonic(kPlainOneByte, op)) { t.s(name); return; }
  for (const SizedMnemonic& m : kSizedOneByte)
    if (m.opcode == op) { t.s(m.name[size_index(os)]); return; }
  if (op < 0x40 && (op & 7) <= 5) {
    t.s(kAlu[op >> 3]).s(" ");
    switch (op & 7) {
      case 0: case 1: rm_text(t, in, size); t.s(", ").s(reg_name(in, in.reg, size)); return;
      case 2: case 3: t.s(reg_name(in, in.reg, size)).s(", "); rm_text(t, in, size); return;
      case 4: t.s("al, ").hex(in.immediate); return;
      default: t.s(reg_name(in, 0, os)).s(", ").hex(in.immediate); return;
    }
  }
  if (op < 0x40) {  // push/pop of ES, CS, SS, DS (06, 07, 0E, 16, 17, 1E, 1F)
    t.s((op & 1) ? "pop " : "push ").s(kSeg[op >> 3]);
    return;
  }
  const uint8_t low_reg = uint8_t((op & 7) | (in.rex & 1) << 3);  // register in the opcode, + REX.B
  if (op >= 0x50 && op <= 0x57) { t.s("push ").s(reg_name(in, low_reg, os)); return; }
  if (op >= 0x58 && op <= 0x5F) { t.s("pop ").s(reg_name(in, low_reg, os)); return; }
  if (op >= 0x40 && op <= 0x4F) { t.s(op < 0x48 ? "inc " : "dec ").s(reg_name(in, op & 7, os)); return; }
  if (op >= 0x70 && op <= 0x7F) { t.s("j").s(kCc[op & 15]).s(" ").sdisp(relative(in)); return; }
  if (op >= 0x88 && op <= 0x8B) {
    t.s("mov ");
    if (op < 0x8A) { rm_text(t, in, size); t.s(", ").s(reg_name(in, in.reg, size)); }
    else { t.s(reg_name(in, in.reg, size)).s(", "); rm_text(t, in, size); }
    return;
  }
  if (op >= 0x91 && op <= 0x97) { t.s("xchg ").s(reg_name(in, low_reg, os)).s(", ").s(reg_name(in, 0, os)); return; }
  if (op >= 0xB0 && op <= 0xB7) { t.s("mov ").s(reg_name(in, low_reg, 1)).s(", ").hex(in.immediate); return; }
  if (op >= 0xB8 && op <= 0xBF) { t.s("mov ").s(reg_name(in, low_reg, os)).s(", ").hex(in.immediate); return; }
  if (op >= 0xA0 && op <= 0xA3) {
    const uint8_t sz = (op & 1) ? os : 1;
    t.s("mov ");
    if (op < 0xA2) { t.s(reg_name(in, 0, sz)).s(", "); memory_text(t, in, sz); }
    else { memory_text(t, in, sz); t.s(", ").s(reg_name(in, 0, sz)); }
    return;
  }
  switch (op) {
    case 0x68: t.s("push ").hex(in.immediate & size_mask(os)); return;
    case 0x6A: t.s("push ").hex(sign_extended_imm8(in)); return;
    case 0x69: case 0x6B:
      t.s("imul ").s(reg_name(in, in.reg, os)).s(", "); rm_text(t, in, os);
      t.s(", ").hex(op == 0x6B ? sign_extended_imm8(in) : in.immediate & size_mask(os));
      return;
    case 0x80: case 0x81: t.s(kAlu[in.reg & 7]).s(" "); rm_text(t, in, size); t.s(", ").hex(in.immediate & size_mask(size)); return;
    case 0x83: t.s(kAlu[in.reg & 7]).s(" "); rm_text(t, in, os); t.s(", ").hex(sign_extended_imm8(in)); return;
    case 0x84: case 0x85: t.s("test "); rm_text(t, in, size); t.s(", ").s(reg_name(in, in.reg, size)); return;
    case 0x86: case 0x87: t.s("xchg "); rm_text(t, in, size); t.s(", ").s(reg_name(in, in.reg, size)); return;
    case 0x8D: t.s("lea ").s(reg_name(in, in.reg, os)).s(", "); memory_text(t, in, nullptr); return;
    // MOV Sreg, r/m16 and MOV r/m, Sreg (SDM Vol. 2 "MOV"): a register operand has the operand size.
    case 0x8E: t.s("mov ").s(kSeg[in.reg & 7]).s(", "); rm_text(t, in, 2); return;
    case 0x8C: t.s("mov "); rm_text(t, in, in.memory ? 2 : os); t.s(", ").s(kSeg[in.reg & 7]); return;
    case 0x8F: t.s("pop "); rm_text(t, in, os); return;
    case 0x90:
      if (in.rex & 1) t.s("xchg ").s(reg_name(in, low_reg, os)).s(", ").s(reg_name(in, 0, os));
      else t.s(in.rep ? "pause" : "nop");
      return;
    case 0x9A: t.s("call far "); far_pointer_text(t, in); return;
    case 0xEA: t.s("jmp far "); far_pointer_text(t, in); return;
    case 0xA8: t.s("test al, ").hex(in.immediate); return;
    case 0xA9: t.s("test ").s(reg_name(in, 0, os)).s(", ").hex(in.immediate); return;
    case 0xC2: t.s("ret ").hex(in.immediate); return;
    case 0xC3: t.s("ret"); return;
    case 0xCA: t.s("ret far ").hex(in.immediate); return;
    case 0xC4: case 0xC5:
      t.s(op == 0xC4 ? "les " : "lds ").s(reg_name(in, in.reg, os)).s(", "); memory_text(t, in, far_pointer_keyword(os));
      return;
    case 0xC6: case 0xC7:
      if ((in.reg & 7) == 7) {
        if (op == 0xC6) t.s("xabort ").hex(in.immediate);
        else t.s("xbegin ").sdisp(relative(in));
        return;
      }
      t.s("mov "); rm_text(t, in, size); t.s(", ").hex(in.immediate & size_mask(size)); return;
    case 0xC8: t.s("enter ").hex(in.immediate & 0xFFFF).s(", ").hex(in.immediate >> 16); return;
    case 0xCD: t.s("int ").hex(in.immediate); return;
    case 0xD4: t.s("aam ").hex(in.immediate); return;
    case 0xD5: t.s("aad ").hex(in.immediate); return;
    case 0xE0: t.s("loopne ").sdisp(relative(in)); return;
    case 0xE1: t.s("loope ").sdisp(relative(in)); return;
    case 0xE2: t.s("loop ").sdisp(relative(in)); return;
    case 0xE3: t.s(in.address_size == 2 ? "jcxz " : in.address_size == 4 ? "jecxz " : "jrcxz ").sdisp(relative(in)); return;
    case 0xE4: t.s("in al, ").hex(in.immediate); return;
    case 0xE5: t.s("in ").s(reg_name(in, 0, os == 8 ? 4 : os)).s(", ").hex(in.immediate); return;
    case 0xE6: t.s("out ").hex(in.immediate).s(", al"); return;
    case 0xE7: t.s("out ").hex(in.immediate).s(", ").s(reg_name(in, 0, os == 8 ? 4 : os)); return;
    case 0xEC: t.s("in al, dx"); return;
    case 0xED: t.s("in ").s(reg_name(in, 0, os == 8 ? 4 : os)).s(", dx"); return;
    case 0xEE: t.s("out dx, al"); return;
    case 0xEF: t.s("out dx, ").s(reg_name(in, 0, os == 8 ? 4 : os)); return;
    case 0xE8: t.s("call ").sdisp(relative(in)); return;
    case 0xE9: t.s("jmp ").sdisp(relative(in)); return;
    case 0xEB: t.s("jmp ").sdisp(relative(in)); return;
    case 0xC0: case 0xC1: case 0xD0: case 0xD1: case 0xD2: case 0xD3:
      t.s(kShift[in.reg & 7]).s(" "); rm_text(t, in, size); t.s(", ");
      if (op <= 0xC1) t.hex(in.immediate); else if (op >= 0xD2) t.s("cl"); else t.s("1");
      return;
    case 0xF6: case 0xF7: {
      static const char* g3[8] = {"test", "test", "not", "neg", "mul", "imul", "div", "idiv"};
      t.s(g3[in.reg & 7]).s(" "); rm_text(t, in, size);
      if ((in.reg & 7) < 2) t.s(", ").hex(in.immediate & size_mask(size));
      return;
    }
    case 0xFE: t.s((in.reg & 7) == 0 ? "inc " : "dec "); rm_text(t, in, 1); return;
    case 0xFF:
      switch (in.reg & 7) {
        case 0: t.s("inc "); rm_text(t, in, os); return;
        case 1: t.s("dec "); rm_text(t, in, os); return;
        case 2: t.s("call "); rm_text(t, in, os); return;
        case 3: t.s("call far "); memory_text(t, in, far_pointer_keyword(os)); return;
        case 4: t.s("jmp "); rm_text(t, in, os); return;
        case 5: t.s("jmp far "); memory_text(t, in, far_pointer_keyword(os)); return;
        default: t.s("push "); rm_text(t, in, os); return;
      }
    default: t.s("op ").hex(op); return;
  }
}

void format_two_byte(Text& t, const Instruction& in) {
  const uint8_t op = in.opcode;
  const uint8_t os = in.operand_size;
  if (const char* name = find_mnemonic(kPlainTwoByte, op)) { t.s(name); return; }
  if (op >= 0x80 && op <= 0x8F) { t.s("j").s(kCc[op & 15]).s(" ").sdisp(relative(in)); return; }
  if (op >= 0x90 && op <= 0x9F) { t.s("set").s(kCc[op & 15]).s(" "); rm_text(t, in, 1); return; }
  if (op >= 0x40 && op <= 0x4F) { t.s("cmov").s(kCc[op & 15]).s(" ").s(reg_name(in, in.reg, os)).s(", "); rm_text(t, in, os); return; }
  const char cr_dr_number[2] = {char('0' + (in.reg & 15) % 10), 0};
  const uint8_t control_size = in.mode == CpuMode::Bits64 ? 8 : 4;  // MOV to/from CRn and DRn ignore the operand size
  switch (op) {
    case 0x00: {
      static const char* g6[6] = {"sldt", "str", "lldt", "ltr", "verr", "verw"};
      t.s(g6[in.reg & 7]).s(" "); rm_text(t, in, 2); return;
    }
    case 0x01:
      if (in.memory) {
        // LGDT/LIDT/SGDT/SIDT name a 6- or 10-byte pseudo-descriptor, INVLPG an address: no size keyword.
        static const char* g7[8] = {"sgdt", "sidt", "lgdt", "lidt", "smsw", nullptr, "lmsw", "invlpg"};
        const uint8_t r = in.reg & 7;
        t.s(g7[r]).s(" ");
        memory_text(t, in, r == 4 || r == 6 ? size_keyword(2) : nullptr);
        return;
      }
      if (const char* name = find_mnemonic(kGroup7Registers, uint8_t(0xC0 | (in.reg & 7) << 3 | (in.rm & 7)))) { t.s(name); return; }
      if ((in.reg & 7) == 4) { t.s("smsw ").s(reg_name(in, in.rm, os)); return; }
      if ((in.reg & 7) == 6) { t.s("lmsw ").s(reg_name(in, in.rm, 2)); return; }
      break;
    case 0x20: t.s("mov ").s(reg_name(in, in.rm, control_size)).s(", cr").s(cr_dr_number); return;
    case 0x22: t.s("mov cr").s(cr_dr_number).s(", ").s(reg_name(in, in.rm, control_size)); return;
    case 0x21: t.s("mov ").s(reg_name(in, in.rm, control_size)).s(", dr").s(cr_dr_number); return;
    case 0x23: t.s("mov dr").s(cr_dr_number).s(", ").s(reg_name(in, in.rm, control_size)); return;
    case 0xA0: t.s("push fs"); return;
    case 0xA1: t.s("pop fs"); return;
    case 0xA8: t.s("push gs"); return;
    case 0xA9: t.s("pop gs"); return;
    case 0xB2: case 0xB4: case 0xB5:
      t.s(op == 0xB2 ? "lss " : op == 0xB4 ? "lfs " : "lgs ").s(reg_name(in, in.reg, os)).s(", ");
      memory_text(t, in, far_pointer_keyword(os));
      return;
    case 0xB6: case 0xB7: case 0xBE: case 0xBF:
      t.s(op < 0xB8 ? "movzx " : "movsx ").s(reg_name(in, in.reg, os)).s(", "); rm_text(t, in, (op & 1) ? 2 : 1); return;
    case 0xAF: t.s("imul ").s(reg_name(in, in.reg, os)).s(", "); rm_text(t, in, os); return;
    default: break;
  }
  t.s("op 0x0f ").hex(op);
}

void format(Instruction& in) {
  Text t(in.text);
  if (in.lock) t.s("lock ");
  if (in.map == 0) format_one_byte(t, in);
  else if (in.map == 1) format_two_byte(t, in);
  else t.s(in.map == 2 ? "op 0x0f 0x38 " : "op 0x0f 0x3a ").hex(in.opcode);
}

// Encodings that the opcode maps leave undefined or reserve (#UD), found
// once the ModRM byte is known (SDM Vol. 2 Tables ), and the
// VEX and EVEX forms, which share opcodes with LES, LDS and BOUND.
bool valid_form(const Instruction& in) {
  const uint8_t r = in.reg & 7;
  if (in.map == 0) {
    switch (in.opcode) {
      case 0x62: case 0xC4: case 0xC5: return in.memory;        // BOUND, LES, LDS; else EVEX/VEX
      case 0x8D: return in.memory;                              // LEA of a register
      case 0x8C: return r <= GS;
      case 0x8E: return r <= GS && r != CS;                     // MOV CS, r/m is #UD
      case 0x8F: return r == 0;
      case 0xC6: case 0xC7: return r == 0 || (r == 7 && !in.memory && in.rm == 0);  // MOV, or XABORT/XBEGIN (ModRM F8)
      case 0xFE: return r <= 1;
      case 0xFF: return r != 7 && (in.memory || (r != 3 && r != 5));  // far CALL/JMP take memory
      default: return true;
    }
  }
  if (in.map == 1) {
    switch (in.opcode) {
      case 0x00: return r <= 5;
      case 0x01: return !in.memory || r != 5;
      case 0xB2: case 0xB4: case 0xB5: return in.memory;        // LSS, LFS, LGS
      default: return true;
    }
  }
  return true;
}
}  // namespace

const char* decode_status_name(DecodeStatus s) {
  switch (s) {
    case DecodeStatus::Ok: return "decoded";
    case DecodeStatus::Truncated: return "truncated";
    case DecodeStatus::Invalid: return "invalid encoding";
  }
  return "?";
}

const char* count_register_name(const Instruction& in) {
  return in.address_size == 8 ? "rcx" : in.address_size == 4 ? "ecx" : "cx";
}

bool decode_instruction(const uint8_t* b, size_t avail, CpuMode mode, Instruction& in) {
  in = Instruction{};
  in.mode = mode;
  const bool long_mode = mode == CpuMode::Bits64;
  const uint8_t default_size = mode == CpuMode::Bits16 ? 2 : 4;
  uint8_t os = default_size, as = long_mode ? 8 : default_size;
  size_t i = 0;
  bool too_long = false;  // past 15 bytes: #GP whatever follows (SDM Vol. 2 2.3.11)
  auto need = [&](size_t n) {
    if (i + n > 15) too_long = true;
    return i + n <= avail && !too_long;
  };
  auto fail = [&](DecodeStatus why) {
    in.status = why;
    in.length = 0;
    return false;
  };
  auto truncated = [&] { return fail(too_long ? DecodeStatus::Invalid : DecodeStatus::Truncated); };
  // Legacy prefixes (SDM Vol. 2 2.1.1), then REX in 64-bit mode. A REX that
  // a legacy prefix follows is ignored, and of several the last counts
  // (SDM Vol. 2 2.2.1): 40-4F are never INC/DEC there.
  for (;;) {
    if (!need(1)) return truncated();
    const uint8_t p = b[i];
    if (long_mode && (p & 0xF0) == 0x40) {
      in.rex = p;
      ++i;
      continue;
    }
    if (p == 0x66) os = default_size == 2 ? 4 : 2;
    else if (p == 0x67) as = long_mode ? 4 : (default_size == 2 ? 4 : 2);
    else if (p == 0xF0) in.lock = true;
    else if (p == 0xF3) in.rep = true, in.repne = false;
    else if (p == 0xF2) in.repne = true, in.rep = false;
    else if (p == 0x26 || p == 0x2E || p == 0x36 || p == 0x3E) in.mem.segment = int8_t((p >> 3) & 3);
    else if (p == 0x64 || p == 0x65) in.mem.segment = int8_t(p - 0x60);
    else break;
    in.rex = 0;
    ++i;
  }
  if (in.rex & 8) os = 8;
  uint8_t op = b[i++];
  uint8_t props;
  if (op == 0x0F) {
    if (!need(1)) return truncated();
    op = b[i++];
    if (op == 0x38 || op == 0x3A) {
      if (!need(1)) return truncated();
      in.map = op == 0x38 ? 2 : 3;
      op = b[i++];
      props = in.map == 3 ? (M | I8) : M;
    } else {
      in.map = 1;
      props = two_byte(op);
    }
  } else {
    props = one_byte(op);
    if (long_mode && invalid_in_64_bit_mode(op)) props = BAD;
  }
  if (props & BAD) return fail(DecodeStatus::Invalid);
  if (long_mode && os == 4 && default_64_in_64_bit_mode(in.map, op)) os = 8;
  in.opcode = op;
  in.string = find_string_instruction(in.map, op) != nullptr;
  if (props & M) {
    if (!need(1)) return truncated();
    const uint8_t modrm = b[i++];
    in.has_modrm = true;
    in.mod = modrm >> 6;
    in.reg = uint8_t(((modrm >> 3) & 7) | ((in.rex & 4) << 1));
    in.rm = uint8_t((modrm & 7) | ((in.rex & 1) << 3));
    // MOV to/from CRn/DRn always name registers, whatever the mod bits (SDM Vol. 2 "MOV—Move to/from Control Registers").
    in.memory = in.mod != 3 && !(in.map == 1 && op >= 0x20 && op <= 0x23);
    // Near CALL/JMP through r/m are 64-bit in 64-bit mode, PUSH r/m by default (SDM Vol. 2 "CALL", "JMP", "PUSH").
    if (long_mode && in.map == 0 && op == 0xFF) {
      const uint8_t r = (modrm >> 3) & 7;
      if (r == 2 || r == 4) os = 8;
      if (r == 6 && os == 4) os = 8;
    }
    if (in.memory) {
      if (as == 2) {  // 16-bit addressing (SDM Vol. 2 Table 2-1)
        const uint8_t rm = modrm & 7;
        if (in.mod == 0 && rm == 6) {
          if (!need(2)) return truncated();
          in.mem.displacement = int16_t(b[i] | b[i + 1] << 8);
          i += 2;
        } else {
          in.mem.base = int8_t(100 + rm);  // marks a 16-bit register pair, formatted specially
          if (in.mod == 1) { if (!need(1)) return truncated(); in.mem.displacement = int8_t(b[i++]); }
          if (in.mod == 2) { if (!need(2)) return truncated(); in.mem.displacement = int16_t(b[i] | b[i + 1] << 8); i += 2; }
        }
      } else {  // 32/64-bit addressing (SDM Vol. 2 Tables 2-2, 2-3)
        bool disp32 = in.mod == 2;
        if ((modrm & 7) == 4) {
          if (!need(1)) return truncated();
          const uint8_t sib = b[i++];
          const uint8_t index = uint8_t(((sib >> 3) & 7) | ((in.rex & 2) << 2));
          const uint8_t base = uint8_t((sib & 7) | ((in.rex & 1) << 3));
          in.mem.scale = uint8_t(1u << (sib >> 6));
          if (index != 4) in.mem.index = int8_t(index);
          if ((sib & 7) == 5 && in.mod == 0) disp32 = true;
          else in.mem.base = int8_t(base);
        } else if ((modrm & 7) == 5 && in.mod == 0) {
          disp32 = true;
          in.mem.rip_relative = long_mode;
        } else {
          in.mem.base = int8_t(in.rm);
        }
        if (in.mod == 1) { if (!need(1)) return truncated(); in.mem.displacement = int8_t(b[i++]); }
        if (disp32) {
          if (!need(4)) return truncated();
          in.mem.displacement = int32_t(uint32_t(b[i]) | uint32_t(b[i + 1]) << 8 | uint32_t(b[i + 2]) << 16 | uint32_t(b[i + 3]) << 24);
          i += 4;
        }
      }
    }
  }
  in.operand_size = os;
  in.address_size = as;
  if (!valid_form(in)) return fail(DecodeStatus::Invalid);
  // Immediates.
  uint8_t imm = 0;
  if (props & I8) imm += 1;
  if (props & I16) imm += 2;
  if (props & IZ) imm += os == 2 ? 2 : 4;
  if (props & IV) imm += os;
  if ((op == 0xF6 || op == 0xF7) && in.map == 0 && (in.reg & 7) < 2) imm += op == 0xF6 ? 1 : (os == 2 ? 2 : 4);
  if (props & AP) imm += 2 + (os == 2 ? 2 : 4);
  if (props & MOFFS) imm += as;
  if (!need(imm)) return truncated();
  for (uint8_t k = 0; k < imm && k < 8; ++k) in.immediate |= uint64_t(b[i + k]) << (8 * k);
  in.immediate_size = imm;
  if (props & MOFFS) {
    in.memory = true;
    in.mem.displacement = int64_t(in.immediate);
  }
  // Sign-extend the 32-bit immediate of 64-bit ALU/MOV forms for display and emulation.
  if (os == 8 && imm == 4 && !(props & MOFFS)) in.immediate = uint64_t(int64_t(int32_t(uint32_t(in.immediate))));
  i += imm;
  in.length = uint8_t(i);
  format(in);
  return true;
}

bool as_memory_move(const Instruction& in, MemoryMove& out) {
  if (in.map != 0 || !in.memory) return false;
  const uint8_t op = in.opcode;
  switch (op) {
    case 0x88: case 0x89: out = {true, uint8_t(op == 0x88 ? 1 : in.operand_size), false, in.reg, 0}; return true;
    case 0x8A: case 0x8B: out = {false, uint8_t(op == 0x8A ? 1 : in.operand_size), false, in.reg, 0}; return true;
    case 0xC6: case 0xC7: out = {true, uint8_t(op == 0xC6 ? 1 : in.operand_size), true, 0, in.immediate}; return true;
    case 0xA0: case 0xA1: out = {false, uint8_t(op == 0xA0 ? 1 : in.operand_size), false, 0, 0}; return true;
    case 0xA2: case 0xA3: out = {true, uint8_t(op == 0xA2 ? 1 : in.operand_size), false, 0, 0}; return true;
    default: return false;
  }
}

}  // namespace arch
