; Example 5-2, guest 1 (book 5.6.3): LOCK CPUID raises #UD, which takes
; priority over the CPUID exit: #UD is not in the exception bitmap, so the
; guest's own handler runs and no CPUID exit happens.
        bits 32
        org 0x100000

start:
        call load_flat_gdt
        mov eax, 6
        mov ebx, ud_handler
        call set_interrupt_gate
        call load_idt
        mov esi, hello
        call puts
        db 0xF0, 0x0F, 0xA2             ; lock cpuid
        mov esi, done
        call puts
        jmp halt_done

ud_handler:
        mov esi, ud_text
        call puts
        mov eax, [esp]
        call print_hex32
        call newline
        add dword [esp], 3              ; past the 3-byte LOCK CPUID
        iret

%include "console32.inc"
%include "pm32.inc"

hello:   db "executing LOCK CPUID at CPL 0", 10, 0
ud_text: db "#UD handler ran (no CPUID exit): EIP 0x", 0
done:    db "guest 1 done", 10, 0
