; Example 7-2 (book 7.1.3.4): a task switch. Task 1 (the guest's start)
; CALLs task 2 through its TSS selector; task 2 prints a line and IRETs back
; (NT set: a return to the previous task). Both switches exit (reason 9) and
; the hypervisor performs them in software.
        bits 32
        org 0x100000

GDT_RAM         equ 0x72000
TSS1            equ 0x71000
TSS2            equ 0x73000
TSS1_SELECTOR   equ 0x28
TSS2_SELECTOR   equ 0x30

start:
        ; a GDT in RAM: the CPU (and the hypervisor for it) writes busy bits
        mov esi, gdt
        mov edi, GDT_RAM
        mov ecx, gdt_end - gdt
        rep movsb
        lgdt [gdt_pointer]
        jmp 0x08:.flat
.flat:  mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        ; task 2's TSS: where it starts and with what
        mov edi, TSS2
        xor eax, eax
        mov ecx, 26
        rep stosd
        mov dword [TSS2 + 0x20], task2            ; EIP
        mov dword [TSS2 + 0x24], 0x2              ; EFLAGS
        mov dword [TSS2 + 0x38], 0x7E000          ; ESP
        mov dword [TSS2 + 0x4C], 0x08             ; CS
        mov dword [TSS2 + 0x48], 0x10             ; ES
        mov dword [TSS2 + 0x50], 0x10             ; SS
        mov dword [TSS2 + 0x54], 0x10             ; DS
        mov word [TSS2 + 0x66], 104               ; no I/O map
        mov word [TSS1 + 0x66], 104
        mov ax, TSS1_SELECTOR
        ltr ax
        mov esi, task1_text
        call puts
        call TSS2_SELECTOR:0                      ; task switch (CALL)
        mov esi, back_text
        call puts
        str ax
        movzx eax, ax
        mov esi, tr_text
        call puts
        call print_hex32
        call newline
        jmp halt_done

task2:
        mov esi, task2_text
        call puts
        str ax
        movzx eax, ax
        mov esi, tr_text
        call puts
        call print_hex32
        call newline
        iret                                      ; NT = 1: back to task 1

%include "console32.inc"

        align 8
gdt:    dq 0
        dq 0x00CF9B000000FFFF                     ; 08h code
        dq 0x00CF93000000FFFF                     ; 10h data
        dq 0, 0
        dw 103, TSS1 & 0xFFFF                     ; 28h TSS of task 1
        db (TSS1 >> 16) & 0xFF, 0x89, 0, TSS1 >> 24
        dw 103, TSS2 & 0xFFFF                     ; 30h TSS of task 2
        db (TSS2 >> 16) & 0xFF, 0x89, 0, TSS2 >> 24
gdt_end:
gdt_pointer:
        dw gdt_end - gdt - 1
        dd GDT_RAM
task1_text: db "task 1: CALL to the task-2 TSS", 10, 0
task2_text: db "task 2 running", 10, 0
back_text:  db "task 1 again after task 2's IRET", 10, 0
tr_text:    db "  TR = 0x", 0
