// Blob format v3: the one contract between configgen (which writes it) and
// the hypervisor (which reads it). Compiled by both halves; documented in
// docs/blob-format.md. Rules:
//   * little-endian, no pointers: every reference is an offset from the
//     start of the blob or an index into a section's array;
//   * every record has a fixed size checked below and explicit padding
//     fields, which the writer zeroes, so equal profiles give equal bytes;
//   * sections start on 16-byte boundaries (kSectionAlign);
//   * Header::crc32c is CRC32C (Castagnoli) over all total_size bytes with
//     the crc32c field itself read as zero;
//   * every field named reserved* is zero (the reader refuses a blob that
//     sets one, naming the field);
//   * v2 (issue 10): deny by default. An I/O port or MSR exits unless an
//     IoRange or MsrGrant of its guest passes it (docs/isolation.md).
//   * v3 (issue 17): guest mode 5 (multiboot), the emulated devices
//     (Guest.exit_port, devices, fw_cfg_*), Image.entry_point set for ELF.
#pragma once
#include <stdint.h>

#include "arch/vmx_formats.h"

namespace blob {

inline constexpr uint32_t kMagic = 0x424D4D56;  // bytes "VMMB"
inline constexpr uint16_t kFormatVersion = 5;  // 5: Guest.vcpu_count
inline constexpr uint32_t kSectionAlign = 16;
inline constexpr uint32_t kMaxGuests = 256;
// vCPUs over all guests (guests[].vcpus), and per guest (guests/siblings.h).
inline constexpr uint32_t kMaxVcpus = 256, kMaxVcpusPerGuest = 16;
inline constexpr uint32_t kMaxSections = 16;
inline constexpr uint32_t kNone = 0xFFFFFFFFu;  // "no index"
// A 4-level EPT translates 48-bit guest-physical addresses (SDM 28.3.2).
inline constexpr uint32_t kGuestPhysicalWidth = 48;

enum class SectionKind : uint32_t {
  Appliance = 1,   // one Appliance record
  Guests = 2,      // Guest[]
  Regions = 3,     // Region[] (guests refer to a contiguous run)
  Images = 4,      // Image[] (descriptors)
  ImageData = 5,   // raw bytes of all images, each 16-byte aligned
  Strings = 6,     // NUL-terminated UTF-8 strings, referred to by StringRef
  IoRanges = 7,    // IoRange[]
  MsrGrants = 8,   // MsrGrant[]
  MsrEntries = 9,  // MsrEntry[] (VM-entry/VM-exit MSR-load and -store lists)
  Behaviours = 10, // Behaviour[] (named exit behaviours)
  Events = 11,     // Event[] (events injected at first entry)
  EptHooks = 12,   // EptHook[]
};

struct Header {
  uint32_t magic;
  uint16_t format_version;
  uint16_t header_size;       // sizeof(Header)
  uint32_t total_size;        // whole blob, header included
  uint32_t crc32c;
  uint32_t section_count;
  uint32_t section_table_offset;
  uint32_t flags;             // none defined; must be 0
  uint32_t reserved[9];
};
static_assert(sizeof(Header) == 64);

struct SectionEntry {
  uint32_t kind;        // SectionKind
  uint32_t offset;      // from blob start, kSectionAlign-aligned
  uint32_t size;        // bytes
  uint32_t entry_size;  // bytes per record; 1 for byte sections
  uint32_t count;       // records
  uint32_t reserved[3];
};
static_assert(sizeof(SectionEntry) == 32);

struct StringRef {
  uint32_t offset;  // into the Strings section
  uint32_t length;  // bytes, without the NUL
};
static_assert(sizeof(StringRef) == 8);

struct Appliance {
  StringRef name;
  StringRef target;        // capability set compiled against, e.g. "bochs-tigerlake"
  uint32_t min_cpus;
  uint16_t console_port;   // host UART base: 0x3F8, 0x2F8, 0x3E8 or 0x2E8 (probed at boot)
  uint16_t log_level;      // 0 error .. 4 trace (at most 4; the hypervisor logs everything)
  uint32_t flags;          // ApplianceFlags
  uint32_t guest_count;
  uint32_t reserved[8];
};
static_assert(sizeof(Appliance) == 64);
enum ApplianceFlags : uint32_t {
  kPrintCapabilities = 1u << 0,  // hypervisor prints its VMX capability MSRs
  kDumpDebugRing = 1u << 1,      // the BSP dumps the debug-record ring before the summary (book 1.6.3)
};
inline constexpr uint32_t kApplianceKnownFlags = kPrintCapabilities | kDumpDebugRing;

// The enums of the project's own words come from blob/vocabulary.def (one
// line per word: enum name, profile word, blob value, description).
enum class GuestMode : uint32_t {
#define GUEST_MODE(id, word, value, description, sdm, book) id = value,
#include "blob/vocabulary.def"
};

struct Segment {
  uint16_t selector;
  uint16_t reserved0;
  uint32_t access_rights;  // VMCS format (SDM 24.4.1, Table 24-2); bit 16 = unusable
  uint32_t limit;
  uint32_t reserved1;
  uint64_t base;
};
static_assert(sizeof(Segment) == 24);

struct DescriptorTable {
  uint64_t base;
  uint32_t limit;
  uint32_t reserved;
};
static_assert(sizeof(DescriptorTable) == 16);

// Guest state at first VM entry: fully resolved by configgen (mode defaults
// applied), checked there against SDM 26.3 and again by the hypervisor.
struct EntryState {
  uint64_t rip, rsp, rflags;
  uint64_t cr0, cr3, cr4, dr7;
  uint64_t efer, pat, debugctl;
  uint64_t sysenter_esp, sysenter_eip;
  uint32_t sysenter_cs;
  uint32_t activity_state;
  uint32_t interruptibility_state;
  uint32_t reserved0;
  uint64_t pending_debug_exceptions;
  uint64_t gpr[16];  // rax, rcx, rdx, rbx, rsp(ignored), rbp, rsi, rdi, r8..r15
  Segment es, cs, ss, ds, fs, gs, ldtr, tr;
  DescriptorTable gdtr, idtr;
  uint64_t pdpte[4];  // PAE guests with EPT
};
static_assert(sizeof(EntryState) == 12 * 8 + 16 + 8 + 128 + 8 * 24 + 32 + 32);

enum class TimerAction : uint32_t {
#define TIMER_ACTION(id, word, value, description, sdm, book) id = value,
#include "blob/vocabulary.def"
};

enum GuestFlags : uint32_t {
  kGuestEptAccessedDirty = 1u << 0,  // EPTP bit 6 (SDM 24.6.11)
  kGuestMapOnDemand = 1u << 1,       // unmapped GPAs below map_on_demand_limit get pool pages
  // Bits 2 and 3 ask for "pass every port / MSR not listed" (v1's default).
  // configgen never sets them; the hypervisor refuses a guest that does.
  kGuestIoDefaultPass = 1u << 2,
  kGuestMsrDefaultPass = 1u << 3,
  kGuestExitFloorStub = 1u << 4,     // benchmark: CPUID exits take the minimal assembly stub (docs/benchmarks.md)
  // Run even when a control it uses was advertised but found not delivered
  // by the capability probe (vmx/probe.h); without it such a guest is refused.
  kGuestRunUndeliveredControls = 1u << 10,
  // A denied I/O access reads all ones and drops writes (io.on_denied:
  // ignore); without it the guest is stopped with a report.
  kGuestIoDeniedIgnore = 1u << 5,
  // A denied RDMSR/WRMSR stops the guest (msr.on_denied: stop); without it
  // the guest gets #GP(0).
  kGuestMsrDeniedStop = 1u << 6,
  // Benchmark: every exit takes the full dispatcher, never the exit fast
  // path (guests/fast_path.h), so one run can time both.
  kGuestNoFastPath = 1u << 7,
};
inline constexpr uint32_t kGuestKnownFlags = 0xFF | kGuestRunUndeliveredControls;

enum GuestDevices : uint16_t {
  kDeviceFwCfg = 1u << 0,      // QEMU fw_cfg on ports 0x510/0x511
  kDeviceLocalApic = 1u << 1,  // a virtual local APIC (timer, EOI, self-IPIs) behind a LocalApic EPT hook
  kDeviceLocalApicX2apic = 1u << 2,  // with kDeviceLocalApic: x2APIC mode offered (CPUID.01H:ECX[21], MSRs 800H-8FFH)
  kDevicePic = 1u << 3,  // a virtual 8259A pair on ports 0x20/0x21 and 0xa0/0xa1 (guests/virtual_8259.h)
  kDevicePit = 1u << 4,  // with kDevicePic: a virtual 8254 on 0x40-0x43 and 0x61, IRQ 0 (guests/virtual_8254.h)
};
inline constexpr uint16_t kGuestKnownDevices =
    kDeviceFwCfg | kDeviceLocalApic | kDeviceLocalApicX2apic | kDevicePic | kDevicePit;

struct Guest {
  StringRef name;
  uint64_t cpu_mask;          // physical CPUs (by boot order index) this guest runs on
  uint32_t mode;              // GuestMode
  uint32_t flags;             // GuestFlags
  uint32_t first_region, region_count;
  // Requested control words, indexed by arch::ControlWord. The hypervisor
  // reconciles them with the capability MSRs at boot (book 2.5.5.2).
  uint32_t controls[5];
  uint32_t exception_bitmap;
  uint32_t pfec_mask, pfec_match;
  uint64_t cr0_guest_host_mask, cr0_read_shadow;
  uint64_t cr4_guest_host_mask, cr4_read_shadow;
  uint32_t cr3_target_count;
  uint32_t reserved0;
  uint64_t cr3_target[4];
  uint64_t tsc_offset;
  uint32_t preemption_timer_value;  // ticks; 0 with TimerAction::None = off
  uint32_t timer_action;            // TimerAction
  uint32_t watchdog_slices;         // a TimeSlice guest stopped after this many slices without a real exit; 0 = never
  uint16_t vpid;                    // 0 = hypervisor assigns
  uint16_t reserved1;
  uint32_t first_io_range, io_range_count;
  uint32_t first_msr_grant, msr_grant_count;
  // MSR lists (SDM 24.7.2, 24.8.2): runs in the MsrEntries section.
  uint32_t entry_msr_load_first, entry_msr_load_count;
  uint32_t exit_msr_store_first, exit_msr_store_count;
  uint32_t exit_msr_load_first, exit_msr_load_count;
  uint32_t first_behaviour, behaviour_count;
  uint32_t first_event, event_count;
  uint32_t first_ept_hook, ept_hook_count;
  uint64_t map_on_demand_limit;     // GPA bound for map-on-demand
  uint32_t map_on_demand_pages;     // pool size in 4K pages
  uint32_t tpr_threshold;
  // External interrupts forwarded to this guest (book 7.3.3): host 8259 IRQ
  // lines, bit n = IRQ n. The guest must run on CPU 0, where the 8259 delivers.
  uint16_t forwarded_irqs;
  // Example 7-5's interrupt source: a scancode the hypervisor places in the
  // i8042 output buffer once the guest unmasks IRQ 1 (0 = none).
  uint8_t test_scancode;
  // A virtual interrupt pending at the first VM entry (virtual-interrupt
  // delivery, SDM 29.2): its IRR bit and RVI are set; 0 = none.
  uint8_t virtual_interrupt;
  // EPTP switching (VMFUNC leaf 0, SDM 25.5.6.3): view 1 is the guest's
  // memory with these regions (in the Regions section) mapped over it; the
  // EPTP list holds view 0 and view 1. Count 0 = no VM functions.
  uint32_t first_alternate_region, alternate_region_count;
  // Emulated devices (guests[].devices, docs/external-guests.md): an
  // isa-debug-exit port (0 = none) and the GuestDevices bits; fw_cfg reports
  // the RAM size and CPU count configgen computed from the profile.
  uint16_t exit_port;
  uint16_t devices;                 // GuestDevices
  uint64_t fw_cfg_ram_size;         // bytes
  uint16_t fw_cfg_cpu_count;
  // vCPUs (guests[].vcpus): 0 or 1 = one; more: vCPU 0 starts at `entry`,
  // the others wait for its start-up IPIs through their virtual APICs.
  uint16_t vcpu_count;
  uint32_t reserved2[3];
  EntryState entry;
};

enum class RegionKind : uint32_t {
#define REGION_KIND(id, word, value, description, sdm, book) id = value,
#include "blob/vocabulary.def"
};
enum RegionPerm : uint32_t { kRead = 1, kWrite = 2, kExecute = 4 };
// EPT memory types (SDM 28.3.7): UC=0, WC=1, WT=4, WP=5, WB=6.

struct Region {
  uint64_t gpa;
  uint64_t size;
  uint64_t hpa;          // Passthrough only
  uint32_t kind;         // RegionKind
  uint32_t permissions;  // RegionPerm bits
  uint32_t memory_type;
  uint32_t page_size;    // largest EPT page to use: 4096, 2M or 1G
  uint32_t image;        // Image index for RegionKind::Image, else kNone
  uint32_t image_offset; // where in the region the image starts
};
static_assert(sizeof(Region) == 48);

enum class ImageFormat : uint32_t {
#define IMAGE_FORMAT(id, word, value, description, sdm, book) id = value,
#include "blob/vocabulary.def"
};

struct Image {
  StringRef name;
  uint32_t data_offset;  // from blob start, 16-byte aligned
  uint32_t size;
  uint32_t format;       // format of the source file; data is always flat bytes
  uint32_t reserved;
  uint64_t entry_point;  // ELF entry (GPA), 0 for flat
};
static_assert(sizeof(Image) == 32);

// A guest's I/O ranges are applied in order over a bitmap where every port
// exits; ports the hypervisor owns exit whatever the ranges say.
enum IoRangeFlags : uint32_t { kIoPass = 1 };
struct IoRange {
  uint16_t first_port, last_port;  // inclusive, first <= last
  uint32_t flags;                  // IoRangeFlags: kIoPass = no exit, 0 = exit
};
static_assert(sizeof(IoRange) == 8);

// An MSR not listed exits on both RDMSR and WRMSR and is denied. A listed
// one passes (no exit) or exits to the hypervisor's per-guest emulation,
// per direction; only MSRs of the grant table (vmm/platform/owned_resources.def) may be listed.
enum MsrGrantFlags : uint32_t { kPassRead = 1, kPassWrite = 2, kEmulateRead = 4, kEmulateWrite = 8 };
inline constexpr uint32_t kMsrGrantKnownFlags = 0xF;
struct MsrGrant {
  uint32_t msr;
  uint32_t flags;  // MsrGrantFlags; pass and emulate exclude each other per direction
};
static_assert(sizeof(MsrGrant) == 8);

// SDM 24.7.2, Table 24-12: the in-memory MSR list entry format.
struct MsrEntry {
  uint32_t index;
  uint32_t reserved;
  uint64_t value;
};
static_assert(sizeof(MsrEntry) == 16);

// What the hypervisor does on one exit reason or exception (the fixed
// vocabulary of `on_exit`).
enum class Action : uint32_t {
#define EXIT_ACTION(id, word, value, description, sdm, book) id = value,
#include "blob/vocabulary.def"
};
enum class BehaviourKind : uint32_t { ExitReason = 0, Exception = 1 };
// Built-in hooks (Action::Hook's `arg`, EptHook::hook).
enum class HookId : uint32_t {
#define HOOK(id, word, value, description, sdm, book) id = value,
#include "blob/vocabulary.def"
};
struct Behaviour {
  uint32_t kind;      // BehaviourKind
  uint32_t selector;  // exit reason number or exception vector
  uint32_t action;    // Action
  uint32_t arg;       // action-specific (hook id, CPUID leaf for Override)
  uint32_t subleaf;   // Override: CPUID subleaf, kNone = any
  uint32_t reg_mask;  // Override: bit 0..3 = EAX, EBX, ECX, EDX forced
  uint32_t values[4]; // Override: forced EAX, EBX, ECX, EDX
  // Override, per register (v4): bits set and bits cleared in the answer
  // the guest would get (guests/cpuid_view), before any forced value.
  uint32_t set_bits[4];
  uint32_t clear_bits[4];
  uint32_t reserved[2];
};
static_assert(sizeof(Behaviour) == 80);

// Interruption types (bits 10:8 of the interruption information): the
// profile's words for the SDM's values, which must stay the SDM's.
enum class EventType : uint32_t {
#define EVENT_TYPE(id, word, value, description, sdm, book) id = value,
#include "blob/vocabulary.def"
};
#define EVENT_TYPE(id, word, value, description, sdm, book) \
  static_assert(value == uint32_t(arch::InterruptionType::id), "event type " word " is not the SDM's interruption type");
#include "blob/vocabulary.def"

// VM-entry interruption-information format (SDM 24.8.3, Table 24-14).
struct Event {
  uint32_t interruption_info;
  uint32_t error_code;
  uint32_t instruction_length;
  uint32_t reserved;
};
static_assert(sizeof(Event) == 16);

struct EptHook {
  uint64_t gpa;       // page-aligned
  uint32_t hook;      // built-in hook id (vmm/exits), e.g. 1 = local APIC emulation
  uint32_t permissions;  // what the EPT entry allows; accesses beyond exit
};
static_assert(sizeof(EptHook) == 16);

// How a guest ended, as the hypervisor reports it (not stored in the blob).
enum class Outcome : uint8_t {
#define OUTCOME(id, word, value, description, sdm, book) id = value,
#include "blob/vocabulary.def"
};

}  // namespace blob
static_assert(sizeof(blob::Guest) == 784 && sizeof(blob::Guest) % 16 == 0, "Guest records stay 16-byte aligned");
