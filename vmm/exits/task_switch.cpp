// Task switches (exit reason 9, always exits in VMX non-root operation; SDM
// 25.4.2, qualification in Table 27-2), emulated in software for 32-bit
// TSSs as the CPU would do them (SDM Vol. 3 7.3, book 7.1.3): save the old
// task's state in its TSS, update busy bits, the previous-task link and NT,
// load the new task's state into the VMCS, set CR0.TS.
#include "arch/descriptors.h"
#include "arch/registers.h"
#include "console/log.h"
#include "exits/handlers.h"
#include "guests/guest_memory.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;
using Source = arch::TaskSwitchSource;
constexpr uint32_t kNt = 1u << 14;

// 32-bit TSS layout (SDM Vol. 3 Figure 7-2).
enum TssOffset : uint32_t { kLink = 0x00, kCr3 = 0x1C, kEip = 0x20, kEflags = 0x24, kEax = 0x28, kEs = 0x48, kLdt = 0x60 };

struct Segments {
  F selector, base, limit, access;
};
// ES, CS, SS, DS, FS, GS: the order of the TSS and of the general registers' neighbours.
const Segments kSegments[6] = {
    {F::GUEST_ES_SELECTOR, F::GUEST_ES_BASE, F::GUEST_ES_LIMIT, F::GUEST_ES_ACCESS_RIGHTS},
    {F::GUEST_CS_SELECTOR, F::GUEST_CS_BASE, F::GUEST_CS_LIMIT, F::GUEST_CS_ACCESS_RIGHTS},
    {F::GUEST_SS_SELECTOR, F::GUEST_SS_BASE, F::GUEST_SS_LIMIT, F::GUEST_SS_ACCESS_RIGHTS},
    {F::GUEST_DS_SELECTOR, F::GUEST_DS_BASE, F::GUEST_DS_LIMIT, F::GUEST_DS_ACCESS_RIGHTS},
    {F::GUEST_FS_SELECTOR, F::GUEST_FS_BASE, F::GUEST_FS_LIMIT, F::GUEST_FS_ACCESS_RIGHTS},
    {F::GUEST_GS_SELECTOR, F::GUEST_GS_BASE, F::GUEST_GS_LIMIT, F::GUEST_GS_ACCESS_RIGHTS},
};


// Loads one segment register from its selector, as a task switch does.
bool load_segment(const guests::Vcpu& v, const Segments& s, uint16_t selector, uint64_t ldt) {
  if ((selector & ~3u) == 0) {
    vmx::write(s.selector, selector);
    vmx::write(s.access, 0x10000);  // unusable
    return true;
  }
  uint64_t d;
  if (!guests::read_guest_descriptor(v, selector, d, ldt)) return false;
  vmx::write(s.selector, selector);
  vmx::write(s.base, arch::descriptor_base(d));
  vmx::write(s.limit, arch::descriptor_limit(d));
  vmx::write(s.access, arch::descriptor_access_rights(d | arch::kDescriptorAccessed));
  return true;
}
}  // namespace

