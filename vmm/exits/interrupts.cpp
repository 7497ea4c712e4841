// Forwarding external interrupts to a guest (book 7.3.3, example 7-5).
// External-interrupt exiting with acknowledge-interrupt-on-exit hands the
// hypervisor the host vector; the guest's own 8259 programming, snooped
// through the I/O bitmap, says which vector the guest expects; the guest's
// EOI is completed on the real 8259.
#include "arch/cpu.h"
#include "console/log.h"
#include "exits/handlers.h"
#include "platform/i8042.h"
#include "platform/pic8259.h"
#include "vmx/vmcs.h"

namespace exits {
using F = arch::VmcsField;

void request_window(guests::Vcpu& v, arch::ControlBit window, bool on) {
  uint32_t& proc = v.controls[uint32_t(arch::ControlWord::PROC)];
  const uint32_t want = on ? proc | window.mask() : proc & ~window.mask();
  if (want == proc) return;
  proc = want;
  vmx::write(F::PRIMARY_PROCESSOR_BASED_VM_EXECUTION_CONTROLS, proc);
}

Flow on_nmi_window(guests::Vcpu& v, const ExitInfo&) {
  request_window(v, arch::ctl::NMI_WINDOW_EXITING, false);
  LOG("vmm: guest %s: NMI window open", v.name);
  return Flow::Resume;  // the queued NMI is injected before the next entry
}

namespace {
constexpr uint16_t kMasterCommand = 0x20, kMasterData = 0x21, kSlaveCommand = 0xA0, kSlaveData = 0xA1;
constexpr uint8_t kKeyboardIrq = 1;

void set_interrupt_window_exiting(guests::Vcpu& v, bool on) { request_window(v, arch::ctl::INTERRUPT_WINDOW_EXITING, on); }

void maybe_place_scancode(guests::Vcpu& v) {
  if (!v.config->test_scancode || v.pic.scancode_placed || (v.pic.mask & (1u << kKeyboardIrq))) return;
  v.pic.scancode_placed = true;
  const bool ok = platform::i8042_place_scancode(v.config->test_scancode);
  LOG("vmm: guest %s unmasked IRQ 1: scancode 0x%x placed in the i8042 %s", v.name, v.config->test_scancode,
      ok ? "(IRQ 1 will fire)" : "FAILED: the controller did not answer");
}
}  // namespace

bool virtual_pic_io(guests::Vcpu& v, uint16_t port, bool in, uint32_t& value) {
  if (!v.config->forwarded_irqs) return false;
  if (port != kMasterCommand && port != kMasterData && port != kSlaveCommand && port != kSlaveData) return false;
  guests::VirtualPic& pic = v.pic;
  if (port == kSlaveCommand || port == kSlaveData) {  // the slave is modelled as absent-but-quiet
    if (in) value = port == kSlaveData ? 0xFF : 0;
    return true;
  }
  if (in) {
    value = port == kMasterData ? pic.mask : 0;
    return true;
  }
  const uint8_t byte = uint8_t(value);
  if (port == kMasterCommand) {
    if (byte & 0x10) {  // ICW1 starts initialization
      pic.init_step = 1;
      pic.expects_icw4 = byte & 1;
      pic.mask = 0;
    } else if ((byte & 0x18) == 0 && (byte & 0x20)) {  // OCW2 with EOI
      if (pic.in_service) {
        const uint8_t irq = uint8_t(__builtin_ctz(pic.in_service));
        pic.in_service &= uint16_t(~(1u << irq));
        platform::pic_end_of_interrupt(irq);
        LOG("vmm: guest %s EOI for IRQ %u completed on the 8259", v.name, irq);
      }
    }
    return true;
  }
  // Data port: ICW2..ICW4 during initialization, else OCW1 (the mask).
  switch (pic.init_step) {
    case 1:
      pic.vector_base = byte & 0xF8;
      pic.init_step = 2;
      LOG("vmm: guest %s programs its 8259: vector base 0x%x", v.name, pic.vector_base);
      break;
    case 2: pic.init_step = pic.expects_icw4 ? 3 : 0; break;
    case 3: pic.init_step = 0; break;
    default:
      pic.mask = byte;
      maybe_place_scancode(v);
      break;
  }
  return true;
}

Flow on_external_interrupt(guests::Vcpu& v, const ExitInfo& e) {
  const arch::InterruptionInfo info{uint32_t(vmx::read(F::VM_EXIT_INTERRUPTION_INFORMATION))};
  if (!info.valid()) {
    // Without acknowledge-on-exit the interrupt is still pending at the
    // controller; this hypervisor asks for the acknowledgment, so this is a
    // profile the CPU would not allow.
    return finish(v, guests::Outcome::Stopped, "external interrupt without acknowledge-on-exit, rip 0x%lx", e.guest_rip);
  }
  const uint8_t vector = info.vector();
  const int irq = vector >= platform::kHostPicBase && vector < platform::kHostPicBase + 16 ? vector - platform::kHostPicBase : -1;
  if (irq >= 0 && (v.config->forwarded_irqs & (1u << irq))) {
    v.pic.pending |= uint16_t(1u << irq);
    LOG("vmm: guest %s: external interrupt vector 0x%x (IRQ %d) forwarded", v.name, vector, irq);
  } else {
    if (irq >= 0) platform::pic_end_of_interrupt(uint8_t(irq));
    LOG("vmm: guest %s: external interrupt vector 0x%x not routed to it; acknowledged and dropped", v.name, vector);
  }
  return Flow::Resume;
}

Flow on_interrupt_window(guests::Vcpu& v, const ExitInfo&) {
  set_interrupt_window_exiting(v, false);
  // The first few only: a guest whose virtual 8254 ticks fast opens a window
  // at every tick, and the log is every CPU's (its UART is slow).
  constexpr uint32_t kLoggedWindows = 16;
  if (v.exits.counts[uint32_t(arch::ExitReason::INTERRUPT_WINDOW)] <= kLoggedWindows)
    LOG("vmm: guest %s: interrupt window open%s", v.name,
        v.exits.counts[uint32_t(arch::ExitReason::INTERRUPT_WINDOW)] == kLoggedWindows ? " (later ones are counted, not logged)" : "");
  return Flow::Resume;  // deliver_pending_interrupts runs before the next entry
}

void deliver_pending_interrupts(guests::Vcpu& v) {
  const uint16_t ready = v.pic.pending & uint16_t(~v.pic.mask) & uint16_t(~v.pic.in_service);
  if (!ready) return;
  const bool can_take = (vmx::read(F::GUEST_RFLAGS) & arch::rflags::IF) &&
                        !arch::InterruptibilityState{vmx::read(F::GUEST_INTERRUPTIBILITY_STATE)}.blocking_by_sti_or_mov_ss() &&
                        !arch::InterruptionInfo{uint32_t(vmx::read(F::VM_ENTRY_INTERRUPTION_INFORMATION))}.valid();
  if (!can_take) {
    set_interrupt_window_exiting(v, true);  // SDM 25.2: exit as soon as the guest can take it
    return;
  }
  const uint8_t irq = uint8_t(__builtin_ctz(ready));
  const uint8_t vector = uint8_t(v.pic.vector_base + irq);
  v.pic.pending &= uint16_t(~(1u << irq));
  v.pic.in_service |= uint16_t(1u << irq);
  inject(arch::InterruptionInfo::make(arch::InterruptionType::ExternalInterrupt, vector, false), 0, 0);
  vmx::write(F::GUEST_ACTIVITY_STATE, uint32_t(arch::ActivityState::Active));
  set_interrupt_window_exiting(v, false);
  LOG("vmm: guest %s: IRQ %u injected at vector 0x%x", v.name, irq, vector);
}

}  // namespace exits
