#include "vmx/host_state_checks.h"

#include "arch/registers.h"
#include "arch/vmx_table.h"

namespace vmx {
namespace {
using arch::EntryRule;
using arch::cr0::WP, arch::cr4::PAE, arch::cr4::PCIDE, arch::cr4::CET, arch::efer::LME, arch::efer::LMA;
constexpr uint16_t kSelectorRplTi = 7;

using Sink = arch::EntryRuleSink;

// Bits 63:N-1 all equal, for N linear-address bits (SDM Vol. 1 3.3.7.1).
bool canonical(uint64_t address, uint32_t linear_bits) {
  if (linear_bits == 0 || linear_bits >= 64) return true;
  const uint64_t high = address >> (linear_bits - 1);
  return high == 0 || high == (~0ull >> (linear_bits - 1));
}

// The PAT memory types WRMSR accepts: UC, WC, WT, WP, WB, UC- (SDM 26.2.2).
bool pat_valid(uint64_t pat) {
  for (int i = 0; i < 8; ++i) {
    const uint64_t type = (pat >> (8 * i)) & 0xFF;
    if (type == 2 || type == 3 || type > 7) return false;
  }
  return true;
}
}  // namespace

uint64_t perf_global_ctrl_allowed(uint32_t cpuid_0a_eax, uint32_t cpuid_0a_edx) {
  const uint32_t version = cpuid_0a_eax & 0xFF;
  if (version < 2) return 0;
  const uint32_t general = (cpuid_0a_eax >> 8) & 0xFF, fixed = cpuid_0a_edx & 0x1F;
  const uint64_t general_mask = general >= 32 ? 0xFFFFFFFFull : (1ull << general) - 1;
  return general_mask | (((1ull << fixed) - 1) << 32);
}

uint32_t check_host_state(const HostStateInput& in, EntryRule* failures, uint32_t capacity) {
  Sink k{failures, capacity, 0};
  const bool host64 = in.exit & arch::ctl::HOST_ADDRESS_SPACE_SIZE.mask();
  const bool guest64 = in.entry & arch::ctl::IA32E_MODE_GUEST.mask();
  const uint32_t la = in.linear_address_bits;

  // 26.2.2 host control registers and MSRs
  if ((in.cr0 & in.cr0_fixed0) != in.cr0_fixed0 || (in.cr0 & ~in.cr0_fixed1)) k.fail(EntryRule::HOST_CR0_FIXED_BITS);
  if ((in.cr4 & in.cr4_fixed0) != in.cr4_fixed0 || (in.cr4 & ~in.cr4_fixed1)) k.fail(EntryRule::HOST_CR4_FIXED_BITS);
  if (in.physical_address_bits < 64 && (in.cr3 >> in.physical_address_bits)) k.fail(EntryRule::HOST_CR3_WIDTH);
  if ((in.cr4 & CET) && !(in.cr0 & WP)) k.fail(EntryRule::HOST_CR4_CET_NEEDS_WP);
  if (!canonical(in.sysenter_esp, la) || !canonical(in.sysenter_eip, la)) k.fail(EntryRule::HOST_SYSENTER_CANONICAL);
  if ((in.exit & arch::ctl::LOAD_IA32_PERF_GLOBAL_CTRL.mask()) && (in.perf_global_ctrl & ~in.perf_global_ctrl_allowed))
    k.fail(EntryRule::HOST_PERF_GLOBAL_CTRL_RESERVED);
  if ((in.exit & arch::ctl::LOAD_IA32_PAT.mask()) && !pat_valid(in.pat)) k.fail(EntryRule::HOST_PAT_MEMORY_TYPES);
  if (in.exit & arch::ctl::LOAD_IA32_EFER.mask()) {
    if (in.efer & ~in.efer_allowed) k.fail(EntryRule::HOST_EFER_RESERVED);
    if (bool(in.efer & LMA) != host64 || bool(in.efer & LME) != host64)
      k.fail(EntryRule::HOST_EFER_MATCHES_ADDRESS_SPACE_SIZE);
  }

  // 26.2.3 host segment and descriptor-table registers
  const uint16_t selectors[] = {in.cs_selector, in.ss_selector, in.ds_selector, in.es_selector,
                                in.fs_selector, in.gs_selector, in.tr_selector};
  for (uint16_t s : selectors) {
    if (s & kSelectorRplTi) {
      k.fail(EntryRule::HOST_SELECTOR_RPL_TI);
      break;
    }
  }
  if (in.cs_selector == 0) k.fail(EntryRule::HOST_CS_SELECTOR_NOT_NULL);
  if (in.tr_selector == 0) k.fail(EntryRule::HOST_TR_SELECTOR_NOT_NULL);
  if (!host64 && in.ss_selector == 0) k.fail(EntryRule::HOST_SS_SELECTOR_NOT_NULL);
  const uint64_t bases[] = {in.fs_base, in.gs_base, in.gdtr_base, in.idtr_base, in.tr_base};
  for (uint64_t b : bases) {
    if (!canonical(b, la)) {
      k.fail(EntryRule::HOST_BASE_CANONICAL);
      break;
    }
  }

  // 26.2.4 address-space size
  if (!in.in_ia32e_mode && (guest64 || host64)) k.fail(EntryRule::ADDRESS_SPACE_SIZE_OUTSIDE_IA32E);
  if (in.in_ia32e_mode && !host64) k.fail(EntryRule::ADDRESS_SPACE_SIZE_IN_IA32E);
  if (!host64) {
    if (guest64) k.fail(EntryRule::IA32E_GUEST_NEEDS_64_BIT_HOST);
    if (in.cr4 & PCIDE) k.fail(EntryRule::HOST_PCIDE_NEEDS_64_BIT_HOST);
    if (in.rip >> 32) k.fail(EntryRule::HOST_RIP_HIGH_BITS);
  } else {
    if (!(in.cr4 & PAE)) k.fail(EntryRule::HOST_PAE_FOR_64_BIT_HOST);
    if (!canonical(in.rip, la)) k.fail(EntryRule::HOST_RIP_CANONICAL);
  }
  return k.count;
}

}  // namespace vmx
