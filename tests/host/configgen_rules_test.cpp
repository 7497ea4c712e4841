// Every validation rule: a profile that breaks it is rejected with the rule
// name and a file:line:col, and the same profile with the rule respected
// compiles.
#include <gtest/gtest.h>

#include "configgen_test_support.h"
#include "arch/entry_rules.h"
#include "parse/target_file.h"
#include "rule_cases.h"

namespace {
using test_support::base_profile;
using test_support::compile_text;
using test_support::has_rule;
using namespace rule_cases;  // the helpers the cases are written with

struct RuleCase {
  const char* rule;
  std::string bad;   // guest extra keys (or a whole profile when starting with "appliance")
  std::string good;
  std::string target = "";
  Oracle oracle = Oracle::none;  // what the Bochs differential does with it
  const char* reason = "";
};

// Test names and failure messages show the rule, not the struct's bytes.
void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.rule; }

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

// The cases live in rule_cases.def, which the Bochs differential test and
// the coverage document read too.
const std::vector<RuleCase> kRuleCases = {
#define RULE_CASE(rule, bad, good, target, oracle, reason, also_allow) RuleCase{rule, bad, good, target, Oracle::oracle, reason},
#include "rule_cases.def"
#undef RULE_CASE
};

INSTANTIATE_TEST_SUITE_P(
    Sdm, Rules, ::testing::ValuesIn(kRuleCases),
    [](const ::testing::TestParamInfo<RuleCase>& info) {
      std::string name = info.param.rule;
      for (char& c : name)
        if (c == '-') c = '_';
      return name + "_" + std::to_string(info.index);
    });

// The differential test (tests/emulator/sdm_differential.cpp) covers every
// row a profile can influence, configgen checks and the hypervisor names,
// with one case each; a row outside that set has no differential case, and
// a row not booted or known to pass Bochs says why.
TEST(RuleCasesData, OneDifferentialCasePerCoveredRow) {
  for (const auto& r : arch::kEntryRules) {
    const bool covered = r.profile_can_influence && r.checked_by_configgen && r.named_by_hypervisor;
    int cases = 0, differential = 0;
    for (const auto& c : kRuleCases)
      if (std::string(c.rule) == r.id) {
        ++cases;
        differential += c.oracle != Oracle::none;
      }
    if (covered && cases > 0)
      EXPECT_EQ(differential, 1) << r.id << ": a covered row needs exactly one case whose oracle is not none";
    if (!covered) EXPECT_EQ(differential, 0) << r.id << ": outside the differential (profile, configgen and hypervisor not all yes)";
  }
  for (const auto& c : kRuleCases) {
    if (c.oracle != Oracle::none && c.oracle != Oracle::boot)
      EXPECT_STRNE(c.reason, "") << c.rule << ": " << oracle_name(c.oracle) << " needs a reason";
    if (c.oracle != Oracle::none) EXPECT_TRUE(arch::find_entry_rule(c.rule)) << c.rule << " is not in entry_rules.def";
  }
}

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

namespace {
// `configgen run --allow-rule` (the Bochs differential's way past configgen):
// only the named rule's errors become notes, each saying so; a rule the
// profile does not break is itself an error.
configgen::Pipeline compile_allowing(const std::string& name, const std::string& yaml, std::vector<std::string> allowed) {
  configgen::CompileOptions o;
  o.allowed_rules = std::move(allowed);
  return configgen::run_pipeline(test_support::write_temp(name, yaml), o);
}

TEST(AllowRule, TurnsOnlyThatRulesErrorsIntoNotes) {
  const std::string nmi3 = rule_cases::base_profile("    inject: [{vector: 3, type: nmi}]\n");
  const auto allowed = compile_allowing("allow.yaml", nmi3, {"event-nmi-vector"});
  EXPECT_TRUE(allowed.ok(false)) << test_support::rendered(allowed);
  EXPECT_FALSE(allowed.blob.empty());
  const std::string text = test_support::rendered(allowed);
  EXPECT_NE(text.find("note: allowed by --allow-rule event-nmi-vector (testing only): "), std::string::npos) << text;
  EXPECT_NE(text.find("[event-nmi-vector, SDM 26.2.1.3]"), std::string::npos) << text;

  const auto other = compile_allowing("allow-other.yaml", nmi3, {"cr3-target-count"});
  EXPECT_FALSE(other.ok(false));
  EXPECT_TRUE(has_rule(other, "event-nmi-vector")) << test_support::rendered(other);
  EXPECT_TRUE(has_rule(other, "allow-rule-unused")) << test_support::rendered(other);

  // CR0.PG without PE breaks mode-consistency too: allowing one leaves the other an error.
  const auto pg = compile_allowing("allow-pg.yaml", rule_cases::entry("cr0: 0x80000010"), {"cr0-pg-requires-pe"});
  EXPECT_FALSE(pg.ok(false));
  EXPECT_TRUE(has_rule(pg, "mode-consistency")) << test_support::rendered(pg);
  EXPECT_TRUE(compile_allowing("allow-pg2.yaml", rule_cases::entry("cr0: 0x80000010"), {"cr0-pg-requires-pe", "mode-consistency"}).ok(false));
}
}  // namespace
