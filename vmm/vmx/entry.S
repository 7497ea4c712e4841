/* VM entry and the VM-exit landing point (SDM 26, 27).
 *
 * int vmx_enter(GuestRegisters* regs, uint64_t launched, uint64_t* host_rsp)
 *   loads the guest's general registers and executes VMLAUNCH (launched = 0)
 *   or VMRESUME. It returns 0 after a VM exit, 1 on VMfailInvalid and 2 on
 *   VMfailValid. HOST_RSP is set to the stack as it is here, so the exit
 *   lands in vmx_exit_stub (or vmx_exit_fast_path) with the regs pointer
 *   on top of the stack, saves the guest's registers and returns from
 *   vmx_enter as a normal call. */
#include "guests/vcpu_offsets.h"

        .code64
        .text
        .global vmx_enter
vmx_enter:
        pushq %rbp
        pushq %rbx
        pushq %r12
        pushq %r13
        pushq %r14
        pushq %r15
        pushq %rdi
        cmpq %rsp, (%rdx)                /* HOST_RSP is per VMCS: write it only when it changes */
        je 4f
        movq %rsp, (%rdx)
        movq $0x6C14, %rax               /* HOST_RSP */
        vmwrite %rsp, %rax
4:
        testq %rsi, %rsi                 /* flags survive the MOVs below */
        movq 0x08(%rdi), %rcx
        movq 0x10(%rdi), %rdx
        movq 0x18(%rdi), %rbx
        movq 0x28(%rdi), %rbp
        movq 0x30(%rdi), %rsi
        movq 0x40(%rdi), %r8
        movq 0x48(%rdi), %r9
        movq 0x50(%rdi), %r10
        movq 0x58(%rdi), %r11
        movq 0x60(%rdi), %r12
        movq 0x68(%rdi), %r13
        movq 0x70(%rdi), %r14
        movq 0x78(%rdi), %r15
        movq 0x00(%rdi), %rax
        movq 0x38(%rdi), %rdi
        jnz 1f
        vmlaunch
        jmp 2f
1:      vmresume
2:      /* Only reached when the entry failed: CF=1 VMfailInvalid, ZF=1 VMfailValid. */
        .global vmx_entry_failed
vmx_entry_failed:
        movl $1, %eax
        jc 3f
        movl $2, %eax
3:      popq %rdi
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        ret

/* The full path: saves every general register into the Vcpu's regs, keeps
 * the exit-reason field and the exit qualification for the dispatcher
 * (exits/dispatch.cpp) and returns 0 from vmx_enter. HOST_RIP of guests
 * without the fast path. RBX holds VMREAD's field encoding and result, so
 * RAX stays the guest's until full_path_with_reason. */
        .global vmx_exit_stub
vmx_exit_stub:
        pushq %rdi
        movq 8(%rsp), %rdi
        movq %rbx, VCPU_RBX(%rdi)
        movl $0x4402, %ebx               /* exit reason */
        vmread %rbx, %rbx
full_path_with_reason:                   /* RBX saved, the reason in EBX, RAX the guest's */
        movq %rax, VCPU_RAX(%rdi)
        movl %ebx, VCPU_EXIT_REASON_FIELD(%rdi)
        movl $0x6400, %eax               /* exit qualification */
        vmread %rax, VCPU_EXIT_QUALIFICATION(%rdi)
full_path_with_qualification:            /* RAX, RBX, reason, qualification kept; the guest's RDI on the stack */
        movq %rcx, 0x08(%rdi)
        movq %rdx, 0x10(%rdi)
        movq %rbp, 0x28(%rdi)
        movq %rsi, 0x30(%rdi)
        movq %r8, 0x40(%rdi)
        movq %r9, 0x48(%rdi)
        movq %r10, 0x50(%rdi)
        movq %r11, 0x58(%rdi)
        movq %r12, 0x60(%rdi)
        movq %r13, 0x68(%rdi)
        movq %r14, 0x70(%rdi)
        movq %r15, 0x78(%rdi)
        popq %rax
        movq %rax, VCPU_RDI(%rdi)
        popq %rdi
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        xorl %eax, %eax
        ret

/* The fast path (guests/fast_path.h, docs/exit-fast-path.md): HOST_RIP of
 * guests that have it. It finishes the exits its gate lets through (a bit
 * per basic reason in the Vcpu, 0 while anything is pending) and the
 * slice's budget pays for, without leaving the hypervisor's assembly: it
 * counts the exit as the dispatcher does, adds its host time for the next
 * charge, emulates the instruction, advances RIP by the exit instruction
 * length, ends blocking by STI or MOV SS as the full path does (SDM
 * 26.7.1), and resumes. Everything else continues into the full path with
 * what it read kept. Only RAX, RBX and RDI are touched, and the guest's
 * values are restored from the Vcpu before VMRESUME; CPUID writes its four
 * results where the guest expects them. */
        .global vmx_exit_fast_path
vmx_exit_fast_path:
        pushq %rdi
        movq 8(%rsp), %rdi
        movq %rbx, VCPU_RBX(%rdi)
        movl $0x4402, %ebx               /* exit reason */
        vmread %rbx, %rbx
        cmpl $63, %ebx                   /* also false for a VM-entry failure (bit 31) */
        ja full_path_with_reason
        btq %rbx, VCPU_FAST_PATH_REASONS(%rdi)
        jnc full_path_with_reason
        decq VCPU_FAST_PATH_BUDGET(%rdi) /* spent: the full path's charge ends the slice */
        js full_path_with_reason
        cmpl $EXIT_REASON_IO_INSTRUCTION, %ebx
        je 40f
        cmpl $EXIT_REASON_CPUID, %ebx
        jne 50f
        cmpl $31, %eax                   /* the leaf, in the guest's EAX */
        ja full_path_with_reason
        btl %eax, VCPU_FAST_PATH_CPUID_LEAVES(%rdi)
        jnc full_path_with_reason
        cpuid                            /* the guest's EAX and ECX (subleaf) */
        movq %rax, VCPU_RAX(%rdi)
        movq %rbx, VCPU_RBX(%rdi)
        incl VCPU_EXIT_COUNTS + 4 * EXIT_REASON_CPUID(%rdi)
