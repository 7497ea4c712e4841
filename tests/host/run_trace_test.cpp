// The run trace's host half (appliance/run_trace.cpp, commands/trace_formats.cpp):
// reading the dump from a serial log, refusing a damaged one, comparing its
// exits with the guests' ended lines, and the Chrome-trace document.
// tests/host/logs/trace-ex6-1.serial is a recorded Bochs run of
// profiles/book/ex6-1-ept-time-slices.yaml with `configgen run --trace`
// (two guests time-sliced on one CPU).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "appliance/run_trace.h"
#include "appliance/serial_log.h"
#include "blob/crc32c.h"
#include "commands/trace_formats.h"
#include "commands/verdict_formats.h"
#include "lib/base64.h"

namespace {
namespace fs = std::filesystem;
using appliance::parse_serial_log;
using appliance::read_run_trace;

const fs::path kRecorded = fs::path(VTX_SOURCE_DIR) / "tests/host/logs/trace-ex6-1.serial";

std::string recorded() {
  std::ifstream in(kRecorded, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string base64(const std::string& s) {
  std::string out(lib::base64_length(s.size()) + 1, '\0');
  out.resize(lib::base64_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size(), out.data()));
  return out;
}

// The hypervisor's dump of `records` on CPU 0 for guest 0 ("g"), with the
// given ended line, as console/trace.cpp and run/report.cpp write it.
std::string synthetic_log(const std::vector<trace::Record>& records, uint64_t overwritten, const std::string& ended) {
  std::ostringstream o;
  o << "[cpu0] vmm: trace: format 1, 1 CPUs, 16 records per CPU\n";
  o << "[cpu0] vmm: trace guest 0: g on cpu 0\n";
  o << "[cpu0] vmm: trace cpu 0: " << records.size() << " records, " << overwritten << " overwritten, 0 clock resets\n";
  const auto* bytes = reinterpret_cast<const uint8_t*>(records.data());
  const size_t size = records.size() * sizeof(trace::Record);
  std::string text(lib::base64_length(size) + 1, '\0');
  text.resize(lib::base64_encode(bytes, size, text.data()));
  if (!records.empty()) o << "[cpu0] vmm: trace cpu 0 data: " << text << "\n";
  char crc[16];
  std::snprintf(crc, sizeof crc, "0x%08x", blob::crc32c_update(0, bytes, size));
  o << "[cpu0] vmm: trace cpu 0 end: crc32c " << crc << "\n[cpu0] vmm: trace end\n";
  o << ended << "\n[cpu0] vmm: end: pass\n";
  return o.str();
}

std::vector<trace::Record> one_slice_with_cpuid_exits(int exits) {
  std::vector<trace::Record> r;
  r.push_back({1000, uint8_t(trace::Kind::SliceStart), 0, 0, 0});
  for (int i = 0; i < exits; ++i) r.push_back({uint64_t(1100 + 100 * i), uint8_t(trace::Kind::Exit), 10, 0, 40});
  r.push_back({5000, uint8_t(trace::Kind::GuestEnd), uint8_t(blob::Outcome::Halted), 0, uint32_t(exits + 1)});
  r.push_back({5010, uint8_t(trace::Kind::SliceEnd), uint8_t(trace::SliceEndCause::Finished), 0, uint32_t(exits + 1)});
  return r;
}

TEST(RunTrace, Base64IsRfc4648) {
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64("foob"), "Zm9vYg==");
  EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
}

TEST(RunTrace, ALogWithoutATraceHasNone) {
  std::string error;
  EXPECT_FALSE(read_run_trace(parse_serial_log("[cpu0] vmm: end: pass\n"), error));
  EXPECT_EQ(error, "");
}

TEST(RunTrace, SyntheticDumpReadsBackAndAgreesWithItsEndedLine) {
  const auto log = parse_serial_log(synthetic_log(one_slice_with_cpuid_exits(3), 0, "[cpu0] vmm: guest g ended: halted (hlt); exits: cpuid=3"));
  std::string error;
  const auto t = read_run_trace(log, error);
  ASSERT_TRUE(t) << error;
  ASSERT_EQ(t->cpus.size(), 1u);
  EXPECT_EQ(t->cpus[0].records.size(), 6u);
  EXPECT_EQ(t->guests.at(0).name, "g");
  EXPECT_TRUE(t->complete());
  EXPECT_TRUE(appliance::trace_count_mismatches(*t, log).empty());
}

TEST(RunTrace, CountsThatDisagreeAreNamed) {
  const auto log = parse_serial_log(synthetic_log(one_slice_with_cpuid_exits(3), 0, "[cpu0] vmm: guest g ended: halted (hlt); exits: cpuid=4 hlt=1"));
  std::string error;
  const auto t = read_run_trace(log, error);
  ASSERT_TRUE(t) << error;
  const auto m = appliance::trace_count_mismatches(*t, log);
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0], "guest g: 3 cpuid exits in the trace, 4 in its ended line");
  EXPECT_EQ(m[1], "guest g: 0 hlt exits in the trace, 1 in its ended line");
}

