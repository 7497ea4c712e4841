// I/O-instruction exits (SDM 25.1.3, exit qualification in Table 27-5).
// Every port a guest was not granted exits here. COM1 (0x3F8-0x3FF) is the
// guest's console; a guest with forwarded IRQs has an emulated 8259, and
// with IRQ 1 forwarded it reads the i8042's data port through the
// hypervisor; the devices of guests[].devices (an isa-debug-exit port,
// fw_cfg, the 8259 pair and the 8254) are emulated for the guests that declare them. Any other port is
// denied: the guest is stopped with a report naming the port, or
// (io.on_denied: ignore) reads all ones and its writes are dropped, as
// absent hardware does. INS and OUTS go element by element through the
// same ports.
#include "arch/cpu.h"
#include "arch/registers.h"
#include "console/log.h"
#include "console/serial.h"
#include "cpu/percpu.h"
#include "exits/handlers.h"
#include "guests/guest_memory.h"
#include "platform/owned_resources.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;
constexpr uint16_t kCom1 = 0x3F8, kCom1LineStatus = 0x3FD, kI8042Data = 0x60;
constexpr uint16_t kKeyboardIrq = 1u << 1;
constexpr uint8_t kTransmitterIdle = 0x60;  // THRE | TEMT
// One exit emulates at most this many elements of a REP INS/OUTS; the rest
// re-executes (RIP stays, RCX counts down), so a huge count cannot hold the CPU.
constexpr uint64_t kStringElementsPerExit = 4096;

struct IoAccess {
  uint16_t port;
  uint8_t size;  // bytes
  bool in, string, rep;
};
IoAccess decode(arch::IoQualification q) { return {q.port(), q.size(), q.in(), q.string(), q.rep()}; }
uint64_t size_mask(uint8_t size) { return size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFFull; }

enum class PortResult { Done, Denied, Ended };

// One access to one port: `value` is what an OUT writes or what an IN reads.
PortResult port_access(guests::Vcpu& v, const ExitInfo& e, const IoAccess& a, uint32_t& value, Flow& flow) {
  const blob::Guest& g = *v.config;
  // Tested here first: most guests have neither 8259, and the call is the cost.
  if (g.forwarded_irqs && virtual_pic_io(v, a.port, a.in, value)) return PortResult::Done;
  if (has_legacy_pic(v) && legacy_device_io(v, a.port, a.size, a.in, value)) return PortResult::Done;
  if (a.port >= kCom1 && a.port < kCom1 + 8) {
    if (!a.in && a.port == kCom1) console_put(v, char(value & 0xFF));
    if (a.in) value = a.port == kCom1LineStatus ? kTransmitterIdle : 0;
    return PortResult::Done;
  }
  if (a.port == kI8042Data && a.in && a.size == 1 && (g.forwarded_irqs & kKeyboardIrq)) {
    value = arch::inb(kI8042Data);  // the forwarded keyboard's byte (book 7.3.3.4)
    return PortResult::Done;
  }
  if (g.exit_port && a.port == g.exit_port) {  // isa-debug-exit: the written value is the code
    if (a.in) {
      value = 0;
      return PortResult::Done;
    }
    console_flush(v);
    flow = finish(v, guests::Outcome::Exited, "code %u (exit port 0x%x), rip 0x%lx", uint32_t(value & size_mask(a.size)), a.port,
                  e.guest_rip);
    return PortResult::Ended;
  }
  if ((g.devices & blob::kDeviceFwCfg) && (a.port == guests::kFwCfgSelectorPort || a.port == guests::kFwCfgDataPort)) {
    if (a.port == guests::kFwCfgSelectorPort) {
      if (!a.in) guests::fw_cfg_select(v.fw_cfg, uint16_t(value));
      else value = v.fw_cfg.selector;
    } else if (a.in) {
      value = 0;  // wider reads return successive bytes, the first one highest (QEMU's data register)
      for (uint8_t i = 0; i < a.size; ++i) value = value << 8 | guests::fw_cfg_read_byte(v.fw_cfg, g);
    }  // writes to the data register are ignored, as QEMU does
    return PortResult::Done;
  }
  return PortResult::Denied;
}

Flow deny(guests::Vcpu& v, const ExitInfo& e, const IoAccess& a) {
  if (v.config->flags & blob::kGuestIoDeniedIgnore) {
    if (a.in && !a.string) v.regs.rax = a.size == 4 ? 0xFFFFFFFFu : v.regs.rax | size_mask(a.size);  // EAX zero-extends
    skip_instruction(e);
    return Flow::Resume;
  }
  const platform::OwnedPorts row =
      platform::owned_ports(a.port, uint32_t(a.port) + a.size - 1, console::serial_port());
  return finish(v, guests::Outcome::Stopped, "denied I/O: %s%s port 0x%x (%s), %u byte%s, rip 0x%lx%s%s",
                a.string ? "string " : "", a.in ? "in from" : "out to", a.port, row.name ? row.name : "not granted by the profile",
                a.size, a.size == 1 ? "" : "s", e.guest_rip, row.name ? "; the hypervisor's: " : "", row.name ? row.why : "");
}

