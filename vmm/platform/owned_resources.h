// The hypervisor's resources and a guest's possible grants, expanded from
// owned_resources.def; plain logic shared by configgen, the hypervisor and
// the host tests. The reasons are the text both halves print.
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "arch/vmx_table.h"
#include "blob/reader.h"

namespace platform {

struct OwnedPorts {
  uint16_t first, last;  // inclusive
  const char* name;
  const char* why;
};
inline constexpr OwnedPorts kOwnedPorts[] = {
#define OWNED_PORTS(first, last, name, why) {first, last, name, why},
#define OWNED_MMIO(base, size, name, why)
#define GRANTABLE_MSR(id, grant, how)
#define OWNED_MSRS(first, last, name, why)
#include "platform/owned_resources.def"
#undef OWNED_PORTS
#undef OWNED_MMIO
#undef GRANTABLE_MSR
#undef OWNED_MSRS
};

struct OwnedMmio {
  uint64_t base, size;
  const char* name;
  const char* why;
};
inline constexpr OwnedMmio kOwnedMmio[] = {
#define OWNED_PORTS(first, last, name, why)
#define OWNED_MMIO(base, size, name, why) {base, size, name, why},
#define GRANTABLE_MSR(id, grant, how)
#define OWNED_MSRS(first, last, name, why)
#include "platform/owned_resources.def"
#undef OWNED_PORTS
#undef OWNED_MMIO
#undef GRANTABLE_MSR
#undef OWNED_MSRS
};

// Pass: the MSR may be passed to the guest (it is switched per guest).
// Emulate: it may only be trapped to the hypervisor's per-guest emulation.
enum class MsrGrant : uint8_t { Pass, Emulate, PassOrEmulate };
constexpr bool may_pass(MsrGrant g) { return g != MsrGrant::Emulate; }
constexpr bool may_emulate(MsrGrant g) { return g != MsrGrant::Pass; }
struct GrantableMsr {
  uint32_t msr;
  MsrGrant grant;
  const char* ident;
  const char* how;
};
inline constexpr GrantableMsr kGrantableMsrs[] = {
#define OWNED_PORTS(first, last, name, why)
#define OWNED_MMIO(base, size, name, why)
#define GRANTABLE_MSR(id, grant, how) {uint32_t(arch::Msr::id), MsrGrant::grant, #id, how},
#define OWNED_MSRS(first, last, name, why)
#include "platform/owned_resources.def"
#undef OWNED_PORTS
#undef OWNED_MMIO
#undef GRANTABLE_MSR
#undef OWNED_MSRS
};

struct OwnedMsrs {
  uint32_t first, last;
  const char* name;
  const char* why;
};
inline constexpr OwnedMsrs kOwnedMsrs[] = {
#define OWNED_PORTS(first, last, name, why)
#define OWNED_MMIO(base, size, name, why)
#define GRANTABLE_MSR(id, grant, how)
#define OWNED_MSRS(first, last, name, why) {first, last, name, why},
#include "platform/owned_resources.def"
#undef OWNED_PORTS
#undef OWNED_MMIO
#undef GRANTABLE_MSR
#undef OWNED_MSRS
};

// The UARTs the hypervisor's log may use (appliance.console_port).
inline constexpr uint16_t kKnownUartBases[] = {0x3F8, 0x2F8, 0x3E8, 0x2E8};
inline constexpr uint16_t kUartPorts = 8;
bool is_known_uart(uint16_t base);

// The first owned row overlapping ports [first, last], or the appliance's
// console UART (console_port .. +7); a row with name == nullptr when none.
OwnedPorts owned_ports(uint32_t first, uint32_t last, uint16_t console_port);
// The first owned MMIO window overlapping [base, base + size); overflow-safe.
const OwnedMmio* owned_mmio(uint64_t base, uint64_t size);
const GrantableMsr* grantable_msr(uint32_t msr);
// Why `msr` is the hypervisor's: the OWNED_MSRS row, or nullptr for an MSR
// owned only because it is not grantable.
const OwnedMsrs* owned_msr_reason(uint32_t msr);

// May a VM-entry or VM-exit MSR-load list name `msr`? Not an OWNED_MSRS
// row, except the TSC (the book's per-guest TSC examples).
bool msr_load_list_allowed(uint32_t msr);

// The hypervisor's second look at one guest's grants (after Reader::verify):
// default-pass flags, passed ports that the hypervisor owns, MSR grants of
// MSRs it does not switch per guest, and passthrough windows over owned MMIO.
// The reason names the resource and why it is the hypervisor's; `detail`
// is the port, MSR or address.
struct GrantStatus {
  bool ok;
  const char* reason;  // static text
  const char* resource;  // the owned row's name (or the MSR's SDM name), "" when none
  const char* why;       // the row's reason, "" when none
  uint64_t detail;
};
GrantStatus check_guest_grants(const blob::Reader& reader, uint32_t guest_index);

}  // namespace platform
