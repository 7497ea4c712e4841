#include "arch/instruction_decoder.h"

namespace arch {
namespace {

// One-byte opcode properties (SDM Vol. 2 Table A-2).
enum : uint8_t {
  M = 1,       // ModRM follows
  I8 = 2,      // 8-bit immediate
  IZ = 4,      // 16/32-bit immediate (operand size; 32 when 64-bit operands)
  I16 = 8,     // 16-bit immediate
  IV = 16,     // 16/32/64-bit immediate (MOV r, imm with REX.W)
  AP = 32,     // far pointer: 16-bit selector + 16/32-bit offset
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

const char* const kReg64[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"};
const char* const kReg32[16] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"};
const char* const kReg16[16] = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"};
const char* const kReg8[16] = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"};
const char* const kReg8Rex[8] = {"al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"};
const char* const kSeg[6] = {"es", "cs", "ss", "ds", "fs", "gs"};
const char* const kAlu[8] = {"add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"};
const char* const kShift[8] = {"rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar"};
const char* const kCc[16] = {"o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"};

class Text {
 public:
  explicit Text(char* buf) : buf_(buf) { buf_[0] = 0; }
  Text& s(const char* t) {
    while (*t && n_ + 1 < 64) buf_[n_++] = *t++;
    buf_[n_] = 0;
    return *this;
  }
  Text& hex(uint64_t v) {
    char d[20];
    int k = 0;
    do d[k++] = "0123456789abcdef"[v & 15], v >>= 4;
    while (v);
    s("0x");
    while (k) {
      char c[2] = {d[--k], 0};
      s(c);
    }
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

void memory_text(Text& t, const Instruction& in, uint8_t size) {
  t.s(size == 1 ? "byte [" : size == 2 ? "word [" : size == 8 ? "qword [" : "dword [");
  if (in.mem.segment >= 0) t.s(kSeg[in.mem.segment]).s(":");
  const MemoryOperand& m = in.mem;
  bool any = false;
  if (in.address_size == 2 && m.base >= 0 && m.index < 0 && m.base >= 100) {
    static const char* pairs[] = {"bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx"};
    t.s(pairs[m.base - 100]);
    any = true;
  } else {
    const uint8_t asz = in.address_size;
    if (m.rip_relative) t.s("rip"), any = true;
    if (m.base >= 0) t.s(asz == 8 ? kReg64[m.base] : asz == 2 ? kReg16[m.base] : kReg32[m.base]), any = true;
    if (m.index >= 0) {
      if (any) t.s("+");
      t.s(asz == 8 ? kReg64[m.index] : kReg32[m.index]);
      if (m.scale > 1) {
        char sc[3] = {'*', char('0' + m.scale), 0};
        t.s(sc);
      }
      any = true;
    }
  }
  if (m.displacement || !any) {
    if (any) t.sdisp(m.displacement);
    else t.hex(uint64_t(m.displacement) & (in.address_size == 2 ? 0xFFFF : in.address_size == 4 ? 0xFFFFFFFF : ~0ull));
  }
  t.s("]");
}

void rm_text(Text& t, const Instruction& in, uint8_t size) {
  if (in.memory) memory_text(t, in, size);
  else t.s(reg_name(in, in.rm, size));
}

void format(Instruction& in) {
  Text t(in.text);
  const uint8_t op = in.opcode;
  const uint8_t os = in.operand_size;
  const uint8_t size = (in.map == 0 && (op & 1) == 0 && (op < 0x40 || (op >= 0x84 && op <= 0x8B) || op == 0xC6 || op == 0xF6 ||
                                                          op == 0xFE || op == 0x80 || op == 0x82 || op == 0xC0 || op == 0xD0 || op == 0xD2))
                           ? 1
                           : os;
  if (in.lock) t.s("lock ");
  if (in.rep) t.s("rep ");
  if (in.map == 0) {
    if (op < 0x40 && (op & 7) <= 5) {
      t.s(kAlu[op >> 3]).s(" ");
      switch (op & 7) {
        case 0: case 1: rm_text(t, in, size); t.s(", ").s(reg_name(in, in.reg, size)); return;
        case 2: case 3: t.s(reg_name(in, in.reg, size)).s(", "); rm_text(t, in, size); return;
        case 4: t.s("al, ").hex(in.immediate); return;
        default: t.s(reg_name(in, 0, os)).s(", ").hex(in.immediate); return;
      }
    }
    if (op >= 0x50 && op <= 0x57) { t.s("push ").s(reg_name(in, uint8_t((op & 7) | (in.rex & 1) << 3), in.address_size == 8 ? 8 : os)); return; }
    if (op >= 0x58 && op <= 0x5F) { t.s("pop ").s(reg_name(in, uint8_t((op & 7) | (in.rex & 1) << 3), in.address_size == 8 ? 8 : os)); return; }
    if (op >= 0x40 && op <= 0x4F) { t.s(op < 0x48 ? "inc " : "dec ").s(reg_name(in, op & 7, os)); return; }
    if (op >= 0x70 && op <= 0x7F) { t.s("j").s(kCc[op & 15]).s(" ").sdisp(int8_t(in.immediate)); return; }
    if (op >= 0x88 && op <= 0x8B) {
      t.s("mov ");
      if (op < 0x8A) { rm_text(t, in, size); t.s(", ").s(reg_name(in, in.reg, size)); }
      else { t.s(reg_name(in, in.reg, size)).s(", "); rm_text(t, in, size); }
      return;
    }
    if (op >= 0xB0 && op <= 0xB7) { t.s("mov ").s(reg_name(in, uint8_t((op & 7) | (in.rex & 1) << 3), 1)).s(", ").hex(in.immediate); return; }
    if (op >= 0xB8 && op <= 0xBF) { t.s("mov ").s(reg_name(in, uint8_t((op & 7) | (in.rex & 1) << 3), os)).s(", ").hex(in.immediate); return; }
    if (op >= 0xA0 && op <= 0xA3) {
      const uint8_t sz = (op & 1) ? os : 1;
      t.s("mov ");
      if (op < 0xA2) { t.s(reg_name(in, 0, sz)).s(", "); memory_text(t, in, sz); }
      else { memory_text(t, in, sz); t.s(", ").s(reg_name(in, 0, sz)); }
      return;
    }
    switch (op) {
      case 0x80: case 0x81: case 0x83: t.s(kAlu[in.reg & 7]).s(" "); rm_text(t, in, op == 0x80 ? 1 : os); t.s(", ").hex(in.immediate); return;
      case 0x84: case 0x85: t.s("test "); rm_text(t, in, size); t.s(", ").s(reg_name(in, in.reg, size)); return;
      case 0x86: case 0x87: t.s("xchg "); rm_text(t, in, size); t.s(", ").s(reg_name(in, in.reg, size)); return;
      case 0x8D: t.s("lea ").s(reg_name(in, in.reg, os)).s(", "); memory_text(t, in, os); return;
      case 0x8E: t.s("mov ").s(kSeg[(in.reg & 7) % 6]).s(", "); rm_text(t, in, 2); return;
      case 0x8C: t.s("mov "); rm_text(t, in, 2); t.s(", ").s(kSeg[(in.reg & 7) % 6]); return;
      case 0x90: t.s(in.rep ? "pause" : "nop"); return;
      case 0x9C: t.s("pushf"); return;
      case 0x9D: t.s("popf"); return;
      case 0xC2: t.s("ret ").hex(in.immediate); return;
      case 0xC3: t.s("ret"); return;
      case 0xC6: case 0xC7: t.s("mov "); rm_text(t, in, op == 0xC6 ? 1 : os); t.s(", ").hex(in.immediate); return;
      case 0xC9: t.s("leave"); return;
      case 0xCC: t.s("int3"); return;
      case 0xCD: t.s("int ").hex(in.immediate); return;
      case 0xCE: t.s("into"); return;
      case 0xCF: t.s(os == 8 ? "iretq" : os == 2 ? "iretw" : "iretd"); return;
      case 0xE4: t.s("in al, ").hex(in.immediate); return;
      case 0xE5: t.s("in ").s(reg_name(in, 0, os)).s(", ").hex(in.immediate); return;
      case 0xE6: t.s("out ").hex(in.immediate).s(", al"); return;
      case 0xE7: t.s("out ").hex(in.immediate).s(", ").s(reg_name(in, 0, os)); return;
      case 0xEC: t.s("in al, dx"); return;
      case 0xED: t.s("in ").s(reg_name(in, 0, os)).s(", dx"); return;
      case 0xEE: t.s("out dx, al"); return;
      case 0xEF: t.s("out dx, ").s(reg_name(in, 0, os)); return;
      case 0xE8: t.s("call ").sdisp(int64_t(in.immediate_size == 2 ? int16_t(in.immediate) : int32_t(in.immediate))); return;
      case 0xE9: t.s("jmp ").sdisp(int64_t(in.immediate_size == 2 ? int16_t(in.immediate) : int32_t(in.immediate))); return;
      case 0xEB: t.s("jmp ").sdisp(int8_t(in.immediate)); return;
      case 0xF4: t.s("hlt"); return;
      case 0xFA: t.s("cli"); return;
      case 0xFB: t.s("sti"); return;
      case 0xFC: t.s("cld"); return;
      case 0xFD: t.s("std"); return;
      case 0xC0: case 0xC1: case 0xD0: case 0xD1: case 0xD2: case 0xD3:
        t.s(kShift[in.reg & 7]).s(" "); rm_text(t, in, size); t.s(", ");
        if (op <= 0xC1) t.hex(in.immediate); else if (op >= 0xD2) t.s("cl"); else t.s("1");
        return;
      case 0xF6: case 0xF7: {
        static const char* g3[8] = {"test", "test", "not", "neg", "mul", "imul", "div", "idiv"};
        t.s(g3[in.reg & 7]).s(" "); rm_text(t, in, size);
        if ((in.reg & 7) < 2) t.s(", ").hex(in.immediate);
        return;
      }
      case 0xFE: case 0xFF: {
        static const char* g5[8] = {"inc", "dec", "call", "call far", "jmp", "jmp far", "push", "(bad)"};
        t.s(g5[in.reg & 7]).s(" "); rm_text(t, in, op == 0xFE ? 1 : os);
        return;
      }
      default: t.s("op ").hex(op); return;
    }
  }
  if (in.map == 1) {
    if (op >= 0x80 && op <= 0x8F) { t.s("j").s(kCc[op & 15]).s(" ").sdisp(int64_t(in.immediate_size == 2 ? int16_t(in.immediate) : int32_t(in.immediate))); return; }
    if (op >= 0x90 && op <= 0x9F) { t.s("set").s(kCc[op & 15]).s(" "); rm_text(t, in, 1); return; }
    if (op >= 0x40 && op <= 0x4F) { t.s("cmov").s(kCc[op & 15]).s(" ").s(reg_name(in, in.reg, os)).s(", "); rm_text(t, in, os); return; }
    switch (op) {
      case 0x01:
        if (!in.memory) {
          static const struct { uint8_t modrm; const char* name; } special[] = {
              {0xC1, "vmcall"}, {0xC2, "vmlaunch"}, {0xC3, "vmresume"}, {0xC4, "vmxoff"}, {0xD0, "xgetbv"}, {0xD1, "xsetbv"},
              {0xD4, "vmfunc"}, {0xF8, "swapgs"}, {0xF9, "rdtscp"}, {0xC8, "monitor"}, {0xC9, "mwait"}};
          const uint8_t modrm = uint8_t(0xC0 | (in.reg & 7) << 3 | (in.rm & 7));
          for (const auto& s : special)
            if (s.modrm == modrm) { t.s(s.name); return; }
        } else {
          static const char* g7[8] = {"sgdt", "sidt", "lgdt", "lidt", "smsw", "(bad)", "lmsw", "invlpg"};
          t.s(g7[in.reg & 7]).s(" "); memory_text(t, in, os); return;
        }
        break;
      case 0x00: {
        static const char* g6[8] = {"sldt", "str", "lldt", "ltr", "verr", "verw", "(bad)", "(bad)"};
        t.s(g6[in.reg & 7]).s(" "); rm_text(t, in, 2); return;
      }
      case 0x05: t.s("syscall"); return;
      case 0x07: t.s("sysret"); return;
      case 0x08: t.s("invd"); return;
      case 0x09: t.s("wbinvd"); return;
      case 0x0B: t.s("ud2"); return;
      case 0x20: t.s("mov ").s(reg_name(in, in.rm, in.address_size == 8 ? 8 : 4)).s(", cr"); { char c[3] = {char('0' + (in.reg & 15) % 10), 0, 0}; t.s(c); } return;
      case 0x22: t.s("mov cr"); { char c[2] = {char('0' + (in.reg & 15) % 10), 0}; t.s(c); } t.s(", ").s(reg_name(in, in.rm, in.address_size == 8 ? 8 : 4)); return;
      case 0x21: t.s("mov ").s(reg_name(in, in.rm, 4)).s(", dr"); { char c[2] = {char('0' + (in.reg & 7)), 0}; t.s(c); } return;
      case 0x23: t.s("mov dr"); { char c[2] = {char('0' + (in.reg & 7)), 0}; t.s(c); } t.s(", ").s(reg_name(in, in.rm, 4)); return;
      case 0x30: t.s("wrmsr"); return;
      case 0x31: t.s("rdtsc"); return;
      case 0x32: t.s("rdmsr"); return;
      case 0x34: t.s("sysenter"); return;
      case 0x35: t.s("sysexit"); return;
      case 0xA2: t.s("cpuid"); return;
      case 0xB6: case 0xB7: case 0xBE: case 0xBF:
        t.s(op < 0xB8 ? "movzx " : "movsx ").s(reg_name(in, in.reg, os)).s(", "); rm_text(t, in, (op & 1) ? 2 : 1); return;
      case 0xAF: t.s("imul ").s(reg_name(in, in.reg, os)).s(", "); rm_text(t, in, os); return;
      default: break;
    }
    t.s("op 0x0f ").hex(op);
    return;
  }
  t.s(in.map == 2 ? "op 0x0f 0x38 " : "op 0x0f 0x3a ").hex(op);
}
}  // namespace

bool decode_instruction(const uint8_t* b, size_t avail, CpuMode mode, Instruction& in) {
  in = Instruction{};
  const bool long_mode = mode == CpuMode::Bits64;
  const uint8_t default_size = mode == CpuMode::Bits16 ? 2 : 4;
  uint8_t os = default_size, as = long_mode ? 8 : default_size;
  size_t i = 0;
  auto need = [&](size_t n) { return i + n <= avail && i + n <= 15; };
  // Legacy prefixes (SDM Vol. 2 2.1.1), then REX in 64-bit mode.
  for (;;) {
    if (!need(1)) return false;
    const uint8_t p = b[i];
    if (p == 0x66) os = default_size == 2 ? 4 : 2;
    else if (p == 0x67) as = long_mode ? 4 : (default_size == 2 ? 4 : 2);
    else if (p == 0xF0) in.lock = true;
    else if (p == 0xF3) in.rep = true;
    else if (p == 0xF2) in.repne = true;
    else if (p == 0x26 || p == 0x2E || p == 0x36 || p == 0x3E) in.mem.segment = int8_t((p >> 3) & 3);
    else if (p == 0x64 || p == 0x65) in.mem.segment = int8_t(p - 0x60);
    else break;
    ++i;
  }
  if (long_mode && (b[i] & 0xF0) == 0x40) {
    in.rex = b[i++];
    if (in.rex & 8) os = 8;
    if (!need(1)) return false;
  }
  uint8_t op = b[i++];
  uint8_t props;
  if (op == 0x0F) {
    if (!need(1)) return false;
    op = b[i++];
    if (op == 0x38 || op == 0x3A) {
      if (!need(1)) return false;
      in.map = op == 0x38 ? 2 : 3;
      op = b[i++];
      props = in.map == 3 ? (M | I8) : M;
    } else {
      in.map = 1;
      props = two_byte(op);
    }
  } else {
    props = one_byte(op);
    // Opcodes that do not exist in 64-bit mode (SDM Vol. 2 Table A-2, "i64").
    if (long_mode && (op == 0x06 || op == 0x07 || op == 0x0E || op == 0x16 || op == 0x17 || op == 0x1E || op == 0x1F ||
                      op == 0x27 || op == 0x2F || op == 0x37 || op == 0x3F || op == 0x60 || op == 0x61 || op == 0x62 ||
                      op == 0x82 || op == 0x9A || op == 0xC4 || op == 0xC5 || op == 0xD4 || op == 0xD5 || op == 0xEA))
      props = BAD;
    // Stack and near-branch operations default to 64-bit operands in long mode.
    if (long_mode && ((op >= 0x50 && op <= 0x5F) || op == 0x8F || op == 0xC3 || op == 0xC2 || op == 0x9C || op == 0x9D))
      if (os == 4) os = 8;
  }
  if (props & BAD) return false;
  in.opcode = op;
  in.operand_size = os;
  in.address_size = as;
  if (props & M) {
    if (!need(1)) return false;
    const uint8_t modrm = b[i++];
    in.has_modrm = true;
    in.mod = modrm >> 6;
    in.reg = uint8_t(((modrm >> 3) & 7) | ((in.rex & 4) << 1));
    in.rm = uint8_t((modrm & 7) | ((in.rex & 1) << 3));
    in.memory = in.mod != 3;
    if (in.memory) {
      if (as == 2) {  // 16-bit addressing (SDM Vol. 2 Table 2-1)
        const uint8_t rm = modrm & 7;
        if (in.mod == 0 && rm == 6) {
          if (!need(2)) return false;
          in.mem.displacement = int16_t(b[i] | b[i + 1] << 8);
          i += 2;
        } else {
          in.mem.base = int8_t(100 + rm);  // marks a 16-bit register pair, formatted specially
          if (in.mod == 1) { if (!need(1)) return false; in.mem.displacement = int8_t(b[i++]); }
          if (in.mod == 2) { if (!need(2)) return false; in.mem.displacement = int16_t(b[i] | b[i + 1] << 8); i += 2; }
        }
      } else {  // 32/64-bit addressing (SDM Vol. 2 Tables 2-2, 2-3)
        bool disp32 = in.mod == 2;
        if ((modrm & 7) == 4) {
          if (!need(1)) return false;
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
        if (in.mod == 1) { if (!need(1)) return false; in.mem.displacement = int8_t(b[i++]); }
        if (disp32) {
          if (!need(4)) return false;
          in.mem.displacement = int32_t(uint32_t(b[i]) | uint32_t(b[i + 1]) << 8 | uint32_t(b[i + 2]) << 16 | uint32_t(b[i + 3]) << 24);
          i += 4;
        }
      }
    }
  }
  // Immediates.
  uint8_t imm = 0;
  if (props & I8) imm += 1;
  if (props & I16) imm += 2;
  if (props & IZ) imm += os == 2 ? 2 : 4;
  if (props & IV) imm += os;
  if ((op == 0xF6 || op == 0xF7) && in.map == 0 && (in.reg & 7) < 2) imm += op == 0xF6 ? 1 : (os == 2 ? 2 : 4);
  if (props & AP) imm += 2 + (os == 2 ? 2 : 4);
  if (props & MOFFS) imm += as;
  if (!need(imm)) return false;
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
