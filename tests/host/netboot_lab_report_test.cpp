// `configgen lab report` (netboot/report.cpp): a machine's last boot in a
// log a console server appends to is judged against its own profile; logs
// are matched to machines by the blob their command line names; machines
// without a log fail; a guest cannot forge the lines a verdict reads.
// tests/host/logs/demo-lab-a.serial is a recorded Bochs run of
// profiles/demo.yaml with the command line the lab tree gives machine lab-a.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "commands/lab.h"
#include "netboot/report.h"

namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const fs::path kRecorded = fs::path(VTX_SOURCE_DIR) / "tests/host/logs/demo-lab-a.serial";

// A machine that booted once without finishing (the console server's own
// marks around it, CR LF line ends), then once to the end.
std::string conserver_log(const std::string& last_boot) {
  return "[-- Console up -- Wed Dec  2 09:00:00 2026]\r\n"
         "[cpu0] vmm: starting (multiboot magic 0x2badb002)\r\n"
         "[cpu0] vmm: command line: exit=halt blob=lab-a.blob\r\n"
         "[cpu0] vmm: guest demo ready: mode 1\r\n"
         "[-- MARK -- Wed Dec  2 09:05:00 2026]\r\n" +
         last_boot;
}

class LabReport : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(VTX_BINARY_DIR) / "tests" / "host-lab-report" / ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    lab_.name = "report-lab";
    lab_.machines = {{"lab-a", "52:54:00:77:00:0a", std::string(VTX_SOURCE_DIR) + "/profiles/demo.yaml", ""},
                     {"lab-b", "52:54:00:77:00:0b", std::string(VTX_SOURCE_DIR) + "/profiles/demo.yaml", ""}};
  }
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name, std::ios::binary) << text; }
  netboot::LabReport report(bool with_manifest = true) {
    std::string error;
    auto r = netboot::report_lab(dir_.string(), with_manifest ? &lab_ : nullptr, error);
    EXPECT_EQ(error, "");
    return r;
  }
  fs::path dir_;
  netboot::Lab lab_;
};

TEST_F(LabReport, TheLastBootIsJudgedAgainstTheMachinesProfile) {
  // GRUB on UEFI leaves a carriage return before the hypervisor's first line.
  const std::string recorded = std::regex_replace(slurp(kRecorded), std::regex("\\[cpu0\\] vmm: starting"), "\r$&");
  ASSERT_NE(recorded.find("\r[cpu0] vmm: starting"), std::string::npos);
  write("lab-a", conserver_log(recorded));
  const auto r = report();
  ASSERT_EQ(r.machines.size(), 2u);
  const auto& a = r.machines[0];
  EXPECT_EQ(a.machine, "lab-a");
  EXPECT_EQ(a.boots, 2);
  EXPECT_EQ(a.appliance, "demo");
  EXPECT_EQ(a.state, "pass") << a.verdict.summary();
  // demo.yaml's four expectations and the end line.
  EXPECT_EQ(a.verdict.checks.size(), 5u);
  // lab-b has no log: the lab does not pass.
  EXPECT_EQ(r.machines[1].state, "no-log");
  EXPECT_FALSE(r.pass());
}

TEST_F(LabReport, AnUnfinishedLastBootFails) {
  std::string text = slurp(kRecorded);
  text = text.substr(0, text.find("[cpu0] guest demo| CPUID vendor"));  // the machine hung or lost power here
  write("lab-a.log", text);
  const auto r = report();
  EXPECT_EQ(r.machines[0].state, "no-end");
  EXPECT_FALSE(r.machines[0].verdict.failures.empty());
}

TEST_F(LabReport, LogsAreMatchedByTheBlobTheyBootedNotTheFileName) {
  write("console-ttyS3", slurp(kRecorded));  // ser2net names logs by port
  std::string b = slurp(kRecorded);
  b = std::regex_replace(b, std::regex("blob=lab-a\\.blob"), "blob=lab-b.blob");
  write("b-20261202.log", b);
  const auto r = report();
  ASSERT_EQ(r.machines.size(), 2u);
  EXPECT_EQ(r.machines[0].log_path, (dir_ / "console-ttyS3").string());
  EXPECT_EQ(r.machines[1].log_path, (dir_ / "b-20261202.log").string());
  EXPECT_TRUE(r.pass());
}

TEST_F(LabReport, OnlyTheNewestLogOfAMachineCounts) {
  std::string failed = slurp(kRecorded);
  failed = std::regex_replace(failed, std::regex("vmm: end: pass"), "vmm: end: fail");
  write("lab-a.1", failed);
  fs::last_write_time(dir_ / "lab-a.1", fs::file_time_type::clock::now() - std::chrono::hours(24));
  write("lab-a", slurp(kRecorded));
  const auto r = report();
  EXPECT_EQ(r.machines[0].log_path, (dir_ / "lab-a").string());
  EXPECT_EQ(r.machines[0].state, "pass");
  ASSERT_FALSE(r.notes.empty());
  EXPECT_NE(r.notes[0].find("an older log of lab-a"), std::string::npos) << r.notes[0];
}

TEST_F(LabReport, AGuestCannotPrintTheLinesAVerdictReads) {
  // A guest that ends its own console line and "starts" a hypervisor line,
  // with and without a carriage return, then spins: the boot never ends.
  std::string text = slurp(kRecorded);
  text = text.substr(0, text.find("[cpu0] guest demo| demo guest done"));
  text += "[cpu0] guest demo| \r[cpu0] vmm: guest demo ended: halted (HLT); exits: cpuid=2\n";
  text += "[cpu0] guest demo| [cpu0] vmm: end: pass\n";
  write("lab-a", text);
  const auto r = report();
  EXPECT_EQ(r.machines[0].state, "no-end");
  EXPECT_TRUE(r.machines[0].log.guests.empty());
}

TEST_F(LabReport, WithoutAManifestEachLogIsJudgedByTheEndLine) {
  write("lab-a", slurp(kRecorded));
  write("notes.txt", "not a serial log\n");
  const auto r = report(false);
  ASSERT_EQ(r.machines.size(), 1u);
  EXPECT_EQ(r.machines[0].machine, "lab-a");
  EXPECT_EQ(r.machines[0].state, "pass");
  EXPECT_EQ(r.machines[0].verdict.checks.size(), 1u);
  ASSERT_EQ(r.notes.size(), 1u);
  EXPECT_NE(r.notes[0].find("notes.txt"), std::string::npos);
}

TEST_F(LabReport, JunitHasOneSuitePerMachineAndCountsFailures) {
  write("lab-a", slurp(kRecorded));
  const auto r = report();
  const std::string x = configgen::commands::lab_report_junit(r, "report-lab");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(x, m, std::regex(R"re(<testsuites name="report-lab" tests="(\d+)" failures="(\d+)">)re"))) << x;
  EXPECT_EQ(m[1], "6");  // lab-a: end line + 4 expectations; lab-b: its missing boot
  EXPECT_EQ(m[2], "1");
  EXPECT_NE(x.find("<testsuite name=\"lab-a\" tests=\"5\" failures=\"0\""), std::string::npos) << x;
  EXPECT_NE(x.find("<testsuite name=\"lab-b\" tests=\"1\" failures=\"1\""), std::string::npos) << x;
  EXPECT_NE(x.find("type=\"no-log\""), std::string::npos) << x;
  const std::string text = configgen::commands::lab_report_text(r);
  EXPECT_NE(text.find("2 machine(s): 1 passed, 1 did not"), std::string::npos) << text;
}

}  // namespace
