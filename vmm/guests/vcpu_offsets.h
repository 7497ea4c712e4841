/* Offsets into guests::Vcpu that vmx/entry.S uses (it cannot see the C++
 * layout). Only #defines: the assembler includes this file too. The C++
 * side pins each one with a static_assert (guests/vcpu.h), so a layout
 * change that forgets the assembly does not build. */
#pragma once

/* GuestRegisters, first in the Vcpu (the regs pointer is the Vcpu pointer). */
#define VCPU_RAX 0x00
#define VCPU_RBX 0x18
#define VCPU_RDI 0x38

/* ExitRecord, right after the registers. */
#define VCPU_FAST_PATH_REASONS 0x88      /* u64: basic exit reasons the fast path takes now */
#define VCPU_FAST_PATH_CPUID_LEAVES 0x90 /* u32: CPUID leaves 0-31 the CPU answers unchanged */
#define VCPU_EXIT_REASON_FIELD 0x94      /* u32: the exit-reason field as the stub read it */
#define VCPU_EXIT_SCRATCH 0x98           /* u64: the fast path's memory operand for guest RIP */
#define VCPU_EXIT_QUALIFICATION 0xA0     /* u64: the exit qualification as the stub read it */
#define VCPU_FAST_TSC_PENDING 0xA8       /* u64: host time of fast-path exits not yet charged */
#define VCPU_FAST_PATH_BUDGET 0xB0       /* s64: fast-path exits the slice's time still covers */
#define VCPU_TOTAL_EXITS 0xB8            /* u64 */
#define VCPU_EXIT_COUNTS 0xC0            /* u32 per basic exit reason */

/* TSC ticks charged for each fast-path exit (guests/fast_path.h). */
#define FAST_PATH_EXIT_TSC 64

/* Basic exit reasons (SDM Appendix C) the fast path knows. */
#define EXIT_REASON_CPUID 10
#define EXIT_REASON_VMCALL 18
#define EXIT_REASON_IO_INSTRUCTION 30
