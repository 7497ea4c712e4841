// The guest-instruction decoder against a table of encodings (lengths from
// the SDM Vol. 2 opcode maps, text with the SDM's mnemonics), in 16-, 32-
// and 64-bit code; and against every instruction of the guest programs, as
// nasm's listings give them.
#include <gtest/gtest.h>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <regex>
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
    {CpuMode::Bits32, {0xF3, 0x90}, 2, "pause"},
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
    {CpuMode::Bits32, {0x8D, 0x74, 0x26, 0x00}, 4, "lea esi, [esi]"},
    {CpuMode::Bits32, {0xB0, 0x20}, 2, "mov al, 0x20"},
    {CpuMode::Bits32, {0x2E, 0x8B, 0x00}, 3, "mov eax, dword [cs:eax]"},
    // stack, branches
    {CpuMode::Bits32, {0x50}, 1, "push eax"},
    {CpuMode::Bits32, {0x5D}, 1, "pop ebp"},
    {CpuMode::Bits32, {0x68, 0x00, 0x10, 0x00, 0x00}, 5, "push 0x1000"},
    {CpuMode::Bits32, {0x6A, 0x23}, 2, "push 0x23"},
    {CpuMode::Bits32, {0x74, 0xFE}, 2, "je -0x2"},
    {CpuMode::Bits32, {0xEB, 0x05}, 2, "jmp +0x5"},
    {CpuMode::Bits32, {0xE8, 0x10, 0x00, 0x00, 0x00}, 5, "call +0x10"},
    {CpuMode::Bits32, {0xE9, 0xF0, 0xFF, 0xFF, 0xFF}, 5, "jmp -0x10"},
    {CpuMode::Bits32, {0x0F, 0x84, 0x00, 0x01, 0x00, 0x00}, 6, "je +0x100"},
    {CpuMode::Bits32, {0xC3}, 1, "ret"},
    {CpuMode::Bits32, {0xC2, 0x08, 0x00}, 3, "ret 0x8"},
    {CpuMode::Bits32, {0xEA, 0x00, 0x00, 0x02, 0x00, 0x08, 0x00}, 7, "jmp far 0x8:0x20000"},
    {CpuMode::Bits32, {0x9A, 0x00, 0x00, 0x02, 0x00, 0x28, 0x00}, 7, "call far 0x28:0x20000"},
    {CpuMode::Bits32, {0xC8, 0x10, 0x00, 0x00}, 4, "enter 0x10, 0x0"},
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
    {CpuMode::Bits32, {0x0F, 0x01, 0x15, 0x00, 0x10, 0x00, 0x00}, 7, "lgdt [0x1000]"},
    {CpuMode::Bits32, {0x0F, 0x01, 0x1D, 0x00, 0x10, 0x00, 0x00}, 7, "lidt [0x1000]"},
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
    {CpuMode::Bits16, {0x66, 0xEA, 0x00, 0x00, 0x02, 0x00, 0x08, 0x00}, 8, "jmp far 0x8:0x20000"},
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
    {CpuMode::Bits64, {0x48, 0x8D, 0x35, 0x00, 0x01, 0x00, 0x00}, 7, "lea rsi, [rip+0x100]"},
    {CpuMode::Bits64, {0x67, 0x8B, 0x03}, 3, "mov eax, dword [ebx]"},
    {CpuMode::Bits64, {0x48, 0xA1, 1, 0, 0, 0, 0, 0, 0, 0}, 10, nullptr},
    {CpuMode::Bits64, {0x48, 0x0F, 0x22, 0xD8}, 4, "mov cr3, rax"},    // string instructions, all widths, with REP/REPE/REPNE, operand- and address-size and segment prefixes
    {CpuMode::Bits32, {0xA4}, 1, "movsb"},
    {CpuMode::Bits32, {0xA5}, 1, "movsd"},
    {CpuMode::Bits32, {0x66, 0xA5}, 2, "movsw"},
    {CpuMode::Bits16, {0xA5}, 1, "movsw"},
    {CpuMode::Bits16, {0x66, 0xA5}, 2, "movsd"},
    {CpuMode::Bits64, {0xA5}, 1, "movsd"},
    {CpuMode::Bits64, {0x48, 0xA5}, 2, "movsq"},
    {CpuMode::Bits64, {0x66, 0xA5}, 2, "movsw"},
    {CpuMode::Bits32, {0xF3, 0xA4}, 2, "rep movsb"},
    {CpuMode::Bits32, {0xF3, 0xA5}, 2, "rep movsd"},
    {CpuMode::Bits16, {0xF3, 0xA4}, 2, "rep movsb"},
    {CpuMode::Bits16, {0xF3, 0x66, 0xA5}, 3, "rep movsd"},
    {CpuMode::Bits64, {0xF3, 0x48, 0xA5}, 3, "rep movsq"},
    {CpuMode::Bits64, {0xF3, 0xA4}, 2, "rep movsb"},
    {CpuMode::Bits32, {0xF3, 0xA6}, 2, "repe cmpsb"},
    {CpuMode::Bits32, {0xF2, 0xAE}, 2, "repne scasb"},
    {CpuMode::Bits32, {0xF3, 0xAF}, 2, "repe scasd"},
    {CpuMode::Bits64, {0xF2, 0x48, 0xAF}, 3, "repne scasq"},
    {CpuMode::Bits32, {0xAA}, 1, "stosb"},
    {CpuMode::Bits32, {0xAB}, 1, "stosd"},
    {CpuMode::Bits32, {0x66, 0xAB}, 2, "stosw"},
    {CpuMode::Bits64, {0x48, 0xAB}, 2, "stosq"},
    {CpuMode::Bits64, {0xF3, 0x48, 0xAB}, 3, "rep stosq"},
    {CpuMode::Bits32, {0xAC}, 1, "lodsb"},
    {CpuMode::Bits32, {0xAD}, 1, "lodsd"},
    {CpuMode::Bits64, {0x48, 0xAD}, 2, "lodsq"},
    {CpuMode::Bits32, {0xA6}, 1, "cmpsb"},
    {CpuMode::Bits32, {0xA7}, 1, "cmpsd"},
    {CpuMode::Bits32, {0xAE}, 1, "scasb"},
    {CpuMode::Bits32, {0x6C}, 1, "insb"},
    {CpuMode::Bits32, {0x6D}, 1, "insd"},
    {CpuMode::Bits32, {0x66, 0x6D}, 2, "insw"},
    {CpuMode::Bits32, {0xF3, 0x6C}, 2, "rep insb"},
    {CpuMode::Bits32, {0x6E}, 1, "outsb"},
    {CpuMode::Bits32, {0x6F}, 1, "outsd"},
    {CpuMode::Bits16, {0xF3, 0x6F}, 2, "rep outsw"},
    {CpuMode::Bits64, {0x48, 0x6F}, 2, "outsd"},
    {CpuMode::Bits32, {0x67, 0xA4}, 2, "movs byte [es:di], byte [si]"},
    {CpuMode::Bits32, {0xF3, 0x67, 0xA4}, 3, "rep movs byte [es:di], byte [si]"},
    {CpuMode::Bits64, {0x67, 0xA4}, 2, "movs byte [es:edi], byte [esi]"},
    {CpuMode::Bits64, {0xF3, 0x67, 0xA4}, 3, "rep movs byte [es:edi], byte [esi]"},
    {CpuMode::Bits16, {0x67, 0xA4}, 2, "movs byte [es:edi], byte [esi]"},
    {CpuMode::Bits32, {0x2E, 0xA4}, 2, "movs byte [es:edi], byte [cs:esi]"},
    {CpuMode::Bits32, {0x64, 0xAC}, 2, "lods byte [fs:esi]"},
    {CpuMode::Bits32, {0x26, 0xAA}, 2, "stosb"},
    {CpuMode::Bits32, {0xF2, 0xA4}, 2, "repne movsb"},
    {CpuMode::Bits32, {0xF3, 0xF2, 0xA6}, 3, "repne cmpsb"},
    {CpuMode::Bits32, {0xF2, 0xF3, 0xA6}, 3, "repe cmpsb"},
    // far JMP/CALL/RET: direct ptr16:16/32, indirect m16:16/32/64
    {CpuMode::Bits32, {0xEA, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00}, 7, "jmp far 0x8:0x12345678"},
    {CpuMode::Bits16, {0xEA, 0x00, 0x7C, 0x00, 0x00}, 5, "jmp far 0x0:0x7c00"},
    {CpuMode::Bits16, {0x9A, 0x00, 0x10, 0x08, 0x00}, 5, "call far 0x8:0x1000"},
    {CpuMode::Bits32, {0x9A, 0x78, 0x56, 0x34, 0x12, 0x08, 0x00}, 7, "call far 0x8:0x12345678"},
    {CpuMode::Bits32, {0xFF, 0x2D, 0x00, 0x10, 0x00, 0x00}, 6, "jmp far m16:32 [0x1000]"},
    {CpuMode::Bits32, {0xFF, 0x28}, 2, "jmp far m16:32 [eax]"},
    {CpuMode::Bits32, {0x66, 0xFF, 0x28}, 3, "jmp far m16:16 [eax]"},
    {CpuMode::Bits16, {0xFF, 0x2F}, 2, "jmp far m16:16 [bx]"},
    {CpuMode::Bits16, {0x66, 0xFF, 0x2F}, 3, "jmp far m16:32 [bx]"},
    {CpuMode::Bits64, {0xFF, 0x28}, 2, "jmp far m16:32 [rax]"},
    {CpuMode::Bits64, {0x48, 0xFF, 0x28}, 3, "jmp far m16:64 [rax]"},
    {CpuMode::Bits64, {0x48, 0xFF, 0x18}, 3, "call far m16:64 [rax]"},
    {CpuMode::Bits32, {0xFF, 0x1D, 0x00, 0x10, 0x00, 0x00}, 6, "call far m16:32 [0x1000]"},
    {CpuMode::Bits32, {0xCB}, 1, "ret far"},
    {CpuMode::Bits32, {0xCA, 0x08, 0x00}, 3, "ret far 0x8"},
    {CpuMode::Bits64, {0x48, 0xCB}, 2, "ret far"},
    {CpuMode::Bits16, {0xCB}, 1, "ret far"},
    // IRET in each operand size
    {CpuMode::Bits32, {0xCF}, 1, "iretd"},
    {CpuMode::Bits16, {0xCF}, 1, "iret"},
    {CpuMode::Bits32, {0x66, 0xCF}, 2, "iret"},
    {CpuMode::Bits64, {0xCF}, 1, "iretd"},
    {CpuMode::Bits64, {0x48, 0xCF}, 2, "iretq"},
    {CpuMode::Bits16, {0x66, 0xCF}, 2, "iretd"},
    // segment register loads and stores: MOV Sreg, PUSH/POP Sreg, LDS/LES/LSS/LFS/LGS
    {CpuMode::Bits32, {0x8E, 0xD8}, 2, "mov ds, ax"},
    {CpuMode::Bits32, {0x8E, 0x18}, 2, "mov ds, word [eax]"},
    {CpuMode::Bits16, {0x8E, 0x5E, 0x04}, 3, "mov ds, word [bp+0x4]"},
    {CpuMode::Bits64, {0x8E, 0xD8}, 2, "mov ds, ax"},
    {CpuMode::Bits32, {0x8C, 0xD8}, 2, "mov eax, ds"},
    {CpuMode::Bits32, {0x66, 0x8C, 0xD8}, 3, "mov ax, ds"},
    {CpuMode::Bits32, {0x8C, 0x18}, 2, "mov word [eax], ds"},
    {CpuMode::Bits64, {0x48, 0x8C, 0xD8}, 3, "mov rax, ds"},
    {CpuMode::Bits32, {0x07}, 1, "pop es"},
    {CpuMode::Bits32, {0x17}, 1, "pop ss"},
    {CpuMode::Bits32, {0x1F}, 1, "pop ds"},
    {CpuMode::Bits32, {0x06}, 1, "push es"},
    {CpuMode::Bits32, {0x16}, 1, "push ss"},
    {CpuMode::Bits32, {0x1E}, 1, "push ds"},
    {CpuMode::Bits32, {0x0F, 0xA0}, 2, "push fs"},
    {CpuMode::Bits32, {0x0F, 0xA1}, 2, "pop fs"},
    {CpuMode::Bits32, {0x0F, 0xA8}, 2, "push gs"},
    {CpuMode::Bits32, {0x0F, 0xA9}, 2, "pop gs"},
    {CpuMode::Bits64, {0x0F, 0xA1}, 2, "pop fs"},
    {CpuMode::Bits64, {0x0F, 0xA9}, 2, "pop gs"},
    {CpuMode::Bits64, {0x0F, 0xA0}, 2, "push fs"},
    {CpuMode::Bits16, {0x1F}, 1, "pop ds"},
    {CpuMode::Bits32, {0xC5, 0x33}, 2, "lds esi, m16:32 [ebx]"},
    {CpuMode::Bits32, {0xC4, 0x1E}, 2, "les ebx, m16:32 [esi]"},
    {CpuMode::Bits16, {0xC5, 0x36, 0x00, 0x01}, 4, "lds si, m16:16 [0x100]"},
    {CpuMode::Bits16, {0x66, 0xC5, 0x1F}, 3, "lds ebx, m16:32 [bx]"},
    {CpuMode::Bits32, {0x0F, 0xB2, 0x13}, 3, "lss edx, m16:32 [ebx]"},
    {CpuMode::Bits32, {0x0F, 0xB4, 0x23}, 3, "lfs esp, m16:32 [ebx]"},
    {CpuMode::Bits32, {0x0F, 0xB5, 0x2B}, 3, "lgs ebp, m16:32 [ebx]"},
    {CpuMode::Bits64, {0x48, 0x0F, 0xB2, 0x13}, 4, "lss rdx, m16:64 [rbx]"},
    {CpuMode::Bits64, {0x0F, 0xB2, 0x13}, 3, "lss edx, m16:32 [rbx]"},
    {CpuMode::Bits16, {0x0F, 0xB2, 0x26, 0x00, 0x70}, 5, "lss sp, m16:16 [0x7000]"},
    // descriptor tables and task register
    {CpuMode::Bits32, {0x0F, 0x01, 0x10}, 3, "lgdt [eax]"},
    {CpuMode::Bits32, {0x0F, 0x01, 0x18}, 3, "lidt [eax]"},
    {CpuMode::Bits32, {0x0F, 0x01, 0x00}, 3, "sgdt [eax]"},
    {CpuMode::Bits32, {0x0F, 0x01, 0x08}, 3, "sidt [eax]"},
    {CpuMode::Bits64, {0x0F, 0x01, 0x10}, 3, "lgdt [rax]"},
    {CpuMode::Bits16, {0x0F, 0x01, 0x17}, 3, "lgdt [bx]"},
    {CpuMode::Bits16, {0x66, 0x0F, 0x01, 0x17}, 4, "lgdt [bx]"},
    {CpuMode::Bits32, {0x0F, 0x00, 0xD0}, 3, "lldt ax"},
    {CpuMode::Bits32, {0x0F, 0x00, 0x10}, 3, "lldt word [eax]"},
    {CpuMode::Bits32, {0x0F, 0x00, 0xD8}, 3, "ltr ax"},
    {CpuMode::Bits32, {0x0F, 0x00, 0x18}, 3, "ltr word [eax]"},
    {CpuMode::Bits16, {0x0F, 0x00, 0xD8}, 3, "ltr ax"},
    {CpuMode::Bits64, {0x0F, 0x00, 0xD8}, 3, "ltr ax"},
    {CpuMode::Bits32, {0x0F, 0x00, 0xC0}, 3, "sldt ax"},
    {CpuMode::Bits32, {0x0F, 0x00, 0xC8}, 3, "str ax"},
    {CpuMode::Bits32, {0x0F, 0x01, 0x38}, 3, "invlpg [eax]"},
    {CpuMode::Bits32, {0x0F, 0x01, 0xF0}, 3, "lmsw ax"},
    {CpuMode::Bits32, {0x0F, 0x01, 0x30}, 3, "lmsw word [eax]"},
    {CpuMode::Bits32, {0x0F, 0x01, 0xE0}, 3, "smsw eax"},
    // the rest of what the guests run (traces, runtime): stack, loops, sized names
    {CpuMode::Bits64, {0xFF, 0xD0}, 2, "call rax"},
    {CpuMode::Bits64, {0xFF, 0x20}, 2, "jmp qword [rax]"},
    {CpuMode::Bits64, {0xFF, 0x30}, 2, "push qword [rax]"},
    {CpuMode::Bits32, {0xFF, 0x30}, 2, "push dword [eax]"},
    {CpuMode::Bits32, {0x6A, 0xFF}, 2, "push 0xffffffff"},
    {CpuMode::Bits32, {0x68, 0xFF, 0xFF, 0xFF, 0xFF}, 5, "push 0xffffffff"},
    {CpuMode::Bits64, {0x6A, 0xFF}, 2, "push 0xffffffffffffffff"},
    {CpuMode::Bits64, {0x68, 0x00, 0x10, 0x00, 0x00}, 5, "push 0x1000"},
    {CpuMode::Bits16, {0x6A, 0x80}, 2, "push 0xff80"},
    {CpuMode::Bits32, {0x83, 0xC4, 0xFC}, 3, "add esp, 0xfffffffc"},
    {CpuMode::Bits32, {0x6B, 0xC3, 0x10}, 3, "imul eax, ebx, 0x10"},
    {CpuMode::Bits32, {0x69, 0xC3, 0x00, 0x01, 0x00, 0x00}, 6, "imul eax, ebx, 0x100"},
    {CpuMode::Bits32, {0xE0, 0xFE}, 2, "loopne -0x2"},
    {CpuMode::Bits32, {0xE1, 0xFE}, 2, "loope -0x2"},
    {CpuMode::Bits32, {0xE3, 0xFE}, 2, "jecxz -0x2"},
    {CpuMode::Bits16, {0xE3, 0xFE}, 2, "jcxz -0x2"},
    {CpuMode::Bits64, {0xE3, 0xFE}, 2, "jrcxz -0x2"},
    {CpuMode::Bits32, {0x67, 0xE3, 0xFE}, 3, "jcxz -0x2"},
    {CpuMode::Bits32, {0x91}, 1, "xchg ecx, eax"},
    {CpuMode::Bits64, {0x41, 0x90}, 2, "xchg r8d, eax"},
    {CpuMode::Bits64, {0x48, 0x91}, 2, "xchg rcx, rax"},
    {CpuMode::Bits32, {0xC9}, 1, "leave"},
    {CpuMode::Bits32, {0x60}, 1, "pushad"},
    {CpuMode::Bits32, {0x61}, 1, "popad"},
    {CpuMode::Bits16, {0x60}, 1, "pusha"},
    {CpuMode::Bits32, {0x9C}, 1, "pushfd"},
    {CpuMode::Bits16, {0x9C}, 1, "pushf"},
    {CpuMode::Bits64, {0x9C}, 1, "pushfq"},
    {CpuMode::Bits64, {0x9D}, 1, "popfq"},
    {CpuMode::Bits32, {0x98}, 1, "cwde"},
    {CpuMode::Bits32, {0x99}, 1, "cdq"},
    {CpuMode::Bits64, {0x48, 0x98}, 2, "cdqe"},
    {CpuMode::Bits64, {0x48, 0x99}, 2, "cqo"},
    {CpuMode::Bits32, {0x0F, 0x06}, 2, "clts"},
    {CpuMode::Bits32, {0x0F, 0x01, 0xCA}, 3, "clac"},
    {CpuMode::Bits32, {0xF0, 0xFF, 0x00}, 3, "lock inc dword [eax]"},
    {CpuMode::Bits32, {0x8F, 0x00}, 2, "pop dword [eax]"},
    {CpuMode::Bits32, {0x8F, 0x44, 0x24, 0x04}, 4, "pop dword [esp+0x4]"},
    {CpuMode::Bits64, {0x8F, 0x00}, 2, "pop qword [rax]"},
    {CpuMode::Bits64, {0x66, 0x8C, 0xC8}, 3, "mov ax, cs"},
    {CpuMode::Bits32, {0xA8, 0x20}, 2, "test al, 0x20"},
    {CpuMode::Bits64, {0xA9, 0x00, 0x04, 0x00, 0x00}, 5, "test eax, 0x400"},
    {CpuMode::Bits16, {0x66, 0xA9, 0x00, 0x04, 0x00, 0x00}, 6, "test eax, 0x400"},
    {CpuMode::Bits16, {0xE2, 0xE9}, 2, "loop -0x17"},
    {CpuMode::Bits32, {0x0E}, 1, "push cs"},
    // REX: only the last one, and only right before the opcode, counts (40-4F are not INC/DEC in 64-bit mode)
    {CpuMode::Bits64, {0x41, 0x2E, 0x8B, 0x00}, 4, "mov eax, dword [cs:rax]"},
    {CpuMode::Bits64, {0x44, 0x48, 0x89, 0xC8}, 4, "mov rax, rcx"},
    {CpuMode::Bits64, {0x48, 0xF3, 0xA5}, 3, "rep movsd"},
    {CpuMode::Bits32, {0x48}, 1, "dec eax"},
    {CpuMode::Bits32, {0xC6, 0xF8, 0x01}, 3, "xabort 0x1"},
    {CpuMode::Bits32, {0xC7, 0xF8, 0x10, 0x00, 0x00, 0x00}, 6, "xbegin +0x10"},
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
  EXPECT_GE(n, 275);
}

