// Descriptor-table exiting (exit reasons 46 and 47; instruction information
// in SDM Tables 27-10 and 27-11): LGDT, LIDT, SGDT, SIDT, LLDT, LTR, SLDT and
// STR emulated against the VMCS guest-state fields. The book's defaults turn
// these exits on so the VMM sees the guest's tables (book 7.3.1.1).
#include "arch/descriptors.h"
#include "arch/vmx_formats.h"
#include "console/log.h"
#include "exits/handlers.h"
#include "guests/guest_memory.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;

struct Operand {
  uint64_t linear;
  bool is_register;
  uint32_t reg;
  uint32_t address_size;  // bytes
  uint32_t operand_size;  // 2 or 4 (SGDT/LGDT: 16- or 32-bit base)
};

uint64_t reg_value(const guests::Vcpu& v, uint32_t n) { return n == 4 ? vmx::read(F::GUEST_RSP) : v.regs.gpr(n); }

Operand operand(const guests::Vcpu& v, const ExitInfo& e, arch::DescriptorTableInstructionInfo info) {
  static const F kSegBase[6] = {F::GUEST_ES_BASE, F::GUEST_CS_BASE, F::GUEST_SS_BASE, F::GUEST_DS_BASE, F::GUEST_FS_BASE, F::GUEST_GS_BASE};
  Operand o{};
  o.address_size = info.address_size_bytes();
  o.operand_size = info.operand_size_bytes();
  o.is_register = info.register_operand();
  o.reg = info.register1();
  uint64_t addr = e.qualification;  // the displacement
  if (!info.base_invalid()) addr += reg_value(v, info.base_register());
  if (!info.index_invalid()) addr += reg_value(v, info.index_register()) << info.scaling();
  if (o.address_size == 2) addr &= 0xFFFF;
  if (o.address_size == 4) addr &= 0xFFFFFFFF;
  o.linear = vmx::read(kSegBase[info.segment_register() % 6]) + addr;
  return o;
}


Flow table_register(guests::Vcpu& v, const ExitInfo& e, arch::DescriptorTableInstructionInfo info) {
  const uint32_t which = info.instruction_identity();  // 0 SGDT, 1 SIDT, 2 LGDT, 3 LIDT
  const bool idt = which & 1;
  const Operand o = operand(v, e, info);
  const bool wide = arch::SegmentAccessRights{uint32_t(vmx::read(F::GUEST_CS_ACCESS_RIGHTS))}.long_mode();  // 10-byte operand
  uint8_t buf[10] = {};
  const uint32_t size = wide ? 10 : 6;
  if (which >= 2) {
    if (read_guest_linear(v, o.linear, buf, size) != size)
      return finish(v, guests::Outcome::Stopped, "%s operand at 0x%lx unreadable", idt ? "LIDT" : "LGDT", o.linear);
    uint64_t base = 0;
    for (uint32_t i = 0; i < size - 2; ++i) base |= uint64_t(buf[2 + i]) << (8 * i);
    if (!wide && o.operand_size == 2) base &= 0xFFFFFF;
    const uint32_t limit = uint32_t(buf[0] | buf[1] << 8);
    vmx::write(idt ? F::GUEST_IDTR_BASE : F::GUEST_GDTR_BASE, base);
    uint32_t loaded = limit;
    // Book 7.3.1.1: keep the real limit, give the CPU one that stops below
    // the software-interrupt vectors, so INT n faults into the hypervisor.
    if (idt && int_delivery_hooked(v) && limit > kShrunkIdtLimit) {
      v.real_idt_base = base;
      v.real_idt_limit = limit;
      v.idt_shrunk = true;
      loaded = kShrunkIdtLimit;
    }
    vmx::write(idt ? F::GUEST_IDTR_LIMIT : F::GUEST_GDTR_LIMIT, loaded);
    LOG("vmm: guest %s %s base 0x%lx limit 0x%x%s", v.name, idt ? "LIDT" : "LGDT", base, limit,
        loaded != limit ? " (the CPU gets limit 0xff: INT n above 31 will exit)" : "");
  } else {
    const uint64_t base = vmx::read(idt ? F::GUEST_IDTR_BASE : F::GUEST_GDTR_BASE);
    const uint32_t limit = idt && v.idt_shrunk ? v.real_idt_limit : uint32_t(vmx::read(idt ? F::GUEST_IDTR_LIMIT : F::GUEST_GDTR_LIMIT));
    buf[0] = uint8_t(limit), buf[1] = uint8_t(limit >> 8);
    for (uint32_t i = 0; i < size - 2; ++i) buf[2 + i] = uint8_t(base >> (8 * i));
    if (write_guest_linear(v, o.linear, buf, size) != size)
      return finish(v, guests::Outcome::Stopped, "%s operand at 0x%lx unwritable", idt ? "SIDT" : "SGDT", o.linear);
  }
  skip_instruction(e);
  return Flow::Resume;
}

