; Virtual-interrupt delivery (SDM 29.2, book 7.2.13): vector 50H is pending
; in the virtual APIC at entry. When the guest enables interrupts, the CPU
; delivers it through the guest's IDT and virtualizes the EOI the handler
; writes, all without a VM exit.
%include "say32.inc"
        bits 32
        org 0x100000

flag    equ 0x80000
APIC_EOI equ 0xFEE000B0

start:
        call load_flat_gdt
        mov eax, 0x50
        mov ebx, handler
        call set_interrupt_gate
        call load_idt
        mov byte [flag], 0
        mov esi, wait_text
        call puts
        sti
        nop
        nop
        cli
        cmp byte [flag], 0
        je .missing
        SAY_AND_HALT done_text
.missing:
        SAY_AND_HALT missing_text

FLAG_HANDLER handler, handler_text, eoi

%include "console32.inc"
%include "pm32.inc"

wait_text:    db "virtual interrupt 0x50 pending; enabling interrupts", 10, 0
handler_text: db "virtual interrupt 0x50 delivered", 10, 0
done_text:    db "virtual-interrupt guest done", 10, 0
missing_text: db "no virtual interrupt: wrong", 10, 0
