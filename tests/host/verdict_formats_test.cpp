// run --json and run --junit on a canned serial log: one check per
// expectation plus the end line, failures carrying the verdict's sentence.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

#include "appliance/serial_log.h"
#include "appliance/verdict.h"
#include "commands/verdict_formats.h"

namespace {
using namespace configgen;
using appliance::judge;
using appliance::parse_serial_log;
using model::Expectation;

const char* kLog =
    "[cpu0] vmm: starting\r\n"
    "[cpu0] guest demo| hello from a protected-mode guest\r\n"
    "[cpu0] vmm: guest demo ended: halted (HLT with interrupts off at rip 0x1000b6); exits: cpuid=2 hlt=1\r\n"
    "[cpu0] vmm: summary: guests=1 finished=1 stopped=0 refused=0\r\n"
    "[cpu0] vmm: end: pass\r\n";

std::vector<Expectation> expectations() {
  Expectation hello;
  hello.pattern = "guest demo\\| hello";
  hello.loc = {"demo.yaml", 12, 7};
  Expectation goodbye;
  goodbye.pattern = "goodbye & <farewell>";
  goodbye.loc = {"demo.yaml", 13, 7};
  Expectation ends;
  ends.kind = Expectation::Kind::GuestEnd;
  ends.guest = "demo";
  ends.outcome = "halted";
  ends.loc = {"demo.yaml", 14, 7};
  return {hello, goodbye, ends};
}

commands::RunFacts facts(int status) { return {"profiles/demo.yaml", "bochs 3.0", "cdrom", 1, "/tmp/x/serial.log", false, status}; }

TEST(VerdictChecks, OnePerExpectationAndOneForTheEndLine) {
  const auto v = judge(parse_serial_log(kLog), expectations(), true);
  ASSERT_EQ(v.checks.size(), 4u);
  EXPECT_EQ(v.checks[0].name, "vmm: end: pass");
  EXPECT_TRUE(v.checks[0].failure.empty());
  EXPECT_TRUE(v.checks[1].failure.empty());
  EXPECT_EQ(v.checks[2].failure, "demo.yaml:13: 'goodbye & <farewell>' matched 0 line(s)");
  EXPECT_EQ(v.checks[3].name, "guest demo ends halted");
  EXPECT_TRUE(v.checks[3].failure.empty());
  EXPECT_FALSE(v.pass);
}

TEST(VerdictFormats, JsonHasTheVerdictEveryCheckAndTheGuests) {
  const auto log = parse_serial_log(kLog);
  const auto v = judge(log, expectations(), true);
  const auto j = nlohmann::json::parse(commands::verdict_json(v, log, facts(1)));
  EXPECT_EQ(j.at("verdict"), "fail");
  EXPECT_EQ(j.at("pass"), false);
  EXPECT_EQ(j.at("exit_status"), 1);
  EXPECT_EQ(j.at("end_line"), "pass");
  ASSERT_EQ(j.at("checks").size(), 4u);
  EXPECT_EQ(j.at("checks")[2].at("passed"), false);
  EXPECT_EQ(j.at("checks")[2].at("location").at("line"), 13);
  EXPECT_EQ(j.at("checks")[1].at("passed"), true);
  ASSERT_EQ(j.at("guests").size(), 1u);
  EXPECT_EQ(j.at("guests")[0].at("outcome"), "halted");
  EXPECT_EQ(j.at("guests")[0].at("exits").at("cpuid"), 2);
}

TEST(VerdictFormats, JunitHasATestcasePerCheckAndTheFailureMessage) {
  const auto v = judge(parse_serial_log(kLog), expectations(), true);
  const std::string x = commands::verdict_junit(v, facts(1));
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u);
  EXPECT_NE(x.find("<testsuite name=\"demo\" tests=\"4\" failures=\"1\""), std::string::npos) << x;
  const std::regex testcase("<testcase ");
  EXPECT_EQ(std::distance(std::sregex_iterator(x.begin(), x.end(), testcase), std::sregex_iterator()), 4);
  // Escaped: the pattern's & and <> would otherwise break the XML.
  EXPECT_NE(x.find("<failure message=\"demo.yaml:13: &apos;goodbye &amp; &lt;farewell&gt;&apos; matched 0 line(s)\""),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("name=\"guest demo ends halted\" file=\"demo.yaml\" line=\"14\"/>"), std::string::npos) << x;
  EXPECT_EQ(x.find("<failure", x.find("<failure") + 1), std::string::npos);  // one failure only
}

TEST(VerdictFormats, AllPassingMeansNoFailureElements) {
  auto e = expectations();
  e.erase(e.begin() + 1);
  const auto v = judge(parse_serial_log(kLog), e, true);
  EXPECT_TRUE(v.pass);
  const std::string x = commands::verdict_junit(v, facts(0));
  EXPECT_EQ(x.find("<failure"), std::string::npos) << x;
  EXPECT_NE(x.find("failures=\"0\""), std::string::npos);
}

}  // namespace
