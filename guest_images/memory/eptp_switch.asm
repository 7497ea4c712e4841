; EPTP switching with VMFUNC (SDM 25.5.6.3, book 6.1.11): the guest reads
; the string at 200000H, switches to EPT view 1 with VMFUNC (leaf 0, index
; 1), reads the same address again, and switches back. No VM exit happens:
; the CPU changes the EPT pointer itself.
        bits 32
        org 0x100000

PAGE    equ 0x200000

start:
        mov esi, PAGE
        call puts
        call newline
        xor eax, eax                    ; VMFUNC leaf 0: EPTP switching
        mov ecx, 1                      ; EPTP-list index 1
        db 0x0F, 0x01, 0xD4             ; vmfunc
        mov esi, PAGE
        call puts
        call newline
        xor eax, eax
        xor ecx, ecx
        db 0x0F, 0x01, 0xD4             ; back to view 0
        mov esi, PAGE
        call puts
        call newline
        jmp halt_done

%include "console32.inc"