TEST(RunTrace, OverwrittenRecordsMakeItIncomplete) {
  const auto log = parse_serial_log(synthetic_log(one_slice_with_cpuid_exits(2), 7, "[cpu0] vmm: guest g ended: halted (hlt); exits: cpuid=9"));
  std::string error;
  const auto t = read_run_trace(log, error);
  ASSERT_TRUE(t) << error;
  EXPECT_FALSE(t->complete());
  EXPECT_EQ(t->cpus[0].overwritten, 7u);
}

// Damage of every kind a serial line can suffer is refused with the line.
TEST(RunTrace, DamagedDumpsAreRefusedNamingTheLine) {
  const std::string good = synthetic_log(one_slice_with_cpuid_exits(3), 0, "[cpu0] vmm: guest g ended: halted (hlt); exits: cpuid=3");
  auto damaged = [&](const std::function<std::string(std::string)>& how) {
    std::string error;
    EXPECT_FALSE(read_run_trace(parse_serial_log(how(good)), error));
    return error;
  };
  // One character of the records changed: the checksum says so.
  EXPECT_NE(damaged([](std::string s) {
              const size_t at = s.find("data: ") + 10;
              s[at] = s[at] == 'A' ? 'B' : 'A';
              return s;
            }).find("CRC32C does not match"),
            std::string::npos);
  // A data line lost.
  EXPECT_NE(damaged([](std::string s) { return std::regex_replace(s, std::regex(".*data: .*\n"), ""); }).find("0 records arrived of the 6 announced"),
            std::string::npos);
  // A character dropped: no longer whole base64.
  EXPECT_NE(damaged([](std::string s) { return s.erase(s.find("data: ") + 8, 1); }).find("not whole base64 records"), std::string::npos);
  // The machine stopped before the end line.
  EXPECT_NE(damaged([](std::string s) { return std::regex_replace(s, std::regex(".*trace end\n"), ""); }).find("no end line"),
            std::string::npos);
  // Another format.
  const std::string other = damaged([](std::string s) { return std::regex_replace(s, std::regex("format 1,"), "format 9,"); });
  EXPECT_NE(other.find("serial log line 1: trace format 9, this configgen reads format 1"), std::string::npos) << other;
}

