// The profile as plain data, after parsing and before lowering. Every value
// that a diagnostic may point at keeps its source location. The project's own
// words are held as the blob's enums (blob/vocabulary.def): parse converts
// each word once, and validate and lower compare enums.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "blob/format.h"
#include "model/expect.h"

namespace configgen::model {

template <typename T>
struct Located {
  T value{};
  SourceLoc loc;
};

// Where a loadable image's bytes go in guest-physical memory: `bytes` start
// at gpa; [gpa, memory_end) is the image's (the tail past the bytes is its
// zero-filled BSS, which the zeroed guest RAM already is).
struct LoadPlacement {
  uint64_t gpa = 0;
  uint64_t memory_end = 0;
};

// A multiboot v1 header found in an image (Multiboot Specification 0.6.96,
// section 3.1): the flags word and, with flag 16, the load addresses.
struct MultibootHeader {
  uint32_t offset = 0;  // of the magic, in the file
  uint32_t flags = 0;
  bool has_addresses = false;  // flag 16 (the "a.out kludge")
  uint32_t header_addr = 0, load_addr = 0, load_end_addr = 0, bss_end_addr = 0, entry_addr = 0;
};

struct Image {
  std::string name;
  std::string file;  // resolved path
  blob::ImageFormat format = blob::ImageFormat::Flat;
  std::optional<uint64_t> load_address;
  // Flat: the file. ELF: its PT_LOAD segments flattened from the lowest
  // physical address (gaps zero-filled), placed at `placement`.
  std::vector<uint8_t> bytes;
  std::optional<LoadPlacement> placement;  // ELF images, and multiboot kernels with header addresses
  std::optional<uint64_t> entry_point;     // ELF e_entry or the multiboot header's entry_addr
  std::optional<MultibootHeader> multiboot;
  SourceLoc loc;
};

struct Region {
  Located<uint64_t> gpa, size;
  blob::RegionKind kind = blob::RegionKind::Ram;
  std::string image;
  uint64_t image_offset = 0;
  uint64_t hpa = 0;
  uint32_t permissions = 7;  // r=1 w=2 x=4
  uint32_t memory_type = 6;  // WB
  uint64_t page_size = 2ull << 20;
  SourceLoc loc;
  bool malformed = false;  // gpa or size missing or unreadable (already reported): later checks skip it
};

struct NamedFlag {
  std::string name;
  SourceLoc loc;
};

struct MsrValue {
  uint32_t msr = 0;
  uint64_t value = 0;
  SourceLoc loc;
};

struct Behaviour {
  std::string selector;  // exit reason profile name or exception mnemonic
  blob::Action action = blob::Action::Default;
  std::optional<uint32_t> leaf, subleaf;
  std::optional<uint32_t> regs[4];  // eax, ebx, ecx, edx: forced whole
  uint32_t set_bits[4] = {}, clear_bits[4] = {};  // eax..edx: `{set: BITS, clear: BITS}`
  SourceLoc reg_locs[4];
  blob::HookId hook = blob::HookId::None;
  SourceLoc loc;
};

struct Event {
  uint32_t vector = 0;
  blob::EventType type = blob::EventType::HardwareException;
  std::optional<uint32_t> error_code;
  uint32_t instruction_length = 0;
  SourceLoc loc;
};

struct EptHook {
  uint64_t gpa = 0;
  blob::HookId hook = blob::HookId::None;
  uint32_t permissions = 0;
  SourceLoc loc;
};

// A multiboot module (Multiboot Specification 3.3): an image loaded
// page-aligned after the kernel, with its string.
struct BootModule {
  std::string image;
  std::string string;
  SourceLoc loc;
};

struct Entry {
  blob::GuestMode mode = blob::GuestMode::Protected;
  SourceLoc mode_loc;
  std::optional<uint64_t> rip, rsp, rflags, cr0, cr3, cr4, efer;
  std::optional<uint64_t> page_tables;
  uint32_t activity_state = 0, interruptibility_state = 0;
  uint64_t pending_debug_exceptions = 0;
  std::map<std::string, uint64_t> regs;
  // A kernel image loaded at its own addresses (ELF segments or the
  // multiboot header's); its entry point is the default rip. In multiboot
  // mode also the loader's information: command line and modules.
  std::string kernel;
  SourceLoc kernel_loc;
  std::optional<std::string> cmdline;
  std::vector<BootModule> modules;
  SourceLoc loc;
  std::map<std::string, SourceLoc> value_locs;  // entry key -> where its value is written
};

struct Guest {
  std::string name;
  SourceLoc loc;
  std::vector<Located<uint32_t>> cpus;
  // guests[].vcpus: vCPU 0 starts at `entry`, the others wait for its
  // start-up IPIs (docs/external-guests.md, "Several vCPUs").
  uint32_t vcpus = 1;
  SourceLoc vcpus_loc;
  std::vector<Region> memory;
  // ept
  bool accessed_dirty = false;
  uint64_t max_page_size = 1ull << 30;
  std::optional<uint64_t> map_on_demand_limit;
  uint32_t map_on_demand_pages = 64;
  std::vector<EptHook> ept_hooks;
  std::vector<Region> ept_alternate;  // EPT view 1 (VMFUNC EPTP switching)
  Entry entry;
  std::vector<NamedFlag> controls[5];  // by arch::ControlWord
  std::vector<NamedFlag> exceptions;
  uint32_t pfec_mask = 0, pfec_match = 0;
  // Deny by default (docs/isolation.md): ports and MSRs not passed exit.
  std::vector<std::pair<Located<uint32_t>, Located<uint32_t>>> io_trap, io_pass;  // inclusive ranges
  bool io_denied_ignore = false;  // io.on_denied: ignore (else stop)
  std::vector<MsrValue> msr_pass;             // value unused
  std::vector<MsrValue> msr_read, msr_write;  // trapped to the hypervisor's emulation; value unused
  bool msr_denied_stop = false;   // msr.on_denied: stop (else #GP(0))
  std::vector<MsrValue> entry_msr_load, exit_msr_store, exit_msr_load;
  std::optional<uint64_t> cr0_mask, cr0_shadow, cr4_mask, cr4_shadow;
  std::vector<Located<uint64_t>> cr3_targets;
  SourceLoc cr3_targets_loc;
  // preemption timer
  std::optional<uint64_t> timer_value;
  std::optional<double> timer_seconds;
  blob::TimerAction timer_action = blob::TimerAction::TimeSlice;
  uint32_t watchdog_slices = 0;
  SourceLoc timer_loc;
  SourceLoc timer_time_loc;  // where `time:` is written
  // interrupts
  std::vector<Located<uint32_t>> forward_irqs;
  uint32_t test_scancode = 0;
  uint32_t virtual_interrupt = 0;
  std::optional<uint32_t> tpr_threshold;
  SourceLoc tpr_threshold_loc;
  std::vector<Event> inject;
  std::vector<Behaviour> on_exit;
  std::vector<Expectation> expect;
  bool exit_floor_stub = false;
  bool fast_path = true;  // bench.fast_path
  bool run_undelivered_controls = false;  // undelivered_controls: run
  uint16_t vpid = 0;
  uint64_t tsc_offset = 0;
  // Emulated devices (guests[].devices): a QEMU isa-debug-exit port whose
  // written value ends the guest with that code, and QEMU's fw_cfg.
  std::optional<Located<uint32_t>> exit_port;
  bool fw_cfg = false;
  bool local_apic = false;
  bool local_apic_x2apic = false;  // devices.local_apic.x2apic: x2APIC mode offered
  bool acpi = false;
  bool pic = false;  // devices.pic: a virtual 8259A pair
  bool pit = false;  // devices.pit: a virtual 8254 (needs devices.pic)
  SourceLoc devices_loc;
};

struct Profile {
  std::string path;  // the top file
  std::string name;
  std::string target = "bochs-tigerlake";
  SourceLoc target_loc;
  uint32_t min_cpus = 1;
  uint16_t console_port = 0x3F8;
  SourceLoc console_port_loc;
  uint32_t log_level = 2;
  bool print_capabilities = false;
  bool dump_debug_ring = false;
  std::map<std::string, Image> images;
  std::vector<Guest> guests;
  std::vector<Expectation> expect;  // appliance-level
};

}  // namespace configgen::model
