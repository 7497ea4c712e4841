/* Entry of the project's test kernels: a multiboot v1 header (Multiboot
 * Specification 0.6.96, 3.1) and the 32-bit entry a multiboot loader jumps
 * to (3.2: EAX holds the loader's magic, EBX the information structure,
 * paging off, GDTR and IDTR not to be trusted). Built with the ordinary
 * toolchain (gcc -m32, GNU as, ld) into an ELF32 executable, so the same
 * file boots with QEMU's -kernel and as a guest of the hypervisor. */
#define MULTIBOOT_MAGIC 0x1BADB002
#define MULTIBOOT_FLAGS 0x00000003 /* page-aligned modules, memory information */

    .section .multiboot, "a"
    .align 4
    .long MULTIBOOT_MAGIC
    .long MULTIBOOT_FLAGS
    .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

    .section .bss
    .align 16
stack_bottom:
    .skip 16384
stack_top:

    .section .text
    .global _start
_start:
    mov $stack_top, %esp
    push %ebx                 /* kernel_entry(magic, info) */
    push %eax
    call kernel_entry
    push %eax
    call kernel_exit          /* does not return */
1:  cli
    hlt
    jmp 1b

/* #GP and #UD land here (runtime.c installs the gates): the fault is counted
 * and execution resumes at the address the test armed (trap_resume), which
 * is how a test checks that an instruction faults. */
    .global gp_entry, ud_entry
gp_entry:
    add $4, %esp              /* the error code */
    incl gp_count
    jmp resume
ud_entry:
    incl ud_count
resume:
    push %eax
    mov trap_resume, %eax
    test %eax, %eax
    jz 2f
    mov %eax, 4(%esp)         /* the faulting EIP in the IRET frame */
    movl $0, trap_resume
2:  pop %eax
    iret
