// The guest-instruction decoder against a table of encodings (lengths from
// the SDM Vol. 2 opcode maps), in 16-, 32- and 64-bit code.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "arch/instruction_decoder.h"

namespace {
using arch::CpuMode;

struct Case {
  CpuMode mode;
  std::vector<uint8_t> bytes;
  int length;
  const char* text;  // nullptr: length only
};

const Case kCases[] = {
    // the example 4-2 sequence
    {CpuMode::Bits32, {0xB8, 0x01, 0, 0, 0}, 5, "mov eax, 0x1"},
    {CpuMode::Bits32, {0xCD, 0x60}, 2, "int 0x60"},
    {CpuMode::Bits32, {0xCC}, 1, "int3"},
    {CpuMode::Bits32, {0xCF}, 1, "iretd"},
    {CpuMode::Bits32, {0xF4}, 1, "hlt"},
    {CpuMode::Bits32, {0xFA}, 1, "cli"},
    {CpuMode::Bits32, {0xFB}, 1, "sti"},
    {CpuMode::Bits32, {0x90}, 1, "nop"},
    {CpuMode::Bits32, {0xF3, 0x90}, 2, "rep pause"},
    // ALU forms
    {CpuMode::Bits32, {0x01, 0xD8}, 2, "add eax, ebx"},
    {CpuMode::Bits32, {0x29, 0xC8}, 2, "sub eax, ecx"},
    {CpuMode::Bits32, {0x31, 0xC0}, 2, "xor eax, eax"},
    {CpuMode::Bits32, {0x3C, 0x7F}, 2, "cmp al, 0x7f"},
    {CpuMode::Bits32, {0x3D, 0x78, 0x56, 0x34, 0x12}, 5, "cmp eax, 0x12345678"},
    {CpuMode::Bits32, {0x83, 0xC4, 0x08}, 3, "add esp, 0x8"},
    {CpuMode::Bits32, {0x81, 0xEC, 0x00, 0x01, 0, 0}, 6, "sub esp, 0x100"},
    {CpuMode::Bits32, {0x80, 0x3D, 0x00, 0x00, 0x08, 0x00, 0x00}, 7, "cmp byte [0x80000], 0x0"},
    {CpuMode::Bits32, {0x66, 0x05, 0x34, 0x12}, 4, "add ax, 0x1234"},
    // MOV with ModRM, SIB, displacements
    {CpuMode::Bits32, {0x89, 0x43, 0x10}, 3, "mov dword [ebx+0x10], eax"},
    {CpuMode::Bits32, {0x8B, 0x04, 0x24}, 3, "mov eax, dword [esp]"},
    {CpuMode::Bits32, {0x8B, 0x44, 0x24, 0x08}, 4, "mov eax, dword [esp+0x8]"},
    {CpuMode::Bits32, {0x8B, 0x04, 0x8D, 0x00, 0x10, 0x00, 0x00}, 7, "mov eax, dword [ecx*4+0x1000]"},
    {CpuMode::Bits32, {0x8B, 0x84, 0x8B, 0x00, 0x01, 0x00, 0x00}, 7, "mov eax, dword [ebx+ecx*4+0x100]"},
    {CpuMode::Bits32, {0x8B, 0x45, 0xFC}, 3, "mov eax, dword [ebp-0x4]"},
    {CpuMode::Bits32, {0x8B, 0x05, 0x80, 0x00, 0xE0, 0xFE}, 6, "mov eax, dword [0xfee00080]"},
    {CpuMode::Bits32, {0xC7, 0x05, 0x80, 0x00, 0xE0, 0xFE, 0x50, 0, 0, 0}, 10, "mov dword [0xfee00080], 0x50"},
    {CpuMode::Bits32, {0xC6, 0x00, 0x41}, 3, "mov byte [eax], 0x41"},
    {CpuMode::Bits32, {0x88, 0x18}, 2, "mov byte [eax], bl"},
    {CpuMode::Bits32, {0xA1, 0x00, 0x10, 0x00, 0x00}, 5, "mov eax, dword [0x1000]"},
    {CpuMode::Bits32, {0xA2, 0x00, 0x10, 0x00, 0x00}, 5, "mov byte [0x1000], al"},
    {CpuMode::Bits32, {0x8E, 0xD2}, 2, "mov ss, dx"},
    {CpuMode::Bits32, {0x8E, 0x15, 0x10, 0x00, 0x08, 0x00}, 6, "mov ss, word [0x80010]"},
    {CpuMode::Bits32, {0x8D, 0x74, 0x26, 0x00}, 4, "lea esi, dword [esi]"},
    {CpuMode::Bits32, {0xB0, 0x20}, 2, "mov al, 0x20"},
    {CpuMode::Bits32, {0x2E, 0x8B, 0x00}, 3, "mov eax, dword [cs:eax]"},
    // stack, branches
    {CpuMode::Bits32, {0x50}, 1, "push eax"},
    {CpuMode::Bits32, {0x5D}, 1, "pop ebp"},
    {CpuMode::Bits32, {0x68, 0x00, 0x10, 0x00, 0x00}, 5, nullptr},
    {CpuMode::Bits32, {0x6A, 0x23}, 2, nullptr},
    {CpuMode::Bits32, {0x74, 0xFE}, 2, "je -0x2"},
    {CpuMode::Bits32, {0xEB, 0x05}, 2, "jmp +0x5"},
    {CpuMode::Bits32, {0xE8, 0x10, 0x00, 0x00, 0x00}, 5, "call +0x10"},
    {CpuMode::Bits32, {0xE9, 0xF0, 0xFF, 0xFF, 0xFF}, 5, "jmp -0x10"},
    {CpuMode::Bits32, {0x0F, 0x84, 0x00, 0x01, 0x00, 0x00}, 6, "je +0x100"},
    {CpuMode::Bits32, {0xC3}, 1, "ret"},
    {CpuMode::Bits32, {0xC2, 0x08, 0x00}, 3, "ret 0x8"},
    {CpuMode::Bits32, {0xEA, 0x00, 0x00, 0x02, 0x00, 0x08, 0x00}, 7, nullptr},
    {CpuMode::Bits32, {0x9A, 0x00, 0x00, 0x02, 0x00, 0x28, 0x00}, 7, nullptr},
    {CpuMode::Bits32, {0xC8, 0x10, 0x00, 0x00}, 4, nullptr},
    {CpuMode::Bits32, {0xFF, 0xD0}, 2, "call eax"},
    {CpuMode::Bits32, {0xFF, 0x25, 0x00, 0x10, 0x00, 0x00}, 6, "jmp dword [0x1000]"},
    // groups, shifts, test
    {CpuMode::Bits32, {0xF7, 0xC1, 0x00, 0x01, 0x00, 0x00}, 6, "test ecx, 0x100"},
    {CpuMode::Bits32, {0xF6, 0xC4, 0x01}, 3, "test ah, 0x1"},
    {CpuMode::Bits32, {0xF7, 0xE3}, 2, "mul ebx"},
    {CpuMode::Bits32, {0xC1, 0xE0, 0x04}, 3, "shl eax, 0x4"},
    {CpuMode::Bits32, {0xD3, 0xE8}, 2, "shr eax, cl"},
    {CpuMode::Bits32, {0x85, 0xC0}, 2, "test eax, eax"},
    {CpuMode::Bits32, {0xFE, 0xC0}, 2, "inc al"},
    {CpuMode::Bits32, {0x40}, 1, "inc eax"},
    // I/O
    {CpuMode::Bits32, {0xE6, 0x21}, 2, "out 0x21, al"},
    {CpuMode::Bits32, {0xE4, 0x60}, 2, "in al, 0x60"},
    {CpuMode::Bits32, {0xEE}, 1, "out dx, al"},
    {CpuMode::Bits32, {0xEC}, 1, "in al, dx"},
    // system instructions (0F map)
    {CpuMode::Bits32, {0x0F, 0xA2}, 2, "cpuid"},
    {CpuMode::Bits32, {0x0F, 0x31}, 2, "rdtsc"},
    {CpuMode::Bits32, {0x0F, 0x32}, 2, "rdmsr"},
    {CpuMode::Bits32, {0x0F, 0x30}, 2, "wrmsr"},
    {CpuMode::Bits32, {0x0F, 0x34}, 2, "sysenter"},
    {CpuMode::Bits32, {0x0F, 0x35}, 2, "sysexit"},
    {CpuMode::Bits32, {0x0F, 0x01, 0xC1}, 3, "vmcall"},
    {CpuMode::Bits32, {0x0F, 0x01, 0xC3}, 3, "vmresume"},
    {CpuMode::Bits32, {0x0F, 0x01, 0x15, 0x00, 0x10, 0x00, 0x00}, 7, "lgdt dword [0x1000]"},
    {CpuMode::Bits32, {0x0F, 0x01, 0x1D, 0x00, 0x10, 0x00, 0x00}, 7, "lidt dword [0x1000]"},
    {CpuMode::Bits32, {0x0F, 0x00, 0xD8}, 3, "ltr ax"},
    {CpuMode::Bits32, {0x0F, 0x20, 0xD8}, 3, "mov eax, cr3"},
    {CpuMode::Bits32, {0x0F, 0x22, 0xC0}, 3, "mov cr0, eax"},
    {CpuMode::Bits32, {0x0F, 0x21, 0xF0}, 3, "mov eax, dr6"},
    {CpuMode::Bits32, {0x0F, 0x23, 0xC0}, 3, "mov dr0, eax"},
    {CpuMode::Bits32, {0x0F, 0xB6, 0xC0}, 3, "movzx eax, al"},
    {CpuMode::Bits32, {0x0F, 0xBF, 0x03}, 3, "movsx eax, word [ebx]"},
    {CpuMode::Bits32, {0x0F, 0x94, 0xC0}, 3, "sete al"},
    {CpuMode::Bits32, {0x0F, 0x44, 0xC1}, 3, "cmove eax, ecx"},
    {CpuMode::Bits32, {0x0F, 0xBA, 0xE0, 0x05}, 4, nullptr},
    {CpuMode::Bits32, {0x0F, 0x0B}, 2, "ud2"},
    {CpuMode::Bits32, {0xF0, 0x0F, 0xA2}, 3, "lock cpuid"},
    {CpuMode::Bits32, {0x0F, 0x3A, 0x0F, 0xC1, 0x08}, 5, nullptr},
    {CpuMode::Bits32, {0x0F, 0x38, 0x00, 0xC1}, 4, nullptr},
    {CpuMode::Bits32, {0xD9, 0xE8}, 2, nullptr},
    // 16-bit code (real mode)
    {CpuMode::Bits16, {0xB8, 0x34, 0x12}, 3, "mov ax, 0x1234"},
    {CpuMode::Bits16, {0x66, 0xB8, 0x78, 0x56, 0x34, 0x12}, 6, "mov eax, 0x12345678"},
    {CpuMode::Bits16, {0x8B, 0x07}, 2, "mov ax, word [bx]"},
    {CpuMode::Bits16, {0x8B, 0x46, 0x02}, 3, "mov ax, word [bp+0x2]"},
    {CpuMode::Bits16, {0x8B, 0x16, 0x00, 0x7C}, 4, "mov dx, word [0x7c00]"},
    {CpuMode::Bits16, {0x67, 0x8B, 0x03}, 3, "mov ax, word [ebx]"},
    {CpuMode::Bits16, {0xE8, 0x00, 0x01}, 3, "call +0x100"},
    {CpuMode::Bits16, {0x66, 0xEA, 0x00, 0x00, 0x02, 0x00, 0x08, 0x00}, 8, nullptr},
    {CpuMode::Bits16, {0xCD, 0x10}, 2, "int 0x10"},
    // 64-bit code
    {CpuMode::Bits64, {0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 8}, 10, "mov rax, 0x807060504030201"},
    {CpuMode::Bits64, {0x48, 0xC7, 0xC0, 0xFF, 0xFF, 0xFF, 0xFF}, 7, "mov rax, 0xffffffffffffffff"},
    {CpuMode::Bits64, {0x48, 0x8B, 0x05, 0x10, 0x00, 0x00, 0x00}, 7, "mov rax, qword [rip+0x10]"},
    {CpuMode::Bits64, {0x48, 0x89, 0x44, 0x24, 0x08}, 5, "mov qword [rsp+0x8], rax"},
    {CpuMode::Bits64, {0x4C, 0x8B, 0x04, 0x24}, 4, "mov r8, qword [rsp]"},
    {CpuMode::Bits64, {0x41, 0x50}, 2, "push r8"},
    {CpuMode::Bits64, {0x55}, 1, "push rbp"},
    {CpuMode::Bits64, {0x48, 0x31, 0xC0}, 3, "xor rax, rax"},
    {CpuMode::Bits64, {0x48, 0xCF}, 2, "iretq"},
    {CpuMode::Bits64, {0x0F, 0x05}, 2, "syscall"},
    {CpuMode::Bits64, {0x40, 0x88, 0xC6}, 3, "mov sil, al"},
    {CpuMode::Bits64, {0x48, 0x8D, 0x35, 0x00, 0x01, 0x00, 0x00}, 7, "lea rsi, qword [rip+0x100]"},
    {CpuMode::Bits64, {0x67, 0x8B, 0x03}, 3, "mov eax, dword [ebx]"},
    {CpuMode::Bits64, {0x48, 0xA1, 1, 0, 0, 0, 0, 0, 0, 0}, 10, nullptr},
    {CpuMode::Bits64, {0x48, 0x0F, 0x22, 0xD8}, 4, "mov cr3, rax"},
};

TEST(InstructionDecoder, TableOfEncodings) {
  int n = 0;
  for (const Case& c : kCases) {
    arch::Instruction in;
    ASSERT_TRUE(arch::decode_instruction(c.bytes.data(), c.bytes.size(), c.mode, in)) << "case " << n;
    EXPECT_EQ(in.length, c.length) << "case " << n << " (" << in.text << ")";
    if (c.text) EXPECT_STREQ(in.text, c.text) << "case " << n;
    ++n;
  }
  EXPECT_GE(n, 80);
}

TEST(InstructionDecoder, NeverReadsPastTheBuffer) {
  for (const Case& c : kCases)
    for (size_t cut = 0; cut < c.bytes.size(); ++cut) {
      arch::Instruction in;
      EXPECT_FALSE(arch::decode_instruction(c.bytes.data(), cut, c.mode, in)) << "truncated to " << cut;
    }
}

TEST(InstructionDecoder, InvalidIn64BitMode) {
  const uint8_t push_es = 0x06, pusha = 0x60;
  arch::Instruction in;
  EXPECT_FALSE(arch::decode_instruction(&push_es, 1, CpuMode::Bits64, in));
  EXPECT_FALSE(arch::decode_instruction(&pusha, 1, CpuMode::Bits64, in));
  EXPECT_TRUE(arch::decode_instruction(&pusha, 1, CpuMode::Bits32, in));
}

TEST(InstructionDecoder, LongerThanFifteenBytesIsRefused) {
  std::vector<uint8_t> b(15, 0x66);  // 15 prefixes + the opcode: 16 bytes
  b.push_back(0x90);
  b.push_back(0x90);
  arch::Instruction in;
  EXPECT_FALSE(arch::decode_instruction(b.data(), b.size(), CpuMode::Bits32, in));
}

TEST(MemoryMove, StoresAndLoadsForEptHooks) {
  arch::Instruction in;
  arch::MemoryMove mv;
  const uint8_t store_imm[] = {0xC7, 0x05, 0x80, 0x00, 0xE0, 0xFE, 0x50, 0, 0, 0};
  ASSERT_TRUE(arch::decode_instruction(store_imm, sizeof store_imm, CpuMode::Bits32, in));
  ASSERT_TRUE(arch::as_memory_move(in, mv));
  EXPECT_TRUE(mv.store);
  EXPECT_TRUE(mv.immediate);
  EXPECT_EQ(mv.value, 0x50u);
  EXPECT_EQ(mv.size, 4);
  const uint8_t load[] = {0x8B, 0x1D, 0x80, 0x00, 0xE0, 0xFE};
  ASSERT_TRUE(arch::decode_instruction(load, sizeof load, CpuMode::Bits32, in));
  ASSERT_TRUE(arch::as_memory_move(in, mv));
  EXPECT_FALSE(mv.store);
  EXPECT_EQ(mv.reg, 3);  // ebx
  const uint8_t store_reg[] = {0x89, 0x08};
  ASSERT_TRUE(arch::decode_instruction(store_reg, sizeof store_reg, CpuMode::Bits32, in));
  ASSERT_TRUE(arch::as_memory_move(in, mv));
  EXPECT_TRUE(mv.store);
  EXPECT_EQ(mv.reg, 1);  // ecx
  const uint8_t reg_to_reg[] = {0x89, 0xC8};
  ASSERT_TRUE(arch::decode_instruction(reg_to_reg, sizeof reg_to_reg, CpuMode::Bits32, in));
  EXPECT_FALSE(arch::as_memory_move(in, mv));
}
}  // namespace