// A Chrome-trace document against the serial log it came from: every event
// well formed, one exit event per exit the guests' ended lines count, and
// one CPU's slices never overlapping. Returns the slices per guest.
std::map<std::string, int> check_trace_document(const nlohmann::json& doc, const appliance::SerialLog& log) {
  std::map<std::string, int> slices;
  EXPECT_TRUE(doc.contains("traceEvents") && doc["traceEvents"].is_array());
  if (!doc.contains("traceEvents")) return slices;
  std::map<std::string, std::map<std::string, long>> exits;  // guest -> reason -> events
  std::map<std::pair<int, int>, std::string> thread_names;   // (cpu, tid) -> guest
  struct Span {
    double start, end;
  };
  std::map<int, std::vector<Span>> cpu_slices;
  for (const auto& e : doc["traceEvents"]) {
    EXPECT_TRUE(e.contains("ph") && e.contains("name") && e.contains("pid")) << e.dump();
    const std::string ph = e.value("ph", "");
    if (ph == "M") {
      if (e["name"] == "thread_name") thread_names[{e["pid"], e["tid"]}] = e["args"]["name"].get<std::string>().substr(6);
      continue;
    }
    EXPECT_TRUE(e.contains("ts") && e["ts"].is_number() && e.contains("tid") && e.contains("cat")) << e.dump();
    EXPECT_GE(e["ts"].get<double>(), 0);
    if (ph == "X")
      EXPECT_TRUE(e.contains("dur") && e["dur"].get<double>() >= 0) << e.dump();
    else
      EXPECT_EQ(ph, "i") << e.dump();
    const auto name = thread_names.find({e["pid"], e["tid"]});
    EXPECT_NE(name, thread_names.end()) << "an event of a thread no metadata names: " << e.dump();
    if (name == thread_names.end()) continue;
    if (e["cat"] == "exit") ++exits[name->second][e["name"]];
    if (e["cat"] == "slice") {
      ++slices[name->second];
      cpu_slices[e["pid"]].push_back({e["ts"].get<double>(), e["ts"].get<double>() + e["dur"].get<double>()});
    }
  }
  EXPECT_FALSE(log.guests.empty());
  for (const auto& [name, g] : log.guests) EXPECT_EQ(exits[name], g.exits) << name;
  for (auto& [cpu, spans] : cpu_slices) {
    std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
    for (size_t i = 1; i < spans.size(); ++i) EXPECT_LE(spans[i - 1].end, spans[i].start) << "cpu " << cpu << " slice " << i;
  }
  return slices;
}

// The recorded run: a real dump decodes, agrees with both guests' ended
// lines, and becomes a Chrome trace whose events are consistent.
TEST(RunTrace, RecordedEx61RunMatchesItsSummary) {
  const std::string text = recorded();
  ASSERT_FALSE(text.empty()) << kRecorded;
  const auto log = parse_serial_log(text);
  std::string error;
  const auto t = read_run_trace(log, error);
  ASSERT_TRUE(t) << error;
  ASSERT_TRUE(t->complete());
  EXPECT_EQ(t->guests.size(), 2u);
  EXPECT_GT(t->cpus[0].clock_resets, 0u);  // the profile's exit MSR-load list writes the TSC
  const auto mismatches = appliance::trace_count_mismatches(*t, log);
  EXPECT_TRUE(mismatches.empty()) << mismatches.front();
  const auto doc = nlohmann::json::parse(configgen::commands::chrome_trace_json(*t));
  const auto slices = check_trace_document(doc, log);
  // Time-sliced: each guest had more than one slice.
  EXPECT_GT(slices.at("guest-a"), 1);
  EXPECT_GT(slices.at("guest-b"), 1);
  EXPECT_EQ(doc["otherData"]["complete"], true);
}

// The emulator test emu_run_trace (tests/emulator/run_trace.sh) points this
// at the file a real `configgen run --trace` wrote and that run's serial
// log (disabled in the host suite, which has no run to check; the script
// runs it with --gtest_also_run_disabled_tests).
TEST(RunTraceFile, DISABLED_MatchesItsSerialLog) {
  const char* json_path = std::getenv("VTX_TRACE_JSON");
  const char* log_path = std::getenv("VTX_TRACE_LOG");
  ASSERT_TRUE(json_path && log_path) << "VTX_TRACE_JSON and VTX_TRACE_LOG name a run's trace and serial log (emu_run_trace)";
  std::ifstream json_in(json_path), log_in(log_path, std::ios::binary);
  ASSERT_TRUE(json_in && log_in) << json_path << " " << log_path;
  std::stringstream text;
  text << log_in.rdbuf();
  const auto log = parse_serial_log(text.str());
  const auto doc = nlohmann::json::parse(json_in);
  const auto slices = check_trace_document(doc, log);
  for (const auto& [name, g] : log.guests) EXPECT_GE(slices.count(name) ? slices.at(name) : 0, 1) << name << " has no slice";
  EXPECT_EQ(doc["otherData"]["complete"], true);
}

