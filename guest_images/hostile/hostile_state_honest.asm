; An honest neighbour with a fixed amount of work: WORK iterations of a
; loop without exits, in time slices. It prints the TSC ticks it took from
; start to done, so a profile can bound how long a neighbour delayed it.
        bits 32
        org 0x100000

WORK    equ 2000000

start:
        mov esi, hello
        call puts
        rdtsc
        mov [t0], eax
        mov [t0 + 4], edx
        mov ecx, WORK
.work:  dec ecx
        jnz .work
        rdtsc
        sub eax, [t0]
        sbb edx, [t0 + 4]
        mov esi, done
        call puts
        xchg eax, edx
        call print_hex32
        mov al, '_'
        call putc
        mov eax, edx
        call print_hex32
        call newline
        jmp halt_done

%include "console32.inc"

align 8
t0:    dq 0
hello: db "honest worker starting", 10, 0
done:  db "honest worker done; TSC ticks from start to done 0x", 0
