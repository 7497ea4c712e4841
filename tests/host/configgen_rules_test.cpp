// Every validation rule: a profile that breaks it is rejected with the rule
// name and a file:line:col, and the same profile with the rule respected
// compiles.
#include <gtest/gtest.h>

#include "configgen_test_support.h"
#include "parse/target_file.h"

namespace {
using test_support::base_profile;
using test_support::compile_text;
using test_support::has_rule;

struct RuleCase {
  const char* rule;
  std::string bad;   // guest extra keys (or a whole profile when starting with "appliance")
  std::string good;
  std::string target = "";
};

// Test names and failure messages show the rule, not the struct's bytes.
void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.rule; }

std::string profile_of(const std::string& s) { return s.rfind("appliance", 0) == 0 ? s : base_profile(s); }

class Rules : public ::testing::TestWithParam<RuleCase> {};

TEST_P(Rules, RejectedWithRuleAndLocationThenAcceptedWhenRespected) {
  const RuleCase& c = GetParam();
  const auto bad = compile_text(std::string(c.rule) + "-bad.yaml", profile_of(c.bad), c.target);
  EXPECT_TRUE(has_rule(bad, c.rule)) << "rule " << c.rule << " not reported; got:\n" << test_support::rendered(bad);
  EXPECT_FALSE(bad.ok(false));
  for (const auto& d : bad.diags.all())
    if (d.rule.rfind(c.rule, 0) == 0) {
      EXPECT_GT(d.loc.line, 0) << c.rule;
      EXPECT_GT(d.loc.column, 0) << c.rule;
    }
  const auto good = compile_text(std::string(c.rule) + "-good.yaml", profile_of(c.good), c.target);
  EXPECT_TRUE(good.ok(false)) << "rule " << c.rule << " fixed version still fails:\n" << test_support::rendered(good);
}

// Everything posted interrupts need besides the pin control (SDM 26.2.1.1).
const std::string kPostedControls = "proc: [use-tpr-shadow], proc2: [virtual-interrupt-delivery], exit: [acknowledge-interrupt-on-exit], ";
const std::string kVnmiBad = "    controls: {pin: [virtual-nmis]}\n";
const std::string kDemoAt1M = "      - {gpa: 0x100000, size: 64K, image: demo, perm: rx}\n";
// A VM-entry MSR-load list of n entries (Bochs allows 512: IA32_VMX_MISC[27:25] = 0).
std::string msr_load_list(int n) {
  std::string s = "    msr:\n      entry_load:\n";
  for (int i = 0; i < n; ++i) s += "        - {msr: ia32-time-stamp-counter, value: 0}\n";
  return s;
}
// Guest g from base_profile plus a second guest h on the same CPU 0.
std::string two_guests_on_cpu0(const std::string& g_extra, const std::string& h_extra) {
  const std::string second = base_profile(h_extra);
  std::string h = second.substr(second.find("  - name: g"));
  h.replace(h.find("name: g"), 7, "name: h");
  return base_profile(g_extra) + h;
}
// Hand-made: no HLT/shutdown/wait-for-SIPI, no execute-only EPT, IA32_VMX_BASIC[56] = 0.
const std::string kMinimalCaps = VTX_SOURCE_DIR "/tests/host/targets/minimal-caps.yaml";
std::string entry(const std::string& extra) {
  return base_profile("", "{mode: protected, rip: 0x100000, rsp: 0x90000, " + extra + "}");
}

