; Example 3-1 (book 3.11.4): a guest that runs in an environment like the
; host's: 64-bit mode at CPL 0 with paging. It prints its CR0, CR4, CR3,
; CS:RIP and SS:RSP, then halts; the HLT exit (reason 12) ends it.
        bits 64
        org 0x100000

start:
        mov rsi, hello
        call puts
        mov rsi, cr0_text
        call puts
        mov rax, cr0
        call print_hex64
        call newline
        mov rsi, cr4_text
        call puts
        mov rax, cr4
        call print_hex64
        call newline
        mov rsi, cr3_text
        call puts
        mov rax, cr3
        call print_hex64
        call newline
        mov rsi, cs_text
        call puts
        mov ax, cs
        movzx eax, ax
        call print_hex32
        mov al, ':'
        call putc
        lea rax, [rel start]
        call print_hex64
        call newline
        mov rsi, ss_text
        call puts
        mov ax, ss
        movzx eax, ax
        call print_hex32
        mov al, ':'
        call putc
        mov rax, rsp
        call print_hex64
        call newline
        jmp halt_done

%include "console64.inc"

hello:    db "guest running like the host: 64-bit, CPL 0, paging on", 10, 0
cr0_text: db "CR0 = 0x", 0
cr4_text: db "CR4 = 0x", 0
cr3_text: db "CR3 = 0x", 0
cs_text:  db "CS:RIP = 0x", 0
ss_text:  db "SS:RSP = 0x", 0
