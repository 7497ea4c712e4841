// A guest's virtual local APIC (devices.local_apic): the register semantics
// the hypervisor emulates on the guest's virtual-APIC page (SDM Vol. 3A
// chapter 11, "Advanced Programmable Interrupt Controller"): IRR and ISR,
// TPR and PPR, EOI, the timer in one-shot, periodic and TSC-deadline mode,
// interrupt commands to the APIC itself, IA32_APIC_BASE with its mode
// transitions, and, where the profile offers it (devices.local_apic.x2apic),
// x2APIC mode: the same registers as MSRs 800H-8FFH (SDM 11.12). The page
// holds the registers at their xAPIC offsets, 32 bits every 16 bytes, in
// either mode (the ID register keeps its xAPIC layout, ID in bits 31:24).
// Plain logic (vmm/host_logic.cmake): host-tested; the exit handlers
// (exits/virtual_apic.cpp) decode the guest's MOV or RDMSR/WRMSR and call these.
#pragma once
#include <stdint.h>

namespace guests {

namespace apic {  // register offsets (SDM Vol. 3A Table 11-1; SELF IPI from Table 11-6)
inline constexpr uint32_t ID = 0x020, VERSION = 0x030, TPR = 0x080, PPR = 0x0A0, EOI = 0x0B0, LDR = 0x0D0, DFR = 0x0E0,
                          SVR = 0x0F0, ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280, LVT_CMCI = 0x2F0,
                          ICR_LOW = 0x300, ICR_HIGH = 0x310, LVT_TIMER = 0x320, LVT_THERMAL = 0x330,
                          LVT_PERFORMANCE = 0x340, LVT_LINT0 = 0x350, LVT_LINT1 = 0x360, LVT_ERROR = 0x370,
                          INITIAL_COUNT = 0x380, CURRENT_COUNT = 0x390, DIVIDE_CONFIGURATION = 0x3E0, SELF_IPI = 0x3F0;
inline constexpr uint32_t kLvtMasked = 1u << 16, kSvrSoftwareEnable = 1u << 8;
// x2APIC mode (SDM 11.12.1.2): MSR 800H + offset / 16; the ICR is one 64-bit MSR.
inline constexpr uint32_t kX2apicMsrFirst = 0x800, kX2apicMsrLast = 0x8FF;
inline constexpr uint32_t x2apic_msr(uint32_t offset) { return kX2apicMsrFirst + offset / 16; }
}  // namespace apic

// An interrupt command's delivery mode, ICR bits 10:8 (SDM Figure 11-12).
#define ICR_DELIVERY_MODES(X) \
  X(Fixed, 0, "fixed")        \
  X(LowestPriority, 1, "lowest priority") \
  X(Smi, 2, "SMI")            \
  X(Nmi, 4, "NMI")            \
  X(Init, 5, "INIT")          \
  X(Startup, 6, "start-up")
enum class IcrDelivery : uint32_t {
#define X(name, value, text) name = value,
  ICR_DELIVERY_MODES(X)
#undef X
};
inline constexpr const char* delivery_name(IcrDelivery d) {
  switch (d) {
#define X(name, value, text) \
  case IcrDelivery::name: return text;
    ICR_DELIVERY_MODES(X)
#undef X
  }
  return "reserved";
}
inline constexpr IcrDelivery icr_delivery(uint32_t icr_low) { return IcrDelivery((icr_low >> 8) & 7); }
// An INIT level de-assert (delivery mode INIT, level 0, trigger level):
// it only synchronizes arbitration IDs and does nothing (SDM 11.6.1).
inline constexpr bool is_init_deassert(uint32_t icr_low) {
  return icr_delivery(icr_low) == IcrDelivery::Init && !(icr_low & (1u << 14)) && (icr_low & (1u << 15));
}

namespace apic_base {  // IA32_APIC_BASE (SDM 11.4.4, Figure 11-26)
inline constexpr uint64_t BSP = 1ull << 8, EXTD = 1ull << 10, EN = 1ull << 11;
}

// The APIC's mode, from IA32_APIC_BASE EN and EXTD (SDM 11.12.5.1).
enum class ApicMode : uint8_t { Disabled, XApic, X2Apic };
inline constexpr const char* mode_name(ApicMode m) {
  return m == ApicMode::X2Apic ? "in x2APIC mode" : m == ApicMode::XApic ? "in xAPIC mode" : "disabled";
}
enum class TimerMode : uint8_t { OneShot = 0, Periodic = 1, TscDeadline = 2 };

// Why an access raises #GP(0) (SDM 11.12.1.2, 11.12.1.3, 11.12.2, 11.12.5):
// name, what the guest did, SDM section. None = the access is architectural.
#define VIRTUAL_APIC_FAULTS(X)                                                                                          \
  X(None, "", "")                                                                                                      \
  X(NotX2apicMode, "an x2APIC MSR while the APIC is not in x2APIC mode", "11.12.2")                                  \
  X(NoSuchRegister, "an x2APIC MSR no register answers (reserved)", "11.12.1.2")                                     \
  X(WriteToReadOnly, "WRMSR to a read-only x2APIC register", "11.12.1.2")                                           \
  X(ReadOfWriteOnly, "RDMSR of a write-only x2APIC register", "11.12.1.2")                                          \
  X(ReservedBits, "WRMSR setting reserved bits of an x2APIC register", "11.12.1.3")                                  \
  X(BaseReservedBits, "IA32_APIC_BASE with reserved bits set (EXTD where x2APIC is not offered)", "11.4.4")          \
  X(BaseInvalidState, "IA32_APIC_BASE with EXTD set and EN clear, the invalid state", "11.12.5.1")                  \
  X(BaseX2apicToXapic, "IA32_APIC_BASE from x2APIC mode straight to xAPIC mode", "11.12.5.1")                       \
  X(BaseDisabledToX2apic, "IA32_APIC_BASE from disabled straight to x2APIC mode", "11.12.5.1")
enum class ApicFault : uint8_t {
#define X(name, text, sdm) name,
  VIRTUAL_APIC_FAULTS(X)
#undef X
};
struct ApicFaultInfo {
  const char* text;
  const char* sdm_section;
};
inline constexpr ApicFaultInfo kApicFaults[] = {
#define X(name, text, sdm) {text, sdm},
    VIRTUAL_APIC_FAULTS(X)
#undef X
};
inline constexpr const ApicFaultInfo& fault_info(ApicFault f) { return kApicFaults[uint32_t(f)]; }

// What the hypervisor keeps beside the page: the timer in TSC ticks (the
// virtual APIC's bus clock is the TSC, divided by the divide configuration).
struct ApicTimer {
  uint64_t start_tsc;     // when the current count was last loaded
  uint64_t deadline_tsc;  // when it fires, in host TSC; 0 = not counting (disarmed)
  uint64_t period;        // TSC ticks of one count-down (initial count * divisor); 0 in TSC-deadline mode
  uint64_t tsc_deadline;  // IA32_TSC_DEADLINE as the guest wrote it (its TSC); 0 = disarmed or fired
};

// The result of a write that the caller acts on: an NMI to this APIC,
// a command that reached no APIC or whose delivery mode is not emulated,
// or one addressed (also) to APICs other than this one, which the caller
// delivers to the guest's other vCPUs (guests/siblings.h).
enum class ApicEffect : uint8_t { None, Nmi, Refused, Others, NmiAndOthers };
inline constexpr bool reaches_others(ApicEffect e) { return e == ApicEffect::Others || e == ApicEffect::NmiAndOthers; }

class VirtualApic {
 public:
  // `base` is the guest's IA32_APIC_BASE; `x2apic_offered` whether its
  // profile offers x2APIC mode (CPUID.01H:ECX[21]).
  VirtualApic(uint32_t* page, ApicTimer& timer, uint64_t& base, bool x2apic_offered)
      : page_(page), timer_(timer), base_(base), x2apic_offered_(x2apic_offered) {}