TEST(InstructionDecoder, NeverReadsPastTheBuffer) {
  int n = 0;
  for (const Case& c : kCases) {
    for (size_t cut = 0; cut < c.bytes.size(); ++cut) {
      // A copy of exactly `cut` bytes, so that a read past it is a heap overflow (ASan) rather than luck.
      const std::vector<uint8_t> head(c.bytes.begin(), c.bytes.begin() + long(cut));
      arch::Instruction in;
      EXPECT_FALSE(arch::decode_instruction(head.data(), head.size(), c.mode, in)) << "case " << n << " truncated to " << cut;
      EXPECT_EQ(in.status, arch::DecodeStatus::Truncated) << "case " << n << " truncated to " << cut;
      EXPECT_EQ(in.length, 0) << "case " << n;
    }
    ++n;
  }
  arch::Instruction in;
  EXPECT_FALSE(arch::decode_instruction(nullptr, 0, CpuMode::Bits32, in));
  EXPECT_EQ(in.status, arch::DecodeStatus::Truncated);
  EXPECT_STREQ(arch::decode_status_name(in.status), "truncated");
}

// Encodings that are no instruction (#UD) in the mode given, or VEX forms.
TEST(InstructionDecoder, InvalidEncodingsAreReportedAsSuch) {
  const Case invalid[] = {
      {CpuMode::Bits32, {0x8E, 0xC8}, 0, "mov cs, ax"},
      {CpuMode::Bits32, {0x8E, 0xF0}, 0, "mov sreg6, ax"},
      {CpuMode::Bits32, {0x8C, 0xF8}, 0, "mov ax, sreg7"},
      {CpuMode::Bits32, {0xFF, 0x38}, 0, "FF /7"},
      {CpuMode::Bits32, {0xFF, 0xD8}, 0, "call far with a register"},
      {CpuMode::Bits32, {0xFF, 0xE8}, 0, "jmp far with a register"},
      {CpuMode::Bits32, {0xC5, 0xC0}, 0, "VEX (lds with a register)"},
      {CpuMode::Bits16, {0xC4, 0xC0}, 0, "VEX (les with a register)"},
      {CpuMode::Bits32, {0x0F, 0xB2, 0xC0}, 0, "lss with a register"},
      {CpuMode::Bits32, {0x0F, 0xB5, 0xC0}, 0, "lgs with a register"},
      {CpuMode::Bits32, {0x8D, 0xC0}, 0, "lea with a register"},
      {CpuMode::Bits32, {0x0F, 0x00, 0xF0}, 0, "0F 00 /6"},
      {CpuMode::Bits32, {0x0F, 0x01, 0x28}, 0, "0F 01 /5 memory"},
      {CpuMode::Bits32, {0x8F, 0xC8}, 0, "8F /1"},
      {CpuMode::Bits32, {0xFE, 0x10}, 0, "FE /2"},
      {CpuMode::Bits32, {0xC7, 0x08, 0, 0, 0, 0}, 0, "C7 /1"},
      {CpuMode::Bits32, {0xC6, 0x38, 0}, 0, "C6 /7 with memory"},
      {CpuMode::Bits32, {0x0F, 0x0F}, 0, "3DNow!"},
      {CpuMode::Bits64, {0x06}, 0, "push es"},
      {CpuMode::Bits64, {0x1F}, 0, "pop ds"},
      {CpuMode::Bits64, {0xEA, 0, 0, 0, 0, 0x08, 0}, 0, "jmp far ptr16:32"},
      {CpuMode::Bits64, {0x9A, 0, 0, 0, 0, 0x08, 0}, 0, "call far ptr16:32"},
      {CpuMode::Bits64, {0xC5, 0x33}, 0, "lds"},
      {CpuMode::Bits64, {0x60}, 0, "pusha"},
  };
  for (const Case& c : invalid) {
    arch::Instruction in;
    EXPECT_FALSE(arch::decode_instruction(c.bytes.data(), c.bytes.size(), c.mode, in)) << c.text;
    EXPECT_EQ(in.status, arch::DecodeStatus::Invalid) << c.text;
    EXPECT_EQ(in.length, 0) << c.text;
  }
  arch::Instruction in;
  EXPECT_FALSE(arch::decode_instruction(invalid[0].bytes.data(), 2, CpuMode::Bits32, in));
  EXPECT_STREQ(arch::decode_status_name(in.status), "invalid encoding");
}

