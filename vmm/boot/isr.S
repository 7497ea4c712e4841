/* Host exception entry points (vectors 0-31). In VMX root operation no
 * exception is expected; one that happens is a hypervisor bug, reported by
 * host_exception() with the CPU, vector and RIP before the machine ends.
 * The NMI (vector 2) is not an exception: it arrives from outside (another
 * CPU's IPI, a device), is counted by host_nmi() (run/host_nmis.cpp) and
 * returns with IRET, which also ends the NMI blocking it started. */
        .code64
        .text
.macro ISR vector, has_error_code
isr_\vector:
        .if \has_error_code == 0
        pushq $0
        .endif
        pushq $\vector
        jmp isr_common
.endm

ISR 0, 0
ISR 1, 0
isr_2:
        pushq %rax
        pushq %rcx
        pushq %rdx
        pushq %rsi
        pushq %rdi
        pushq %r8
        pushq %r9
        pushq %r10
        pushq %r11
        pushq %rbp
        movq %rsp, %rbp
        andq $-16, %rsp
        cld
        call host_nmi
        movq %rbp, %rsp
        popq %rbp
        popq %r11
        popq %r10
        popq %r9
        popq %r8
        popq %rdi
        popq %rsi
        popq %rdx
        popq %rcx
        popq %rax
        iretq
ISR 3, 0
ISR 4, 0
ISR 5, 0
ISR 6, 0
ISR 7, 0
ISR 8, 1
ISR 9, 0
ISR 10, 1
ISR 11, 1
ISR 12, 1
ISR 13, 1
ISR 14, 1
ISR 15, 0
ISR 16, 0
ISR 17, 1
ISR 18, 0
ISR 19, 0
ISR 20, 0
ISR 21, 1
ISR 22, 0
ISR 23, 0
ISR 24, 0
ISR 25, 0
ISR 26, 0
ISR 27, 0
ISR 28, 0
ISR 29, 0
ISR 30, 1
ISR 31, 0

isr_common:
        /* Stack: vector, error code, RIP, CS, RFLAGS, RSP, SS. */
        movq %rsp, %rdi
        andq $-16, %rsp
        call host_exception
1:      cli
        hlt
        jmp 1b

        .section .rodata
        .balign 8
        .global isr_stub_table
isr_stub_table:
        .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad isr_\v
        .endr
