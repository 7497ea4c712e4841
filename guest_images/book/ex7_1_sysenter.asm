; Example 7-1 (book 7.1.2.2): the guest sets up SYSENTER, drops to CPL 3,
; enters its kernel with SYSENTER and returns with SYSEXIT. The hypervisor
; traps the WRMSR of IA32_SYSENTER_EIP, keeps the real value and plants a
; trap address; the #PF there brings control back to it, and it resumes the
; guest at the real entry. The guest never notices.
        bits 32
        org 0x100000

PAGE_DIRECTORY  equ 0x90000
IA32_SYSENTER_CS  equ 0x174
IA32_SYSENTER_ESP equ 0x175
IA32_SYSENTER_EIP equ 0x176

start:
        call load_flat_gdt
        mov eax, 14
        mov ebx, pf_handler
        call set_interrupt_gate
        call load_idt
        call load_tss
        ; identity map of the first 4 MiB (one 4 MiB page), so the trap
        ; address near 4 GiB is not present
        mov dword [PAGE_DIRECTORY], 0x87   ; present, writable, user, 4 MiB
        mov eax, PAGE_DIRECTORY
        mov cr3, eax
        mov eax, cr4
        or eax, 1 << 4
        mov cr4, eax
        mov eax, cr0
        or eax, 1 << 31
        mov cr0, eax
        xor edx, edx
        mov ecx, IA32_SYSENTER_CS
        mov eax, CODE_SELECTOR
        wrmsr
        mov ecx, IA32_SYSENTER_ESP
        mov eax, KERNEL_STACK
        wrmsr
        mov ecx, IA32_SYSENTER_EIP
        mov eax, sysenter_entry
        wrmsr
        mov ecx, IA32_SYSENTER_EIP
        rdmsr
        mov esi, readback_text
        call puts
        call print_hex32
        call newline
        pushfd
        or dword [esp], 3 << 12         ; IOPL 3: the user code prints too
        popfd
        mov eax, user_code
        jmp enter_user_mode

user_code:
        mov esi, user_text
        call puts
        mov ecx, esp                    ; SYSEXIT restores ESP from ECX
        mov edx, after_sysexit          ; and EIP from EDX
        sysenter
after_sysexit:
        mov esi, back_text
        call puts
        mov eax, 0                      ; VMCALL exit, code 0
        xor ebx, ebx
        vmcall

sysenter_entry:
        mov esi, entry_text
        call puts
        sysexit

pf_handler:
        mov esi, pf_text
        call puts
        mov eax, cr2
        call print_hex32
        call newline
        jmp halt_done

%include "console32.inc"
%include "pm32.inc"

readback_text: db "IA32_SYSENTER_EIP reads back as 0x", 0
user_text:     db "CPL 3: calling SYSENTER", 10, 0
entry_text:    db "SYSENTER entry reached at CPL 0", 10, 0
back_text:     db "back at CPL 3 after SYSEXIT: done", 10, 0
pf_text:       db "guest #PF handler ran (the trap leaked): CR2 0x", 0