// What the MTF trace needs to tell a REP iteration: the repeat prefix and
// the count register, which the address size picks (SDM Vol. 2 "REP").
TEST(InstructionDecoder, RepeatedStringInstructionsAndTheirCountRegister) {
  struct Repeat {
    CpuMode mode;
    std::vector<uint8_t> bytes;
    bool repeated;
    const char* count;
    uint64_t mask;
  } const cases[] = {
      {CpuMode::Bits32, {0xF3, 0xA4}, true, "ecx", 0xFFFFFFFF},
      {CpuMode::Bits32, {0xF3, 0x67, 0xA4}, true, "cx", 0xFFFF},
      {CpuMode::Bits16, {0xF3, 0xAB}, true, "cx", 0xFFFF},
      {CpuMode::Bits16, {0x67, 0xF3, 0xAB}, true, "ecx", 0xFFFFFFFF},
      {CpuMode::Bits64, {0xF3, 0x48, 0xAB}, true, "rcx", ~0ull},
      {CpuMode::Bits64, {0x67, 0xF3, 0x48, 0xAB}, true, "ecx", 0xFFFFFFFF},
      {CpuMode::Bits32, {0xF2, 0xAE}, true, "ecx", 0xFFFFFFFF},
      {CpuMode::Bits32, {0xF3, 0x6E}, true, "ecx", 0xFFFFFFFF},
      {CpuMode::Bits32, {0xA4}, false, "ecx", 0xFFFFFFFF},
      {CpuMode::Bits32, {0xF3, 0x90}, false, "ecx", 0xFFFFFFFF},  // PAUSE
      {CpuMode::Bits32, {0xF3, 0x89, 0xC8}, false, "ecx", 0xFFFFFFFF},  // F3 on a MOV is not a repeat
  };
  for (const Repeat& c : cases) {
    arch::Instruction in;
    ASSERT_TRUE(arch::decode_instruction(c.bytes.data(), c.bytes.size(), c.mode, in));
    EXPECT_EQ(arch::is_repeated_string(in), c.repeated) << in.text;
    EXPECT_STREQ(arch::count_register_name(in), c.count) << in.text;
    EXPECT_EQ(arch::address_mask(in.address_size), c.mask) << in.text;
  }
}

