// The bit formats of VMX fields and capability MSRs, typed: the one place
// that knows where each bit sits. Both halves use these (configgen to encode
// and check, the hypervisor to decode exits and read its CPU); outside arch/
// nobody shifts or masks these values by hand. Each accessor names the
// SDM's field or bit; sections are those of the SDM, Vol. 3C, and of the
// book where it explains the format.
#pragma once
#include <stdint.h>

namespace arch {

// ---------------------------------------------------------------------------
// Interruption information: VM-entry (SDM 24.8.3, Table 24-17), VM-exit
// (24.9.2, Table 24-19) and IDT-vectoring (24.9.3, Table 24-20) share the
// layout; book 3.6.3.1 and 3.10.2.
enum class InterruptionType : uint8_t {
  ExternalInterrupt = 0,
  Reserved = 1,
  Nmi = 2,
  HardwareException = 3,
  SoftwareInterrupt = 4,
  PrivilegedSoftwareException = 5,
  SoftwareException = 6,
  OtherEvent = 7,  // VM entry only: MTF pending (SDM 26.6.2)
};

struct InterruptionInfo {
  uint32_t raw = 0;

  constexpr uint8_t vector() const { return uint8_t(raw & 0xFF); }                           // bits 7:0
  constexpr InterruptionType type() const { return InterruptionType((raw >> 8) & 7); }       // bits 10:8
  constexpr bool deliver_error_code() const { return (raw >> 11) & 1; }                      // bit 11
  // Exit and IDT-vectoring only: the exit came from IRET unblocking NMIs
  // (bit 12, SDM 27.2.3); on entry bits 30:12 are reserved.
  constexpr bool nmi_unblocking_due_to_iret() const { return (raw >> 12) & 1; }
  constexpr uint32_t entry_reserved_bits() const { return raw & 0x7FFFF000u; }              // bits 30:12
  constexpr bool valid() const { return raw >> 31; }                                         // bit 31
  // Software interrupts and exceptions: the entry needs the instruction
  // length (SDM 26.2.1.3) and the return address skips it (26.6.1.1).
  constexpr bool software_event() const {
    const InterruptionType t = type();
    return t == InterruptionType::SoftwareInterrupt || t == InterruptionType::PrivilegedSoftwareException ||
           t == InterruptionType::SoftwareException;
  }

