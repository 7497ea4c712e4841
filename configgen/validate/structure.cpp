// Structure: names, CPUs, regions, images, timer (before any SDM rule).
#include <algorithm>
#include <cstdio>
#include <functional>
#include <vector>
#include <set>
#include <string>

#include "validate/validate.h"
#include "model/vocabulary.h"

namespace configgen::validate {

namespace {

// The first instruction must be fetched from guest memory the guest may
// execute: otherwise the guest's first fetch is an EPT violation (SDM
// 28.3.3.2). The derived modes identity-map (and real mode's CS base is
// taken from rip), so rip is the guest-physical address. Skipped when the
// profile brings its own CR3 or maps memory on demand.
void check_entry_placement(const model::Guest& g, Diagnostics& diags) {
  const model::Entry& en = g.entry;
  if (en.cr3 || g.map_on_demand_limit || g.memory.empty()) return;
  const uint64_t rip = en.rip.value_or(en.mode == blob::GuestMode::Real ? 0x7C00 : 0);
  const auto at = en.value_locs.find("rip");
  const model::SourceLoc loc = at != en.value_locs.end() ? at->second : (en.loc.line ? en.loc : g.loc);
  for (const auto& r : g.memory) {
    if (r.malformed) return;  // already reported; the map is not known
    if (rip < r.gpa.value || rip - r.gpa.value >= r.size.value) continue;
    if (r.kind == blob::RegionKind::MmioTrap || r.kind == blob::RegionKind::Absent || !(r.permissions & 4))
      diags.error(loc, "entry-rip-not-executable", "entry.rip " + hex(rip) + " is in the " + model::word(blob::kRegionKinds, r.kind) + " region at line " +
                  std::to_string(r.loc.line) + ", which the guest may not execute; the first fetch would be an EPT violation [SDM 28.3.3.2]",
                  "give that region perm: rx, or start in an executable region");
    return;
  }
  diags.error(loc, "entry-rip-unmapped", "entry.rip " + hex(rip) + " is in no memory region of guest '" + g.name +
              "'; the first fetch would be an EPT violation [SDM 28.3.3.2]",
              "add a region that holds it (usually the image region), or fix rip");
}

// A stack outside writable memory faults at the first push. Only a warning:
// many guests load their own stack before using it.
void check_entry_stack(const model::Guest& g, Diagnostics& diags) {
  const model::Entry& en = g.entry;
  if (!en.rsp || *en.rsp == 0 || en.cr3 || g.map_on_demand_limit) return;
  const uint64_t top = *en.rsp - 1;  // a push writes below rsp
  for (const auto& r : g.memory) {
    if (r.malformed) return;
    if (top >= r.gpa.value && top - r.gpa.value < r.size.value && r.kind != blob::RegionKind::MmioTrap &&
        r.kind != blob::RegionKind::Absent && (r.permissions & 2)) return;
  }
  diags.warning(en.value_locs.at("rsp"), "entry-rsp-unmapped",
                "entry.rsp " + hex(*en.rsp) + " is not just above writable memory of guest '" + g.name +
                    "'; the first push would be an EPT violation [SDM 28.3.3.2]",
                "point rsp at the top of a RAM region, or load the stack in the guest before using it");
}

// EPT permissions the CPU treats as a misconfiguration, not a violation
// (SDM 28.3.3.1): write without read, and execute without read unless the
// target has execute-only translations (IA32_VMX_EPT_VPID_CAP bit 0). The
// guest would exit with an EPT misconfiguration at its first access.
void check_ept_permissions(const model::Guest& g, const model::Target& target, Diagnostics& diags) {
  const bool execute_only = target.caps.ept_vpid_cap.execute_only_translations();
  auto check = [&](uint32_t perm, const model::SourceLoc& loc, const std::string& what) {
    if ((perm & 2) && !(perm & 1))
      diags.error(loc, "ept-write-without-read, SDM 28.3.3.1",
                  what + " is writable but not readable: an EPT misconfiguration at the first access",
                  "add r to its perm (rw or rwx)");
    else if ((perm & 4) && !(perm & 1) && !execute_only)
      diags.error(loc, "ept-execute-only, SDM 28.3.3.1",
                  what + " is executable but not readable, and target " + target.name +
                      " has no execute-only EPT translations (IA32_VMX_EPT_VPID_CAP bit 0): an EPT misconfiguration at the first access",
                  "give it perm: rx, or choose a target with execute-only EPT");
  };
  for (const auto& r : g.memory)
    if (!r.malformed && r.kind != blob::RegionKind::MmioTrap && r.kind != blob::RegionKind::Absent)
      check(r.permissions, r.loc, "the " + model::word(blob::kRegionKinds, r.kind) + " region at " + hex(r.gpa.value));
  for (const auto& h : g.ept_hooks) check(h.permissions, h.loc, "the EPT hook at " + hex(h.gpa));
}

}  // namespace

namespace {
// Guest-physical ranges must be disjoint. Sorted by start, a region can
// only overlap the ones that start before it ends: O(R log R) plus one step
// per overlapping pair (a profile with 64 K regions was quadratic here).
// Each pair is reported at the region written later, naming the earlier.
void check_disjoint(const std::vector<model::Region>& memory, Diagnostics& diags) {
  std::vector<size_t> order;
  for (size_t i = 0; i < memory.size(); ++i)
    if (!memory[i].malformed) order.push_back(i);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return memory[a].gpa.value != memory[b].gpa.value ? memory[a].gpa.value < memory[b].gpa.value : a < b;
  });
  std::vector<std::pair<size_t, size_t>> pairs;  // (later, earlier) in file order
  for (size_t k = 0; k < order.size(); ++k) {
    const auto& r = memory[order[k]];
    const uint64_t end = r.gpa.value + r.size.value;
    for (size_t n = k + 1; n < order.size() && memory[order[n]].gpa.value < end; ++n)
      if (memory[order[n]].size.value) pairs.push_back(std::minmax(order[k], order[n], std::greater<size_t>()));
  }
  std::sort(pairs.begin(), pairs.end());
  for (const auto& [later, earlier] : pairs)
    diags.error(memory[later].gpa.loc, "region-overlap", "region overlaps the region at line " +
                                                             std::to_string(memory[earlier].loc.line) +
                                                             " (guest-physical ranges must be disjoint)");
}
}  // namespace