// Every instruction in the guest programs (guest_images/*/*.asm and the
// runtime they include), with its bytes from nasm's listing: decoded to
// the same length, named (no "op 0x.." fallback) and with the mnemonic the
// source wrote (or the SDM's synonym).
struct ListedInstruction {
  std::string file;
  int line;
  CpuMode mode;
  std::vector<uint8_t> bytes;
  std::string source;
};

std::vector<ListedInstruction> read_listing(const std::filesystem::path& path) {
  static const std::regex code(R"(^\s*(\d+) [0-9A-F]{8} ([0-9A-F\[\]()]+)(-?)\s*(?:<\d+>)?\s*(.*)$)");
  static const std::regex bits(R"(^\s*\d+\s+(?:<\d+>\s+)?bits\s+(16|32|64)\b)", std::regex::icase);
  static const std::regex data(R"(^(?:[.\w]+:?\s+)?(?:db|dw|dd|dq|times|align|resb|resw|resd|resq|incbin|equ)\b)", std::regex::icase);
  std::vector<ListedInstruction> out;
  std::ifstream in(path);
  std::string text;
  CpuMode mode = CpuMode::Bits32;
  bool continued = false;
  while (std::getline(in, text)) {
    std::smatch m;
    if (std::regex_search(text, m, bits)) {
      mode = m[1] == "16" ? CpuMode::Bits16 : m[1] == "32" ? CpuMode::Bits32 : CpuMode::Bits64;
      continue;
    }
    if (text.find("<rep ") != std::string::npos || !std::regex_match(text, m, code)) continue;  // alignment padding
    std::string hex;
    for (char ch : m[2].str())
      if (std::isxdigit(static_cast<unsigned char>(ch))) hex += ch;
    std::string source = m[4].str();
    source = source.substr(0, source.find(';'));
    while (!source.empty() && std::isspace(static_cast<unsigned char>(source.back()))) source.pop_back();
    const std::string statement = std::regex_replace(source, std::regex(R"(^[.\w]+:\s*)"), "");
    if (continued && source.empty()) {
      for (size_t k = 0; k + 1 < hex.size(); k += 2) out.back().bytes.push_back(uint8_t(std::stoi(hex.substr(k, 2), nullptr, 16)));
    } else if (!statement.empty() && !std::regex_search(statement, data)) {
      ListedInstruction li{path.filename().string(), std::stoi(m[1].str()), mode, {}, statement};
      for (size_t k = 0; k + 1 < hex.size(); k += 2) li.bytes.push_back(uint8_t(std::stoi(hex.substr(k, 2), nullptr, 16)));
      out.push_back(li);
    } else {
      continued = false;
      continue;
    }
    continued = m[3] == "-";
  }
  return out;
}

