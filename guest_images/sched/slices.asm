; A guest that works in bursts: it prints "tick N" lines with a busy loop
; between them, so time slices of guests sharing a CPU interleave visibly.
        bits 32
        org 0x100000

TICKS   equ 6
SPIN    equ 400000

start:
        mov esi, hello
        call puts
        xor ebx, ebx
.tick:  mov esi, tick_text
        call puts
        mov eax, ebx
        call print_hex32
        call newline
        mov ecx, SPIN
.spin:  dec ecx                         ; no exit here: only the timer interrupts it
        jnz .spin
        inc ebx
        cmp ebx, TICKS
        jb .tick
        mov esi, done
        call puts
        jmp halt_done

%include "console32.inc"

hello:     db "slices guest starting", 10, 0
tick_text: db "tick 0x", 0
done:      db "slices guest done", 10, 0