INSTANTIATE_TEST_SUITE_P(
    Sdm, Rules,
    ::testing::Values(
        // SDM 26.2.1 / 26.2.2 / 26.2.3 control and event-injection checks
        RuleCase{"virtual-nmis-need-nmi-exiting", "    controls: {pin: [virtual-nmis]}\n", "    controls: {pin: [virtual-nmis, nmi-exiting]}\n"},
        RuleCase{"nmi-window-exiting-needs-virtual-nmis", "    controls: {pin: [nmi-exiting], proc: [nmi-window-exiting]}\n",
                 "    controls: {pin: [nmi-exiting, virtual-nmis], proc: [nmi-window-exiting]}\n"},
        RuleCase{"virtual-interrupt-delivery-needs-external-interrupt-exiting",
                 "    controls: {proc: [use-tpr-shadow], proc2: [virtual-interrupt-delivery]}\n",
                 "    controls: {pin: [external-interrupt-exiting], proc: [use-tpr-shadow], proc2: [virtual-interrupt-delivery]}\n"},
        RuleCase{"virtual-interrupt-delivery-needs-tpr-shadow",
                 "    controls: {pin: [external-interrupt-exiting], proc2: [virtual-interrupt-delivery]}\n",
                 "    controls: {pin: [external-interrupt-exiting], proc: [use-tpr-shadow], proc2: [virtual-interrupt-delivery]}\n"},
        RuleCase{"apic-register-virtualization-needs-tpr-shadow", "    controls: {proc2: [apic-register-virtualization]}\n",
                 "    controls: {proc: [use-tpr-shadow], proc2: [apic-register-virtualization]}\n"},
        RuleCase{"x2apic-virtualization-needs-tpr-shadow", "    controls: {proc2: [virtualize-x2apic-mode]}\n",
                 "    controls: {proc: [use-tpr-shadow], proc2: [virtualize-x2apic-mode]}\n"},
        RuleCase{"x2apic-and-apic-access-exclusive",
                 "    controls: {proc: [use-tpr-shadow], proc2: [virtualize-x2apic-mode, virtualize-apic-accesses]}\n",
                 "    controls: {proc: [use-tpr-shadow], proc2: [virtualize-x2apic-mode]}\n"},
        RuleCase{"posted-interrupts-need-virtual-interrupt-delivery", "    controls: {pin: [process-posted-interrupts]}\n",
                 "    controls: {pin: [external-interrupt-exiting]}\n"},
        RuleCase{"posted-interrupts-need-acknowledge-interrupt-on-exit", "    controls: {pin: [process-posted-interrupts]}\n",
                 "    controls: {pin: [external-interrupt-exiting]}\n"},
        RuleCase{"tpr-threshold-above-vtpr", "    controls: {proc: [use-tpr-shadow]}\n    interrupts: {tpr_threshold: 5}\n",
                 "    controls: {proc: [use-tpr-shadow]}\n    interrupts: {tpr_threshold: 0}\n"},
        RuleCase{"cr3-target-count", "    cr: {cr3_targets: [1, 2, 3, 4, 5]}\n", "    cr: {cr3_targets: [0x1000, 0x2000]}\n"},
        RuleCase{"eptp-accessed-dirty", "    ept: {accessed_dirty: true}\n", "    ept: {accessed_dirty: false}\n", VTX_SOURCE_DIR "/tests/host/targets/no-ept-ad.yaml"},
        RuleCase{"msr-load-entry", "    msr: {entry_load: [{msr: ia32-fs-base, value: 0}]}\n",
                 "    msr: {entry_load: [{msr: ia32-time-stamp-counter, value: 0}]}\n"},
        RuleCase{"msr-load-smm-only", "    msr: {entry_load: [{msr: ia32-smm-monitor-ctl, value: 0}]}\n",
                 "    msr: {entry_load: [{msr: ia32-time-stamp-counter, value: 0}]}\n"},
        RuleCase{"msr-list-count", msr_load_list(513), msr_load_list(512)},
        RuleCase{"event-nmi-vector", "    inject: [{vector: 3, type: nmi}]\n", "    inject: [{vector: 2, type: nmi}]\n"},
        RuleCase{"event-exception-vector", "    inject: [{vector: 40, type: hardware-exception}]\n",
                 "    inject: [{vector: 6, type: hardware-exception}]\n"},
        RuleCase{"event-error-code", "    inject: [{vector: 6, type: hardware-exception, error_code: 0}]\n",
                 "    inject: [{vector: 13, type: hardware-exception, error_code: 0}]\n"},
        RuleCase{"event-instruction-length", "    inject: [{vector: 3, type: software-exception, length: 16}]\n",
                 "    inject: [{vector: 3, type: software-exception, length: 1}]\n"},
        RuleCase{"event-in-activity-state", entry("activity_state: 1") + "    inject: [{vector: 13, type: hardware-exception, error_code: 0}]\n",
                 entry("activity_state: 1") + "    inject: [{vector: 2, type: nmi}]\n"},
        RuleCase{"blocking-requires-active", entry("interruptibility_state: 2, activity_state: 1"), entry("interruptibility_state: 2")},
        RuleCase{"event-blocked", entry("interruptibility_state: 2") + "    inject: [{vector: 2, type: nmi}]\n",
                 entry("interruptibility_state: 0") + "    inject: [{vector: 2, type: nmi}]\n"},
        RuleCase{"event-blocked", entry("interruptibility_state: 1, rflags: 0x202") + "    inject: [{vector: 0x30, type: external-interrupt}]\n",
                 entry("rflags: 0x202") + "    inject: [{vector: 0x30, type: external-interrupt}]\n"},
        RuleCase{"event-type-reserved", "    inject: [{vector: 3, type: reserved}]\n",
                 "    inject: [{vector: 3, type: software-exception, length: 1}]\n"},
        RuleCase{"save-timer-needs-active-timer", "    controls: {exit: [save-vmx-preemption-timer-value]}\n",
                 "    preemption_timer: {value: 1000}\n    controls: {exit: [save-vmx-preemption-timer-value]}\n"},
        RuleCase{"event-error-code-reserved", "    inject: [{vector: 13, type: hardware-exception, error_code: 0x10000}]\n",
                 "    inject: [{vector: 13, type: hardware-exception, error_code: 0xFFFF}]\n"},
        RuleCase{"event-error-code", "    inject: [{vector: 2, type: nmi, error_code: 0}]\n", "    inject: [{vector: 2, type: nmi}]\n",
                 VTX_SOURCE_DIR "/tests/host/targets/no-ept-ad.yaml"},
        RuleCase{"activity-state-supported", entry("activity_state: 1"), entry("activity_state: 0"), kMinimalCaps},
        RuleCase{"entry-to-smm", "    controls: {entry: [entry-to-smm]}\n", ""},
        // book 2.5.5.2: the target's allowed-1 settings (Bochs 2.7: MTF is missing on skylake-x, posted interrupts everywhere)
        RuleCase{"control-not-allowed", "    controls: {proc: [monitor-trap-flag]}\n", "    controls: {proc: [hlt-exiting]}\n", "bochs-2.7-skylake-x"},
        RuleCase{"control-not-allowed", "    controls: {proc: [monitor-trap-flag]}\n", "", "bochs-2.7-skylake-x"},
        RuleCase{"control-not-allowed", "    controls: {" + kPostedControls + "pin: [external-interrupt-exiting, process-posted-interrupts]}\n",
                 "    controls: {" + kPostedControls + "pin: [external-interrupt-exiting]}\n", "bochs-2.7-tigerlake"},
        // SDM 26.3.1 guest state of the profile's entry
        RuleCase{"cr0-pg-requires-pe", entry("cr0: 0x80000010"), entry("cr0: 0x11")},
        RuleCase{"rflags-reserved", entry("rflags: 0x8"), entry("rflags: 0x2")},
        RuleCase{"sti-blocking-requires-if", entry("interruptibility_state: 1"), entry("interruptibility_state: 1, rflags: 0x202")},
        RuleCase{"sti-and-movss", entry("interruptibility_state: 3, rflags: 0x202"), entry("interruptibility_state: 2")},
        RuleCase{"activity-state", entry("activity_state: 5"), entry("activity_state: 1")},
        RuleCase{"cr4-fixed-bits", entry("cr4: 0x1000000"), entry("cr4: 0x0")},
        RuleCase{"v8086-segment-base", entry("rflags: 0x20002"), entry("rflags: 0x2")},
        RuleCase{"v8086-segment-limit", entry("rflags: 0x20002"), entry("rflags: 0x2")},
        RuleCase{"v8086-segment-access-rights", entry("rflags: 0x20002"), entry("rflags: 0x2")},
        // the profile's explicit control registers must agree with its mode
        RuleCase{"mode-consistency", base_profile("", "{mode: long, rip: 0x100000, rsp: 0x90000, cr0: 0x11}"),
                 base_profile("", "{mode: long, rip: 0x100000, rsp: 0x90000, cr0: 0x80000011}")},
        RuleCase{"mode-consistency", base_profile("", "{mode: pae, rip: 0x100000, rsp: 0x90000, cr4: 0x0}"),
                 base_profile("", "{mode: pae, rip: 0x100000, rsp: 0x90000, cr4: 0x20}")},
        RuleCase{"mode-consistency", entry("efer: 0x500"), entry("efer: 0x0")},
        RuleCase{"mode-consistency", base_profile("", "{mode: real, rip: 0x7c00, rsp: 0x7000, cr0: 0x11}"),
                 base_profile("", "{mode: real, rip: 0x7c00, rsp: 0x7000, cr0: 0x10}")},
        // structure
        RuleCase{"region-overlap", test_support::profile_with_memory("      - {gpa: 0, size: 2M}\n" + kDemoAt1M),
                 test_support::profile_with_memory("      - {gpa: 0, size: 1M}\n" + kDemoAt1M)},
        RuleCase{"region-alignment", test_support::profile_with_memory("      - {gpa: 0x1001, size: 4K}\n" + kDemoAt1M),
                 test_support::profile_with_memory("      - {gpa: 0x1000, size: 4K}\n" + kDemoAt1M)},
        RuleCase{"image-fit", test_support::profile_with_memory("      - {gpa: 0x100000, size: 4K, image: demo, image_offset: 0xF00}\n"),
                 test_support::profile_with_memory("      - {gpa: 0x100000, size: 4K, image: demo}\n")},
        RuleCase{"cpu-missing", test_support::profile_with_memory("      - {gpa: 0, size: 1M}\n" + kDemoAt1M, "[9]"),
                 test_support::profile_with_memory("      - {gpa: 0, size: 1M}\n" + kDemoAt1M, "[7]")},
        RuleCase{"vpid-collision", two_guests_on_cpu0("    vpid: 7\n", "    vpid: 7\n"), two_guests_on_cpu0("    vpid: 7\n", "    vpid: 8\n")},
        RuleCase{"unknown-key", "    entyr: {}\n", ""},
        RuleCase{"unknown-control", "    controls: {proc: [hlt-exitin]}\n", "    controls: {proc: [hlt-exiting]}\n"},
        RuleCase{"unknown-exception", "    exceptions: {trap: [gpf]}\n", "    exceptions: {trap: [gp]}\n"},
        RuleCase{"timer-zero", "    preemption_timer: {value: 0}\n", "    preemption_timer: {value: 100}\n"},
        RuleCase{"timer-zero", "    preemption_timer: {time: 0.1ns}\n", "    preemption_timer: {time: 1ns}\n"},
        RuleCase{"entry-rip-unmapped", base_profile("", "{mode: protected, rip: 0x5000000, rsp: 0x90000}"), base_profile()},
        RuleCase{"entry-rip-not-executable",
                 test_support::profile_with_memory("      - {gpa: 0, size: 1M}\n      - {gpa: 0x100000, size: 64K, image: demo, perm: r}\n"),
                 test_support::profile_with_memory("      - {gpa: 0, size: 1M}\n" + kDemoAt1M)},
        RuleCase{"ept-write-without-read", test_support::profile_with_memory("      - {gpa: 0, size: 1M, perm: w}\n" + kDemoAt1M),
                 test_support::profile_with_memory("      - {gpa: 0, size: 1M, perm: rw}\n" + kDemoAt1M)},
        RuleCase{"ept-write-without-read", test_support::profile_with_memory("      - {gpa: 0, size: 1M, perm: wx}\n" + kDemoAt1M),
                 test_support::profile_with_memory("      - {gpa: 0, size: 1M, perm: rwx}\n" + kDemoAt1M)},
        RuleCase{"ept-execute-only", test_support::profile_with_memory("      - {gpa: 0, size: 1M, perm: x}\n" + kDemoAt1M),
                 test_support::profile_with_memory("      - {gpa: 0, size: 1M, perm: rx}\n" + kDemoAt1M), kMinimalCaps},
        RuleCase{"type", "    vpid: zero\n", "    vpid: 3\n"},
        RuleCase{"range", "    io: {trap: [0x10000]}\n", "    io: {trap: [0x70, 0x92]}\n"}),
    [](const ::testing::TestParamInfo<RuleCase>& info) {
      std::string name = info.param.rule;
      for (char& c : name)
        if (c == '-') c = '_';
      return name + "_" + std::to_string(info.index);
    });

}  // namespace

