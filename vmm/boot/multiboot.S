/* Multiboot v1 and multiboot2 entry (32-bit protected mode, paging off, per
 * the Multiboot spec 3.2 and the Multiboot2 spec 3.3) that switches to IA-32e
 * mode and calls kmain with the loader's magic and information address, which
 * kmain tells apart (boot/boot_info.h). The ELF carries both headers: GRUB's
 * `multiboot` and iPXE pick the v1 one, GRUB's `multiboot2` (the only choice
 * on UEFI) the v2 one. The v2 header asks for no EFI boot-services tag, so
 * GRUB on UEFI exits boot services and enters here in 32-bit protected mode
 * like every other loader. The ELF is linked
 * as x86-64 and repackaged as ELF32 because QEMU's -kernel and iPXE accept
 * only ELF32 multiboot images (shared/platform.md). */

#define MB_MAGIC 0x1BADB002
#define MB_FLAGS ((1 << 0) | (1 << 1)) /* page-aligned modules, memory map */

        .section .multiboot, "a"
        .balign 4
        .long MB_MAGIC
        .long MB_FLAGS
        .long -(MB_MAGIC + MB_FLAGS)

/* Multiboot2 header (Multiboot2 spec 3.1): 8-byte aligned within the
 * image's first 32 KiB, architecture 0 (i386 protected mode), a module
 * alignment tag (page-aligned modules, as the v1 header's flag 0 asks), and
 * the end tag: the ELF's program headers give the load addresses and the
 * entry point, and GRUB supplies the tags kmain reads (command line,
 * modules, memory map, ACPI RSDP) unasked. */
#define MB2_MAGIC 0xE85250D6
#define MB2_ARCHITECTURE_I386 0
        .balign 8
multiboot2_header:
        .long MB2_MAGIC
        .long MB2_ARCHITECTURE_I386
        .long multiboot2_header_end - multiboot2_header
        .long 0x100000000 - (MB2_MAGIC + MB2_ARCHITECTURE_I386 + (multiboot2_header_end - multiboot2_header))
        .word 6, 0                       /* module alignment tag: type 6, flags 0 */
        .long 8                          /* its size */
        .word 0, 0                       /* end tag: type 0, flags 0 */
        .long 8                          /* its size */
multiboot2_header_end:

        .section .boot32, "ax"
        .code32
        .global _start
_start:
        /* The boot-cost benchmark's zero (docs/benchmarks.md "Boot cost"):
         * the TSC at the hypervisor's first instructions. EAX holds the
         * loader's magic, which RDTSC overwrites. */
        movl %eax, %esi
        rdtsc
        movl %eax, boot_entry_tsc
        movl %edx, boot_entry_tsc + 4
        movl %esi, %eax
        cli
        cld
        movl $boot_stack_top, %esp
        movl %eax, mb_magic
        movl %ebx, mb_info

        /* IA-32e mode needs CPUID.80000001H:EDX.LM[29]. */
        movl $0x80000000, %eax
        cpuid
        cmpl $0x80000001, %eax
        jb no_long_mode
        movl $0x80000001, %eax
        cpuid
        btl $29, %edx
        jnc no_long_mode

        call build_boot_page_tables

        movl %cr4, %eax
        orl $(1 << 5), %eax              /* CR4.PAE */
        movl %eax, %cr4
        movl $boot_pml4, %eax
        movl %eax, %cr3
        movl $0xC0000080, %ecx           /* IA32_EFER */
        rdmsr
        orl $(1 << 8), %eax              /* LME */
        wrmsr
        movl %cr0, %eax
        orl $((1 << 31) | (1 << 0)), %eax  /* PG | PE */
        movl %eax, %cr0
        lgdt boot_gdt_pointer
        ljmp $0x08, $long_mode_entry

/* Identity map of the low 4 GiB with 2 MiB pages; the 2 MiB page holding the
 * local APIC (0xFEE00000) is uncached. Tables live in .bss, cleared here
 * because not every loader promises a zeroed .bss. Also used by the APs. */
        .global build_boot_page_tables
build_boot_page_tables:
        movl $boot_pml4, %edi
        movl $((6 * 4096) / 4), %ecx
        xorl %eax, %eax
        rep stosl
        movl $boot_pdpt, %eax
        orl $3, %eax
        movl %eax, boot_pml4
        movl $boot_pd, %eax
        orl $3, %eax
        movl $boot_pdpt, %edi
        movl $4, %ecx
1:      movl %eax, (%edi)
        addl $4096, %eax
        addl $8, %edi
        loop 1b
        movl $boot_pd, %edi
        movl $0x83, %eax                 /* present, writable, 2 MiB page */
        movl $2048, %ecx
2:      movl %eax, (%edi)
        addl $0x200000, %eax
        addl $8, %edi
        loop 2b
        /* 0xFEE00000 >> 21 = 2039: PCD|PWT for the APIC page. */
        orl $0x18, boot_pd + 2039 * 8
        ret

no_long_mode:
        movl $no_long_mode_text, %esi
1:      lodsb
        testb %al, %al
        jz 3f
        movw $0x3FD, %dx                 /* COM1 line status */
2:      inb %dx, %al
        testb $0x20, %al
        jz 2b
        movb -1(%esi), %al
        movw $0x3F8, %dx
        outb %al, %dx
        jmp 1b
3:      cli
        hlt
        jmp 3b

        .code64
long_mode_entry:
        movw $0x10, %ax
        movw %ax, %ds
        movw %ax, %es
        movw %ax, %ss
        xorw %ax, %ax
        movw %ax, %fs
        movw %ax, %gs
        movq $boot_stack_top, %rsp
        movl mb_magic, %edi
        movl mb_info, %esi
        call kmain
4:      cli
        hlt
        jmp 4b

        .section .rodata
no_long_mode_text:
        .asciz "[cpu0] vmm: cannot start: this CPU has no IA-32e (long) mode\r\n"

        .section .data
        .balign 8
        .global boot_gdt
boot_gdt:
        .quad 0
        .quad 0x00AF9A000000FFFF         /* 0x08: 64-bit code, DPL 0 */
        .quad 0x00CF92000000FFFF         /* 0x10: data, DPL 0 */
boot_gdt_end:
        .global boot_gdt_pointer
boot_gdt_pointer:
        .word boot_gdt_end - boot_gdt - 1
        .long boot_gdt
mb_magic: .long 0
        .balign 8
        .global boot_entry_tsc
boot_entry_tsc: .quad 0
mb_info:  .long 0

        .section .bss
        .balign 4096
        .global boot_pml4
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4 * 4096
        .balign 16
boot_stack: .skip 16384
        .global boot_stack_top
boot_stack_top:
