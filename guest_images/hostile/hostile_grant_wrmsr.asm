; A hostile guest for the grants suite: one WRMSR to an MSR the hypervisor
; owns (IA32_APIC_BASE, the x2APIC ICR, ...). The profile picks it:
;   ECX = MSR, EDI = low 32 bits (EAX), EBP = high 32 bits (EDX).
; The hypervisor must stop it at that WRMSR (msr.on_denied: stop).
        bits 32
        org 0x100000

start:
        mov esi, about_text
        call puts
        mov eax, ecx
        call print_hex32
        call newline
        mov eax, edi
        mov edx, ebp
        wrmsr
        mov esi, survived_text
        call puts
        jmp halt_done

%include "console32.inc"

about_text:    db "hostile: WRMSR to msr 0x", 0
survived_text: db "the WRMSR went through: isolation is broken", 10, 0
