; Real-mode guest (unrestricted guest, book 6.3.2): starts at 0000:7C00 like
; a boot sector, shows it runs with CR0.PE = 0, and halts.
        bits 16
        org 0x7C00

start:
        xor ax, ax
        mov ds, ax
        mov si, hello
        call puts
        mov eax, cr0                    ; reads the CR0 read shadow
        mov si, cr0_text
        call puts
        call print_hex32
        call newline
        test al, 1
        jnz .wrong
        mov si, real_text
        call puts
        jmp halt_done
.wrong: mov si, wrong_text
        call puts
        jmp halt_done

%include "console16.inc"

hello:      db "hello from a real-mode guest at 0000:7C00", 10, 0
cr0_text:   db "CR0 = 0x", 0
real_text:  db "CR0.PE = 0: real mode under unrestricted guest", 10, 0
wrong_text: db "CR0.PE = 1: not real mode", 10, 0
