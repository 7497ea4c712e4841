; Hostile: interrupts off and a jump to itself, in a profile that asks for
; no preemption timer. Only the hypervisor's default watchdog ends it
; (docs/isolation.md, "Time").
        bits 32
        org 0x100000

start:
        mov esi, text
        call puts
        cli
.spin:  jmp .spin

%include "console32.inc"

text: db "cli; jmp $ from here on", 10, 0
