; Example 7-4 (book 7.3.1.5): INT 0x60 through a DPL-3 interrupt gate, first
; at CPL 0, then at CPL 3. The hypervisor has shrunk the IDT limit the CPU
; sees, so each INT faults (#GP) into it, and it delivers the interrupt from
; this IDT itself, switching to the TSS stack for the call from CPL 3.
        bits 32
        org 0x100000

start:
        call load_flat_gdt
        mov eax, 0x60
        mov ebx, int60_handler
        call set_user_gate
        call load_idt
        call load_tss
        mov esi, cpl0_text
        call puts
        int 0x60
        mov esi, back0_text
        call puts
        pushfd
        or dword [esp], 3 << 12                   ; IOPL 3: CPL 3 prints too
        popfd
        mov eax, user_code
        jmp enter_user_mode

user_code:
        mov esi, cpl3_text
        call puts
        int 0x60
        mov esi, back3_text
        call puts
        mov eax, 0                                ; VMCALL exit, code 0
        xor ebx, ebx
        vmcall

int60_handler:
        push eax
        push esi
        mov esi, handler_text
        call puts
        mov eax, [esp + 12]                       ; the caller's CS
        and eax, 3
        call print_hex32
        mov esi, stack_text
        call puts
        mov eax, esp
        call print_hex32
        call newline
        mov esi, end_text
        call puts
        pop esi
        pop eax
        iret

%include "console32.inc"
%include "pm32.inc"

cpl0_text:    db "INT 0x60 at CPL 0", 10, 0
cpl3_text:    db "INT 0x60 at CPL 3", 10, 0
handler_text: db "INT 0x60 handler: caller CPL 0x", 0
stack_text:   db " handler ESP 0x", 0
end_text:     db "INT 0x60 handler: end", 10, 0
back0_text:   db "back at CPL 0 after IRET", 10, 0
back3_text:   db "back at CPL 3 after IRET", 10, 0
