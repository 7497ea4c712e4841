; A guest that never exits on its own: only the preemption-timer watchdog
; can take the CPU back.
        bits 32
        org 0x100000

start:
        mov esi, hello
        call puts
.forever:
        jmp .forever

%include "console32.inc"

hello: db "spinning forever with no exit", 10, 0
