; Interrupt-window exiting (SDM 25.2, book 4.15.7): the guest starts with
; interrupts off while an external interrupt (vector 40H) waits in the
; hypervisor; only when the guest executes STI does the window open, and the
; interrupt arrives right after the STI shadow.
%include "say32.inc"
        bits 32
        org 0x100000

flag    equ 0x80000

start:
        call load_flat_gdt
        mov eax, 0x40
        mov ebx, handler
        call set_interrupt_gate
        call load_idt
        mov byte [flag], 0
        mov esi, off_text
        call puts
        mov ecx, 1000
.work:  loop .work                      ; interrupts still off: nothing arrives
        cmp byte [flag], 0
        jne .early
        sti
        nop
        nop
        cli
        cmp byte [flag], 0
        je .missing
        SAY_AND_HALT done_text
.early:
        SAY_AND_HALT early_text
.missing:
        SAY_AND_HALT missing_text

FLAG_HANDLER handler, handler_text

%include "console32.inc"
%include "pm32.inc"

off_text:     db "interrupts off (IF = 0): the interrupt waits", 10, 0
handler_text: db "vector 0x40 delivered after STI", 10, 0
done_text:    db "window guest done", 10, 0
early_text:   db "the interrupt came while IF = 0: wrong", 10, 0
missing_text: db "no interrupt after STI: wrong", 10, 0
