// SDM 26.3.1 guest-state checks (vmm/vmx/guest_state_checks.cpp): a valid
// state passes, and each broken rule is named.
#include <gtest/gtest.h>

#include <string>

#include "arch/vmx_table.h"
#include "vmx/guest_state_checks.h"

namespace {
namespace ctl = arch::ctl;

vmx::GuestStateInput protected_flat() {
  vmx::GuestStateInput in{};
  blob::EntryState& s = in.state;
  s.cr0 = 0x31;  // PE, ET, NE; paging off
  s.cr4 = 0x2000;
  s.rflags = 2;
  s.dr7 = 0x400;
  s.rip = 0x100000;
  const blob::Segment code{0x08, 0, 0xC09B, 0xFFFFFFFF, 0, 0}, data{0x10, 0, 0xC093, 0xFFFFFFFF, 0, 0};
  s.cs = code;
  s.ss = s.ds = s.es = s.fs = s.gs = data;
  s.ldtr = {0, 0, 0x10000, 0, 0, 0};
  s.tr = {0, 0, 0x8B, 0xFFFF, 0, 0};
  in.proc2 = ctl::ENABLE_EPT.mask() | ctl::UNRESTRICTED_GUEST.mask();
  in.cr0_fixed0 = 0x80000021;
  in.cr0_fixed1 = 0xFFFFFFFF;
  in.cr4_fixed0 = 0x2000;
  in.cr4_fixed1 = 0xF72FFF;
  in.vmcs_link_pointer = ~0ull;
  return in;
}

std::string first_rule(const vmx::GuestStateInput& in) {
  vmx::CheckFailure f[8];
  const uint32_t n = vmx::check_guest_state(in, f, 8);
  return n ? f[0].rule : "";
}

TEST(GuestStateChecks, FlatProtectedModeWithUnrestrictedGuestPasses) { EXPECT_EQ(first_rule(protected_flat()), ""); }

TEST(GuestStateChecks, PagingOffNeedsUnrestrictedGuest) {
  auto in = protected_flat();
  in.proc2 = ctl::ENABLE_EPT.mask();
  EXPECT_EQ(first_rule(in), "cr0-fixed-bits");
}

TEST(GuestStateChecks, EachRuleIsNamed) {
  struct Case {
    const char* rule;
    void (*breaks)(vmx::GuestStateInput&);
  } cases[] = {
      {"cr0-pg-requires-pe", [](vmx::GuestStateInput& in) { in.state.cr0 = 0x80000030; }},
      {"cr4-fixed-bits", [](vmx::GuestStateInput& in) { in.state.cr4 = 0; }},
      {"ia32e-requires-paging", [](vmx::GuestStateInput& in) { in.entry = ctl::IA32E_MODE_GUEST.mask(); }},
      {"rflags-reserved", [](vmx::GuestStateInput& in) { in.state.rflags = 0; }},
      {"rip-high-bits", [](vmx::GuestStateInput& in) { in.state.rip = 1ull << 40; }},
      {"tr-busy-tss", [](vmx::GuestStateInput& in) { in.state.tr.access_rights = 0x89; }},
      {"ldtr-type", [](vmx::GuestStateInput& in) { in.state.ldtr.access_rights = 0x83; }},
      {"cs-type", [](vmx::GuestStateInput& in) { in.state.cs.access_rights = 0xC091; }},
      {"ss-type", [](vmx::GuestStateInput& in) { in.state.ss.access_rights = 0xC09B; }},
      {"segment-limit-granularity", [](vmx::GuestStateInput& in) { in.state.ds.access_rights = 0x4093; }},
      {"activity-state", [](vmx::GuestStateInput& in) { in.state.activity_state = 4; }},
      {"sti-and-movss", [](vmx::GuestStateInput& in) { in.state.interruptibility_state = 3; }},
      {"sti-blocking-requires-if", [](vmx::GuestStateInput& in) { in.state.interruptibility_state = 1; }},
      {"vmcs-link-pointer", [](vmx::GuestStateInput& in) { in.vmcs_link_pointer = 0; }},
      {"efer-lma-matches-ia32e", [](vmx::GuestStateInput& in) {
         in.entry = ctl::LOAD_IA32_EFER_ON_ENTRY.mask();
         in.state.efer = 1ull << 10;
       }},
  };
  for (const Case& c : cases) {
    auto in = protected_flat();
    c.breaks(in);
    vmx::CheckFailure f[16];
    const uint32_t n = vmx::check_guest_state(in, f, 16);
    bool found = false;
    for (uint32_t i = 0; i < n && i < 16; ++i) found |= std::string(f[i].rule) == c.rule;
    EXPECT_TRUE(found) << c.rule;
  }
}

TEST(GuestStateChecks, LongModeStatePasses) {
  auto in = protected_flat();
  in.proc2 = ctl::ENABLE_EPT.mask();
  in.entry = ctl::IA32E_MODE_GUEST.mask() | ctl::LOAD_IA32_EFER_ON_ENTRY.mask();
  in.state.cr0 = 0x80000031;
  in.state.cr4 = 0x2020;
  in.state.efer = (1ull << 8) | (1ull << 10);
  in.state.cs.access_rights = 0xA09B;
  in.state.rip = 0xFFFFFFFF80000000ull;
  EXPECT_EQ(first_rule(in), "");
}
}  // namespace
