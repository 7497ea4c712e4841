; An honest guest that does not take NMIs: busy without exits for a while,
; with a console line (an exit of its own) every STEP iterations. An NMI
; sent to its CPU meanwhile is the host's; the guest must not notice.
        bits 32
        org 0x100000

STEPS   equ 40
STEP    equ 500000

start:
        mov esi, hello
        call puts
        mov ebx, STEPS
.step:  mov ecx, STEP
.wait:  dec ecx
        jnz .wait
        mov esi, step_text
        call puts
        dec ebx
        jnz .step
        mov esi, done
        call puts
        jmp halt_done

%include "console32.inc"

hello:     db "busy without exits", 10, 0
step_text: db "busy step", 10, 0
done:      db "busy guest done", 10, 0
