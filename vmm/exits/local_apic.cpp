// The local APIC for a guest, the software way of book 7.2.1.1 (example
// 7-3): the APIC page is left out of EPT with a LocalApic hook on it, so
// each access is an EPT violation; the hypervisor decodes the guest's MOV
// and performs it on the guest's virtual-APIC page. IA32_APIC_BASE, when
// trapped, is kept per guest and checked (#GP on reserved bits, SDM Vol. 3
// 10.4.4).
#include "exits/guest_access.h"
#include "console/log.h"
#include "exits/handlers.h"
#include "guests/guest_memory.h"
#include "memory/phys.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;

struct ApicRegister {
  uint16_t offset;
  const char* name;
  bool writable;
};
// SDM Vol. 3 Table 10-1 (the registers a guest may touch here).
constexpr ApicRegister kRegisters[] = {
    {0x020, "ID", false},        {0x030, "version", false},  {0x080, "TPR", true},        {0x0A0, "PPR", false},
    {0x0B0, "EOI", true},        {0x0D0, "LDR", true},       {0x0E0, "DFR", true},        {0x0F0, "SVR", true},
    {0x280, "ESR", true},        {0x300, "ICR low", true},   {0x310, "ICR high", true},   {0x320, "LVT timer", true},
    {0x350, "LVT LINT0", true},  {0x360, "LVT LINT1", true}, {0x370, "LVT error", true},  {0x380, "initial count", true},
    {0x390, "current count", false}, {0x3E0, "divide configuration", true},
};

const ApicRegister* find_register(uint32_t offset) {
  for (const auto& r : kRegisters)
    if (r.offset == offset) return &r;
  return nullptr;
}

}  // namespace

bool is_local_apic_hook(const guests::Vcpu& v, uint64_t gpa, const blob::EptHook* hooks, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i)
    if (hooks[i].hook == uint32_t(blob::HookId::LocalApic) && (gpa & ~0xFFFull) == hooks[i].gpa) return true;
  (void)v;
  return false;
}

Flow emulate_local_apic_access(guests::Vcpu& v, const ExitInfo& e, uint64_t gpa) {
  const GuestAccess a = fetch_guest_access(v, e);
  if (!a.move || a.mv.size != 4)
    return finish(v, guests::Outcome::Stopped, "local APIC access at 0x%lx by an instruction the hook does not emulate (%s), rip 0x%lx",
                  gpa, a.text(), e.guest_rip);
  const uint32_t offset = uint32_t(gpa & 0xFF0);
  const ApicRegister* reg = find_register(offset);
  auto* page = memory::phys_to_virt<uint32_t>(v.virtual_apic);
  if (a.mv.store) {
    const uint32_t value = uint32_t(stored_value(v, a));
    if (reg && reg->writable) {
      page[offset / 4] = offset == 0x080 ? (value & 0xFF) : value;
      LOG("vmm: guest %s local APIC write %s (0x%x) = 0x%x, emulated on the virtual-APIC page", v.name, reg->name, offset, value);
    } else {
      LOG("vmm: guest %s local APIC write to %s (0x%x) ignored: read-only or reserved", v.name, reg ? reg->name : "a reserved offset", offset);
    }
  } else {
    const uint32_t value = page[offset / 4];
    complete_load(v, a, value);
    LOG("vmm: guest %s local APIC read %s (0x%x) = 0x%x", v.name, reg ? reg->name : "reserved", offset, value);
  }
  advance_past(a, e);
  return Flow::Resume;
}

bool apic_base_read(guests::Vcpu& v, uint64_t& value) {
  value = v.apic_base_msr;
  return true;
}

bool apic_base_write(guests::Vcpu& v, uint64_t value) {
  // Reserved: bits 7:0, 9, and above a 36-bit physical address width;
  // x2APIC (bit 10) without the global enable (bit 11) is invalid.
  const uint64_t reserved = 0xFFull | (1ull << 9) | ~((1ull << 36) - 1);
  if ((value & reserved) || ((value & (1ull << 10)) && !(value & (1ull << 11)))) {
    LOG("vmm: guest %s WRMSR IA32_APIC_BASE = 0x%lx refused: reserved bits set (#GP)", v.name, value);
    return false;
  }
  v.apic_base_msr = (value & ~(1ull << 8)) | (v.apic_base_msr & (1ull << 8));  // the BSP flag is read-only
  LOG("vmm: guest %s WRMSR IA32_APIC_BASE = 0x%lx accepted", v.name, value);
  return true;
}
}  // namespace exits
