#include "vmx/guest_state_checks.h"

#include "arch/registers.h"
#include "arch/vmx_formats.h"

#include "arch/vmx_table.h"

namespace vmx {
namespace {
using arch::cr0::PE, arch::cr0::PG, arch::cr4::PAE, arch::cr4::PCIDE, arch::efer::LME, arch::efer::LMA;
using AR = arch::SegmentAccessRights;
constexpr uint32_t kUnusable = 1u << 16;
constexpr uint32_t type_of(uint32_t ar) { return AR{ar}.type(); }
constexpr bool s_bit(uint32_t ar) { return AR{ar}.code_or_data(); }
constexpr uint32_t dpl_of(uint32_t ar) { return AR{ar}.dpl(); }
constexpr bool present(uint32_t ar) { return AR{ar}.present(); }
constexpr bool long_bit(uint32_t ar) { return AR{ar}.long_mode(); }
constexpr bool db_bit(uint32_t ar) { return AR{ar}.default_big(); }
constexpr bool granular(uint32_t ar) { return AR{ar}.granularity(); }

struct Sink {
  CheckFailure* out;
  uint32_t capacity, count;
  void fail(const char* rule, const char* text, const char* section) {
    if (count < capacity) out[count] = {rule, text, section};
    ++count;
  }
};

// SDM 26.3.1.2: limit and G must agree for usable segments.
bool limit_consistent(const blob::Segment& s) {
  if (s.access_rights & kUnusable) return true;
  if ((s.limit & 0xFFF) != 0xFFF && granular(s.access_rights)) return false;
  if ((s.limit & 0xFFF00000) && !granular(s.access_rights)) return false;
  return true;
}
bool reserved_ar_clear(const blob::Segment& s) {
  return (s.access_rights & kUnusable) || (s.access_rights & 0xFFFE0F00u) == 0;
}
}  // namespace

uint32_t check_guest_state(const GuestStateInput& in, CheckFailure* failures, uint32_t capacity) {
  Sink k{failures, capacity, 0};
  const blob::EntryState& g = in.state;
  const bool ug = in.proc2 & arch::ctl::UNRESTRICTED_GUEST.mask();
  const bool ia32e = in.entry & arch::ctl::IA32E_MODE_GUEST.mask();
  const bool load_efer = in.entry & arch::ctl::LOAD_IA32_EFER_ON_ENTRY.mask();

  // 26.3.1.1 control registers
  uint64_t fixed0 = in.cr0_fixed0;
  if (ug) fixed0 &= ~(PE | PG);
  if ((g.cr0 & fixed0) != fixed0 || (g.cr0 & ~in.cr0_fixed1))
    k.fail("cr0-fixed-bits", "CR0 must have the IA32_VMX_CR0_FIXED0 bits set and no bit outside IA32_VMX_CR0_FIXED1 (PE and PG may be 0 with unrestricted guest)", "26.3.1.1");
  if ((g.cr0 & PG) && !(g.cr0 & PE)) k.fail("cr0-pg-requires-pe", "CR0.PG = 1 requires CR0.PE = 1", "26.3.1.1");
  if ((g.cr4 & in.cr4_fixed0) != in.cr4_fixed0 || (g.cr4 & ~in.cr4_fixed1))
    k.fail("cr4-fixed-bits", "CR4 must have the IA32_VMX_CR4_FIXED0 bits set and no bit outside IA32_VMX_CR4_FIXED1", "26.3.1.1");
  if (ia32e && (!(g.cr0 & PG) || !(g.cr4 & PAE)))
    k.fail("ia32e-requires-paging", "with the IA-32e mode guest entry control, CR0.PG and CR4.PAE must be 1", "26.3.1.1");
  if (!ia32e && (g.cr4 & PCIDE)) k.fail("pcide-requires-ia32e", "CR4.PCIDE must be 0 outside IA-32e mode", "26.3.1.1");
  if (g.dr7 >> 32) k.fail("dr7-high-bits", "DR7 bits 63:32 must be 0 when debug controls are loaded", "26.3.1.1");
  if (load_efer) {
    if (bool(g.efer & LMA) != ia32e)
      k.fail("efer-lma-matches-ia32e", "IA32_EFER.LMA must equal the IA-32e mode guest entry control", "26.3.1.1");
    if ((g.cr0 & PG) && bool(g.efer & LMA) != bool(g.efer & LME))
      k.fail("efer-lma-matches-lme", "with CR0.PG = 1, IA32_EFER.LMA must equal IA32_EFER.LME", "26.3.1.1");
  }

  // 26.3.1.2 segment registers (not virtual-8086)
  const bool v86 = g.rflags & arch::rflags::VM;
  if (!v86) {
    const uint32_t cs = g.cs.access_rights, ss = g.ss.access_rights;
    const uint32_t ct = type_of(cs);
    const bool cs_type_ok = (ct == 9 || ct == 11 || ct == 13 || ct == 15) || (ug && ct == 3);
    if (!cs_type_ok) k.fail("cs-type", "CS type must be 9, 11, 13 or 15 (accessed code), or 3 with unrestricted guest", "26.3.1.2");
    if (!s_bit(cs) || !present(cs)) k.fail("cs-present-code", "CS must be a present code/data segment (S = 1, P = 1)", "26.3.1.2");
    if (!(ss & kUnusable) && type_of(ss) != 3 && type_of(ss) != 7)
      k.fail("ss-type", "a usable SS must be a read/write data segment (type 3 or 7)", "26.3.1.2");
    if (ct == 3 && dpl_of(cs) != 0) k.fail("cs-dpl-type3", "CS type 3 (unrestricted guest) requires DPL 0", "26.3.1.2");
    if ((ct == 9 || ct == 11) && dpl_of(cs) != dpl_of(ss))
      k.fail("cs-dpl-equals-ss-dpl", "non-conforming CS must have DPL equal to SS.DPL", "26.3.1.2");
    if (!ug && dpl_of(ss) != (g.ss.selector & 3)) k.fail("ss-dpl-equals-rpl", "SS.DPL must equal SS selector RPL unless unrestricted guest", "26.3.1.2");
    if (!(g.cr0 & PE) && dpl_of(ss) != 0) k.fail("ss-dpl-real-mode", "with CR0.PE = 0, SS.DPL must be 0", "26.3.1.2");
    if (ia32e && long_bit(cs) && db_bit(cs)) k.fail("cs-l-and-d", "in IA-32e mode, CS.L and CS.D must not both be 1", "26.3.1.2");
    const blob::Segment* segs[] = {&g.cs, &g.ss, &g.ds, &g.es, &g.fs, &g.gs};
    for (const blob::Segment* s : segs) {
      if (!limit_consistent(*s)) {
        k.fail("segment-limit-granularity", "a usable segment's limit and G bit must agree (limit[11:0] all 1 if G = 1; limit[31:20] all 0 if G = 0)", "26.3.1.2");
        break;
      }
    }
    for (const blob::Segment* s : segs) {
      if (!reserved_ar_clear(*s)) {
        k.fail("segment-ar-reserved", "access-rights bits 11:8 and 31:17 must be 0 for usable segments", "26.3.1.2");
        break;
      }
    }
    const blob::Segment* data_segments[] = {&g.ds, &g.es, &g.fs, &g.gs};
    for (const blob::Segment* s : data_segments) {
      if (!(s->access_rights & kUnusable) && (!s_bit(s->access_rights) || !present(s->access_rights))) {
        k.fail("data-segment-present", "usable DS, ES, FS, GS must have S = 1 and P = 1", "26.3.1.2");
        break;
      }
    }
  }
  const uint32_t tr = g.tr.access_rights;
  if ((tr & kUnusable) || !present(tr) || s_bit(tr) || !(type_of(tr) == 11 || (!ia32e && type_of(tr) == 3)))
    k.fail("tr-busy-tss", "TR must be usable, present, S = 0, and a busy TSS (type 11, or 3 outside IA-32e mode)", "26.3.1.2");
  if (g.tr.selector & 4) k.fail("tr-selector-ti", "TR selector TI flag must be 0", "26.3.1.2");
  const uint32_t ldtr = g.ldtr.access_rights;
  if (!(ldtr & kUnusable) && (type_of(ldtr) != 2 || s_bit(ldtr) || !present(ldtr)))
    k.fail("ldtr-type", "a usable LDTR must be present, S = 0, type 2", "26.3.1.2");

  // 26.3.1.3 descriptor-table registers
  if ((g.gdtr.limit | g.idtr.limit) >> 16) k.fail("dtr-limit", "GDTR and IDTR limits must fit in 16 bits", "26.3.1.3");

  // 26.3.1.4 RIP and RFLAGS
  if (!(ia32e && long_bit(g.cs.access_rights)) && (g.rip >> 32))
    k.fail("rip-high-bits", "RIP bits 63:32 must be 0 outside 64-bit mode", "26.3.1.4");
  if ((g.rflags & 0xFFFFFFFFFFC08028ull) || !(g.rflags & 2))
    k.fail("rflags-reserved", "RFLAGS bits 63:22, 15, 5 and 3 must be 0 and bit 1 must be 1", "26.3.1.4");
  if (v86 && (ia32e || !(g.cr0 & PE))) k.fail("rflags-vm", "RFLAGS.VM requires CR0.PE = 1 outside IA-32e mode", "26.3.1.4");

  // 26.3.1.5 non-register state
  if (g.activity_state > 3) k.fail("activity-state", "the activity state must be 0 (active), 1 (HLT), 2 (shutdown) or 3 (wait-for-SIPI)", "26.3.1.5");
  if (g.activity_state == 1 && dpl_of(g.ss.access_rights) != 0)
    k.fail("hlt-requires-ss-dpl0", "the HLT activity state requires SS.DPL = 0", "26.3.1.5");
  const uint32_t is = g.interruptibility_state;
  if (is >> 5) k.fail("interruptibility-reserved", "interruptibility-state bits 31:5 must be 0", "26.3.1.5");
  if ((is & 3) == 3) k.fail("sti-and-movss", "blocking by STI and by MOV SS must not both be set", "26.3.1.5");
  if ((is & 1) && !(g.rflags & (1ull << 9))) k.fail("sti-blocking-requires-if", "blocking by STI requires RFLAGS.IF = 1", "26.3.1.5");
  if (g.pending_debug_exceptions & ~0x1500Full)
    k.fail("pending-debug-reserved", "pending debug exceptions bits 63:17, 15, 13 and 11:4 must be 0", "26.3.1.5");
  if (in.vmcs_link_pointer != ~0ull) k.fail("vmcs-link-pointer", "without VMCS shadowing the VMCS link pointer must be FFFFFFFF_FFFFFFFFH", "26.3.1.5");
  return k.count;
}

}  // namespace vmx