// A CPUID override's registers: forced whole, or bits cleared and then set
// in the answer the guest would get (a field is replaced by clearing it and
// setting its new value); other actions take no registers.
void check_behaviour_registers(const model::Guest& g, Diagnostics& diags) {
  static const char* regs[] = {"eax", "ebx", "ecx", "edx"};
  for (const auto& b : g.on_exit)
    for (int k = 0; k < 4; ++k) {
      const bool bits = b.set_bits[k] || b.clear_bits[k];
      if (!bits && !b.regs[k]) continue;
      const model::SourceLoc& loc = b.reg_locs[k].line ? b.reg_locs[k] : b.loc;
      if (b.action != blob::Action::Override || b.selector != "cpuid")
        diags.error(loc, "override-arguments", std::string(regs[k]) + " is read only by `cpuid: {action: override, ...}`; here it would be ignored");
    }
}

void check_structure(const model::Profile& p, const model::Target& target, Diagnostics& diags) {
  if (p.min_cpus > target.max_cpus)
    diags.error(p.target_loc, "cpu-count", "appliance.min_cpus " + std::to_string(p.min_cpus) + " exceeds the " +
                                                std::to_string(target.max_cpus) + " CPUs of target " + target.name);
  // Explicit VPIDs tag TLB entries per logical processor (SDM 28.1): two
  // guests sharing a CPU with the same VPID would use each other's translations.
  for (size_t i = 0; i < p.guests.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      const auto &a = p.guests[j], &b = p.guests[i];
      if (!a.vpid || a.vpid != b.vpid) continue;
      for (const auto& ca : a.cpus)
        for (const auto& cb : b.cpus)
          if (ca.value == cb.value) {
            diags.error(b.loc, "vpid-collision", "guests '" + a.name + "' and '" + b.name + "' share CPU " + std::to_string(ca.value) +
                                                      " and VPID " + std::to_string(b.vpid) + " [SDM 28.1]",
                        "give each guest its own vpid, or leave vpid out and the hypervisor assigns one");
            goto next_pair;
          }
    next_pair:;
    }
  std::set<std::string> names;
  for (const auto& g : p.guests) {
    if (!names.insert(g.name).second) diags.error(g.loc, "duplicate-guest", "two guests are named '" + g.name + "'");
    std::set<uint32_t> seen_cpus;
    for (const auto& c : g.cpus)
      if (!seen_cpus.insert(c.value).second)
        diags.warning(c.loc, "duplicate-cpu", "CPU " + std::to_string(c.value) + " is listed twice for guest '" + g.name + "'");
    for (const auto& c : g.cpus)
      if (c.value >= target.max_cpus)
        diags.error(c.loc, "cpu-missing", "CPU " + std::to_string(c.value) + " does not exist on target " + target.name +
                                              " (" + std::to_string(target.max_cpus) + " CPUs)");
    check_entry_placement(g, diags);
    check_entry_stack(g, diags);
    check_ept_permissions(g, target, diags);
    if (g.memory.empty()) diags.error(g.loc, "no-memory", "guest '" + g.name + "' has no memory regions");
    for (size_t i = 0; i < g.memory.size(); ++i) {
      const auto& r = g.memory[i];
      if (r.malformed) continue;
      if (r.gpa.value % 4096) diags.error(r.gpa.loc, "region-alignment", "region gpa must be 4K-aligned (EPT maps 4K pages at least) [SDM 28.3.2]");
      if (r.size.value == 0 || r.size.value % 4096)
        diags.error(r.size.loc, "region-alignment", "region size must be a non-zero multiple of 4K [SDM 28.3.2]");
      if (r.gpa.value + r.size.value > (1ull << 48) || r.gpa.value + r.size.value < r.gpa.value)
        diags.error(r.gpa.loc, "region-range", "region ends beyond the 48-bit guest-physical space of a 4-level EPT [SDM 28.3.2]");
      if (r.page_size != 4096 && r.page_size != (2ull << 20) && r.page_size != (1ull << 30))
        diags.error(r.loc, "page-size", "page_size must be 4K, 2M or 1G [SDM 28.3.2]");
      if (r.page_size == (1ull << 30) && !target.caps.ept_vpid_cap.pdpte_1gb_pages())
        diags.warning(r.loc, "page-size", "target " + target.name + " has no 1G EPT pages (IA32_VMX_EPT_VPID_CAP bit 17); 2M or 4K are used");
      if (r.kind == blob::RegionKind::Passthrough && r.hpa % 4096) diags.error(r.loc, "region-alignment", "passthrough hpa must be 4K-aligned");
      if (!r.image.empty()) {
        auto it = p.images.find(r.image);
        if (it == p.images.end()) {
          diags.error(r.loc, "unknown-image", "no image named '" + r.image + "'");
        } else if (!it->second.placement && r.image_offset + it->second.bytes.size() > r.size.value) {
          diags.error(r.size.loc, "image-fit", "image '" + r.image + "' (" + std::to_string(it->second.bytes.size()) +
                                                   " bytes at offset " + std::to_string(r.image_offset) +
                                                   ") does not fit its region of " + std::to_string(r.size.value) + " bytes");
        }
      }
    }
    check_disjoint(g.memory, diags);
    if (g.timer_value && *g.timer_value == 0)
      diags.error(g.timer_loc, "timer-zero", "a preemption timer value of 0 expires before the guest runs an instruction [SDM 25.5.1]");
    if (g.timer_seconds) {
      // The VMCS field is 32 bits (SDM 25.5.1): a longer time is clamped to the
      // longest timer, and the user is told (an error under --werror).
      const uint64_t ticks = target.preemption_timer_ticks(*g.timer_seconds);
      const std::string rate = "at " + std::to_string(target.tsc_hz) + " Hz TSC, rate 2^" +
                               std::to_string(target.caps.preemption_timer_rate()) + " (IA32_VMX_MISC[4:0]) on target " + target.name;
      if (ticks == 0)
        diags.error(g.timer_time_loc, "timer-zero", "preemption_timer.time is 0 timer ticks " + rate + " [SDM 25.5.1]");
      else if (ticks > 0xFFFFFFFFull)
        diags.warning(g.timer_time_loc, "timer-range", "preemption_timer.time is " + std::to_string(ticks) + " timer ticks " + rate +
                                                           "; the 32-bit VMX-preemption timer value is clamped to 0xffffffff [SDM 25.5.1]");
    }
    if (!g.forward_irqs.empty())
      for (const auto& c : g.cpus)
        if (c.value != 0)
          diags.error(c.loc, "irq-cpu", "a guest with forwarded IRQs must run on CPU 0, where the 8259 delivers [book 7.3.3]");
    if (!g.ept_alternate.empty() && !(target.caps.vmfunc & 1))
      diags.error(g.ept_alternate.front().loc, "eptp-switching, SDM 25.5.6.3",
                  "target " + target.name + " has no EPTP switching (IA32_VMX_VMFUNC bit 0)");
    for (const auto& r : g.ept_alternate)
      if (!r.malformed && ((r.gpa.value | r.size.value) % 4096 || !r.size.value))
        diags.error(r.loc, "region-alignment", "alternate regions must be 4K-aligned and non-empty [SDM 28.3.2]");
    if (g.virtual_interrupt) {
      bool vid = false;
      for (const auto& c : g.controls[2]) vid |= c.name == "virtual-interrupt-delivery";
      if (!vid)
        diags.error(g.loc, "virtual-interrupt-needs-delivery", "interrupts.virtual_interrupt needs the virtual-interrupt-delivery control [SDM 29.2]");
    }
    if (g.test_scancode && g.forward_irqs.empty())
      diags.warning(g.loc, "scancode-without-irq", "test_scancode has no effect unless IRQ 1 is forwarded");
    check_behaviour_registers(g, diags);
  }
}

}  // namespace configgen::validate
