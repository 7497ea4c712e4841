; Hostile: an exit storm of trapped port reads (the console's line status
; register, in a loop). See hostile_state_storm_vmcall.asm.
        bits 32
        org 0x100000

start:
        mov esi, text
        call puts
        mov dx, COM1_LSR
.storm: in al, dx
        jmp .storm

%include "console32.inc"

text: db "trapped port reads from here on, forever", 10, 0
