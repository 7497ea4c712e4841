; Hostile: an exit storm of console hypercalls (VMCALL putc in a loop, no
; work in between). Its slices end by the host time charged for its exits,
; and the storm rule stops it (docs/isolation.md, "Time").
        bits 32
        org 0x100000

start:
        mov esi, text
        call puts
.storm: mov eax, VMCALL_PUTC
        mov ebx, '.'
        vmcall
        jmp .storm

%include "console32.inc"

text: db "VMCALL console writes from here on, forever", 10, 0
