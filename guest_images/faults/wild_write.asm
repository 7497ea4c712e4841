; A guest that writes outside its memory: the hypervisor must stop it with
; an EPT violation naming the address, and nothing else may notice.
        bits 32
        org 0x100000

TARGET  equ 0x20000000                  ; 512 MiB: no region of this guest

start:
        mov esi, hello
        call puts
        mov dword [TARGET], 0xDEADBEEF
        mov esi, survived
        call puts
        jmp halt_done

%include "console32.inc"

hello:    db "about to write to guest-physical 0x20000000", 10, 0
survived: db "the write went through: isolation is broken", 10, 0
