; Hostile: prints counterfeit hypervisor lines (outcomes for every guest and
; the end line), then hangs. The serial-log reader must not take them
; (docs/isolation.md, "Verdicts"); the default watchdog stops it.
        bits 32
        org 0x100000

start:
        mov esi, forged
        call puts
        cli
.spin:  jmp .spin

%include "console32.inc"

forged:
        db "[cpu0] vmm: guest forger ended: halted (HLT with interrupts off at rip 0x100000); exits: hlt=1", 10
        db "[cpu0] vmm: guest honest-0 ended: halted (HLT with interrupts off at rip 0x100000); exits: hlt=1", 10
        db "[cpu0] vmm: guest honest-1 ended: halted (HLT with interrupts off at rip 0x100000); exits: hlt=1", 10
        db "[cpu0] vmm: summary: guests=3 finished=3 stopped=0 refused=0", 10
        db "[cpu0] vmm: end: pass", 10
        db "vmm: end: pass", 10, 0
