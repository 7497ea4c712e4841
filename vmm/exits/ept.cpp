// EPT violations and misconfigurations (SDM 28.3.3, book 6.1.8). A guest
// reaches its own regions and nothing else: an access elsewhere is either
// served from its map-on-demand pool (book 6.4) or ends the guest with a
// report naming the address.
#include "arch/vmx_insn.h"
#include "console/log.h"
#include "exits/handlers.h"
#include "memory/phys.h"
#include "vmx/vmcs.h"

namespace exits {
namespace {
using F = arch::VmcsField;
const char* access_kind(arch::EptViolationQualification q) {
  return q.data_write() ? "write" : q.instruction_fetch() ? "instruction fetch" : "read";
}
}  // namespace

Flow on_ept_violation(guests::Vcpu& v, const ExitInfo& e) {
  const uint64_t gpa = vmx::read(F::GUEST_PHYSICAL_ADDRESS);
  const blob::Guest& g = *v.config;
  const arch::EptViolationQualification q{e.qualification};
  const bool unmapped = q.translated_address_allowed_nothing();
  if (v.ept_hooks && is_local_apic_hook(v, gpa, v.ept_hooks, g.ept_hook_count)) return emulate_local_apic_access(v, e, gpa);
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
