; Example 6-1, GuestKernel (book 6.4.2): loaded at 20000h. It turns on
; paging with an identity map it builds in pages that exist only once it
; touches them (the hypervisor maps them on demand at the EPT violation),
; then prints its progress with the TSC a few times and halts.
        bits 32
        org 0x20000

PAGE_DIRECTORY  equ 0x400000            ; 4 MiB: outside every declared region
PAGE_TABLE      equ 0x401000
ROUNDS          equ 4
SPIN            equ 300000

start:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, 0x90000
        mov esi, start_text
        call puts_tsc
        ; identity map of the first 4 MiB with 4K pages
        mov dword [PAGE_DIRECTORY], PAGE_TABLE | 3
        mov edi, PAGE_TABLE
        mov eax, 3                      ; present, writable
        mov ecx, 1024
.pte:   mov [edi], eax
        add eax, 0x1000
        add edi, 4
        loop .pte
        mov eax, PAGE_DIRECTORY
        mov cr3, eax
        mov eax, cr0
        or eax, 1 << 31                 ; PG
        mov cr0, eax
        mov esi, init_text
        call puts_tsc
        xor ebx, ebx
.round: mov esi, running_text
        call puts_tsc
        mov ecx, SPIN
.spin:  dec ecx
        jnz .spin
        inc ebx
        cmp ebx, ROUNDS
        jb .round
        mov esi, done_text
        call puts
        jmp halt_done

; puts_tsc: ESI = text; prints it followed by the TSC.
puts_tsc:
        call puts
        rdtsc
        push eax
        mov eax, edx
        call print_hex32
        pop eax
        call print_hex32
        call newline
        ret

%include "console32.inc"

start_text:   db "GuestKernel: started, TSC 0x", 0
init_text:    db "GuestKernel: paging initialized, TSC 0x", 0
running_text: db "GuestKernel: running, TSC 0x", 0
done_text:    db "GuestKernel: done", 10, 0
