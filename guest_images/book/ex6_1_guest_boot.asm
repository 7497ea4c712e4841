; Example 6-1, GuestBoot (book 6.4.1): starts in real mode at 0000:7C00
; under unrestricted guest, opens the A20 gate (port 92h) and masks NMIs at
; the CMOS port (70h) — both trapped by the profile — then enters protected
; mode and jumps to GuestKernel at 20000h. Two guests run this same code on
; one CPU, time-sliced.
        bits 16
        org 0x7C00

KERNEL  equ 0x20000

start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7000
        mov si, hello
        call puts
        in al, 0x92
        or al, 2                        ; fast A20
        out 0x92, al
        mov al, 0x80                    ; NMI disable, CMOS index 0
        out 0x70, al
        lgdt [gdt_pointer]
        mov eax, cr0
        or eax, 1
        mov cr0, eax
        jmp dword 0x08:KERNEL

%include "console16.inc"

        align 8
gdt:    dq 0
        dq 0x00CF9B000000FFFF           ; 08h: flat 32-bit code (accessed)
        dq 0x00CF93000000FFFF           ; 10h: flat data (accessed)
gdt_end:
gdt_pointer:
        dw gdt_end - gdt - 1
        dd gdt
hello:  db "GuestBoot: real mode at 0000:7C00, going to protected mode", 10, 0
