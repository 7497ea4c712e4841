; Example 4-1, guest 2 (book 4.13.2): a data breakpoint (DR0) on the word
; that MOV SS reads. The #DB is held back by the MOV SS blocking over the
; INT3 that follows, which exits and is re-injected; the pending debug
; exceptions field at that exit shows the breakpoint.
        bits 32
        org 0x100000

%include "say32.inc"

SS_WORD equ 0x80010                     ; the watched word, in guest RAM

start:
        call load_flat_gdt
        mov eax, 1
        mov ebx, debug_handler
        call set_interrupt_gate
        mov eax, 3
        mov ebx, breakpoint_handler
        call set_interrupt_gate
        call load_idt
        mov esi, hello
        call puts
        mov word [SS_WORD], DATA_SELECTOR
        mov eax, SS_WORD
        mov dr0, eax
        mov eax, 0x000F0001             ; L0, R/W0 = 11b (read or write), LEN0 = 11b (4 bytes)
        mov dr7, eax
        mov eax, 0x22222222
        mov ss, [SS_WORD]               ; hits DR0; #DB blocked by MOV SS
        int3
        xor eax, eax
        mov dr7, eax
        mov esi, done
        call puts
        jmp halt_done

debug_handler:
        push esi
        mov esi, db_text
        call puts
        push eax
        mov eax, [esp + 8]
        call print_hex32
        mov esi, eax_text
        call puts
        pop eax
        call print_hex32
        mov esi, dr6_text
        call puts
        push eax
        mov eax, dr6
        call print_hex32
        pop eax
        call newline
        pop esi
        iret

RETURN_EIP_HANDLER breakpoint_handler, bp_text

%include "console32.inc"
%include "pm32.inc"

hello:    db "DR0 on the MOV SS operand; MOV SS; INT3", 10, 0
db_text:  db "#DB handler ran: return EIP 0x", 0
eax_text: db " EAX 0x", 0
dr6_text: db " DR6 0x", 0
bp_text:  db "#BP handler ran: return EIP 0x", 0
done:     db "guest 2 done", 10, 0
