#include "appliance/run_trace.h"

#include <algorithm>
#include <cstring>
#include <regex>

#include "arch/vmx_table.h"
#include "blob/crc32c.h"
#include "lib/base64.h"

namespace appliance {
namespace {

// RFC 4648 base64 with padding, as lib/base64.h writes it; nullopt for any
// other character or a length that is not a multiple of four.
std::optional<std::vector<uint8_t>> base64_decode(const std::string& text) {
  if (text.size() % 4) return std::nullopt;
  auto value = [](char c) -> int {
    const char* at = c ? std::strchr(lib::kBase64Alphabet, c) : nullptr;
    return at ? int(at - lib::kBase64Alphabet) : -1;
  };
  std::vector<uint8_t> out;
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && k >= 2 && i + 4 == text.size()) {
        v[k] = 0, ++pad;
        continue;
      }
      if (pad || (v[k] = value(c)) < 0) return std::nullopt;
    }
    const uint32_t triple = uint32_t(v[0]) << 18 | uint32_t(v[1]) << 12 | uint32_t(v[2]) << 6 | uint32_t(v[3]);
    out.push_back(uint8_t(triple >> 16));
    if (pad < 2) out.push_back(uint8_t(triple >> 8));
    if (pad < 1) out.push_back(uint8_t(triple));
  }
  return out;
}

// The hypervisor line's text after `[cpuN] vmm: `; "" for any other line.
std::string vmm_text(const std::string& line) {
  if (!is_hypervisor_line(line)) return {};
  return line.substr(line.find("] vmm: ") + 7);
}

// The dump's line shapes (console/trace.cpp writes them).
const std::regex kHeader(R"(^trace: format (\d+), (\d+) CPUs, (\d+) records per CPU$)");
const std::regex kGuest(R"(^trace guest (\d+): (\S+) on cpu (\d+)$)");
const std::regex kCpu(R"(^trace cpu (\d+): (\d+) records, (\d+) overwritten, (\d+) clock resets$)");
const std::regex kData(R"(^trace cpu (\d+) data: ([A-Za-z0-9+/=]*)$)");
const std::regex kCpuEnd(R"(^trace cpu (\d+) end: crc32c 0x([0-9a-f]{8})$)");
const std::regex kEnd(R"(^trace end$)");

// What the reader is in the middle of: one CPU's records.
struct Open {
  TraceCpu cpu;
  uint64_t announced = 0;  // records the cpu line promised
  uint32_t crc = 0;
};

// The hypervisor's clock already continues over the resets it knows of
// (console/trace.h); a TSC set back some other way (a guest's WRMSR passed
// through) is handled here the same way: later stamps are moved on by the
// difference, so the CPU's time never runs backwards.
void make_monotonic(TraceCpu& c) {
  uint64_t shift = 0, last = 0;
  for (auto& r : c.records) {
    const uint64_t at = r.tsc + shift;
    if (at < last) {
      shift += last - at;
      ++c.clock_resets;
    }
    r.tsc += shift;
    last = r.tsc;
  }
}
}  // namespace

bool RunTrace::complete() const {
  for (const auto& c : cpus)
    if (c.overwritten) return false;
  return true;
}

bool is_trace_data_line(const std::string& line) {
  static const std::regex data(R"(^\[cpu\d+\] vmm: trace cpu \d+ data: )");
  return std::regex_search(line, data);
}

std::string trace_exit_name(uint8_t code) {
  const arch::ExitReasonInfo* r = arch::find_exit_reason(code);
  return r ? r->profile_name : "reason-" + std::to_string(code);
}

