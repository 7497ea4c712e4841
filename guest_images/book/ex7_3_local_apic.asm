; Example 7-3 (book 7.2.1.1): the guest uses its local APIC as if it owned
; it: reads IA32_APIC_BASE, writes it back, tries a value with a reserved bit
; (#GP), then writes the TPR (FEE00080H) with 50H and 60H and reads each back.
; The hypervisor virtualizes all of it (in software through an EPT hook, or
; with the CPU's APIC virtualization, depending on the profile).
        bits 32
        org 0x100000

IA32_APIC_BASE  equ 0x1B
APIC_TPR        equ 0xFEE00080

start:
        call load_flat_gdt
        mov eax, 13
        mov ebx, gp_handler
        call set_interrupt_gate
        call load_idt
        mov ecx, IA32_APIC_BASE
        rdmsr
        mov esi, base_text
        call puts
        call print_hex32
        call newline
        mov ecx, IA32_APIC_BASE
        wrmsr                           ; the same value back
        rdmsr
        mov esi, again_text
        call puts
        call print_hex32
        call newline
        or eax, 1 << 9                  ; a reserved bit: #GP
        wrmsr
        mov dword [APIC_TPR], 0x50
        mov eax, [APIC_TPR]
        mov esi, tpr_text
        call puts
        call print_hex32
        call newline
        mov dword [APIC_TPR], 0x60
        mov eax, [APIC_TPR]
        mov esi, tpr_text
        call puts
        call print_hex32
        call newline
        jmp halt_done

gp_handler:
        push esi
        mov esi, gp_text
        call puts
        pop esi
        add dword [esp + 4], 2          ; past the 2-byte WRMSR (EIP is above the error code)
        add esp, 4                      ; drop the error code
        iret

%include "console32.inc"
%include "pm32.inc"

base_text:  db "IA32_APIC_BASE = 0x", 0
again_text: db "IA32_APIC_BASE after writing it back = 0x", 0
gp_text:    db "#GP for IA32_APIC_BASE with a reserved bit", 10, 0
tpr_text:   db "TPR reads back 0x", 0
