; Virtual NMIs and NMI-window exiting (SDM 24.6.1, 25.2; book 7.3.2.2): the
; guest starts with NMIs blocked while an NMI waits in the hypervisor. Its
; IRET ends the blocking, the NMI window opens, and the NMI is delivered.
%include "say32.inc"
        bits 32
        org 0x100000

flag    equ 0x80000

start:
        call load_flat_gdt
        mov eax, 2
        mov ebx, nmi_handler
        call set_interrupt_gate
        call load_idt
        mov byte [flag], 0
        mov esi, blocked_text
        call puts
        cmp byte [flag], 0
        jne .early
        pushfd                          ; an IRET to the next instruction unblocks NMIs
        push cs
        push .after
        iretd
.after: nop
        cmp byte [flag], 0
        je .missing
        SAY_AND_HALT done_text
.early:
        SAY_AND_HALT early_text
.missing:
        SAY_AND_HALT missing_text

FLAG_HANDLER nmi_handler, nmi_text

%include "console32.inc"
%include "pm32.inc"

blocked_text: db "NMIs blocked at entry: the NMI waits", 10, 0
nmi_text:     db "NMI handler ran after the IRET", 10, 0
done_text:    db "NMI-window guest done", 10, 0
early_text:   db "the NMI came while blocked: wrong", 10, 0
missing_text: db "no NMI after the IRET: wrong", 10, 0