  static constexpr InterruptionInfo make(InterruptionType type, uint8_t vector, bool deliver_error_code) {
    return {(1u << 31) | (uint32_t(type) << 8) | vector | (deliver_error_code ? 1u << 11 : 0)};
  }
  // A hardware exception, as the hypervisor injects #GP(0), #UD, #NP...
  static constexpr InterruptionInfo hardware_exception(uint8_t vector, bool deliver_error_code) {
    return make(InterruptionType::HardwareException, vector, deliver_error_code);
  }
  // The same event re-injected on VM entry (SDM 27.2.4: the IDT-vectoring
  // information becomes the entry's, without bit 12).
  constexpr InterruptionInfo for_reinjection() const { return {raw & ~(1u << 12)}; }
};

// ---------------------------------------------------------------------------
// Segment access rights as the VMCS holds them (SDM 24.4.1, Table 24-2).
struct SegmentAccessRights {
  uint32_t raw = 0;
  constexpr uint8_t type() const { return uint8_t(raw & 0xF); }             // bits 3:0
  constexpr bool code_or_data() const { return (raw >> 4) & 1; }            // bit 4: S (descriptor type)
  constexpr uint8_t dpl() const { return uint8_t((raw >> 5) & 3); }         // bits 6:5
  constexpr bool present() const { return (raw >> 7) & 1; }                 // bit 7
  constexpr bool long_mode() const { return (raw >> 13) & 1; }              // bit 13: L (64-bit code)
  constexpr bool default_big() const { return (raw >> 14) & 1; }            // bit 14: D/B
  constexpr bool granularity() const { return (raw >> 15) & 1; }            // bit 15: G
  constexpr bool unusable() const { return (raw >> 16) & 1; }               // bit 16
};

// VM-exit instruction information for INS and OUTS (SDM 27.2.5, Table
// 28-8), valid when IA32_VMX_BASIC bit 54 is 1.
struct StringIoInstructionInfo {
  uint32_t raw = 0;
  constexpr uint32_t address_size_bytes() const { return 2u << ((raw >> 7) & 7); }  // bits 9:7: 0 16-bit, 1 32-bit, 2 64-bit
  constexpr uint8_t segment_register() const { return uint8_t((raw >> 15) & 7); }   // bits 17:15 (OUTS; INS always uses ES)
};

// VM-exit instruction information for LGDT, LIDT, SGDT, SIDT (SDM 27.2.5,
// Table 28-10) and LLDT, LTR, SLDT, STR (Table 28-11); book 5.8.
struct DescriptorTableInstructionInfo {
  uint32_t raw = 0;
  constexpr uint8_t scaling() const { return uint8_t(raw & 3); }                       // bits 1:0: index << scaling
  constexpr uint8_t register1() const { return uint8_t((raw >> 3) & 0xF); }            // bits 6:3 (LDTR/TR, register operand)
  constexpr uint32_t address_size_bytes() const { return 2u << ((raw >> 7) & 7); }    // bits 9:7: 0 16-bit, 1 32-bit, 2 64-bit
  constexpr bool register_operand() const { return (raw >> 10) & 1; }                 // bit 10 (LDTR/TR only)
  constexpr uint32_t operand_size_bytes() const { return (raw >> 11) & 1 ? 4 : 2; }   // bit 11 (GDTR/IDTR)
  constexpr uint8_t segment_register() const { return uint8_t((raw >> 15) & 7); }     // bits 17:15: ES CS SS DS FS GS
  constexpr uint8_t index_register() const { return uint8_t((raw >> 18) & 0xF); }     // bits 21:18
  constexpr bool index_invalid() const { return (raw >> 22) & 1; }                    // bit 22
  constexpr uint8_t base_register() const { return uint8_t((raw >> 23) & 0xF); }      // bits 26:23
  constexpr bool base_invalid() const { return (raw >> 27) & 1; }                     // bit 27
  // Bits 29:28: SGDT, SIDT, LGDT, LIDT (Table 28-10) or SLDT, STR, LLDT, LTR (Table 28-11).
  constexpr uint8_t instruction_identity() const { return uint8_t((raw >> 28) & 3); }
};

// ---------------------------------------------------------------------------
// Guest non-register state (SDM 24.4.2): interruptibility state (Table 24-3)
// and activity state.
struct InterruptibilityState {
  uint64_t raw = 0;
  static constexpr uint64_t kBlockingBySti = 1u << 0, kBlockingByMovSs = 1u << 1, kBlockingBySmi = 1u << 2,
                            kBlockingByNmi = 1u << 3, kEnclaveInterruption = 1u << 4;
  constexpr bool blocking_by_sti() const { return raw & kBlockingBySti; }
  constexpr bool blocking_by_mov_ss() const { return raw & kBlockingByMovSs; }
  constexpr bool blocking_by_nmi() const { return raw & kBlockingByNmi; }
  // STI or MOV-SS blocking: no external interrupt (and, after MOV SS, no
  // #DB) is delivered before the next instruction completes.
  constexpr bool blocking_by_sti_or_mov_ss() const { return raw & (kBlockingBySti | kBlockingByMovSs); }
  // What blocks an NMI injection (SDM 26.3.1.5): NMI blocking and MOV-SS blocking.
  constexpr bool blocks_nmi_injection() const { return raw & (kBlockingByNmi | kBlockingByMovSs); }
  constexpr InterruptibilityState without_sti_and_mov_ss_blocking() const {
    return {raw & ~(kBlockingBySti | kBlockingByMovSs)};
  }
};

enum class ActivityState : uint32_t { Active = 0, Hlt = 1, Shutdown = 2, WaitForSipi = 3 };

// ---------------------------------------------------------------------------
// The exit-reason field (SDM 24.9.1, Table 24-18).
struct ExitReasonField {
  uint32_t raw = 0;
  constexpr uint16_t basic_reason() const { return uint16_t(raw & 0xFFFF); }  // bits 15:0
  constexpr bool incident_to_enclave_mode() const { return (raw >> 27) & 1; } // bit 27
  constexpr bool pending_mtf() const { return (raw >> 28) & 1; }              // bit 28 (SMM VM exits)
  constexpr bool from_vmx_root() const { return (raw >> 29) & 1; }            // bit 29 (SMM VM exits)
  constexpr bool vm_entry_failure() const { return raw >> 31; }               // bit 31
};

// ---------------------------------------------------------------------------
// Exit qualifications (SDM 27.2.1), one type per exit reason that has one.

// Control-register accesses (Table 28-3; book 5.5).
enum class CrAccessType : uint8_t { MovToCr = 0, MovFromCr = 1, Clts = 2, Lmsw = 3 };
struct CrAccessQualification {
  uint64_t raw = 0;
  constexpr uint8_t control_register() const { return uint8_t(raw & 0xF); }               // bits 3:0
  constexpr CrAccessType access_type() const { return CrAccessType((raw >> 4) & 3); }    // bits 5:4
  constexpr bool lmsw_operand_is_memory() const { return (raw >> 6) & 1; }               // bit 6
  constexpr uint8_t general_register() const { return uint8_t((raw >> 8) & 0xF); }      // bits 11:8
  constexpr uint16_t lmsw_source_data() const { return uint16_t(raw >> 16); }            // bits 31:16
};

// MOV DR (Table 28-4).
struct MovDrQualification {
  uint64_t raw = 0;
  constexpr uint8_t debug_register() const { return uint8_t(raw & 7); }               // bits 2:0
  constexpr bool from_dr() const { return (raw >> 4) & 1; }                            // bit 4: MOV from DR
  constexpr uint8_t general_register() const { return uint8_t((raw >> 8) & 0xF); }  // bits 11:8
};

// I/O instructions (Table 28-5; book 5.3).
struct IoQualification {
  uint64_t raw = 0;
  constexpr uint8_t size() const { return uint8_t((raw & 7) + 1); }  // bits 2:0: size of access - 1
  constexpr bool in() const { return (raw >> 3) & 1; }                // bit 3: direction, 1 = IN
  constexpr bool string() const { return (raw >> 4) & 1; }            // bit 4
  constexpr bool rep() const { return (raw >> 5) & 1; }               // bit 5
  constexpr bool immediate_operand() const { return (raw >> 6) & 1; } // bit 6: 1 = port in the instruction
  constexpr uint16_t port() const { return uint16_t(raw >> 16); }     // bits 31:16
};

// EPT violations (Table 28-7; book 6.1.8.2).
struct EptViolationQualification {
  uint64_t raw = 0;
  constexpr bool data_read() const { return raw & 1; }                        // bit 0
  constexpr bool data_write() const { return (raw >> 1) & 1; }                // bit 1
  constexpr bool instruction_fetch() const { return (raw >> 2) & 1; }         // bit 2
  // Bits 5:3: what the EPT entries allowed; all 0 = the address is not mapped.
  constexpr bool readable() const { return (raw >> 3) & 1; }
  constexpr bool writable() const { return (raw >> 4) & 1; }
  constexpr bool executable() const { return (raw >> 5) & 1; }
  constexpr bool translated_address_allowed_nothing() const { return ((raw >> 3) & 7) == 0; }
  constexpr bool guest_linear_address_valid() const { return (raw >> 7) & 1; }  // bit 7
  constexpr bool nmi_unblocking_due_to_iret() const { return (raw >> 12) & 1; } // bit 12
};

// Task switches (Table 28-2; book 5.9).
enum class TaskSwitchSource : uint8_t { Call = 0, Iret = 1, Jmp = 2, TaskGateInIdt = 3 };
struct TaskSwitchQualification {
  uint64_t raw = 0;
  constexpr uint16_t tss_selector() const { return uint16_t(raw & 0xFFFF); }                // bits 15:0
  constexpr TaskSwitchSource source() const { return TaskSwitchSource((raw >> 30) & 3); }  // bits 31:30
};

// ---------------------------------------------------------------------------
// The extended-page-table pointer (SDM 24.6.11, Table 24-8; book 6.1.4).
struct Eptp {
  uint64_t raw = 0;
  constexpr uint8_t memory_type() const { return uint8_t(raw & 7); }             // bits 2:0: 0 UC, 6 WB
  constexpr uint8_t page_walk_length() const { return uint8_t(((raw >> 3) & 7) + 1); }  // bits 5:3: length - 1
  constexpr bool accessed_dirty_enabled() const { return (raw >> 6) & 1; }       // bit 6
  constexpr uint64_t reserved_bits_11_7() const { return raw & 0xF80; }          // bits 11:7 (bit 7: supervisor shadow stacks on newer CPUs)
  constexpr uint64_t pml4_address() const { return raw & ~0xFFFull; }
};

// ---------------------------------------------------------------------------
// The MSR bitmap (SDM 24.6.9; book 3.5.14): one 4-KByte page, four 1-KByte
// quarters: read-low, read-high, write-low, write-high; "low" covers MSRs
// 00000000H-00001FFFH, "high" C0000000H-C0001FFFH, one bit per MSR. An
// MSR outside both ranges always exits.
struct MsrBitmapBit {
  bool covered;       // false: the MSR is outside both ranges
  uint32_t byte;      // offset in the page of the read bit (the write bit is 0x800 further)
  uint8_t bit;
};
inline constexpr uint32_t kMsrBitmapWriteOffset = 0x800;
constexpr MsrBitmapBit msr_bitmap_bit(uint32_t msr) {
  const uint32_t quarter = msr <= 0x1FFF ? 0 : (msr >= 0xC0000000 && msr <= 0xC0001FFF) ? 0x400 : ~0u;
  if (quarter == ~0u) return {false, 0, 0};
  const uint32_t index = msr & 0x1FFF;
  return {true, quarter + index / 8, uint8_t(index % 8)};
}

// ---------------------------------------------------------------------------
// Capability MSRs (SDM Appendix A; book 2.5).

// IA32_VMX_BASIC (A.1).
struct VmxBasic {
  uint64_t raw = 0;
  constexpr uint32_t revision_identifier() const { return uint32_t(raw & 0x7FFFFFFF); }     // bits 30:0
  constexpr uint32_t vmcs_region_size() const { return uint32_t((raw >> 32) & 0x1FFF); }    // bits 44:32
  constexpr bool physical_addresses_limited_to_32_bits() const { return (raw >> 48) & 1; }  // bit 48
  constexpr bool dual_monitor_smm() const { return (raw >> 49) & 1; }                       // bit 49
  constexpr uint8_t vmcs_memory_type() const { return uint8_t((raw >> 50) & 0xF); }         // bits 53:50
  constexpr bool ins_outs_instruction_information() const { return (raw >> 54) & 1; }       // bit 54
  constexpr bool true_controls() const { return (raw >> 55) & 1; }                          // bit 55
  // Bit 56: VM entry may deliver a hardware exception with or without an
  // error code whatever its vector (SDM 26.2.1.3).
  constexpr bool no_error_code_consistency_check() const { return (raw >> 56) & 1; }
};

// IA32_VMX_MISC (A.6).
struct VmxMisc {
  uint64_t raw = 0;
  // The VMX-preemption timer counts down by 1 every 2^rate TSC ticks.
  constexpr uint32_t preemption_timer_rate() const { return uint32_t(raw & 0x1F); }  // bits 4:0
  constexpr bool stores_efer_lma() const { return (raw >> 5) & 1; }                  // bit 5
  // Bits 8:6: activity states HLT (1), shutdown (2), wait-for-SIPI (3).
  // Active (0) is always supported.
  constexpr bool activity_state_supported(uint32_t state) const {
    return state == 0 || (state <= 3 && ((raw >> (5 + state)) & 1));
  }
  constexpr uint32_t cr3_target_count() const { return uint32_t((raw >> 16) & 0x1FF); }        // bits 24:16
  // Bits 27:25 = N: at most 512 * (N + 1) entries in each MSR list.
  constexpr uint64_t max_msr_list_entries() const { return 512ull * (((raw >> 25) & 7) + 1); }
  constexpr bool vmwrite_to_exit_information_fields() const { return (raw >> 29) & 1; }  // bit 29
  // Bit 30: VM entry may inject a software interrupt or exception with
  // instruction length 0 (SDM 26.2.1.3).
  constexpr bool zero_length_instruction_injection() const { return (raw >> 30) & 1; }
};

// IA32_VMX_EPT_VPID_CAP (A.10).
struct EptVpidCap {
  uint64_t raw = 0;
  constexpr bool execute_only_translations() const { return raw & 1; }        // bit 0
  constexpr bool page_walk_length_4() const { return (raw >> 6) & 1; }        // bit 6
  constexpr bool page_walk_length_5() const { return (raw >> 7) & 1; }        // bit 7
  constexpr bool uncacheable_paging_structures() const { return (raw >> 8) & 1; }  // bit 8
  constexpr bool write_back_paging_structures() const { return (raw >> 14) & 1; }  // bit 14
  constexpr bool pde_2mb_pages() const { return (raw >> 16) & 1; }            // bit 16
  constexpr bool pdpte_1gb_pages() const { return (raw >> 17) & 1; }          // bit 17
  constexpr bool invept() const { return (raw >> 20) & 1; }                   // bit 20
  constexpr bool accessed_and_dirty_flags() const { return (raw >> 21) & 1; } // bit 21
  constexpr bool invept_single_context() const { return (raw >> 25) & 1; }    // bit 25
  constexpr bool invept_all_context() const { return (raw >> 26) & 1; }       // bit 26
  constexpr bool invvpid() const { return (raw >> 32) & 1; }                  // bit 32
  constexpr bool invvpid_individual_address() const { return (raw >> 40) & 1; }  // bit 40
  constexpr bool invvpid_single_context() const { return (raw >> 41) & 1; }      // bit 41
  constexpr bool invvpid_all_context() const { return (raw >> 42) & 1; }         // bit 42
};

}  // namespace arch