  // Resets the page as after power-up (SDM 11.4.7.1), with this APIC ID.
  void reset(uint8_t apic_id);
  ApicMode mode() const;

  // LINT0 unmasked in ExtINT mode, as firmware leaves a PC in virtual-wire
  // mode (MP specification 3.6.2.2) with an 8259 behind it.
  void set_virtual_wire();
  // Whether an 8259's INT reaches the processor: with the APIC disabled
  // LINT0 is the INTR pin itself (SDM 11.4.3), else LINT0 must be unmasked
  // in ExtINT mode (SDM 11.5.1).
  bool accepts_extint() const;

  // xAPIC mode: the memory-mapped registers (the caller checks the mode).
  uint32_t read(uint32_t offset, uint64_t now_tsc) const;
  ApicEffect write(uint32_t offset, uint32_t value, uint64_t now_tsc);

  // x2APIC mode: RDMSR and WRMSR of 800H-8FFH. Anything but ApicFault::None
  // is #GP(0) for the guest, and the register is unchanged.
  ApicFault read_msr(uint32_t msr, uint64_t now_tsc, uint64_t& value) const;
  ApicFault write_msr(uint32_t msr, uint64_t value, uint64_t now_tsc, ApicEffect& effect);

  // WRMSR IA32_APIC_BASE: the bits and the mode transition checked (SDM
  // 11.12.5), then made. `physical_address_width` bounds the base (CPUID.80000008H:EAX[7:0]).
  ApicFault write_base(uint64_t value, uint32_t physical_address_width);

