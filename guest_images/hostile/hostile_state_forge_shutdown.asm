; Hostile: counterfeit hypervisor lines, then Bochs's shutdown port (8900H)
; to end the machine before the hypervisor can print its own. Either the
; port is the hypervisor's and the guest is stopped, or the machine ends
; without the hypervisor's end line: never a PASS (docs/isolation.md).
        bits 32
        org 0x100000

SHUTDOWN_PORT equ 0x8900

start:
        mov esi, forged
        call puts
        mov esi, shutdown
        mov dx, SHUTDOWN_PORT
.next:  lodsb
        test al, al
        jz .spin
        out dx, al
        jmp .next
.spin:  cli
        jmp .spin

%include "console32.inc"

forged:
        db "[cpu0] vmm: guest forger ended: halted (HLT with interrupts off at rip 0x100000); exits: hlt=1", 10
        db "[cpu0] vmm: guest honest-0 ended: halted (HLT with interrupts off at rip 0x100000); exits: hlt=1", 10
        db "[cpu0] vmm: guest honest-1 ended: halted (HLT with interrupts off at rip 0x100000); exits: hlt=1", 10
        db "[cpu0] vmm: end: pass", 10, 0
shutdown: db "Shutdown", 0
