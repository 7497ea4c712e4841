; Example 5-1, guest 2 (book 5.5): RDTSC exits only because the profile
; turns RDTSC exiting on; the VM-entry MSR-load list set the TSC to 0, so the
; value read is small.
        bits 32
        org 0x100000

start:
        rdtsc
        mov ebx, eax
        mov eax, edx
        mov esi, tsc_text
        call puts
        call print_hex32
        mov eax, ebx
        call print_hex32
        call newline
        jmp halt_done

%include "console32.inc"

tsc_text: db "RDTSC = 0x", 0
