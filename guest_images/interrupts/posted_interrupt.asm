; Posted interrupts (SDM 29.6, book 7.2.14): the guest asks the hypervisor
; (hypercall 5) to post vector 51H to it. The hypervisor sets the request in
; the posted-interrupt descriptor and sends the notification vector to this
; CPU; at the next VM entry the CPU moves the request into the virtual APIC
; and delivers it through the guest's IDT, and the handler's EOI is
; virtualized: no VM exit on the way.
%include "say32.inc"
        bits 32
        org 0x100000

flag    equ 0x80000
APIC_EOI equ 0xFEE000B0
POST_INTERRUPT equ 5

start:
        call load_flat_gdt
        mov eax, 0x51
        mov ebx, handler
        call set_interrupt_gate
        call load_idt
        mov byte [flag], 0
        mov esi, post_text
        call puts
        sti
        mov eax, POST_INTERRUPT
        mov ebx, 0x51
        vmcall
        nop
        nop
        cli
        cmp eax, 0
        jne .refused
        cmp byte [flag], 0
        je .missing
        SAY_AND_HALT done_text
.refused:
        SAY_AND_HALT refused_text
.missing:
        SAY_AND_HALT missing_text

FLAG_HANDLER handler, handler_text, eoi

%include "console32.inc"
%include "pm32.inc"

post_text:    db "asking the hypervisor to post interrupt 0x51", 10, 0
handler_text: db "posted interrupt 0x51 delivered", 10, 0
done_text:    db "posted-interrupt guest done", 10, 0
refused_text: db "the hypervisor refused to post: no posted interrupts here", 10, 0
missing_text: db "posted but never delivered: wrong", 10, 0
