; The demo guest: 32-bit protected mode, paging off (unrestricted guest),
; loaded at 1 MiB. It greets, asks CPUID for the vendor (a CPUID exit the
; hypervisor answers), and halts with interrupts off: its normal end.
; Its image is mapped read+execute only, so data it writes lives in RAM
; below 1 MiB.
        bits 32
        org 0x100000

vendor          equ 0x80000             ; 13 bytes of scratch in guest RAM

start:
        mov esi, hello
        call puts
        xor eax, eax
        cpuid                           ; exits to the hypervisor (SDM 25.1.2)
        mov [vendor + 0], ebx
        mov [vendor + 4], edx
        mov [vendor + 8], ecx
        mov byte [vendor + 12], 0
        mov esi, vendor_text
        call puts
        mov esi, vendor
        call puts
        call newline
        mov eax, 1
        cpuid
        mov esi, signature_text
        call puts
        call print_hex32
        call newline
        mov esi, bye
        call puts
        jmp halt_done

%include "console32.inc"

hello:          db "hello from a protected-mode guest", 10, 0
vendor_text:    db "CPUID vendor: ", 0
signature_text: db "CPUID.1:EAX = 0x", 0
bye:            db "demo guest done, halting", 10, 0
