// A guest's virtual local APIC (devices.local_apic), xAPIC mode: the
// register semantics the hypervisor emulates on the guest's virtual-APIC
// page (SDM Vol. 3A chapter 11, "Advanced Programmable Interrupt
// Controller"): IRR and ISR, TPR and PPR, EOI, the timer in one-shot and
// periodic mode, and interrupt commands to the APIC itself. The page holds
// the registers at their architectural offsets, 32 bits every 16 bytes.
// Plain logic (vmm/host_logic.cmake): host-tested; the exit handler
// (exits/virtual_apic.cpp) decodes the guest's MOV and calls these.
#pragma once
#include <stdint.h>

namespace guests {

namespace apic {  // register offsets (SDM Vol. 3A Table 11-1)
inline constexpr uint32_t ID = 0x020, VERSION = 0x030, TPR = 0x080, PPR = 0x0A0, EOI = 0x0B0, LDR = 0x0D0, DFR = 0x0E0,
                          SVR = 0x0F0, ISR = 0x100, TMR = 0x180, IRR = 0x200, ESR = 0x280, ICR_LOW = 0x300, ICR_HIGH = 0x310,
                          LVT_TIMER = 0x320, LVT_THERMAL = 0x330, LVT_PERFORMANCE = 0x340, LVT_LINT0 = 0x350,
                          LVT_LINT1 = 0x360, LVT_ERROR = 0x370, INITIAL_COUNT = 0x380, CURRENT_COUNT = 0x390,
                          DIVIDE_CONFIGURATION = 0x3E0;
inline constexpr uint32_t kLvtMasked = 1u << 16, kSvrSoftwareEnable = 1u << 8;
}  // namespace apic

enum class TimerMode : uint8_t { OneShot = 0, Periodic = 1, TscDeadline = 2 };

// What the hypervisor keeps beside the page: the timer in TSC ticks (the
// virtual APIC's bus clock is the TSC, divided by the divide configuration).
struct ApicTimer {
  uint64_t start_tsc;     // when the current count was last loaded
  uint64_t deadline_tsc;  // when it reaches 0; 0 = not counting
  uint64_t period;        // TSC ticks of one count-down (initial count * divisor)
};

// The result of a write that the caller acts on.
enum class ApicEffect : uint8_t { None, Nmi, Refused };

class VirtualApic {
 public:
  VirtualApic(uint32_t* page, ApicTimer& timer) : page_(page), timer_(timer) {}

  // Resets the page as after power-up (SDM 11.4.7.1), with this APIC ID.
  void reset(uint8_t apic_id);
  uint32_t read(uint32_t offset, uint64_t now_tsc) const;
  ApicEffect write(uint32_t offset, uint32_t value, uint64_t now_tsc);

  // Timer expiry at `now`: the LVT timer's vector requested (unless masked),
  // a periodic timer reloaded. True when the timer fired.
  bool update_timer(uint64_t now_tsc);
  // The vector the guest takes next (0 = none): the highest IRR vector
  // whose priority class is above PPR's, the APIC software-enabled.
  uint8_t deliverable() const;
  // The CPU took `vector`: IRR -> ISR (SDM 11.8.4).
  void accept(uint8_t vector);
  bool timer_counting() const { return timer_.deadline_tsc != 0; }
  uint64_t timer_deadline() const { return timer_.deadline_tsc; }

  static uint32_t divisor(uint32_t divide_configuration);

 private:
  uint32_t& reg(uint32_t offset) const { return page_[offset / 4]; }
  bool bit(uint32_t base, uint8_t vector) const { return reg(base + (vector / 32) * 16) & (1u << (vector % 32)); }
  void set_bit(uint32_t base, uint8_t vector, bool on);
  int highest(uint32_t base) const;  // -1 = none
  uint32_t processor_priority() const;
  void request(uint8_t vector);
  void end_of_interrupt();
  void start_timer(uint64_t now_tsc);

  uint32_t* page_;
  ApicTimer& timer_;
};

}  // namespace guests
