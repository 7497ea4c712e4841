; Example 7-5's guest: it programs its own 8259 with vector base 30h,
; unmasks IRQ 1 only, waits with interrupts on, and its handler at vector
; 31h reads the scancode from port 60h and sends the EOI. The hypervisor
; snoops the 8259 writes, forwards the real IRQ 1 and completes the EOI.
        bits 32
        org 0x100000

PIC_BASE        equ 0x30
KEYBOARD_VECTOR equ PIC_BASE + 1
got_key         equ 0x80000             ; flag in guest RAM

start:
        call load_flat_gdt
        mov eax, KEYBOARD_VECTOR
        mov ebx, keyboard_handler
        call set_interrupt_gate
        call load_idt
        mov byte [got_key], 0
        ; ICW1..ICW4 for both controllers, vector bases 30h and 38h
        mov al, 0x11
        out 0x20, al
        out 0xA0, al
        mov al, PIC_BASE
        out 0x21, al
        mov al, PIC_BASE + 8
        out 0xA1, al
        mov al, 0x04
        out 0x21, al
        mov al, 0x02
        out 0xA1, al
        mov al, 0x01
        out 0x21, al
        out 0xA1, al
        mov al, 0xFF
        out 0xA1, al                    ; slave: all masked
        mov esi, ready
        call puts
        mov al, 0xFD
        out 0x21, al                    ; master: only IRQ 1 (keyboard)
.wait:  sti
        hlt
        cli
        cmp byte [got_key], 0
        je .wait
        mov esi, done
        call puts
        jmp halt_done

keyboard_handler:
        push eax
        push esi
        in al, 0x60                     ; the scancode, from the real i8042
        mov esi, key_text
        call puts
        movzx eax, al
        call print_hex32
        mov esi, vector_text
        call puts
        call newline
        mov byte [got_key], 1
        mov al, 0x20
        out 0x20, al                    ; non-specific EOI
        pop esi
        pop eax
        iret

%include "console32.inc"
%include "pm32.inc"

ready:       db "8259 programmed (base 0x30), IRQ 1 unmasked, waiting", 10, 0
key_text:    db "keyboard interrupt: scancode 0x", 0
vector_text: db " at vector 0x31", 0
done:        db "keyboard guest done", 10, 0
