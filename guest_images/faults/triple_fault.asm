; A guest that triple-faults: with an empty IDT, INT3 cannot be delivered
; (#GP), neither can the #GP (#DF), nor the #DF. Only this guest stops.
        bits 32
        org 0x100000

start:
        mov esi, hello
        call puts
        lidt [empty_idt]
        int3
        mov esi, survived
        call puts
        jmp halt_done

%include "console32.inc"

empty_idt: dw 0
           dd 0
hello:     db "loading an empty IDT, then INT3", 10, 0
survived:  db "still running after INT3 with an empty IDT", 10, 0
