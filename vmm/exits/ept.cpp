// EPT violations and misconfigurations (SDM 28.3.3, book 6.1.8). A guest
// reaches its own regions and nothing else: an access elsewhere is either
// served from its map-on-demand pool (book 6.4) or ends the guest with a
// report naming the address.
#include "arch/vmx_insn.h"
#include "console/log.h"
#include "exits/guest_access.h"
#include "exits/handlers.h"
#include "guests/guest_memory.h"
#include "memory/phys.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;
const char* access_kind(arch::EptViolationQualification q) {
  return q.data_write() ? "write" : q.instruction_fetch() ? "instruction fetch" : "read";
}

bool in_absent_region(const guests::Vcpu& v, uint64_t gpa) {
  const blob::Guest& g = *v.config;
  for (uint32_t i = 0; i < g.region_count; ++i) {
    const blob::Region& r = v.regions[i];
    if (r.kind == uint32_t(blob::RegionKind::Absent) && gpa >= r.gpa && gpa - r.gpa < r.size) return true;
  }
  return false;
}

// Absent hardware (region kind absent): the bus answers a read with all
// ones and swallows a write. MOV, MOVZX and MOVSX are emulated; anything
// else stops the guest, naming the instruction.
Flow emulate_absent_access(guests::Vcpu& v, const ExitInfo& e, uint64_t gpa) {
  const GuestAccess a = fetch_guest_access(v, e);
  const arch::Instruction& in = a.in;
  // MOVZX/MOVSX (0F B6/B7/BE/BF), the usual byte and word loads: all ones,
  // extended to the operand size.
  if (a.decoded && in.map == 1 && in.memory && (in.opcode == 0xB6 || in.opcode == 0xB7 || in.opcode == 0xBE || in.opcode == 0xBF)) {
    const uint8_t source = in.opcode & 1 ? 2 : 1;
    const bool sign = in.opcode >= 0xBE;
    const uint64_t dest_ones = in.operand_size >= 8 ? ~0ull : (1ull << (8 * in.operand_size)) - 1;
    const uint64_t loaded = sign ? dest_ones : ((1ull << (8 * source)) - 1) & dest_ones;
    const uint64_t old = guest_register(v, in.reg);
    set_guest_register(v, in.reg, in.operand_size >= 4 ? loaded : (old & ~dest_ones) | loaded);
    advance_past(a, e);
    return Flow::Resume;
  }
  if (!a.move)
    return finish(v, guests::Outcome::Stopped, "access to absent hardware at 0x%lx by an instruction that is not emulated (%s), rip 0x%lx",
                  gpa, a.text(), e.guest_rip);
  if (!a.mv.store) complete_load(v, a, ~0ull);  // reads give all ones; writes are dropped
  advance_past(a, e);
  return Flow::Resume;
}
}  // namespace

Flow on_ept_violation(guests::Vcpu& v, const ExitInfo& e) {
  const uint64_t gpa = vmx::read(F::GUEST_PHYSICAL_ADDRESS);
  const blob::Guest& g = *v.config;
  const arch::EptViolationQualification q{e.qualification};
  const bool unmapped = q.translated_address_allowed_nothing();
  if (v.ept_hooks && is_local_apic_hook(v, gpa, v.ept_hooks, g.ept_hook_count))
    return has_virtual_apic(v) ? emulate_virtual_apic_access(v, e, gpa) : emulate_local_apic_access(v, e, gpa);
  if (unmapped && !q.instruction_fetch() && in_absent_region(v, gpa)) return emulate_absent_access(v, e, gpa);
  if (unmapped && (g.flags & blob::kGuestMapOnDemand) && gpa < g.map_on_demand_limit && v.pool_used < g.map_on_demand_pages) {
    const uint64_t page = v.pool + 4096ull * v.pool_used++;
    if (v.ept.map(gpa & ~0xFFFull, page, 4096, memory::kEptRead | memory::kEptWrite | memory::kEptExecute, 6, 4096)) {
      arch::invept(arch::InveptType::SingleContext, v.eptp);
      LOG("vmm: guest %s: mapped GPA 0x%lx on demand (%u of %u pool pages)", v.name, uint64_t(gpa & ~0xFFFull), v.pool_used,
          g.map_on_demand_pages);
      return Flow::Resume;
    }
  }
  console_flush(v);
  return finish(v, guests::Outcome::EptViolation, "%s at guest-physical address 0x%lx (%s), rip 0x%lx", access_kind(q),
                gpa, unmapped ? "outside its memory" : "not permitted by its region", e.guest_rip);
}

Flow on_ept_misconfiguration(guests::Vcpu& v, const ExitInfo& e) {
  return finish(v, guests::Outcome::Stopped, "EPT misconfiguration at guest-physical address 0x%lx, rip 0x%lx",
                vmx::read(F::GUEST_PHYSICAL_ADDRESS), e.guest_rip);
}

}  // namespace exits
