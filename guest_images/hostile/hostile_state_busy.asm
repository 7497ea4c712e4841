; A guest that does not take NMIs, busy without exits for a while: an NMI
; sent to its CPU meanwhile is the host's; the guest must not notice.
        bits 32
        org 0x100000

DELAY    equ 20000000

start:
        mov esi, hello
        call puts
        mov ecx, DELAY
.wait:  dec ecx
        jnz .wait
        mov esi, done
        call puts
        jmp halt_done

%include "console32.inc"

hello: db "busy without exits", 10, 0
done:  db "busy guest done", 10, 0