  // IA32_TSC_DEADLINE (SDM 11.5.4.1), in the guest's TSC (`guest_now` is
  // its TSC at `now_tsc`): a write arms the timer (0 disarms), outside
  // TSC-deadline mode writes are ignored and reads return 0.
  uint64_t read_tsc_deadline() const;
  void write_tsc_deadline(uint64_t deadline, uint64_t guest_now, uint64_t now_tsc);
  // The guest's TSC moved by `delta` against the host's (a TSC write): an
  // armed deadline, in guest time, moves the other way in host time.
  void guest_tsc_moved(int64_t delta);

  // Timer expiry at `now`: the LVT timer's vector requested (unless masked),
  // a periodic timer reloaded. True when the timer fired.
  bool update_timer(uint64_t now_tsc);
  // The vector the guest takes next (0 = none): the highest IRR vector
  // whose priority class is above PPR's, the APIC enabled and software-enabled.
  uint8_t deliverable() const;
  // The CPU took `vector`: IRR -> ISR (SDM 11.8.4).
  void accept(uint8_t vector);
  // A fixed interrupt from another APIC (SDM 11.6.1): requested in IRR;
  // vectors 0-15 are illegal and set "receive illegal vector" in ESR (SDM 11.5.3).
  void receive_fixed(uint8_t vector);
  // Whether an interrupt command reaches this APIC: as its sender
  // (`is_sender`, where the shorthands self and all-including-self count)
  // or as another APIC of the guest (SDM 11.6.1, 11.6.2; x2APIC 11.12.9-10).
  bool addressed_by(uint32_t icr_low, uint32_t destination, bool is_sender) const;
  // The destination of the command in the ICR, for the caller that delivers it elsewhere.
  uint32_t icr_destination() const;
  bool timer_counting() const { return timer_.deadline_tsc != 0; }
  uint64_t timer_deadline() const { return timer_.deadline_tsc; }
  uint8_t apic_id() const { return uint8_t(reg(apic::ID) >> 24); }

  static uint32_t divisor(uint32_t divide_configuration);

 private:
  uint32_t& reg(uint32_t offset) const { return page_[offset / 4]; }
  bool bit(uint32_t base, uint8_t vector) const { return reg(base + (vector / 32) * 16) & (1u << (vector % 32)); }
  void set_bit(uint32_t base, uint8_t vector, bool on);
  int highest(uint32_t base) const;  // -1 = none
  uint32_t processor_priority() const;
  TimerMode timer_mode() const { return TimerMode((reg(apic::LVT_TIMER) >> 17) & 3); }
  void request(uint8_t vector);
  void end_of_interrupt();
  void start_timer(uint64_t now_tsc);
  ApicEffect send(uint32_t icr_low, uint32_t destination);

  uint32_t* page_;
  ApicTimer& timer_;
  uint64_t& base_;
  bool x2apic_offered_;
};

}  // namespace guests
