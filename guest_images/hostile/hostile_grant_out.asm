; A hostile guest for the grants suite (tests/hostile/grants.cmake): one OUT
; to a port the hypervisor owns. The profile picks the port and the value in
; the entry registers, so one image covers every port class:
;   ECX = port, EDI = value, EBX = access size in bytes (1, 2 or 4).
; The hypervisor must stop it at that OUT; the line after it never prints.
        bits 32
        org 0x100000

start:
        mov esi, about_text
        call puts
        mov eax, edi
        call print_hex32
        mov esi, to_port_text
        call puts
        mov eax, ecx
        call print_hex32
        call newline
        mov edx, ecx
        mov eax, edi
        cmp ebx, 2
        je .word
        cmp ebx, 4
        je .dword
        out dx, al
        jmp .survived
.word:  out dx, ax
        jmp .survived
.dword: out dx, eax
.survived:
        mov esi, survived_text
        call puts
        jmp halt_done

%include "console32.inc"

about_text:    db "hostile: writing 0x", 0
to_port_text:  db " to port 0x", 0
survived_text: db "the write reached the port: isolation is broken", 10, 0
