// Architectural register bits, by their SDM names (Vol. 3A 2.5 control
// registers, Vol. 1 3.4.3 EFLAGS, Vol. 3A 2.2.1 IA32_EFER). Constants only:
// both halves include it (configgen builds entry states from them, the
// hypervisor checks and emulates with them).
#pragma once
#include <stdint.h>

namespace arch {

// The general registers in the SDM's encoding order (Vol. 2A 2.1.5,
// Table 2-2: the REX.R/B extended ModR/M numbers; also the order of the
// register fields in exit qualifications and VM-exit instruction information).
inline constexpr const char* kGeneralRegisterNames[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                                          "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

namespace cr0 {
inline constexpr uint64_t PE = 1ull << 0, MP = 1ull << 1, EM = 1ull << 2, TS = 1ull << 3, ET = 1ull << 4,
                          NE = 1ull << 5, WP = 1ull << 16, AM = 1ull << 18, NW = 1ull << 29, CD = 1ull << 30,
                          PG = 1ull << 31;
}
namespace cr4 {
inline constexpr uint64_t VME = 1ull << 0, PVI = 1ull << 1, TSD = 1ull << 2, DE = 1ull << 3, PSE = 1ull << 4,
                          PAE = 1ull << 5, MCE = 1ull << 6, PGE = 1ull << 7, PCE = 1ull << 8, OSFXSR = 1ull << 9,
                          OSXMMEXCPT = 1ull << 10, UMIP = 1ull << 11, LA57 = 1ull << 12, VMXE = 1ull << 13,
                          SMXE = 1ull << 14, FSGSBASE = 1ull << 16, PCIDE = 1ull << 17, OSXSAVE = 1ull << 18,
                          SMEP = 1ull << 20, SMAP = 1ull << 21, PKE = 1ull << 22, CET = 1ull << 23, PKS = 1ull << 24;
}
namespace rflags {
inline constexpr uint64_t CF = 1ull << 0, RESERVED_1 = 1ull << 1, PF = 1ull << 2, AF = 1ull << 4, ZF = 1ull << 6,
                          SF = 1ull << 7, TF = 1ull << 8, IF = 1ull << 9, DF = 1ull << 10, OF = 1ull << 11,
                          IOPL = 3ull << 12, NT = 1ull << 14, RF = 1ull << 16, VM = 1ull << 17, AC = 1ull << 18,
                          VIF = 1ull << 19, VIP = 1ull << 20, ID = 1ull << 21;
}
namespace efer {
inline constexpr uint64_t SCE = 1ull << 0, LME = 1ull << 8, LMA = 1ull << 10, NXE = 1ull << 11;
}
namespace feature_control {  // IA32_FEATURE_CONTROL (Vol. 3C 24.7)
inline constexpr uint64_t LOCK = 1ull << 0, VMX_OUTSIDE_SMX = 1ull << 2;
}
namespace cpuid1_ecx {  // CPUID.01H:ECX (Vol. 2A, CPUID)
inline constexpr uint32_t VMX = 1u << 5;
inline constexpr uint32_t SSE4_2 = 1u << 20;  // the CRC32 instruction (Vol. 2A, CRC32)
inline constexpr uint32_t X2APIC = 1u << 21;
inline constexpr uint32_t TSC_DEADLINE = 1u << 24;  // the local APIC timer's TSC-deadline mode (SDM Vol. 3A 11.5.4.1)
inline constexpr uint32_t XSAVE = 1u << 26;
inline constexpr uint32_t OSXSAVE = 1u << 27;
}
namespace cpuid1_edx {  // CPUID.01H:EDX
inline constexpr uint32_t APIC = 1u << 9;  // 0 while IA32_APIC_BASE.EN is clear (SDM Vol. 3A 11.4.3)
}
namespace cpuid7_ebx {  // CPUID.(EAX=07H,ECX=0):EBX
inline constexpr uint32_t INVPCID = 1u << 10;
}
namespace cpuid7_ecx {  // CPUID.(EAX=07H,ECX=0):ECX
inline constexpr uint32_t OSPKE = 1u << 4;
inline constexpr uint32_t WAITPKG = 1u << 5;
inline constexpr uint32_t RDPID = 1u << 22;
}
namespace cpuid80000001_edx {  // CPUID.80000001H:EDX
inline constexpr uint32_t PAGE1GB = 1u << 26;  // 1-GByte pages (SDM 4.1.4)
inline constexpr uint32_t RDTSCP = 1u << 27;
}
namespace cpuid0d1_eax {  // CPUID.(EAX=0DH,ECX=1):EAX
inline constexpr uint32_t XSAVES = 1u << 3;
}

}  // namespace arch