std::string first_word(const std::string& s, size_t from = 0) {
  size_t b = s.find_first_not_of(' ', from);
  if (b == std::string::npos) return "";
  std::string w = s.substr(b, s.find(' ', b) - b);
  for (char& ch : w) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  return w;
}

// The mnemonic with its REP/LOCK prefix, e.g. "rep movsb".
std::string mnemonic(const std::string& text) {
  std::string w = first_word(text);
  if (w == "rep" || w == "repe" || w == "repne" || w == "lock") return w + " " + first_word(text, text.find(' '));
  return w;
}

TEST(InstructionDecoder, NamesEveryInstructionTheGuestProgramsContain) {
  const std::filesystem::path dir = VTX_BINARY_DIR "/guest_images";
  ASSERT_TRUE(std::filesystem::is_directory(dir)) << dir << ": build the guest_images target first";
  // The SDM's synonyms for what nasm sources write.
  const std::pair<std::string, std::string> synonyms[] = {{"jz", "je"}, {"jnz", "jne"}, {"jnc", "jae"}, {"jc", "jb"},
                                                          {"iret", "iretd"}};
  // x87 and SSE instructions (the CPU-state probes of the hostile suite) are
  // decoded for their length but not named (docs/book/ex4-2.md): for them
  // only the length is checked.
  const std::string unnamed[] = {"fldcw", "fnstcw", "ldmxcsr", "stmxcsr", "movq", "movdqu", "movdqa", "fxsave", "fxrstor"};
  int files = 0, instructions = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".lst") continue;
    ++files;
    for (const ListedInstruction& li : read_listing(entry.path())) {
      ++instructions;
      const std::string where = li.file + ":" + std::to_string(li.line) + " (" + li.source + ")";
      arch::Instruction in;
      ASSERT_TRUE(arch::decode_instruction(li.bytes.data(), li.bytes.size(), li.mode, in))
          << where << ": " << arch::decode_status_name(in.status);
      EXPECT_EQ(in.length, li.bytes.size()) << where << ": " << in.text;
      std::string wrote = mnemonic(li.source);
      if (std::find(std::begin(unnamed), std::end(unnamed), wrote) != std::end(unnamed)) continue;
      EXPECT_NE(std::string(in.text).rfind("op ", 0), 0u) << where << ": not named: " << in.text;
      for (const auto& [alias, sdm] : synonyms)
        if (wrote == alias && mnemonic(in.text) != alias) wrote = sdm;
      EXPECT_EQ(mnemonic(in.text), wrote) << where << ": " << in.text;
    }
  }
  EXPECT_GE(files, 30) << "guest listings in " << dir;
  EXPECT_GE(instructions, 1500) << "instructions found: " << instructions;
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
  EXPECT_EQ(in.status, arch::DecodeStatus::Invalid);  // #GP whatever follows, not merely short
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
