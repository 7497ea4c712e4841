; Example 5-1, guest 1 (book 5.5): CPUID always exits. The guest prints the
; family and model from CPUID.01H:EAX, which the profile's override sets.
        bits 32
        org 0x100000

start:
        mov eax, 1
        cpuid
        mov ebx, eax
        mov esi, eax_text
        call puts
        call print_hex32
        call newline
        mov esi, family_text
        call puts
        mov eax, ebx
        shr eax, 8
        and eax, 0xF                    ; family
        call print_hex32
        mov esi, model_text
        call puts
        mov eax, ebx
        shr eax, 4
        and eax, 0xF                    ; model
        call print_hex32
        call newline
        jmp halt_done

%include "console32.inc"

eax_text:    db "CPUID.01H:EAX = 0x", 0
family_text: db "family 0x", 0
model_text:  db " model 0x", 0
