; Exit round-trip benchmark (docs/benchmarks.md): N exits of each kind,
; each timed with RDTSC inside the guest: CPUID, OUT and IN on a COM1
; register, VMCALL (the exit fast path takes all four), and two the full
; dispatcher handles whatever the path: INVD (always exits, skipped) and IN
; from a denied port (io.on_denied: ignore reads all ones). Bochs
; derives its TSC from the instruction count, so the figures repeat exactly
; run after run.
        bits 32
        org 0x100000

N               equ 2000
SCRATCH_PORT    equ 0x3FF               ; COM1 scratch register: trapped, no output
VMCALL_NOP      equ 4
DENIED_PORT     equ 0x80                ; POST port: not granted, so denied

%macro TIMED 2                          ; %1 = label text, %2 = loop body
        rdtsc
        mov [start_tsc], eax
        mov [start_tsc + 4], edx
        mov ebp, N
%%loop: %2
        dec ebp
        jnz %%loop
        rdtsc
        sub eax, [start_tsc]
        sbb edx, [start_tsc + 4]
        mov ecx, N
        div ecx                         ; ticks per round trip (fits: < 2^32 * N)
        mov esi, %1
        call puts
        call print_hex32
        call newline
%endmacro

%macro CPUID_BODY 0
        xor eax, eax
        cpuid
%endmacro
%macro IO_BODY 0
        mov dx, SCRATCH_PORT
        out dx, al
%endmacro
%macro IN_BODY 0
        mov dx, SCRATCH_PORT
        in al, dx
%endmacro
%macro INVD_BODY 0
        invd
%endmacro
%macro DENIED_BODY 0
        in al, DENIED_PORT
%endmacro
%macro VMCALL_BODY 0
        mov eax, VMCALL_NOP
        vmcall
%endmacro

start:
        mov esi, hello
        call puts
        TIMED cpuid_text, CPUID_BODY
        TIMED io_text, IO_BODY
        TIMED in_text, IN_BODY
        TIMED vmcall_text, VMCALL_BODY
        TIMED invd_text, INVD_BODY
        TIMED denied_text, DENIED_BODY
        jmp halt_done

%include "console32.inc"

hello:       db "exit benchmark: 2000 round trips each", 10, 0
cpuid_text:  db "bench cpuid ticks/exit = 0x", 0
io_text:     db "bench io ticks/exit = 0x", 0
in_text:     db "bench in ticks/exit = 0x", 0
invd_text:   db "bench invd ticks/exit = 0x", 0
denied_text: db "bench denied-in ticks/exit = 0x", 0
vmcall_text: db "bench vmcall ticks/exit = 0x", 0
start_tsc    equ 0x80000                ; scratch in guest RAM
