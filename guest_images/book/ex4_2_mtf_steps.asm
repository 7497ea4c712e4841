; Example 4-2 (book 4.14.5): the sequence the monitor trap flag single-steps;
; the hypervisor logs each instruction as it completes.
        bits 32
        org 0x100000

start:
        call load_flat_gdt
        mov eax, 0x60
        mov ebx, int60_handler
        call set_interrupt_gate
        call load_idt
        mov eax, 1
        mov eax, 2
        mov eax, 3
        int 0x60
        mov eax, 4
        mov eax, 5
        mov eax, 6
        cli
        hlt

int60_handler:
        iret

%include "pm32.inc"
