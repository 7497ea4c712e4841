#include "platform/owned_resources.h"

#include "lib/ranges.h"

namespace platform {

bool is_known_uart(uint16_t base) {
  for (uint16_t b : kKnownUartBases)
    if (b == base) return true;
  return false;
}

OwnedPorts owned_ports(uint32_t first, uint32_t last, uint16_t console_port) {
  for (const OwnedPorts& row : kOwnedPorts)
    if (first <= row.last && row.first <= last) return row;
  if (console_port && first <= uint32_t(console_port) + kUartPorts - 1 && console_port <= last)
    return {console_port, uint16_t(console_port + kUartPorts - 1), "the hypervisor's console UART (appliance.console_port)",
            "it carries the hypervisor's log and the run's verdict"};
  return {0, 0, nullptr, nullptr};
}

const OwnedMmio* owned_mmio(uint64_t base, uint64_t size) {
  for (const OwnedMmio& row : kOwnedMmio)
    if (lib::ranges_overlap(base, size, row.base, row.size)) return &row;
  return nullptr;
}

const GrantableMsr* grantable_msr(uint32_t msr) {
  for (const GrantableMsr& row : kGrantableMsrs)
    if (row.msr == msr) return &row;
  return nullptr;
}

const OwnedMsrs* owned_msr_reason(uint32_t msr) {
  for (const OwnedMsrs& row : kOwnedMsrs)
    if (row.first <= msr && msr <= row.last) return &row;
  return nullptr;
}

bool msr_load_list_allowed(uint32_t msr) {
  // The book's examples 5-1 and 6-1 set the TSC through the lists; the guest
  // never writes it itself.
  return msr == uint32_t(arch::Msr::IA32_TIME_STAMP_COUNTER) || owned_msr_reason(msr) == nullptr;
}

namespace {
GrantStatus refused(const char* reason, const char* resource, const char* why, uint64_t detail) {
  return {false, reason, resource ? resource : "", why ? why : "", detail};
}
}  // namespace

GrantStatus check_guest_grants(const blob::Reader& r, uint32_t guest_index) {
  const blob::Guest& g = r.guest(guest_index);
  if (g.flags & blob::kGuestIoDefaultPass)
    return refused("the blob passes every I/O port not listed (default pass); this hypervisor denies by default", "", "", 0);
  if (g.flags & blob::kGuestMsrDefaultPass)
    return refused("the blob passes every MSR not listed (default pass); this hypervisor denies by default", "", "", 0);
  const uint16_t console = r.appliance().console_port;
  for (uint32_t i = 0; i < g.io_range_count; ++i) {
    const blob::IoRange& io = r.io_range(g.first_io_range + i);
    if (!(io.flags & blob::kIoPass)) continue;
    const OwnedPorts row = owned_ports(io.first_port, io.last_port, console);
    if (row.name) {
      const uint32_t port = io.first_port > row.first ? io.first_port : row.first;
      return refused("the blob passes a hypervisor-owned I/O port", row.name, row.why, port);
    }
  }
  for (uint32_t i = 0; i < g.msr_grant_count; ++i) {
    const blob::MsrGrant& m = r.msr_grant(g.first_msr_grant + i);
    const GrantableMsr* row = grantable_msr(m.msr);
    const OwnedMsrs* owned = owned_msr_reason(m.msr);
    const char* name = arch::msr_ident(m.msr);
    const char* resource = owned ? owned->name : name;
    const char* why = owned ? owned->why : "only MSRs the hypervisor switches per guest may be passed";
    if (!row) return refused("the blob grants an MSR the hypervisor owns", resource, why, m.msr);
    if ((m.flags & (blob::kPassRead | blob::kPassWrite)) && !may_pass(row->grant))
      return refused("the blob passes an MSR the hypervisor only emulates", row->ident, row->how, m.msr);
    if ((m.flags & (blob::kEmulateRead | blob::kEmulateWrite)) && !may_emulate(row->grant))
      return refused("the blob asks to emulate an MSR the hypervisor has no emulation for", row->ident, row->how, m.msr);
  }
  // The VM-entry and VM-exit MSR-load lists write real MSRs (SDM 26.4,
  // 27.6): they may not name one the hypervisor owns.
  const struct {
    uint32_t first, count;
  } loads[] = {{g.entry_msr_load_first, g.entry_msr_load_count}, {g.exit_msr_load_first, g.exit_msr_load_count}};
  for (const auto& list : loads)
    for (uint32_t i = 0; i < list.count; ++i) {
      const uint32_t msr = r.msr_entry(list.first + i).index;
      if (const OwnedMsrs* owned = owned_msr_reason(msr); !msr_load_list_allowed(msr))
        return refused("the blob's MSR-load list writes an MSR the hypervisor owns", owned->name, owned->why, msr);
    }
  for (uint32_t i = 0; i < g.region_count + g.alternate_region_count; ++i) {
    const uint32_t index = i < g.region_count ? g.first_region + i : g.first_alternate_region + (i - g.region_count);
    const blob::Region& reg = r.region(index);
    if (reg.kind != uint32_t(blob::RegionKind::Passthrough)) continue;
    if (const OwnedMmio* row = owned_mmio(reg.hpa, reg.size))
      return refused("a passthrough region covers hypervisor-owned MMIO", row->name, row->why, reg.hpa);
  }
  return {true, "ok", "", "", 0};
}

}  // namespace platform