Flow on_task_switch(guests::Vcpu& v, const ExitInfo& e) {
  const arch::TaskSwitchQualification q{e.qualification};
  const uint16_t new_sel = q.tss_selector();
  const Source source = q.source();
  const uint64_t gdt = vmx::read(F::GUEST_GDTR_BASE);
  const uint16_t old_sel = uint16_t(vmx::read(F::GUEST_TR_SELECTOR));
  const uint64_t old_base = vmx::read(F::GUEST_TR_BASE);
  uint64_t new_desc, old_desc;
  if (!guests::read_guest_descriptor(v, new_sel, new_desc) || !guests::read_guest_descriptor(v, old_sel, old_desc))
    return finish(v, guests::Outcome::Stopped, "task switch: a TSS descriptor is unreadable (0x%x, 0x%x)", old_sel, new_sel);
  const uint32_t type = uint32_t((new_desc >> 40) & 0xF);
  if (!((new_desc >> 47) & 1) || (type != 9 && type != 11) || arch::descriptor_limit(new_desc) < 0x67)
    return finish(v, guests::Outcome::Stopped, "task switch to 0x%x: not a present 32-bit TSS with limit >= 67H (type %u); "
                  "16-bit TSSs and faulting switches are not emulated", new_sel, type);
  // The old task's state (SDM 7.3 step 9): EIP after the instruction for
  // CALL/JMP/IRET, at it for an IDT task gate.
  const uint32_t eip = uint32_t(e.guest_rip + (source == Source::TaskGateInIdt ? 0 : e.instruction_length));
  uint32_t eflags = uint32_t(vmx::read(F::GUEST_RFLAGS));
  if (source == Source::Iret) eflags &= ~kNt;
  bool ok = guests::write_guest_u32(v, old_base + kEip, eip) && guests::write_guest_u32(v, old_base + kEflags, eflags);
  const uint64_t* gpr = &v.regs.rax;
  for (uint32_t i = 0; i < 8 && ok; ++i)
    ok = guests::write_guest_u32(v, old_base + kEax + 4 * i, uint32_t(i == 4 ? vmx::read(F::GUEST_RSP) : gpr[i]));
  for (uint32_t i = 0; i < 6 && ok; ++i) ok = guests::write_guest_u32(v, old_base + kEs + 4 * i, uint32_t(vmx::read(kSegments[i].selector)));
  if (!ok) return finish(v, guests::Outcome::Stopped, "task switch: the old TSS at 0x%lx is not writable", old_base);
  // Busy flags (step 8, 11) and the nesting link (step 10).
  if (source == Source::Jmp || source == Source::Iret) guests::write_guest_u32(v, gdt + (old_sel & ~7u) + 4, uint32_t((old_desc & ~arch::kTssBusy) >> 32));
  if (source != Source::Iret) guests::write_guest_u32(v, gdt + (new_sel & ~7u) + 4, uint32_t((new_desc | arch::kTssBusy) >> 32));
  const uint64_t new_base = arch::descriptor_base(new_desc);
  if (source == Source::Call || source == Source::TaskGateInIdt) guests::write_guest_u32(v, new_base + kLink, old_sel);
  // The new task's state (step 12).
  uint32_t t[26];
  for (uint32_t i = 0; i < 26; ++i)
    if (!guests::read_guest_u32(v, new_base + 4 * i, t[i])) return finish(v, guests::Outcome::Stopped, "task switch: new TSS at 0x%lx unreadable", new_base);
  if (vmx::read(F::GUEST_CR0) & arch::cr0::PG) vmx::write(F::GUEST_CR3, t[kCr3 / 4]);
  uint32_t new_flags = t[kEflags / 4] | 2;
  if (source == Source::Call || source == Source::TaskGateInIdt) new_flags |= kNt;
  vmx::write(F::GUEST_RIP, t[kEip / 4]);
  vmx::write(F::GUEST_RFLAGS, new_flags);
  uint64_t* regs = &v.regs.rax;
  for (uint32_t i = 0; i < 8; ++i) {
    if (i == 4) vmx::write(F::GUEST_RSP, t[kEax / 4 + i]);
    else regs[i] = t[kEax / 4 + i];
  }
  // LDTR first: segment selectors may point into the new LDT.
  const uint16_t ldt_sel = uint16_t(t[kLdt / 4]);
  uint64_t ldt_base = 0;
  if (ldt_sel & ~3u) {
    uint64_t ld;
    if (!guests::read_guest_descriptor(v, ldt_sel, ld)) return finish(v, guests::Outcome::Stopped, "task switch: LDT descriptor unreadable");
    ldt_base = arch::descriptor_base(ld);
    vmx::write(F::GUEST_LDTR_SELECTOR, ldt_sel);
    vmx::write(F::GUEST_LDTR_BASE, ldt_base);
    vmx::write(F::GUEST_LDTR_LIMIT, arch::descriptor_limit(ld));
    vmx::write(F::GUEST_LDTR_ACCESS_RIGHTS, arch::descriptor_access_rights(ld));
  } else {
    vmx::write(F::GUEST_LDTR_SELECTOR, 0);
    vmx::write(F::GUEST_LDTR_ACCESS_RIGHTS, 0x10000);
  }
  for (uint32_t i = 0; i < 6; ++i)
    if (!load_segment(v, kSegments[i], uint16_t(t[kEs / 4 + i]), ldt_base))
      return finish(v, guests::Outcome::Stopped, "task switch: segment descriptor of selector 0x%x unreadable", t[kEs / 4 + i]);
  vmx::write(F::GUEST_TR_SELECTOR, new_sel);
  vmx::write(F::GUEST_TR_BASE, new_base);
  vmx::write(F::GUEST_TR_LIMIT, arch::descriptor_limit(new_desc));
  vmx::write(F::GUEST_TR_ACCESS_RIGHTS, ((new_desc >> 40) & 0xF0F0) | 11);  // busy 32-bit TSS
  // Step 13: CR0.TS, in the VMCS and in what the guest reads.
  vmx::write(F::GUEST_CR0, vmx::read(F::GUEST_CR0) | 8);
  vmx::write(F::CR0_READ_SHADOW, vmx::read(F::CR0_READ_SHADOW) | 8);
  static const char* kSources[] = {"CALL", "IRET", "JMP", "task gate"};
  LOG("vmm: guest %s task switch by %s from TSS 0x%x to TSS 0x%x emulated (EIP 0x%x saved, new EIP 0x%x)", v.name,
      kSources[uint32_t(source)], old_sel, new_sel, eip, t[kEip / 4]);
  return Flow::Resume;
}
}  // namespace exits
