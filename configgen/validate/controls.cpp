// VM-execution, VM-exit and VM-entry control checks (SDM 26.2.1.1-26.2.1.3,
// book 4.4), then the allowed-0/allowed-1 reconciliation against the target
// (book 2.5.5.2). Decided on the lowered control words.
#include <algorithm>

#include "arch/control_requirements.h"
#include "arch/registers.h"
#include "arch/vmx_formats.h"
#include "arch/vmx_table.h"
#include "validate/validate.h"
#include "vmx/msr_load_checks.h"

namespace configgen::validate {
namespace {
using arch::ControlWord;
namespace ctl = arch::ctl;

struct Words {
  const uint32_t* w;
  bool has(arch::ControlBit b) const { return w[uint32_t(b.word)] & b.mask(); }
};

const char* name_of(arch::ControlBit b) {
  for (const auto& c : arch::kControlBits)
    if (c.control.word == b.word && c.control.bit == b.bit) return c.profile_name;
  return "?";
}

model::SourceLoc where(const model::Guest& g, arch::ControlBit b) {
  for (const auto& n : g.controls[uint32_t(b.word)])
    if (n.name == name_of(b)) return n.loc;
  return g.loc;
}
}  // namespace

void check_controls(const model::Guest& g, const model::LoweredGuest& lg, const model::Target& t, Diagnostics& d) {
  const Words w{lg.record.controls};
  // The target's boot-time probe (configgen caps import) found the control
  // advertised but not acting: the hypervisor will refuse this guest there.
  for (const auto& c : arch::kControlBits)
    if (w.has(c.control) && t.not_delivered(c.profile_name))
      d.warning(where(g, c.control), "control-not-delivered, SDM A.3",
                std::string("target ") + t.name + " advertises control " + c.profile_name +
                    " but its capability probe found it not delivered" +
                    (g.run_undelivered_controls ? ": guest " + g.name + " runs anyway (undelivered_controls: run)"
                                                : ": the hypervisor refuses guest " + g.name + " there"),
                "boot on a CPU or emulator that delivers it (Bochs 3.0 for the monitor trap flag), or set undelivered_controls: run");
  for (const arch::ControlRequirement& r : arch::kControlRequirements)
    if (w.has(r.control) && !w.has(r.needs))
      d.error(where(g, r.control), std::string(arch::entry_rule(r.rule).id) + ", SDM " + arch::entry_rule(r.rule).sdm_section,
              std::string("control ") + name_of(r.control) + " requires " + name_of(r.needs));
  // TPR threshold (26.2.1.1). The hypervisor starts the virtual-APIC page
  // with VTPR = 0, so without virtual-interrupt delivery and APIC-access
  // virtualization the threshold must be 0.
  if (g.tpr_threshold && *g.tpr_threshold) {
    if (!w.has(ctl::USE_TPR_SHADOW))
      d.warning(g.tpr_threshold_loc, "tpr-threshold-unused", "interrupts.tpr_threshold has no effect without the use-tpr-shadow control");
    else if (!w.has(ctl::VIRTUAL_INTERRUPT_DELIVERY) && !w.has(ctl::VIRTUALIZE_APIC_ACCESSES))
      d.error(g.tpr_threshold_loc, "tpr-threshold-above-vtpr, SDM 26.2.1.1",
              "TPR threshold " + std::to_string(*g.tpr_threshold) +
                  " exceeds VTPR[7:4] = 0 of the initial virtual-APIC page (use-tpr-shadow without virtual-interrupt "
                  "delivery or virtualize-apic-accesses)");
  }
  if (w.has(ctl::VIRTUALIZE_X2APIC_MODE) && w.has(ctl::VIRTUALIZE_APIC_ACCESSES))
    d.error(where(g, ctl::VIRTUALIZE_X2APIC_MODE), "x2apic-and-apic-access-exclusive, SDM 26.2.1.1",
            "virtualize-x2apic-mode and virtualize-apic-accesses cannot both be 1");
  if (w.has(ctl::ENTRY_TO_SMM) || w.has(ctl::DEACTIVATE_DUAL_MONITOR_TREATMENT))
    d.error(where(g, ctl::ENTRY_TO_SMM), "entry-to-smm, SDM 26.2.1.3", "entry to SMM and deactivate dual-monitor treatment must be 0 outside SMM");
  // CR3-target count (26.2.1.1): at most IA32_VMX_MISC[24:16].
  const uint32_t cr3_max = t.caps.misc.cr3_target_count();
  if (lg.record.cr3_target_count > cr3_max || lg.record.cr3_target_count > 4)
    d.error(g.cr3_targets_loc.line ? g.cr3_targets_loc : g.loc, "cr3-target-count, SDM 26.2.1.1",
            std::to_string(lg.record.cr3_target_count) + " CR3-target values; the target allows " + std::to_string(cr3_max) +
                " (IA32_VMX_MISC[24:16]) and the VMCS holds 4");
  // EPTP (26.2.1.1): WB paging structures, 4-level walk, A/D only when supported.
  const arch::EptVpidCap ept = t.caps.ept_vpid_cap;
  if (w.has(ctl::ENABLE_EPT) && (!ept.page_walk_length_4() || !ept.write_back_paging_structures()))
    d.error(g.loc, "eptp-valid, SDM 26.2.1.1", "target " + t.name + " lacks a 4-level EPT walk or write-back EPT structures (IA32_VMX_EPT_VPID_CAP bits 6, 14)");
  if (g.accessed_dirty && !ept.accessed_and_dirty_flags())
    d.error(g.loc, "eptp-accessed-dirty, SDM 26.2.1.1", "EPT accessed/dirty flags are not supported by target " + t.name + " (IA32_VMX_EPT_VPID_CAP bit 21)");
  // MSR lists (26.2.1.2, 26.2.1.3): at most 512 * (IA32_VMX_MISC[27:25] + 1) entries.
  const uint64_t msr_max = t.caps.misc.max_msr_list_entries();
  const struct {
    size_t n;
    const std::vector<model::MsrValue>& written;
    const char* what;
    const char* section;
  } lists[] = {{lg.entry_msr_load.size(), g.entry_msr_load, "VM-entry MSR-load", "26.2.1.3"},
               {lg.exit_msr_store.size(), g.exit_msr_store, "VM-exit MSR-store", "26.2.1.2"},
               {lg.exit_msr_load.size(), g.exit_msr_load, "VM-exit MSR-load", "26.2.1.2"}};
  for (const auto& l : lists)
    if (l.n > msr_max)  // at the first entry past the limit when the profile wrote it
      d.error(l.written.size() > msr_max ? l.written[msr_max].loc : g.loc, std::string("msr-list-count, SDM ") + l.section,
              std::string(l.what) + " list has " + std::to_string(l.n) + " entries; the target allows " + std::to_string(msr_max));
  // The 26.4 rules an entry shows by itself: the same check the hypervisor
  // runs after exit reason 34 (vmx/msr_load_checks). VM entry never starts
  // in SMM here.
  for (const auto& m : g.entry_msr_load) {
    arch::EntryRule broken[4];
    const uint32_t n = vmx::check_msr_load_entry(blob::MsrEntry{m.msr, 0, m.value}, false, broken, 4);
    for (uint32_t i = 0; i < n && i < 4; ++i) {
      const arch::EntryRuleInfo& rule = arch::entry_rule(broken[i]);
      d.error(m.loc, std::string(rule.id) + ", SDM " + rule.sdm_section,
              hex(m.msr) + " in entry_load: " + rule.summary);
    }
  }
  // What the target's CPU refuses to load for model-specific reasons (26.4):
  // only the target can say, so only a target that lists them is checked.
  for (const auto& m : g.entry_msr_load)
    if (std::find(t.msr_load_refused.begin(), t.msr_load_refused.end(), m.msr) != t.msr_load_refused.end())
      d.error(m.loc, "msr-load-model-specific, SDM 26.4",
              hex(m.msr) + " in entry_load: target " + t.name + " lists it under msr_load_refused: its CPU does not load it on VM entry");
  // Event injection (26.2.1.3).
  for (size_t i = 0; i < lg.events.size(); ++i) {
    const auto& e = g.inject[i];
    const arch::InterruptionInfo info{lg.events[i].interruption_info};
    const arch::InterruptionType type = info.type();
    const uint32_t vector = info.vector();
    const bool hardware_exception = type == arch::InterruptionType::HardwareException;
    const bool pe = lg.record.entry.cr0 & arch::cr0::PE;
    if (type == arch::InterruptionType::Reserved) d.error(e.loc, "event-type-reserved, SDM 26.2.1.3", "interruption type 1 is reserved");
    if (type == arch::InterruptionType::Nmi && vector != 2) d.error(e.loc, "event-nmi-vector, SDM 26.2.1.3", "an NMI must use vector 2");
    if (hardware_exception && vector > 31) d.error(e.loc, "event-exception-vector, SDM 26.2.1.3", "a hardware exception vector must be 0-31");
    // Deliver error code: never without a hardware exception and CR0.PE = 1;
    // when IA32_VMX_BASIC[56] is 0, also exactly for the vectors that push one.
    const bool any_vector = t.caps.basic.no_error_code_consistency_check();
    const arch::ExceptionInfo* x = arch::find_exception(vector);
    if (e.error_code) {
      if (!hardware_exception || !pe)
        d.error(e.loc, "event-error-code, SDM 26.2.1.3", "an error code is delivered only with a hardware exception and CR0.PE = 1");
      else if (!any_vector && (!x || !x->has_error_code))
        d.error(e.loc, "event-error-code, SDM 26.2.1.3",
                "an error code is delivered only with a hardware exception that has one (#DF, #TS, #NP, #SS, #GP, #PF, #AC) unless "
                "IA32_VMX_BASIC[56] is 1, and it is 0 on target " + t.name);
      if (*e.error_code >> 16)
        d.error(e.loc, "event-error-code-reserved, SDM 26.2.1.3", "error_code " + hex(*e.error_code) + " sets bits 31:16, which must be 0");
    } else if (hardware_exception && pe && !any_vector && x && x->has_error_code) {
      d.error(e.loc, "event-error-code, SDM 26.2.1.3", std::string("#") + x->mnemonic + " needs an error_code when CR0.PE = 1");
    }
    const bool software = type == arch::InterruptionType::SoftwareInterrupt ||
                          type == arch::InterruptionType::PrivilegedSoftwareException ||
                          type == arch::InterruptionType::SoftwareException;
    if (software && (lg.events[i].instruction_length > 15 ||
                     (lg.events[i].instruction_length == 0 && !t.caps.misc.zero_length_instruction_injection())))
      d.error(e.loc, "event-instruction-length, SDM 26.2.1.3",
              "a software event needs an instruction length of 1-15 (0 only when IA32_VMX_MISC[30] allows it)");
  }
  // The event injected at the first entry must suit the guest's activity
  // state (SDM 26.3.1.5): HLT takes external interrupts, NMIs, #DB, #MC and
  // the pending MTF; shutdown only NMIs and #MC; wait-for-SIPI nothing.
  if (!lg.events.empty() && !g.inject.empty()) {
    using T = arch::InterruptionType;
    const arch::InterruptionInfo info{lg.events[0].interruption_info};
    const T type = info.type();
    const uint32_t vector = info.vector();
    const uint32_t activity = lg.record.entry.activity_state;
    bool allowed = true;
    if (activity == 1)
      allowed = type == T::ExternalInterrupt || type == T::Nmi || (type == T::HardwareException && (vector == 1 || vector == 18)) ||
                (type == T::OtherEvent && vector == 0);
    if (activity == 2) allowed = type == T::Nmi || (type == T::HardwareException && vector == 18);
    if (activity == 3) allowed = false;
    if (!allowed) {
      static const char* const kActivity[] = {"active", "HLT", "shutdown", "wait-for-SIPI"};
      d.error(g.inject[0].loc, "event-in-activity-state, SDM 26.3.1.5",
              "this event cannot be injected into a guest whose activity state is " + std::string(kActivity[activity & 3]) +
                  " (HLT: external interrupt, NMI, #DB, #MC; shutdown: NMI, #MC; wait-for-SIPI: none)");
    }
  }
  // Reconciliation against the target (book 2.5.5.2): every wanted bit must be allowed-1.
  for (uint32_t i = 0; i < 5; ++i) {
    const auto word = ControlWord(i);
    if (word == ControlWord::PROC2 && !w.has(ctl::ACTIVATE_SECONDARY_CONTROLS)) continue;
    const uint64_t msr = t.caps.control_msr(word);
    const arch::ControlFit fit = arch::fit_control(lg.record.controls[i], msr);
    for (uint32_t bit = 0; bit < 32; ++bit) {
      if (!(fit.forbidden & (1u << bit))) continue;
      const char* name = "reserved bit";
      for (const auto& c : arch::kControlBits)
        if (c.control.word == word && c.control.bit == bit) name = c.profile_name;
      const arch::Msr m = arch::control_capability_msr(word, t.caps.has_true_controls());
      d.error(where(g, arch::ControlBit{word, uint8_t(bit)}), "control-not-allowed, book 2.5.5.2",
              std::string("control ") + name + " cannot be 1 on target " + t.name + ": " + arch::msr_ident(uint32_t(m)) +
                  " allowed-1 bit " + std::to_string(bit) + " (MSR bit " + std::to_string(32 + bit) + ") is 0");
    }
  }
}

}  // namespace configgen::validate