Flow segment_register(guests::Vcpu& v, const ExitInfo& e, arch::DescriptorTableInstructionInfo info) {
  const uint32_t which = info.instruction_identity();  // 0 SLDT, 1 STR, 2 LLDT, 3 LTR
  const bool tr = which & 1;
  const Operand o = operand(v, e, info);
  if (which < 2) {
    const uint16_t sel = uint16_t(vmx::read(tr ? F::GUEST_TR_SELECTOR : F::GUEST_LDTR_SELECTOR));
    if (o.is_register) {
      if (o.reg == 4) vmx::write(F::GUEST_RSP, sel);
      else v.regs.gpr(o.reg) = sel;
    } else {
      const uint8_t b[2] = {uint8_t(sel), uint8_t(sel >> 8)};
      write_guest_linear(v, o.linear, b, 2);
    }
    skip_instruction(e);
    return Flow::Resume;
  }
  uint16_t sel;
  if (o.is_register) {
    sel = uint16_t(reg_value(v, o.reg));
  } else {
    uint8_t b[2];
    if (read_guest_linear(v, o.linear, b, 2) != 2) return finish(v, guests::Outcome::Stopped, "LLDT/LTR operand unreadable");
    sel = uint16_t(b[0] | b[1] << 8);
  }
  if ((sel & ~7u) == 0 && !tr) {  // LLDT with a null selector: LDTR unusable
    vmx::write(F::GUEST_LDTR_SELECTOR, sel);
    vmx::write(F::GUEST_LDTR_ACCESS_RIGHTS, 0x10000);
    skip_instruction(e);
    return Flow::Resume;
  }
  uint64_t d;
  if (!guests::read_guest_descriptor(v, sel, d)) return finish(v, guests::Outcome::Stopped, "GDT entry 0x%x unreadable", sel);
  if (tr) {
    d |= arch::kTssBusy;  // LTR marks the TSS busy (SDM Vol. 3 7.2.4)
    guests::write_guest_u32(v, vmx::read(F::GUEST_GDTR_BASE) + (sel & ~7u) + 4, uint32_t(d >> 32));
  }
  vmx::write(tr ? F::GUEST_TR_SELECTOR : F::GUEST_LDTR_SELECTOR, sel);
  vmx::write(tr ? F::GUEST_TR_BASE : F::GUEST_LDTR_BASE, arch::descriptor_base(d));
  vmx::write(tr ? F::GUEST_TR_LIMIT : F::GUEST_LDTR_LIMIT, arch::descriptor_limit(d));
  vmx::write(tr ? F::GUEST_TR_ACCESS_RIGHTS : F::GUEST_LDTR_ACCESS_RIGHTS, arch::descriptor_access_rights(d));
  LOG("vmm: guest %s %s selector 0x%x base 0x%lx", v.name, tr ? "LTR" : "LLDT", sel, arch::descriptor_base(d));
  skip_instruction(e);
  return Flow::Resume;
}
}  // namespace

Flow on_descriptor_table(guests::Vcpu& v, const ExitInfo& e) {
  const arch::DescriptorTableInstructionInfo info{uint32_t(vmx::read(F::VM_EXIT_INSTRUCTION_INFORMATION))};
  return e.reason == uint32_t(arch::ExitReason::GDTR_IDTR_ACCESS) ? table_register(v, e, info) : segment_register(v, e, info);
}
}  // namespace exits
