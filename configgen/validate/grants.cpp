// Grants (docs/isolation.md, "Resources and grants"): deny by default, no
// grant of a hypervisor-owned resource, no resource granted to two guests,
// and every host-physical address within the target's physical-address
// width. The owned resources are vmm/platform/owned_resources.def, the same
// table the hypervisor enforces.
#include <string>

#include "arch/vmx_table.h"
#include "lib/ranges.h"
#include "platform/owned_resources.h"
#include "validate/validate.h"

namespace configgen::validate {
namespace {

std::string msr_label(uint32_t msr) {
  const char* name = arch::msr_ident(msr);
  return name ? std::string(name) + " (" + hex(msr) + ")" : "MSR " + hex(msr);
}

std::string ports_label(uint32_t first, uint32_t last) {
  return first == last ? "port " + hex(first) : "ports " + hex(first) + "-" + hex(last);
}

std::string grantable_list(bool pass) {
  std::string out;
  for (const auto& g : platform::kGrantableMsrs)
    if (pass ? platform::may_pass(g.grant) : platform::may_emulate(g.grant)) out += (out.empty() ? "" : ", ") + std::string(g.ident);
  return out;
}

void check_io(const model::Profile& p, const model::Guest& g, Diagnostics& diags) {
  for (const auto& [a, b] : g.io_pass) {
    const platform::OwnedPorts row = platform::owned_ports(a.value, b.value, p.console_port);
    if (!row.name) continue;
    diags.error(a.loc, "owned-port", "io.pass grants " + ports_label(a.value, b.value) + " to guest '" + g.name + "', but " +
                                         ports_label(row.first, row.last) + " (" + row.name + ") is the hypervisor's: " + row.why,
                "pass only ports of a device this guest owns; a denied access stops the guest, or reads all ones with io.on_denied: ignore");
  }
}

void check_msrs(const model::Guest& g, Diagnostics& diags) {
  for (const auto& m : g.msr_pass) {
    const platform::GrantableMsr* row = platform::grantable_msr(m.msr);
    if (row && platform::may_pass(row->grant)) continue;
    const platform::OwnedMsrs* owned = platform::owned_msr_reason(m.msr);
    std::string why = owned ? std::string(owned->name) + " is the hypervisor's: " + owned->why
                            : "only MSRs the hypervisor switches per guest may be passed";
    if (row) why += "; the hypervisor emulates it instead (" + std::string(row->how) + ")";
    diags.error(m.loc, "owned-msr", "msr.pass grants " + msr_label(m.msr) + " to guest '" + g.name + "': " + why + " [SDM 24.6.9]",
                row ? "trap it with msr.read / msr.write to get the per-guest emulation"
                    : "MSRs that may be passed: " + grantable_list(true));
  }
  for (const auto* list : {&g.msr_read, &g.msr_write})
    for (const auto& m : *list) {
      const platform::GrantableMsr* row = platform::grantable_msr(m.msr);
      if (row && platform::may_emulate(row->grant)) continue;
      diags.error(m.loc, "msr-not-emulated", "the hypervisor has no per-guest emulation of " + msr_label(m.msr) +
                                                 ": a trapped access would be denied (#GP(0), or a stop with msr.on_denied: stop)",
                  "MSRs the hypervisor emulates: " + grantable_list(false) + (row ? "; this one may be passed with msr.pass" : ""));
    }
  for (const auto* list : {&g.entry_msr_load, &g.exit_msr_load})
    for (const auto& m : *list) {
      if (platform::msr_load_list_allowed(m.msr)) continue;
      const platform::OwnedMsrs* owned = platform::owned_msr_reason(m.msr);
      diags.error(m.loc, "owned-msr", "an MSR-load list of guest '" + g.name + "' writes " + msr_label(m.msr) + ", " + owned->name +
                                          ", which is the hypervisor's: " + owned->why + " [SDM 24.8.2]");
    }
}

void check_passthrough(const model::Guest& g, const model::Target& target, Diagnostics& diags) {
  for (const auto* regions : {&g.memory, &g.ept_alternate})
    for (const auto& r : *regions) {
      if (r.malformed || r.kind != blob::RegionKind::Passthrough) continue;
      if (!lib::within_width(r.hpa, r.size.value, target.physical_address_bits))
        diags.error(r.loc, "passthrough-range",
                    "passthrough hpa " + hex(r.hpa) + " + size " + hex(r.size.value) + " wraps or ends beyond the " +
                        std::to_string(target.physical_address_bits) + "-bit physical-address width of target " + target.name +
                        " (CPUID.80000008H:EAX[7:0]) [SDM 28.3.2]");
      else if (const platform::OwnedMmio* row = platform::owned_mmio(r.hpa, r.size.value))
        diags.error(r.loc, "owned-mmio", "passthrough hpa " + hex(r.hpa) + " + size " + hex(r.size.value) + " covers the " + row->name +
                                             " at " + hex(row->base) + ", which is the hypervisor's: " + row->why);
    }
}

struct Owner {
  const model::Guest* guest;
  uint64_t first, size;
  model::SourceLoc loc;
};

// A passed port range or a passthrough window belongs to one guest.
void check_exclusive(const model::Profile& p, Diagnostics& diags) {
  std::vector<Owner> ports, windows;
  for (const auto& g : p.guests) {
    for (const auto& [a, b] : g.io_pass) {
      for (const auto& o : ports)
        if (o.guest != &g && lib::ranges_overlap(a.value, uint64_t(b.value) - a.value + 1, o.first, o.size)) {
          diags.error(a.loc, "port-granted-twice", "io.pass gives " + ports_label(a.value, b.value) + " to guest '" + g.name +
                                                       "', but guest '" + o.guest->name + "' owns " +
                                                       ports_label(uint32_t(o.first), uint32_t(o.first + o.size - 1)) +
                                                       " already: a port belongs to one guest");
          diags.note(o.loc, "guest '" + o.guest->name + "' is granted the ports here");
          break;
        }
      ports.push_back({&g, a.value, uint64_t(b.value) - a.value + 1, a.loc});
    }
    for (const auto* regions : {&g.memory, &g.ept_alternate})
      for (const auto& r : *regions) {
        if (r.malformed || r.kind != blob::RegionKind::Passthrough) continue;
        for (const auto& o : windows)
          if (o.guest != &g && lib::ranges_overlap(r.hpa, r.size.value, o.first, o.size)) {
            diags.error(r.loc, "passthrough-granted-twice", "passthrough hpa " + hex(r.hpa) + " + size " + hex(r.size.value) +
                                                                " of guest '" + g.name + "' overlaps the window of guest '" + o.guest->name +
                                                                "' at " + hex(o.first) + ": host-physical memory belongs to one guest");
            diags.note(o.loc, "guest '" + o.guest->name + "' is granted the window here");
            break;
          }
        windows.push_back({&g, r.hpa, r.size.value, r.loc});
      }
  }
}

}  // namespace

void check_grants(const model::Profile& p, const model::Target& target, Diagnostics& diags) {
  if (!platform::is_known_uart(p.console_port))
    diags.error(p.console_port_loc, "console-port", "appliance.console_port " + hex(p.console_port) +
                                                        " is not a UART base the hypervisor knows (0x3f8, 0x2f8, 0x3e8, 0x2e8)",
                "leave it out for COM1 (0x3f8)");
  for (const auto& g : p.guests) {
    check_io(p, g, diags);
    check_msrs(g, diags);
    check_passthrough(g, target, diags);
  }
  check_exclusive(p, diags);
}

}  // namespace configgen::validate