namespace {

// Target-dependent rules: what a target without the capability refuses, a
// target with it accepts (IA32_VMX_MISC bits 6-8, IA32_VMX_EPT_VPID_CAP bit 0,
// IA32_VMX_BASIC bit 56).
TEST(TargetCapabilities, OptionalFeaturesAcceptedWhereTheTargetHasThem) {
  const std::string no_ec_vector = "    inject: [{vector: 6, type: hardware-exception, error_code: 0}]\n";
  const std::string gp_without_ec = "    inject: [{vector: 13, type: hardware-exception}]\n";
  const std::string execute_only = test_support::profile_with_memory("      - {gpa: 0, size: 1M, perm: x}\n" + kDemoAt1M);
  const std::string ad = VTX_SOURCE_DIR "/tests/host/targets/no-ept-ad.yaml";  // IA32_VMX_BASIC[56] = 1
  for (const char* state : {"activity_state: 1", "activity_state: 2", "activity_state: 3"}) {
    EXPECT_TRUE(has_rule(compile_text("a.yaml", entry(state), kMinimalCaps), "activity-state-supported")) << state;
    const auto ok = compile_text("a.yaml", entry(state));
    EXPECT_FALSE(has_rule(ok, "activity-state-supported")) << state << ":\n" << test_support::rendered(ok);
  }
  EXPECT_TRUE(compile_text("x.yaml", execute_only).ok(false));
  EXPECT_TRUE(has_rule(compile_text("e.yaml", base_profile(no_ec_vector)), "event-error-code"));
  EXPECT_TRUE(has_rule(compile_text("e.yaml", base_profile(gp_without_ec)), "event-error-code"));
  const auto relaxed = compile_text("e.yaml", base_profile(no_ec_vector), ad);
  EXPECT_TRUE(relaxed.ok(false)) << test_support::rendered(relaxed);
  EXPECT_TRUE(compile_text("e.yaml", base_profile(gp_without_ec), ad).ok(false));
  // Bit 56 does not lift CR0.PE = 1: a real-mode guest still cannot get an error code.
  const auto real = base_profile(no_ec_vector, "{mode: real, rip: 0x7c00, rsp: 0x7000}");
  EXPECT_TRUE(has_rule(compile_text("e.yaml", real, ad), "event-error-code"));
}

// Issue 3: posted interrupts (every Bochs model) and MTF (skylake-x) are
// refused with the capability MSR and the bit that forbid them.
TEST(TargetRefusal, NamesTheMsrAndBit) {
  const auto posted = compile_text("posted.yaml", base_profile("    controls: {" + kPostedControls +
                                                               "pin: [external-interrupt-exiting, process-posted-interrupts]}\n"),
                                   "bochs-2.7-icelake-u");
  const std::string p = test_support::rendered(posted);
  EXPECT_NE(p.find("process-posted-interrupts cannot be 1 on target bochs-2.7-icelake-u: IA32_VMX_TRUE_PINBASED_CTLS allowed-1 bit 7"),
            std::string::npos) << p;
  const auto mtf = compile_text("mtf.yaml", base_profile("    controls: {proc: [monitor-trap-flag]}\n"), "bochs-2.7-skylake-x");
  const std::string m = test_support::rendered(mtf);
  EXPECT_NE(m.find("monitor-trap-flag cannot be 1 on target bochs-2.7-skylake-x: IA32_VMX_TRUE_PROCBASED_CTLS allowed-1 bit 27"),
            std::string::npos) << m;
  EXPECT_TRUE(compile_text("mtf-ok.yaml", base_profile("    controls: {proc: [monitor-trap-flag]}\n"), "bochs-tigerlake").ok(false));
}

// Bochs 3.0's models allow what 2.7's forbid: posted interrupts everywhere, MTF on skylake-x.
TEST(TargetRefusal, Bochs30AllowsPostedInterruptsAndMtf) {
  for (const char* t : {"bochs-3.0-tigerlake", "bochs-3.0-skylake-x", "bochs-3.0-icelake-u"}) {
    const auto posted = compile_text("posted.yaml", base_profile("    controls: {" + kPostedControls +
                                                                 "pin: [external-interrupt-exiting, process-posted-interrupts]}\n"), t);
    EXPECT_TRUE(posted.ok(false)) << t << test_support::rendered(posted);
    EXPECT_TRUE(compile_text("mtf.yaml", base_profile("    controls: {proc: [monitor-trap-flag]}\n"), t).ok(false)) << t;
  }
}

// A control the target's boot-time probe found not delivered (Bochs 2.7's
// MTF) is a warning naming it; the same profile on Bochs 3.0 is clean.
TEST(TargetProbes, ControlNotDeliveredWarns) {
  const std::string mtf = "    controls: {proc: [monitor-trap-flag]}\n";
  const auto on27 = compile_text("mtf.yaml", base_profile(mtf), "bochs-2.7-tigerlake");
  const std::string text = test_support::rendered(on27);
  EXPECT_TRUE(on27.ok(false)) << text;
  EXPECT_FALSE(on27.ok(true)) << "a warning: --werror refuses it";
  EXPECT_NE(text.find("warning: target bochs-2.7-tigerlake advertises control monitor-trap-flag but its capability probe found it "
                      "not delivered: the hypervisor refuses guest"), std::string::npos) << text;
  EXPECT_NE(text.find("[control-not-delivered"), std::string::npos) << text;
  const auto run_anyway = compile_text("mtf-run.yaml", base_profile(mtf + "    undelivered_controls: run\n"), "bochs-2.7-tigerlake");
  EXPECT_NE(test_support::rendered(run_anyway).find("runs anyway (undelivered_controls: run)"), std::string::npos);
  EXPECT_EQ(run_anyway.lowered.guests.at(0).record.flags & blob::kGuestRunUndeliveredControls, blob::kGuestRunUndeliveredControls);
  const auto on30 = compile_text("mtf.yaml", base_profile(mtf), "bochs-3.0-tigerlake");
  EXPECT_TRUE(on30.ok(true)) << test_support::rendered(on30);
}

}  // namespace