advance_and_resume:                      /* the guest's RAX and RBX as they resume are in the Vcpu */
        incq VCPU_TOTAL_EXITS(%rdi)
        addq $FAST_PATH_EXIT_TSC, VCPU_FAST_TSC_PENDING(%rdi)
        movl $0x440C, %eax               /* VM-exit instruction length */
        vmread %rax, %rbx
        movl $0x681E, %eax               /* guest RIP */
        vmread %rax, VCPU_EXIT_SCRATCH(%rdi)
        addq %rbx, VCPU_EXIT_SCRATCH(%rdi)
        vmwrite VCPU_EXIT_SCRATCH(%rdi), %rax
        movl $0x4824, %eax               /* guest interruptibility state */
        vmread %rax, %rbx
        testb $3, %bl                    /* blocking by STI (bit 0) or MOV SS (bit 1) */
        jnz 30f
20:     movq VCPU_RAX(%rdi), %rax
        movq VCPU_RBX(%rdi), %rbx
        popq %rdi
        vmresume
        /* VMRESUME failed: the stack is as vmx_enter's own failed entry
         * leaves it, and so are the flags (CF or ZF): report it that way. */
        jmp vmx_entry_failed
30:     andq $~3, %rbx                   /* an instruction was skipped: the blocking ends */
        vmwrite %rbx, %rax
        jmp 20b

40:     /* I/O instruction, by its exit qualification (SDM Table 27-5):
         * COM1's registers as exits/io.cpp emulates them (an OUT to the
         * data port is console output, for the full path). Any other port
         * leaves after three instructions. */
        movq %rax, VCPU_RAX(%rdi)
        movl %ebx, VCPU_EXIT_REASON_FIELD(%rdi)
        movl $0x6400, %eax
        vmread %rax, %rbx
        movq %rbx, VCPU_EXIT_QUALIFICATION(%rdi)
        shrl $19, %ebx                   /* port / 8 */
        cmpl $(0x3F8 >> 3), %ebx         /* COM1: 0x3F8-0x3FF */
        jne full_path_with_qualification
        movl VCPU_EXIT_QUALIFICATION(%rdi), %ebx
        testb $0x10, %bl                 /* string: the full path */
        jnz full_path_with_qualification
        testb $0x08, %bl                 /* IN */
        jnz 41f
        testl $0x00070000, %ebx          /* OUT to the data port: console output */
        jz full_path_with_qualification
        incl VCPU_EXIT_COUNTS + 4 * EXIT_REASON_IO_INSTRUCTION(%rdi)
        jmp advance_and_resume           /* OUT to COM1 + 1 .. + 7: dropped */
41:     /* IN: 0, or transmitter idle (THRE | TEMT) from the line status register */
        xorl %eax, %eax
        shrl $16, %ebx
        cmpl $0x3FD, %ebx
        jne 42f
        movl $0x60, %eax
42:     movb VCPU_EXIT_QUALIFICATION(%rdi), %bl
        andb $7, %bl                     /* access size - 1 */
        jz 43f
        cmpb $1, %bl
        je 44f
        movq %rax, VCPU_RAX(%rdi)        /* EAX: zero-extended */
        jmp 45f
43:     movb %al, VCPU_RAX(%rdi)         /* AL */
        jmp 45f
44:     movw %ax, VCPU_RAX(%rdi)         /* AX */
45:     incl VCPU_EXIT_COUNTS + 4 * EXIT_REASON_IO_INSTRUCTION(%rdi)
        jmp advance_and_resume

50:     /* VMCALL */
        cmpl $4, %eax                    /* service 4: no-op (exits/vmcall.cpp) */
        jne full_path_with_reason
        movq $0, VCPU_RAX(%rdi)          /* done */
        incl VCPU_EXIT_COUNTS + 4 * EXIT_REASON_VMCALL(%rdi)
        jmp advance_and_resume

/* The benchmark floor (docs/benchmarks.md): the least a CPUID exit needs:
 * keep the guest's registers, execute CPUID for it, advance RIP, resume.
 * Any other exit falls through to vmx_exit_stub untouched. Used as HOST_RIP
 * only for guests with the exit-floor flag. */
        .global vmx_exit_floor_stub
vmx_exit_floor_stub:
        pushq %rax
        pushq %rbx
        pushq %rcx
        pushq %rdx
        movq $0x4402, %rax               /* exit reason */
        vmread %rax, %rbx
        cmpw $10, %bx                    /* CPUID */
        jne 1f
        movq 24(%rsp), %rax
        movq 8(%rsp), %rcx
        cpuid
        movq %rax, 24(%rsp)
        movq %rbx, 16(%rsp)
        movq %rcx, 8(%rsp)
        movq %rdx, 0(%rsp)
        movq $0x440C, %rax               /* VM-exit instruction length */
        vmread %rax, %rbx
        movq $0x681E, %rax               /* guest RIP */
        vmread %rax, %rcx
        addq %rbx, %rcx
        vmwrite %rcx, %rax
        popq %rdx
        popq %rcx
        popq %rbx
        popq %rax
        vmresume
        jmp vmx_entry_failed             /* as the fast path does */
1:      popq %rdx
        popq %rcx
        popq %rbx
        popq %rax
        jmp vmx_exit_stub
