; Example 5-2, guest 2 (book 5.6.3): MOV from CR3 at CPL 3 raises #GP before
; any CR3-store exit could happen. #GP is in the exception bitmap, so the
; exit is reason 0 vector 13 (not 28); the hypervisor reflects it and the
; guest's #GP handler runs at CPL 0.
        bits 32
        org 0x100000

start:
        call load_flat_gdt
        mov eax, 13
        mov ebx, gp_handler
        call set_interrupt_gate
        call load_idt
        call load_tss
        mov esi, hello
        call puts
        mov eax, user_code
        jmp enter_user_mode

user_code:
        mov eax, cr3                    ; #GP at CPL 3
        jmp $

gp_handler:
        mov ax, DATA_SELECTOR
        mov ds, ax
        mov es, ax
        mov esi, gp_text
        call puts
        mov eax, [esp + 4]              ; EIP (after the error code)
        call print_hex32
        mov esi, cs_text
        call puts
        mov eax, [esp + 8]
        call print_hex32
        call newline
        jmp halt_done

%include "console32.inc"
%include "pm32.inc"

hello:   db "going to CPL 3 to read CR3", 10, 0
gp_text: db "#GP handler ran for MOV from CR3: EIP 0x", 0
cs_text: db " CS 0x", 0
