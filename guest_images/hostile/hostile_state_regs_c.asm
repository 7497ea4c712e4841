; CPU state isolation probe, guest C (docs/isolation.md, "CPU state"):
; see runtime/state_probe.inc. Its own values are built from SEED.
        bits 64
        org 0x100000

SEED     equ 0xC
PAT_OWN  equ 0x0101010101010101
XCR0_OWN equ 7

start:
        mov rsi, hello
        call puts
        jmp probe_start

%include "console64.inc"
%include "state_probe.inc"

hello: db "state probe c starting", 10, 0
