/* Application-processor start-up code (SDM Vol. 3 9.4.4, book 1.5.2.3).
 * Copied to AP_TRAMPOLINE (0x8000) by the BSP; a SIPI with vector 08H starts
 * an AP here in real mode. It enters protected mode, then IA-32e mode with
 * the boot page tables, and jumps to ap_entry64 in the hypervisor image. */
#define AP_TRAMPOLINE 0x8000
#define REL(x) ((x) - ap_trampoline_start + AP_TRAMPOLINE)

        .section .rodata
        .code16
        .global ap_trampoline_start, ap_trampoline_end
ap_trampoline_start:
        cli
        cld
        xorw %ax, %ax
        movw %ax, %ds
        lgdtl REL(ap_gdt_pointer)
        movl %cr0, %eax
        orl $1, %eax
        movl %eax, %cr0
        ljmpl $0x08, $REL(ap_protected)

        .code32
ap_protected:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        movl %cr4, %eax
        orl $(1 << 5), %eax
        movl %eax, %cr4
        movl $boot_pml4, %eax
        movl %eax, %cr3
        movl $0xC0000080, %ecx
        rdmsr
        orl $(1 << 8), %eax
        wrmsr
        movl %cr0, %eax
        orl $(1 << 31), %eax
        movl %eax, %cr0
        ljmpl $0x18, $REL(ap_long)

        .code64
ap_long:
        movabsq $ap_entry64, %rax
        jmp *%rax

        .balign 8
ap_gdt:
        .quad 0
        .quad 0x00CF9A000000FFFF         /* 0x08: 32-bit code */
        .quad 0x00CF92000000FFFF         /* 0x10: data */
        .quad 0x00AF9A000000FFFF         /* 0x18: 64-bit code */
ap_gdt_end:
ap_gdt_pointer:
        .word ap_gdt_end - ap_gdt - 1
        .long REL(ap_gdt)
ap_trampoline_end:

        .text
        .code64
ap_entry64:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        /* Every AP runs this at once (boot/smp.cpp): find this CPU's index
         * as the position of its APIC ID in ap_boot_apic_ids, and take that
         * index's stack. The ID: the initial 8-bit one (CPUID.01H:EBX[31:24]),
         * or in x2APIC mode the 32-bit x2APIC ID (CPUID.0BH:EDX). */
        cmpl $0, ap_boot_x2apic(%rip)
        je 4f
        movl $0xB, %eax
        xorl %ecx, %ecx
        cpuid
        movl %edx, %ebx
        jmp 5f
4:      movl $1, %eax
        cpuid
        shrl $24, %ebx
5:      movl $1, %edi
2:      cmpl ap_boot_count(%rip), %edi
        jae 1f                           /* not listed: stay halted */
        cmpl %ebx, ap_boot_apic_ids(,%rdi,4)
        je 3f
        incl %edi
        jmp 2b
3:      movq ap_boot_stacks(,%rdi,8), %rsp
        call ap_main
1:      cli
        hlt
        jmp 1b