// INS/OUTS (SDM Vol. 2B): elements of a.size bytes between the port and
// ES:(E)DI or seg:(E)SI, the index moving by DF, RCX counting with REP. The
// CPU gives the first element's linear address (GUEST_LINEAR_ADDRESS) and
// the address size (instruction information, IA32_VMX_BASIC bit 54).
Flow string_io(guests::Vcpu& v, const ExitInfo& e, const IoAccess& a) {
  uint32_t address_bytes = 4;
  if (cpu::this_cpu().caps.basic.ins_outs_instruction_information())
    address_bytes = arch::StringIoInstructionInfo{uint32_t(vmx::read(F::VM_EXIT_INSTRUCTION_INFORMATION))}.address_size_bytes();
  else if (guests::guest_code_mode() == arch::CpuMode::Bits16)
    address_bytes = 2;
  const uint64_t address_mask = address_bytes == 8 ? ~0ull : (1ull << (8 * address_bytes)) - 1;
  const bool down = vmx::read(F::GUEST_RFLAGS) & arch::rflags::DF;
  uint64_t& index = a.in ? v.regs.rdi : v.regs.rsi;
  const uint64_t count = a.rep ? v.regs.rcx & address_mask : 1;
  const uint64_t todo = count < kStringElementsPerExit ? count : kStringElementsPerExit;
  uint64_t linear = vmx::read(F::GUEST_LINEAR_ADDRESS);
  const uint64_t segment_base = linear - (index & address_mask);
  for (uint64_t n = 0; n < todo; ++n) {
    uint32_t value = 0;
    linear = segment_base + (index & address_mask);
    if (!a.in && guests::read_guest_linear(v, linear, reinterpret_cast<uint8_t*>(&value), a.size) != a.size)
      return finish(v, guests::Outcome::Stopped, "string I/O: OUTS reads unmapped guest-linear 0x%lx, rip 0x%lx", linear, e.guest_rip);
    Flow flow = Flow::Resume;
    const PortResult r = port_access(v, e, a, value, flow);
    if (r == PortResult::Ended) return flow;
    if (r == PortResult::Denied) {
      if (!(v.config->flags & blob::kGuestIoDeniedIgnore)) return deny(v, e, a);
      value = uint32_t(size_mask(a.size));
    }
    if (a.in && guests::write_guest_linear(v, linear, reinterpret_cast<const uint8_t*>(&value), a.size) != a.size)
      return finish(v, guests::Outcome::Stopped, "string I/O: INS writes unmapped guest-linear 0x%lx, rip 0x%lx", linear, e.guest_rip);
    index = (index & ~address_mask) | ((down ? index - a.size : index + a.size) & address_mask);
    if (a.rep) v.regs.rcx = (v.regs.rcx & ~address_mask) | ((v.regs.rcx - 1) & address_mask);
  }
  if (todo == count) skip_instruction(e);  // else the REP resumes where it stopped
  return Flow::Resume;
}
}  // namespace

void console_put(guests::Vcpu& v, char c) {
  if (c == '\r') return;
  if (c == '\n' || v.console_length + 1 >= guests::kConsoleLine) {
    console_flush(v);
    if (c == '\n') return;
  }
  v.console[v.console_length++] = c;
}

void console_flush(guests::Vcpu& v) {
  if (v.console_length == 0) return;
  v.console[v.console_length] = 0;
  LOG("guest %s| %s", v.name, v.console);
  v.console_length = 0;
}

Flow on_io_instruction(guests::Vcpu& v, const ExitInfo& e) {
  const IoAccess a = decode(arch::IoQualification{e.qualification});
  if (a.string) return string_io(v, e, a);
  const uint64_t mask = size_mask(a.size);
  uint32_t value = uint32_t(v.regs.rax & mask);
  Flow flow = Flow::Resume;
  switch (port_access(v, e, a, value, flow)) {
    case PortResult::Ended: return flow;
    case PortResult::Denied: return deny(v, e, a);
    case PortResult::Done: break;
  }
  // IN to AL or AX keeps the rest of RAX; to EAX it zero-extends (SDM Vol. 1 3.4.1.1).
  if (a.in) v.regs.rax = a.size == 4 ? value : (v.regs.rax & ~mask) | (value & mask);
  skip_instruction(e);
  return Flow::Resume;
}

}  // namespace exits
