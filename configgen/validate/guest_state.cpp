// SDM 26.3.1 checks on the entry state the profile produces: the same code
// the hypervisor runs after a failed VM entry (vmm/vmx/guest_state_checks).
#include "arch/registers.h"
#include "model/vocabulary.h"
#include "validate/validate.h"
#include "vmx/guest_state_checks.h"

#include <cstdio>
#include <string>
#include <vector>

namespace configgen::validate {
namespace {

// The entry keys a failed 26.3.1 rule is about, most specific first; the
// diagnostic points at the first one the profile wrote. Segment rules are
// about the state derived from `mode`.
std::vector<const char*> entry_keys_for(const std::string& rule) {
  auto starts = [&](const char* prefix) { return rule.rfind(prefix, 0) == 0; };
  if (starts("cr0-")) return {"cr0", "mode"};
  if (starts("cr4-") || starts("pcide-")) return {"cr4", "mode"};
  if (starts("ia32e-")) return {"cr0", "cr4", "mode"};
  if (starts("efer-")) return {"efer", "mode"};
  if (starts("rip-")) return {"rip", "mode"};
  if (starts("rflags-")) return {"rflags"};
  if (starts("activity-") || starts("hlt-")) return {"activity_state"};
  if (starts("sti-blocking-requires-if")) return {"interruptibility_state", "rflags"};
  if (starts("interruptibility-") || starts("sti-")) return {"interruptibility_state"};
  if (starts("pending-debug-")) return {"pending_debug_exceptions"};
  return {"mode"};
}

model::SourceLoc locate(const model::Guest& g, const std::vector<const char*>& keys) {
  for (const char* k : keys)
    if (auto it = g.entry.value_locs.find(k); it != g.entry.value_locs.end()) return it->second;
  return g.entry.loc.line ? g.entry.loc : g.loc;
}

// The mode decides paging and IA-32e mode; an explicit cr0, cr4 or efer that
// says otherwise would be silently overridden by the target's fixed bits or
// by lowering, so the guest would run in a mode its profile contradicts
// (SDM 26.3.1.1: IA-32e mode guest needs CR0.PG, CR4.PAE, EFER.LME/LMA).
void check_mode_consistency(const model::Guest& g, Diagnostics& d) {
  const model::Entry& en = g.entry;
  const std::string m = model::word(blob::kGuestModes, en.mode);
  const bool paging = en.mode == blob::GuestMode::ProtectedPaging || en.mode == blob::GuestMode::Pae || en.mode == blob::GuestMode::Long;
  const bool pae = en.mode == blob::GuestMode::Pae || en.mode == blob::GuestMode::Long;
  auto report = [&](const char* key, uint64_t value, const std::string& what) {
    d.error(locate(g, {key}), "mode-consistency, SDM 26.3.1.1",
            "entry." + std::string(key) + " = " + hex(value) + " " + what + ", but entry mode is " + m,
            "drop entry." + std::string(key) + " to take the mode's value, or choose the mode that matches it");
  };
  if (en.cr0) {
    const bool pe = *en.cr0 & arch::cr0::PE, pg = *en.cr0 & arch::cr0::PG;
    if (m == "real" && pe) report("cr0", *en.cr0, "sets CR0.PE (protection on)");
    if (m != "real" && !pe) report("cr0", *en.cr0, "clears CR0.PE (protection off)");
    if (paging && !pg) report("cr0", *en.cr0, "clears CR0.PG (paging off)");
    if (!paging && pg) report("cr0", *en.cr0, "sets CR0.PG (paging on)");
  }
  if (en.cr4) {
    const bool has_pae = *en.cr4 & arch::cr4::PAE;
    if (pae && !has_pae) report("cr4", *en.cr4, "clears CR4.PAE");
    if (paging && !pae && has_pae) report("cr4", *en.cr4, "sets CR4.PAE (that is mode pae or long)");
  }
  if (en.efer) {
    const bool lme = *en.efer & arch::efer::LME, lma = *en.efer & arch::efer::LMA;
    if (m == "long" && !lme) report("efer", *en.efer, "clears IA32_EFER.LME");
    if (m != "long" && (lme || lma)) report("efer", *en.efer, "sets IA32_EFER.LME or LMA (IA-32e mode)");
  }
}

// Interruptibility rules of SDM 26.3.1.5 that the shared hypervisor checks
// do not cover: blocking by STI or MOV SS needs the active state, and the
// event injected at the first entry must not be one that blocking forbids.
void check_blocking(const model::Guest& g, const model::LoweredGuest& lg, Diagnostics& d) {
  const arch::InterruptibilityState blocking{lg.record.entry.interruptibility_state};
  if (blocking.blocking_by_sti_or_mov_ss() && lg.record.entry.activity_state != uint32_t(arch::ActivityState::Active))
    d.error(locate(g, {"activity_state", "interruptibility_state"}), "blocking-requires-active, SDM 26.3.1.5",
            "blocking by STI or MOV SS (interruptibility_state bits 0-1) requires activity_state 0 (active)");
  if (lg.events.empty() || g.inject.empty()) return;
  const arch::InterruptionType type = arch::InterruptionInfo{lg.events[0].interruption_info}.type();
  if (type == arch::InterruptionType::ExternalInterrupt && blocking.blocking_by_sti_or_mov_ss())
    d.error(g.inject[0].loc, "event-blocked, SDM 26.3.1.5",
            "an external interrupt cannot be injected while interruptibility_state blocks by STI or MOV SS");
  if (type == arch::InterruptionType::Nmi && blocking.blocking_by_mov_ss())
    d.error(g.inject[0].loc, "event-blocked, SDM 26.3.1.5", "an NMI cannot be injected while interruptibility_state blocks by MOV SS");
}

// The activity states other than active are optional (SDM 26.3.1.5,
// IA32_VMX_MISC bits 6-8: HLT, shutdown, wait-for-SIPI); entry fails on a
// target that does not support the one the profile asks for.
void check_activity_supported(const model::Guest& g, const model::LoweredGuest& lg, const model::Target& t, Diagnostics& d) {
  static const char* const kStates[] = {"active", "HLT", "shutdown", "wait-for-SIPI"};
  const uint32_t state = lg.record.entry.activity_state;
  if (state > 3 || t.caps.misc.activity_state_supported(state)) return;
  d.error(locate(g, {"activity_state"}), "activity-state-supported, SDM 26.3.1.5",
          "activity_state " + std::to_string(state) + " (" + kStates[state] + ") is not supported by target " + t.name +
              " (IA32_VMX_MISC bit " + std::to_string(5 + state) + " is 0)",
          "use activity_state 0 (active), or choose a target that supports it");
}

// With RFLAGS.VM = 1 the CPU checks the segments as virtual-8086 ones (SDM
// 26.3.1.2): base = selector << 4, limit FFFFH, access rights F3H for CS,
// SS, DS, ES, FS and GS. The shared checks skip the protected-mode segment
// rules then, so configgen checks these here.
void check_virtual_8086(const model::Guest& g, const model::LoweredGuest& lg, Diagnostics& d) {
  const blob::EntryState& s = lg.record.entry;
  if (!(s.rflags & arch::rflags::VM)) return;
  const struct {
    const char* name;
    const blob::Segment& seg;
  } segs[] = {{"CS", s.cs}, {"SS", s.ss}, {"DS", s.ds}, {"ES", s.es}, {"FS", s.fs}, {"GS", s.gs}};
  // One diagnostic per rule, naming every segment that breaks it.
  std::string base, limit, ar;
  for (const auto& x : segs) {
    if (x.seg.base != uint64_t(x.seg.selector) << 4) base += std::string(base.empty() ? "" : ", ") + x.name + " base " + hex(x.seg.base);
    if (x.seg.limit != 0xFFFF) limit += std::string(limit.empty() ? "" : ", ") + x.name + " limit " + hex(x.seg.limit);
    if (x.seg.access_rights != 0xF3) ar += std::string(ar.empty() ? "" : ", ") + x.name + " access rights " + hex(x.seg.access_rights);
  }
  const std::string what = "entry.rflags sets RFLAGS.VM (virtual-8086), but mode " + model::word(blob::kGuestModes, g.entry.mode) + " loads ";
  const char* hint = "virtual-8086 segments cannot be described by a profile entry mode; clear RFLAGS.VM (bit 17) and enter v8086 from the guest";
  const model::SourceLoc loc = locate(g, {"rflags"});
  if (!base.empty()) d.error(loc, "v8086-segment-base, SDM 26.3.1.2", what + base + " (each must be selector << 4)", hint);
  if (!limit.empty()) d.error(loc, "v8086-segment-limit, SDM 26.3.1.2", what + limit + " (each must be 0xffff)", hint);
  if (!ar.empty()) d.error(loc, "v8086-segment-access-rights, SDM 26.3.1.2", what + ar + " (each must be 0xf3)", hint);
}

}  // namespace

void check_guest_state(const model::Guest& g, const model::LoweredGuest& lg, const model::Target& t, Diagnostics& d) {
  vmx::GuestStateInput in{};
  in.state = lg.record.entry;
  in.proc2 = lg.record.controls[uint32_t(arch::ControlWord::PROC2)];
  in.entry = lg.record.controls[uint32_t(arch::ControlWord::ENTRY)];
  in.cr0_fixed0 = t.caps.cr0_fixed0;
  in.cr0_fixed1 = t.caps.cr0_fixed1;
  in.cr4_fixed0 = t.caps.cr4_fixed0;
  in.cr4_fixed1 = t.caps.cr4_fixed1;
  in.vmcs_link_pointer = ~0ull;  // the hypervisor writes it
  check_mode_consistency(g, d);
  check_blocking(g, lg, d);
  check_activity_supported(g, lg, t, d);
  check_virtual_8086(g, lg, d);
  vmx::CheckFailure failures[32];
  const uint32_t n = vmx::check_guest_state(in, failures, 32);
  // Bits the profile asks for that the target cannot set: lowering would
  // have to drop them silently (SDM 26.3.1.1, IA32_VMX_CR0/CR4_FIXED1).
  if (g.entry.cr0 && (*g.entry.cr0 & ~t.caps.cr0_fixed1))
    d.error(locate(g, {"cr0"}), "cr0-fixed-bits, SDM 26.3.1.1", "entry.cr0 sets bits the target cannot: outside IA32_VMX_CR0_FIXED1");
  if (g.entry.cr4 && (*g.entry.cr4 & ~t.caps.cr4_fixed1))
    d.error(locate(g, {"cr4"}), "cr4-fixed-bits, SDM 26.3.1.1", "entry.cr4 sets bits the target cannot: outside IA32_VMX_CR4_FIXED1");
  for (uint32_t i = 0; i < n && i < 32; ++i)
    d.error(locate(g, entry_keys_for(failures[i].rule)), std::string(failures[i].rule) + ", SDM " + failures[i].sdm_section,
            "guest '" + g.name + "' entry state (mode " + model::word(blob::kGuestModes, g.entry.mode) + "): " + failures[i].text);
}

}  // namespace configgen::validate