std::optional<RunTrace> read_run_trace(const SerialLog& log, std::string& error) {
  RunTrace t;
  bool started = false, ended = false;
  std::optional<Open> open;
  for (size_t n = 0; n < log.lines.size() && !ended; ++n) {
    const std::string text = vmm_text(log.lines[n]);
    if (text.rfind("trace", 0) != 0) continue;
    auto fail = [&](const std::string& why) {
      error = "serial log line " + std::to_string(n + 1) + ": " + why + ": " + log.lines[n];
      return std::nullopt;
    };
    std::smatch m;
    if (std::regex_match(text, m, kHeader)) {
      if (started) return fail("a second trace header");
      started = true;
      t.format = uint32_t(std::stoul(m[1]));
      if (t.format != trace::kFormatVersion)
        return fail("trace format " + m[1].str() + ", this configgen reads format " + std::to_string(trace::kFormatVersion));
      t.records_per_cpu = uint32_t(std::stoul(m[3]));
      continue;
    }
    if (!started) return fail("trace line before the trace header");
    if (std::regex_match(text, m, kGuest)) {
      TraceGuest g{uint32_t(std::stoul(m[1])), m[2], uint32_t(std::stoul(m[3]))};
      t.guests[g.index] = g;
    } else if (std::regex_match(text, m, kCpu)) {
      if (open) return fail("cpu " + std::to_string(open->cpu.index) + " has no end line before the next CPU");
      open = Open{};
      open->cpu.index = uint32_t(std::stoul(m[1]));
      open->announced = std::stoull(m[2]);
      open->cpu.overwritten = std::stoull(m[3]);
      open->cpu.clock_resets = std::stoull(m[4]);
    } else if (std::regex_match(text, m, kData)) {
      if (!open || open->cpu.index != std::stoul(m[1])) return fail("records of a CPU whose dump has not begun");
      const auto bytes = base64_decode(m[2]);
      if (!bytes || bytes->empty() || bytes->size() % sizeof(trace::Record)) return fail("records damaged (not whole base64 records)");
      open->crc = blob::crc32c_update(open->crc, bytes->data(), bytes->size());
      for (size_t at = 0; at < bytes->size(); at += sizeof(trace::Record)) {
        trace::Record r;
        std::memcpy(&r, bytes->data() + at, sizeof r);
        open->cpu.records.push_back(r);
      }
    } else if (std::regex_match(text, m, kCpuEnd)) {
      if (!open || open->cpu.index != std::stoul(m[1])) return fail("the end of a CPU whose dump has not begun");
      if (open->cpu.records.size() != open->announced)
        return fail(std::to_string(open->cpu.records.size()) + " records arrived of the " + std::to_string(open->announced) +
                    " announced (lines lost)");
      if (open->crc != uint32_t(std::stoul(m[2], nullptr, 16))) return fail("the records' CRC32C does not match (damaged in transit)");
      make_monotonic(open->cpu);
      t.cpus.push_back(std::move(open->cpu));
      open.reset();
    } else if (std::regex_match(text, kEnd)) {
      if (open) return fail("cpu " + std::to_string(open->cpu.index) + " has no end line");
      ended = true;
    } else {
      return fail("not a trace line this configgen knows");
    }
  }
  if (!started) return std::nullopt;
  if (!ended) {
    error = "the serial log's trace has no end line (the machine stopped while sending it)";
    return std::nullopt;
  }
  return t;
}

std::vector<TraceSlice> trace_slices(const TraceCpu& c) {
  std::vector<TraceSlice> out;
  if (c.records.empty()) return out;
  std::map<uint16_t, TraceSlice> open;  // by guest
  for (const trace::Record& r : c.records) {
    if (r.kind == uint8_t(trace::Kind::SliceStart)) {
      open[r.guest] = TraceSlice{r.guest, r.tsc, 0, r.value, ""};  // exits: the count so far, until the end
    } else if (r.kind == uint8_t(trace::Kind::SliceEnd)) {
      const auto o = open.find(r.guest);
      TraceSlice s = o == open.end() ? TraceSlice{r.guest, c.records.front().tsc, 0, 0, ""} : o->second;
      if (o != open.end()) open.erase(o);
      s.end = r.tsc;
      s.exits = r.value - std::min(r.value, s.exits);
      s.ended = r.code == uint8_t(trace::SliceEndCause::Finished) ? "finished" : "yield";
      out.push_back(s);
    }
  }
  for (auto& [guest, s] : open) {
    s.end = c.records.back().tsc;
    s.exits = 0;  // unknown: no end record says how many
    s.ended = "running";
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> trace_count_mismatches(const RunTrace& trace, const SerialLog& log) {
  std::map<std::string, std::map<std::string, long>> traced;  // guest name -> reason -> count
  for (const auto& c : trace.cpus)
    for (const auto& r : c.records) {
      if (r.kind != uint8_t(trace::Kind::Exit)) continue;
      const auto g = trace.guests.find(r.guest);
      const std::string name = g == trace.guests.end() ? "#" + std::to_string(r.guest) : g->second.name;
      ++traced[name][trace_exit_name(r.code)];
    }
  std::vector<std::string> out;
  for (const auto& [index, g] : trace.guests) {
    const auto summary = log.guests.find(g.name);
    if (summary == log.guests.end()) {
      out.push_back("guest " + g.name + " is in the trace but has no ended line");
      continue;
    }
    const auto& counted = summary->second.exits;
    auto& seen = traced[g.name];
    std::map<std::string, bool> reasons;  // both sides' reasons, in order
    for (const auto& [reason, n] : counted) reasons[reason] = true;
    for (const auto& [reason, n] : seen) reasons[reason] = true;
    for (const auto& [reason, unused] : reasons) {
      const long got = seen.count(reason) ? seen.at(reason) : 0;
      const long expected = counted.count(reason) ? counted.at(reason) : 0;
      if (got != expected)
        out.push_back("guest " + g.name + ": " + std::to_string(got) + " " + reason + " exits in the trace, " +
                      std::to_string(expected) + " in its ended line");
    }
  }
  return out;
}

}  // namespace appliance