TEST(RunTrace, DataLinesAreKnownForTheLiveStream) {
  EXPECT_TRUE(appliance::is_trace_data_line("[cpu0] vmm: trace cpu 3 data: AAAA"));
  EXPECT_FALSE(appliance::is_trace_data_line("[cpu0] vmm: trace cpu 3: 4 records, 0 overwritten"));
  EXPECT_FALSE(appliance::is_trace_data_line("[cpu0] guest x| vmm: trace cpu 3 data: AAAA"));
}

TEST(ExitHistogram, MostFrequentFirstWithScaledBars) {
  const auto log = parse_serial_log("[cpu0] vmm: guest g ended: halted (hlt); exits: cpuid=3 hlt=1 io-instruction=30\n"
                                    "[cpu1] vmm: guest quiet ended: halted (hlt); exits: none\n");
  const auto lines = configgen::commands::exit_histogram(log);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], "exits of guest g (34 in all):");
  EXPECT_EQ(lines[1], "  io-instruction  30  " + std::string(30, '#'));
  EXPECT_EQ(lines[2], "  cpuid            3  ###");
  EXPECT_EQ(lines[3], "  hlt              1  #");
  EXPECT_EQ(lines[4], "exits of guest quiet: none");
}
}  // namespace

namespace {
// Two guests alternating on CPU 0 in equal slices: the row alternates
// their letters, and each guest's totals are its own.
TEST(RunTrace, TextTimelineShowsWhoRanWhen) {
  appliance::RunTrace t;
  t.format = 1;
  t.guests[0] = {0, "left", 0};
  t.guests[1] = {1, "right", 0};
  appliance::TraceCpu c;
  for (uint16_t k = 0; k < 4; ++k) {
    const uint16_t g = k % 2;
    c.records.push_back({uint64_t(1000 * k), uint8_t(trace::Kind::SliceStart), 0, g, 0});
    c.records.push_back({uint64_t(1000 * k + 500), uint8_t(trace::Kind::Exit), 10, g, 20});
    c.records.push_back({uint64_t(1000 * k + 1000), uint8_t(trace::Kind::SliceEnd), uint8_t(trace::SliceEndCause::Yield), g, 1});
  }
  t.cpus.push_back(c);
  const std::string text = configgen::commands::trace_timeline_text(t, 8);
  EXPECT_NE(text.find("timeline: 1 CPU(s), 4000 ticks, one column = 500 ticks\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  CPU 0  |aabbaabb|\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  a = left (CPU 0): 2 slice(s), 2000 ticks in them, 2 exit(s) taking 40 ticks of host time\n"), std::string::npos) << text;
  EXPECT_NE(text.find("  b = right (CPU 0): 2 slice(s), 2000 ticks in them, 2 exit(s) taking 40 ticks of host time\n"), std::string::npos) << text;
}
}  // namespace

namespace {
// A guest cannot forge or damage the trace: its console lines, whatever
// they say, are never read as the hypervisor's (appliance/serial_log.h).
TEST(RunTrace, AGuestsForgedTraceLinesAreIgnored) {
  const std::string real = synthetic_log(one_slice_with_cpuid_exits(3), 0, "[cpu0] vmm: guest g ended: halted (hlt); exits: cpuid=3");
  std::string forged;
  std::istringstream in(real);
  for (std::string l; std::getline(in, l);) {
    if (l.find("vmm: trace") != std::string::npos) forged += "[cpu0] guest g| " + l.substr(7) + "\n";  // the same text, as the guest's
    forged += l + "\n";
  }
  forged = "[cpu0] guest g| vmm: trace: format 1, 1 CPUs, 16 records per CPU\n" + forged;
  std::string error;
  const auto log = parse_serial_log(forged);
  const auto t = read_run_trace(log, error);
  ASSERT_TRUE(t) << error;
  EXPECT_EQ(t->cpus[0].records.size(), 6u);
  EXPECT_TRUE(appliance::trace_count_mismatches(*t, log).empty());
  // Only the guest's copies: no trace at all.
  std::string only_guest;
  std::istringstream again(forged);
  for (std::string l; std::getline(again, l);)
    if (l.find("] vmm: trace") == std::string::npos) only_guest += l + "\n";
  EXPECT_FALSE(read_run_trace(parse_serial_log(only_guest), error));
  EXPECT_EQ(error, "");
}
}  // namespace
