; A guest that takes NMIs (profile: on_exit nmi: reflect): an NMI handler in
; its IDT, then a long wait without exits. An NMI sent to its CPU while it
; runs (the nmi_test hook) reaches the hypervisor as a VM exit and must be
; injected into it (docs/isolation.md, "Interrupts and NMIs").
        bits 32
        org 0x100000

flag    equ 0x80000
DELAY    equ 20000000

start:
        call load_flat_gdt
        mov eax, 2
        mov ebx, nmi_handler
        call set_interrupt_gate
        call load_idt
        mov byte [flag], 0
        mov esi, hello
        call puts
        mov ecx, DELAY
.wait:  cmp byte [flag], 0
        jne .got
        dec ecx
        jnz .wait
        mov esi, none_text
        call puts
        jmp halt_done
.got:   mov esi, got_text
        call puts
        jmp halt_done

nmi_handler:
        mov byte [flag], 1
        iret

%include "console32.inc"
%include "pm32.inc"

hello:     db "waiting for an NMI", 10, 0
got_text:  db "NMI handler ran: the NMI was delivered to this guest", 10, 0
none_text: db "no NMI arrived", 10, 0
