#include "model/keys.h"

#include <deque>
#include <map>

#include "model/vocabulary.h"

namespace configgen::model {
namespace {
using K = KeyKind;

// Choice lists from the project's word table (blob/vocabulary.def).
const std::string kRegionKindWords = choices(blob::kRegionKinds);
const std::string kImageFormatWords = choices(blob::kImageFormats);
const std::string kModeWords = choices(blob::kGuestModes);
const std::string kTimerActionWords = choices(blob::kTimerActions);
const std::string kEventTypeWords = choices(blob::kEventTypes);
const std::string kEptHookWords = [] {
  std::string out;
  for (const auto* w : profile_entries(blob::kHooks))
    if (is_ept_hook(w->value)) out += (out.empty() ? "" : "|") + std::string(w->word);
  return out;
}();
// Ends only: "running" is the report's word for a guest still running.
const std::string kOutcomeWords = [] {
  std::string out;
  for (const auto& w : blob::kOutcomes)
    if (w.value != blob::Outcome::None) out += (out.empty() ? "" : "|") + std::string(w.word);
  return out;
}();
// The on_exit.* help: every action but default, with its line from the table.
const std::string kActionHelp = [] {
  std::string out = "An action word or a map with `action` and its arguments:";
  for (const auto& w : blob::kActions)
    if (w.value != blob::Action::Default) out += std::string(" ") + w.word + " (" + w.description + ")";
  return out;
}();

// The keys of one memory region: guests[].memory[] and guests[].ept.alternate[]
// (EPT view 1) take the same items, so they share this one list.
const std::vector<KeyInfo> kRegionKeys = {
    {"gpa", K::Size, "Guest-physical start, 4K-aligned.", "28.3", "6.1.3"},
    {"size", K::Size, "Length, 4K multiple (units K, M, G allowed).", "28.3", "6.1.3"},
    {"kind", K::String, "ram, image (holds an image), mmio-trap (left unmapped: every access exits) or passthrough (host-physical hpa).", "28.3", "6.3", kRegionKindWords.c_str()},
    {"image", K::String, "Image placed in an image region.", "", "6.4"},
    {"image_offset", K::Size, "Where in the region the image starts.", "", ""},
    {"hpa", K::Size, "Host-physical base of a passthrough region: hpa + size must fit the target's physical-address width (CPUID.80000008H:EAX[7:0]) without wrapping, stay clear of hypervisor-owned MMIO (local APIC, I/O APIC, HPET) and of RAM (checked at boot), and belong to this guest alone.", "28.3", "6.1"},
    {"perm", K::String, "EPT permissions: letters r, w, x.", "28.3.2", "6.1.5"},
    {"memory_type", K::String, "EPT memory type: uc, wc, wt, wp, wb.", "28.3.7", "6.1.10", "uc|wc|wt|wp|wb"},
    {"page_size", K::Size, "Largest EPT page for this region: 4K, 2M or 1G.", "28.3.2", "6.1.5"},
};

std::vector<KeyInfo> build_keys() {
  std::vector<KeyInfo> keys = {
    {"include", K::List, "Profiles merged under this one first (paths relative to this file); this file's keys win. Maps merge key by key; lists of named maps (guests) merge item by item on `name`; other lists are replaced.", "", ""},
    {"templates", K::Map, "Named guest fragments that guests reuse with `extends:`.", "", ""},
    {"templates.*", K::Map, "A guest fragment: any guest key.", "", ""},
    {"appliance", K::Map, "Platform-wide settings.", "", "1.5"},
    {"appliance.name", K::String, "Name of the appliance, printed at boot.", "", ""},
    {"appliance.target", K::String, "Capability set the profile is checked against (configgen/targets/NAME.yaml).", "A", "2.5"},
    {"appliance.min_cpus", K::Integer, "Fewest CPUs the machine must have.", "", "1.5.2.1"},
    {"appliance.console_port", K::Integer, "Host UART of the hypervisor's log: 0x3F8 (default), 0x2F8, 0x3E8 or 0x2E8; the hypervisor probes it at boot and owns its ports.", "", ""},
    {"appliance.log_level", K::Integer, "0 errors only .. 4 trace.", "", ""},
    {"appliance.print_capabilities", K::Boolean, "Every CPU prints its VMX capability MSRs raw and decoded (the form `configgen caps import` reads).", "A", "2.5.3"},
    {"appliance.dump_debug_ring", K::Boolean, "The bootstrap processor dumps the debug-record ring (every CPU's boot-stage records) before the summary.", "", "1.6.3"},
    {"appliance.expect", K::List, "Expectations about the whole run (same items as a guest's expect).", "", ""},
    {"images", K::Map, "Named guest images.", "", "6.4"},
    {"images.*", K::Map, "One image.", "", ""},
    {"images.*.file", K::String, "Path of the image, relative to the profile; `${build}` is the build directory.", "", ""},
    {"images.*.format", K::String, "flat (raw bytes) or elf (an ELF32/ELF64 executable: its PT_LOAD segments are placed at their physical addresses, BSS zero-filled, and e_entry becomes the default entry.rip of a guest that names it as entry.kernel).", "", "", kImageFormatWords.c_str()},
    {"images.*.load_address", K::Integer, "Guest-physical address the image expects (documentation and check).", "", ""},
    {"guests", K::List, "The guests, each one vCPU unless `vcpus` says more.", "", "3.11"},
    {"guests[].name", K::String, "Guest name, used in logs and expectations.", "", ""},
    {"guests[].extends", K::String, "Template whose keys this guest starts from.", "", ""},
    {"guests[].cpus", K::List, "Physical CPUs (boot order) the guest may run on; the first present one is used. Several guests may share a CPU.", "", "1.6.2"},
    {"guests[].vcpus", K::Integer, "Virtual CPUs, 1 (default) to 16. vCPU 0 is the bootstrap processor and starts at `entry`; vCPUs 1..n-1 wait for its INIT and start-up IPIs through their virtual local APICs (devices.local_apic, needed) and start in real mode at the start-up vector's page; IPIs between them (fixed, NMI, shorthands, physical and logical destinations) are delivered. vCPU k runs on the (k mod m)-th of the guest's m CPUs in ascending order. APIC IDs, fw_cfg's CPU count and the MADT follow. The guest ends when one vCPU ends in any way but a halt, or when none is left running.", "9.4, 11.6", "1.6.2, 3.10.1.7"},
    {"guests[].memory", K::List, "Guest-physical regions; EPT maps these and nothing else.", "28.3", "6.1"},
    {"", K::Map, "guests[].memory[]", "", ""},  // placeholder: the region keys
    {"guests[].ept", K::Map, "EPT options.", "28.3", "6.1"},
    {"guests[].ept.accessed_dirty", K::Boolean, "Enable EPT accessed and dirty flags (EPTP bit 6).", "28.3.5", "6.1.9"},
    {"guests[].ept.max_page_size", K::Size, "Largest EPT page for every region.", "28.3.2", "6.1.7"},
    {"guests[].ept.map_on_demand", K::Map, "Unmapped guest-physical pages below `limit` get a page from a pool at their first EPT violation.", "28.3.3.2", "6.4"},
    {"guests[].ept.map_on_demand.limit", K::Size, "Guest-physical bound.", "", "6.4"},
    {"guests[].ept.map_on_demand.pages", K::Integer, "Pool size in 4K pages.", "", "6.4"},
    {"guests[].ept.alternate", K::List, "Regions of a second EPT view (view 1) mapped over the guest's memory; the guest switches views with VMFUNC leaf 0 (EPTP switching) without a VM exit. Items as in memory.", "25.5.6.3", "6.1.11"},
    {"", K::Map, "guests[].ept.alternate[]", "", ""},  // placeholder: the region keys
    {"guests[].ept.hooks", K::List, "Pages whose accesses call a built-in hook.", "28.3.3.2", "7.2.1"},
    {"guests[].ept.hooks[].gpa", K::Size, "Guest-physical page.", "", ""},
    {"guests[].ept.hooks[].hook", K::String, "Built-in hook.", "", "7.2.1", kEptHookWords.c_str()},
    {"guests[].ept.hooks[].perm", K::String, "What the page allows without exiting (letters r, w, x; empty = nothing).", "", ""},
    {"guests[].entry", K::Map, "The state at the first VM entry; what is not given is derived from `mode`.", "24.4", "3.8"},
    {"guests[].entry.mode", K::String, "real, protected (paging off), protected-paging, pae or long. Real and protected need unrestricted guest; the paging modes get identity page tables and a GDT generated in guest memory.", "26.3.1", "4.5", kModeWords.c_str()},
    {"guests[].entry.rip", K::Integer, "First instruction (real mode: linear address, CS:IP derived).", "24.4.1", "3.8"},
    {"guests[].entry.rsp", K::Integer, "Stack pointer.", "24.4.1", "3.8"},
    {"guests[].entry.rflags", K::Integer, "RFLAGS (bit 1 is forced to 1).", "26.3.1.4", "4.5.2"},
    {"guests[].entry.cr0", K::Integer, "CR0 as the guest sees it (the VMCS value adds the target's fixed bits).", "26.3.1.1", "4.5.1"},
    {"guests[].entry.cr3", K::Integer, "CR3 (default: the generated page tables).", "26.3.1.1", "4.5.1"},
    {"guests[].entry.cr4", K::Integer, "CR4 as the guest sees it.", "26.3.1.1", "4.5.1"},
    {"guests[].entry.efer", K::Integer, "IA32_EFER (long mode: LME and LMA are added).", "26.3.1.1", "4.5.6"},
    {"guests[].entry.page_tables", K::Size, "Where the generated page tables and GDT go (default: the top 64K of the first RAM region).", "", "6.3.3"},
    {"guests[].entry.activity_state", K::Integer, "0 active, 1 HLT, 2 shutdown, 3 wait-for-SIPI.", "24.4.2", "3.8.5"},
    {"guests[].entry.interruptibility_state", K::Integer, "Blocking by STI (1), MOV SS (2), SMI (4), NMI (8).", "24.4.2", "3.8.6"},
    {"guests[].entry.pending_debug_exceptions", K::Integer, "Pending debug exceptions field.", "24.4.2", "3.8.7"},
    {"guests[].entry.regs", K::Map, "Initial general registers by name (rax .. r15).", "", ""},
    {"guests[].entry.regs.*", K::Integer, "One register.", "", ""},
    {"guests[].entry.kernel", K::String, "Image loaded at its own addresses into the guest's RAM: an ELF image's segments, or a flat image's multiboot header addresses (flag 16); its entry point is the default rip. With mode multiboot, the kernel's multiboot header is checked as a loader would.", "", ""},
    {"guests[].entry.cmdline", K::String, "multiboot: the kernel command line (information flag 2).", "", ""},
    {"guests[].entry.modules", K::List, "multiboot: modules (flat images) loaded page-aligned after the kernel and listed in the information structure (flag 3); an item is an image name or {image, string}.", "", ""},
    {"guests[].entry.modules[].image", K::String, "The module's image.", "", ""},
    {"guests[].entry.modules[].string", K::String, "The module's string (default: the image name).", "", ""},
    {"guests[].controls", K::Map, "VM-execution, VM-exit and VM-entry controls by SDM name, added to the ones the mode and the other keys need.", "24.6", "3.5"},
    {"guests[].controls.pin", K::NameList, "Pin-based VM-execution controls.", "24.6.1", "3.5.1"},
    {"guests[].controls.proc", K::NameList, "Primary processor-based VM-execution controls.", "24.6.2", "3.5.2.1"},
    {"guests[].controls.proc2", K::NameList, "Secondary processor-based VM-execution controls.", "24.6.2", "3.5.2.2"},
    {"guests[].controls.exit", K::NameList, "VM-exit controls.", "24.7.1", "3.7.1"},
    {"guests[].controls.entry", K::NameList, "VM-entry controls.", "24.8.1", "3.6.1"},
    {"guests[].exceptions", K::Map, "Exception bitmap and page-fault filtering.", "24.6.3", "3.5.3"},
    {"guests[].exceptions.trap", K::NameList, "Exceptions that exit, by mnemonic (de, db, bp, ud, gp, pf, ...).", "24.6.3", "3.5.3"},
    {"guests[].exceptions.pfec_mask", K::Integer, "Page-fault error-code mask.", "24.6.3", "3.5.4"},
    {"guests[].exceptions.pfec_match", K::Integer, "Page-fault error-code match.", "24.6.3", "3.5.4"},
    {"guests[].io", K::Map, "I/O bitmaps, deny by default: a port not passed exits, and the hypervisor emulates it (COM1: the guest's console; the 8259 of a guest with forwarded IRQs) or denies it (io.on_denied). Ports the hypervisor owns (docs/isolation.md) cannot be passed; a passed port belongs to one guest.", "24.6.4", "3.5.5"},
    {"guests[].io.default", K::String, "Only `trap` (what every port not passed does). `pass` is refused: one `out` could reset or power off the machine; list the ports under io.pass instead.", "24.6.4", "3.5.5", "trap|pass"},
    {"guests[].io.pass", K::List, "Ports or \"first-last\" ranges the guest owns: they do not exit. Refused for a hypervisor-owned port or one passed to another guest.", "24.6.4", "3.5.5"},
    {"guests[].io.trap", K::List, "Ports or ranges that exit even inside an io.pass range.", "24.6.4", "3.5.5"},
    {"guests[].io.on_denied", K::String, "What a denied I/O access gets: stop (default; the guest is stopped with a report naming the port, direction, size and RIP) or ignore (reads return all ones, writes are dropped).", "25.1.3", "3.10.1.12", "stop|ignore"},
    {"guests[].msr", K::Map, "MSR bitmap and MSR lists, deny by default: an MSR not passed exits, and is emulated if msr.read/msr.write ask for it, else denied (msr.on_denied).", "24.6.9", "3.5.15"},
    {"guests[].msr.default", K::String, "Only `trap`. `pass` is refused: a WRMSR could move the real local APIC or send IPIs (x2APIC ICR); list MSRs under msr.pass instead.", "24.6.9", "3.5.15", "trap|pass"},
    {"guests[].msr.pass", K::List, "MSRs (name or number) that do not exit: only those the hypervisor switches per guest (the VMCS guest-state MSRs, IA32_EFER, the SYSCALL MSRs, IA32_KERNEL_GS_BASE, IA32_TSC_AUX; docs/isolation.md).", "24.6.9", "3.5.15"},
    {"guests[].msr.read", K::List, "MSRs whose RDMSR exits to the hypervisor's per-guest emulation (VMCS-held MSRs, IA32_TIME_STAMP_COUNTER, IA32_APIC_BASE, IA32_DEBUGCTL), also inside msr.pass.", "24.6.9", "3.5.15"},
    {"guests[].msr.write", K::List, "MSRs whose WRMSR exits to the hypervisor's per-guest emulation, also inside msr.pass.", "24.6.9", "3.5.15"},
    {"guests[].msr.on_denied", K::String, "What a denied RDMSR/WRMSR gets: gp (default; #GP(0) in the guest, logged with the MSR and RIP) or stop (the guest is stopped with a report naming the MSR).", "25.1.3", "5.2", "gp|stop"},
    {"guests[].msr.entry_load", K::List, "VM-entry MSR-load list: {msr, value}; hypervisor-owned MSRs (IA32_APIC_BASE, x2APIC, MTRRs, ...) are refused, IA32_TIME_STAMP_COUNTER is allowed.", "24.8.2", "3.6.2"},
    {"guests[].msr.exit_store", K::List, "VM-exit MSR-store list: MSRs.", "24.7.2", "3.7.2"},
    {"guests[].msr.exit_load", K::List, "VM-exit MSR-load list: {msr, value}; the same MSRs as entry_load.", "24.7.2", "3.7.2"},
    {"guests[].cr", K::Map, "CR0/CR4 guest/host masks and read shadows, CR3-target values.", "24.6.6", "3.5.7"},
    {"guests[].cr.cr0_mask", K::Integer, "CR0 guest/host mask (the target's fixed bits are always added).", "24.6.6", "3.5.7"},
    {"guests[].cr.cr0_shadow", K::Integer, "CR0 read shadow (default: the entry CR0).", "24.6.6", "3.5.7"},
    {"guests[].cr.cr4_mask", K::Integer, "CR4 guest/host mask.", "24.6.6", "3.5.7"},
    {"guests[].cr.cr4_shadow", K::Integer, "CR4 read shadow.", "24.6.6", "3.5.7"},
    {"guests[].cr.cr3_targets", K::List, "CR3-target values (at most the target's count).", "24.6.7", "3.5.8"},
    {"guests[].preemption_timer", K::Map, "VMX-preemption timer. Without it the hypervisor still arms one as the default watchdog: 50000000 timer ticks without an exit of the guest's own stop it (docs/isolation.md).", "25.5.1", "4.15.5"},
    {"guests[].preemption_timer.value", K::Integer, "Initial value in timer ticks.", "25.5.1", "4.15.5"},
    {"guests[].preemption_timer.time", K::String, "Initial value as a time (e.g. 50us), converted with the target's TSC rate and IA32_VMX_MISC[4:0].", "A.6", "6.4.5"},
    {"guests[].preemption_timer.action", K::String, "slice: expiry ends a time slice (round robin); watchdog: expiry stops the guest.", "25.5.1", "6.4.5", kTimerActionWords.c_str()},
    {"guests[].preemption_timer.watchdog_slices", K::Integer, "slice only: stop the guest after this many slices in a row without an exit of its own (0 = after slices worth the default watchdog period, 50000000 timer ticks). Every slice also carries the host time of the guest's exits; exit storms stop it (docs/isolation.md).", "25.5.1", "6.4.5"},
    {"guests[].interrupts", K::Map, "External-interrupt handling.", "24.6.1", "7.3.3"},
    {"guests[].interrupts.forward_irqs", K::List, "Host 8259 IRQ lines forwarded to this guest (it must run on CPU 0); adds external-interrupt exiting, acknowledge-interrupt-on-exit and traps on the 8259 ports.", "25.2", "7.3.3"},
    {"guests[].interrupts.test_scancode", K::Integer, "A scancode the hypervisor places in the i8042 once the guest unmasks IRQ 1 (a real interrupt source for tests).", "", "7.3.3.4"},
    {"guests[].interrupts.virtual_interrupt", K::Integer, "A vector pending in the virtual-APIC IRR and RVI at the first VM entry (with virtual-interrupt delivery): the CPU delivers it, and virtualizes its EOI, without VM exits.", "29.2", "7.2.13"},
    {"guests[].interrupts.tpr_threshold", K::Integer, "TPR threshold (with use-tpr-shadow).", "24.6.8", "3.5.11"},
    {"guests[].inject", K::List, "Events injected at the first VM entries, one per entry.", "24.8.3", "4.12"},
    {"guests[].inject[].vector", K::Integer, "Vector.", "24.8.3", "3.6.3.1"},
    {"guests[].inject[].type", K::String, "Event type.", "24.8.3", "3.6.3.1", kEventTypeWords.c_str()},
    {"guests[].inject[].error_code", K::Integer, "Error code to deliver.", "24.8.3", "3.6.3.2"},
    {"guests[].inject[].length", K::Integer, "Instruction length (software events).", "24.8.3", "3.6.3.3"},
    {"guests[].on_exit", K::Map, "Named behaviours per exit reason (profile name) or exception (mnemonic): an action word or a map with `action` and its arguments.", "27", "5.7"},
    {"guests[].on_exit.*", K::Any, kActionHelp.c_str(), "27", "5.7"},
    {"guests[].expect", K::List, "What an unattended run must show.", "", ""},
    {"guests[].expect[].serial", K::String, "A regular expression some serial-log line must match.", "", ""},
    {"guests[].expect[].serial_absent", K::String, "A regular expression no serial-log line may match.", "", ""},
    {"guests[].expect[].guest", K::String, "Guest the item is about (default: this guest).", "", ""},
    {"guests[].expect[].ends", K::String, "How the guest must end (see docs/serial-log.md).", "", "", kOutcomeWords.c_str()},
    {"guests[].expect[].code", K::Integer, "With ends: exited, the guest's exit code (VMCALL exit service or devices.exit_port).", "", ""},
    {"guests[].expect[].exit", K::String, "Exit reason (profile name) whose count is checked.", "", ""},
    {"guests[].expect[].count", K::Integer, "Exact count.", "", ""},
    {"guests[].expect[].min", K::Integer, "Lower bound.", "", ""},
    {"guests[].expect[].max", K::Integer, "Upper bound.", "", ""},
    {"guests[].bench", K::Map, "Benchmark switches.", "", ""},
    {"guests[].bench.exit_floor_stub", K::Boolean, "CPUID exits take the minimal assembly stub (the floor of docs/benchmarks.md).", "", ""},
    {"guests[].bench.fast_path", K::Boolean, "false: every exit takes the full dispatcher, never the exit fast path (docs/exit-fast-path.md), so one run times both (default true; the command-line word fast_path=off does it for every guest).", "", ""},
    {"guests[].devices", K::Map, "Devices the hypervisor emulates for the guest, as test kernels written for QEMU expect them (docs/external-guests.md).", "", ""},
    {"guests[].devices.exit_port", K::Integer, "An isa-debug-exit port (QEMU's is 0xf4): a write of value V ends the guest as exited with code V (QEMU's own exit status would be V*2+1); expect `ends: exited` with `code: V`.", "25.1.3", ""},
    {"guests[].devices.fw_cfg", K::Boolean, "QEMU's fw_cfg on ports 0x510 (selector) and 0x511 (data): signature, interface id, RAM size and CPU counts from the profile; other items read as absent. The DMA port 0x514 is not emulated (the id says so).", "25.1.3", ""},
    {"guests[].devices.local_apic", K::Switch, "A virtual local APIC at 0xfee00000 (`true`, or a map of its options), in xAPIC mode after reset: the page is left out of EPT so every access exits and is emulated, any width. ID, version, TPR/PPR, ISR/IRR, EOI, SVR, the LVTs, the timer one-shot and periodic (counting the TSC through the divide configuration) and TSC-deadline (IA32_TSC_DEADLINE in the guest's TSC; CPUID.01H:ECX[24] set), interrupt commands to itself (fixed vectors and NMI) and, in a guest of several `vcpus`, to its other vCPUs (fixed, NMI, INIT and start-up; physical and logical destinations and the shorthands); a command that reaches no APIC is dropped and logged, and IA32_APIC_BASE (disable and re-enable; CPUID.01H:EDX[9] follows EN). HLT with interrupts on waits for its next interrupt while the CPU's other guests run. No memory region may cover the page.", "29", "7.2.1"},
    {"guests[].devices.local_apic.x2apic", K::Boolean, "Offer x2APIC mode (default false: CPUID.01H:ECX[21] clear, IA32_APIC_BASE.EXTD reserved, the MSRs 0x800-0x8ff #GP as on a processor without it). With it the guest switches with IA32_APIC_BASE EXTD and reaches the registers through RDMSR/WRMSR of 0x800-0x8ff: the ID is 32-bit (CPUID leaves 0BH/1FH report it), the LDR read-only, the ICR one 64-bit MSR (0x830), SELF IPI at 0x83f. #GP(0) for reserved MSRs, writes to read-only and reads of write-only registers, reserved bits set, and the illegal EN/EXTD transitions; the memory-mapped page then reads all ones.", "11.12", "7.2.1"},
    {"guests[].devices.pic", K::Boolean, "A master and a slave 8259A in software on ports 0x20/0x21 and 0xa0/0xa1, cascaded on IR2: ICW1-ICW4, the mask (OCW1), non-specific, specific and rotating EOI, set priority (OCW2), IRR/ISR reads, poll and special mask (OCW3), automatic EOI; fully nested priority. Until the guest programs it, it is as a PC BIOS leaves it: vector bases 0x08 and 0x70, every input masked but the cascade. Its INT reaches the vCPU directly, or with devices.local_apic through LINT0 in ExtINT mode (set so at reset, as firmware leaves virtual-wire mode; SDM 11.5.1) while the APIC is enabled. HLT with interrupts on waits for its next interrupt. Not with forward_irqs.", "25.2", "7.3.3"},
    {"guests[].devices.pit", K::Boolean, "An 8254 in software on ports 0x40-0x43 and port 0x61 (bit 0 gates counter 2, bit 5 reads its OUT, bit 4 the refresh toggle): modes 0-5, LSB/MSB/word access, counter latch, read-back with status. Counter 0's OUT rising raises IRQ 0 on devices.pic (needed). It counts at 1.193182 MHz of the host's TSC, whose rate the hypervisor measures once at boot against the machine's own 8254; BCD counts in binary, and a new count in modes 2 and 3 applies at once.", "25.1.3", "7.3.3"},
    {"guests[].devices.acpi", K::Boolean, "ACPI tables as firmware leaves them (built by configgen, no hypervisor code): the RSDP (revision 2) at 0xe0000 in the BIOS area a kernel scans, an RSDT and XSDT, a MADT with one enabled Processor Local APIC entry per vCPU (1) and an I/O APIC at 0xfec00000, a FADT without SMI command port or PM blocks, and an empty DSDT. A RAM region must cover 0xe0000; the multiboot memory map reports those pages reserved.", "", ""},
    {"guests[].vpid", K::Integer, "VPID (default: guest index + 1).", "24.6.12", "3.5.18"},
    {"guests[].tsc_offset", K::Integer, "TSC offset.", "24.6.5", "3.5.6"},
    {"guests[].undelivered_controls", K::String, "What the hypervisor does when a control the guest uses is advertised by the CPU but its boot-time probe finds it not delivered (an emulator's gap, e.g. MTF in Bochs 2.7): refuse the guest (default) or run it anyway.", "A.3", "2.5.5", "refuse|run"},
};
  // Expand each placeholder into the region keys under its prefix; the paths
  // live as long as the table (a deque never moves its strings).
  static std::deque<std::string> paths;
  std::vector<KeyInfo> out;
  for (const KeyInfo& k : keys) {
    if (*k.path) {
      out.push_back(k);
      continue;
    }
    for (const KeyInfo& r : kRegionKeys) {
      KeyInfo e = r;
      e.path = paths.emplace_back(std::string(k.description) + "." + r.path).c_str();
      out.push_back(e);
    }
  }
  return out;
}
const std::vector<KeyInfo> kKeys = build_keys();
}  // namespace

const std::vector<KeyInfo>& profile_keys() { return kKeys; }

// Every map node of a profile asks for its allowed keys: the answer for
// each path is computed once (a profile with 64 K regions asked 64 K times).
const std::vector<const KeyInfo*>& children_of(const std::string& path) {
  static std::map<std::string, std::vector<const KeyInfo*>> cache;
  auto [it, fresh] = cache.try_emplace(path);
  if (!fresh) return it->second;
  const std::string prefix = path.empty() ? "" : path + ".";
  for (const auto& k : kKeys) {
    const std::string p = k.path;
    if (p.rfind(prefix, 0) != 0) continue;
    const std::string rest = p.substr(prefix.size());
    if (!rest.empty() && rest.find('.') == std::string::npos) it->second.push_back(&k);
  }
  return it->second;
}

const KeyInfo* find_key(const std::string& path) {
  for (const auto& k : kKeys)
    if (path == k.path) return &k;
  return nullptr;
}

const char* kind_name(KeyKind k) {
  switch (k) {
    case KeyKind::Map: return "map";
    case KeyKind::List: return "list";
    case KeyKind::String: return "string";
    case KeyKind::Integer: return "integer";
    case KeyKind::Size: return "size";
    case KeyKind::Boolean: return "boolean";
    case KeyKind::Number: return "number";
    case KeyKind::NameList: return "list of names";
    case KeyKind::Any: return "word or map";
    case KeyKind::Switch: return "boolean or map";
  }
  return "?";
}

}  // namespace configgen::model
