/* VM entry and the VM-exit landing point (SDM 26, 27).
 *
 * int vmx_enter(GuestRegisters* regs, uint64_t launched, uint64_t* host_rsp)
 *   loads the guest's general registers and executes VMLAUNCH (launched = 0)
 *   or VMRESUME. It returns 0 after a VM exit, 1 on VMfailInvalid and 2 on
 *   VMfailValid. HOST_RSP is set to the stack as it is here, so the exit
 *   lands in vmx_exit_stub with the regs pointer on top of the stack, saves
 *   the guest's registers and returns from vmx_enter as a normal call. */
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

        .global vmx_exit_stub
vmx_exit_stub:
        pushq %rdi
        movq 8(%rsp), %rdi
        movq %rax, 0x00(%rdi)
        movq %rcx, 0x08(%rdi)
        movq %rdx, 0x10(%rdi)
        movq %rbx, 0x18(%rdi)
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
        movq %rax, 0x38(%rdi)
        popq %rdi
        popq %r15
        popq %r14
        popq %r13
        popq %r12
        popq %rbx
        popq %rbp
        xorl %eax, %eax
        ret

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
        /* VMRESUME failed: report it through the normal path. */
        jmp vmx_exit_stub
1:      popq %rdx
        popq %rcx
        popq %rbx
        popq %rax
        jmp vmx_exit_stub
