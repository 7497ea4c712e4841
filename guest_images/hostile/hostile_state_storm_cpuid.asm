; Hostile: an exit storm of CPUID leaf 0 in a loop, the exit the fast path
; finishes in assembly (docs/exit-fast-path.md). Its exits never reach the
; dispatcher one by one, yet their host time is charged to its slices, so
; its slices end on time and the storm rule stops it (docs/isolation.md,
; "Time"). See hostile_state_storm_vmcall.asm.
        bits 32
        org 0x100000

start:
        mov esi, text
        call puts
.storm: xor eax, eax
        cpuid
        jmp .storm

%include "console32.inc"

text: db "CPUID from here on, forever", 10, 0