namespace {

// A time beyond the 32-bit timer is clamped with a warning (an error under
// --werror), reported once even when a template gives it to several guests.
TEST(TimerRange, ClampedWithAWarningAtTheTimeValue) {
  const auto long_time = compile_text("timer-long.yaml", base_profile("    preemption_timer: {time: 100s}\n"));
  EXPECT_TRUE(has_rule(long_time, "timer-range")) << test_support::rendered(long_time);
  EXPECT_TRUE(long_time.ok(false));
  EXPECT_FALSE(long_time.ok(true));
  EXPECT_EQ(long_time.lowered.guests.at(0).record.preemption_timer_value, 0xFFFFFFFFu);
  const auto ok = compile_text("timer-ok.yaml", base_profile("    preemption_timer: {time: 50us}\n"));
  EXPECT_TRUE(ok.ok(true)) << test_support::rendered(ok);
  EXPECT_EQ(ok.lowered.guests.at(0).record.preemption_timer_value, 50000u);  // 1 GHz TSC, rate 0
}

}  // namespace

namespace {
using test_support::base_profile;
using test_support::compile_text;

// A family name (bochs-tigerlake) means the capture of the Bochs a run uses;
// Bochs 3.0 when nobody says.
TEST(TargetFamilies, ResolveToTheEmulatorVersion) {
  std::string error;
  const auto by_default = configgen::parse::load_target("bochs-tigerlake", error);
  ASSERT_TRUE(by_default) << error;
  EXPECT_EQ(by_default->name, "bochs-3.0-tigerlake");
  const auto on27 = configgen::parse::load_target("bochs-tigerlake", error, "2.7");
  ASSERT_TRUE(on27) << error;
  EXPECT_EQ(on27->name, "bochs-2.7-tigerlake");
  EXPECT_TRUE(on27->not_delivered("monitor-trap-flag"));
  EXPECT_FALSE(by_default->not_delivered("monitor-trap-flag"));
  EXPECT_FALSE(configgen::parse::load_target("bochs-tigerlake", error, "9.9"));
  EXPECT_NE(error.find("bochs-9.9-tigerlake.yaml"), std::string::npos) << error;
}

// Expectations quote the target: ${target.msr.NAME} and ${target.allowed.CONTROL}.
TEST(TargetFamilies, ExpectationsFollowTheTarget) {
  std::string error;
  const auto t27 = configgen::parse::load_target("bochs-2.7-tigerlake", error);
  const auto t30 = configgen::parse::load_target("bochs-3.0-tigerlake", error);
  ASSERT_TRUE(t27 && t30) << error;
  const std::string line = "IA32_VMX_BASIC = ${target.msr.IA32_VMX_BASIC}; posted: ${target.allowed.process-posted-interrupts}";
  std::string why;
  EXPECT_EQ(configgen::parse::expand_target_references(line, *t27, why), "IA32_VMX_BASIC = 0x01d8100000000004; posted: must be 0");
  EXPECT_EQ(configgen::parse::expand_target_references(line, *t30, why), "IA32_VMX_BASIC = 0x00d8100000000004; posted: 0 or 1");
  EXPECT_TRUE(why.empty()) << why;
  configgen::parse::expand_target_references("${target.msr.IA32_NOPE}", *t30, why);
  EXPECT_NE(why.find("has no MSR IA32_NOPE"), std::string::npos) << why;
  why.clear();
  configgen::parse::expand_target_references("${target.allowed.hlt-exitng}", *t30, why);
  EXPECT_NE(why.find("no control named hlt-exitng"), std::string::npos) << why;
  const auto bad = compile_text("bad-ref.yaml", base_profile("    expect:\n      - serial: \"${target.msr.IA32_NOPE}\"\n"));
  EXPECT_NE(test_support::rendered(bad).find("[unknown-target-reference"), std::string::npos) << test_support::rendered(bad);
}

}  // namespace
