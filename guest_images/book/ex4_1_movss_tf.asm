; Example 4-1, guest 1 (book 4.13.2): single-stepping into MOV SS. With TF
; set, the #DB after MOV SS is held back (blocking by MOV SS) over the INT3
; that follows; INT3 exits (#BP in the exception bitmap) and the hypervisor
; re-injects it with its instruction length. The #DB handler reports where
; it ran.
        bits 32
        org 0x100000

%include "say32.inc"

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
        mov eax, 0x11111111             ; seen by the #DB handler
        mov dx, ss
        pushfd
        or dword [esp], 0x100           ; TF
        popfd
        mov ss, dx                      ; blocks #DB for one instruction
        int3
        pushfd
        and dword [esp], ~0x100
        popfd
        mov esi, done
        call puts
        jmp halt_done

debug_handler:
        push esi
        mov esi, db_text
        call puts
        push eax
        mov eax, [esp + 8]              ; return EIP
        call print_hex32
        mov esi, eax_text
        call puts
        pop eax
        call print_hex32
        call newline
        and dword [esp + 12], ~0x100    ; stop single-stepping
        pop esi
        iret

RETURN_EIP_HANDLER breakpoint_handler, bp_text

%include "console32.inc"
%include "pm32.inc"

hello:   db "TF=1; MOV SS; INT3", 10, 0
db_text: db "#DB handler ran: return EIP 0x", 0
eax_text: db " EAX 0x", 0
bp_text: db "#BP handler ran: return EIP 0x", 0
done:    db "guest 1 done", 10, 0
