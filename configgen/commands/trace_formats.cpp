#include "commands/trace_formats.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <nlohmann/json.hpp>

#include <spdlog/spdlog.h>

#include "appliance/files.h"
#include "arch/vmx_formats.h"
#include "blob/vocabulary.h"
#include "commands/exit_status.h"

namespace configgen::commands {
namespace {
using json = nlohmann::ordered_json;
using appliance::RunTrace;
using appliance::TraceCpu;

std::string guest_name(const RunTrace& t, uint16_t guest) {
  const auto g = t.guests.find(guest);
  return g == t.guests.end() ? "guest #" + std::to_string(guest) : g->second.name;
}

std::string hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// The events of one CPU: its slices, then each record that is an event.
void cpu_events(const RunTrace& t, const TraceCpu& c, uint64_t origin, json& events) {
  auto ts = [&](uint64_t tsc) { return tsc - origin; };
  for (const auto& s : appliance::trace_slices(c))
    events.push_back({{"ph", "X"}, {"cat", "slice"}, {"name", guest_name(t, s.guest)}, {"pid", c.index}, {"tid", s.guest},
                      {"ts", ts(s.start)}, {"dur", s.end - s.start}, {"args", {{"exits", s.exits}, {"ended", s.ended}}}});
  for (const trace::Record& r : c.records) {
    const auto base = json{{"pid", c.index}, {"tid", r.guest}, {"ts", ts(r.tsc)}};
    switch (trace::Kind(r.kind)) {
      case trace::Kind::SliceStart:
      case trace::Kind::SliceEnd: break;  // the slices above
      case trace::Kind::Exit: {
        // Stamped when its handling ended; it began value ticks before.
        json e = {{"pid", c.index}, {"tid", r.guest}, {"ts", ts(r.tsc - std::min<uint64_t>(r.value, r.tsc - origin))}};
        e.update({{"ph", "X"}, {"cat", "exit"}, {"name", appliance::trace_exit_name(r.code)}, {"dur", r.value},
                  {"args", {{"reason", r.code}}}});
        events.push_back(e);
        break;
      }
      case trace::Kind::Injection: {
        const arch::InterruptionInfo info{r.value};
        const char* type = blob::word_of(blob::kEventTypes, uint32_t(info.type()));
        json e = base;
        e.update({{"ph", "i"}, {"s", "t"}, {"cat", "injection"},
                  {"name", "inject " + std::string(type ? type : "event") + " " + std::to_string(info.vector())},
                  {"args", {{"vector", info.vector()}, {"type", type ? type : "other"}, {"interruption_information", hex(r.value)}}}});
        events.push_back(e);
        break;
      }
      case trace::Kind::GuestEnd: {
        const char* outcome = blob::word_of(blob::kOutcomes, r.code);
        json e = base;
        e.update({{"ph", "i"}, {"s", "t"}, {"cat", "guest-end"},
                  {"name", guest_name(t, r.guest) + " ended: " + (outcome ? outcome : "outcome " + std::to_string(r.code))},
                  {"args", {{"exits", r.value}}}});
        events.push_back(e);
        break;
      }
      default: {
        json e = base;
        e.update({{"ph", "i"}, {"s", "t"}, {"cat", "unknown"}, {"name", "record kind " + std::to_string(r.kind)}});
        events.push_back(e);
      }
    }
  }
}
}  // namespace

std::string chrome_trace_json(const RunTrace& t) {
  uint64_t origin = UINT64_MAX;
  for (const auto& c : t.cpus)
    for (const auto& r : c.records) origin = std::min(origin, r.tsc);
  if (origin == UINT64_MAX) origin = 0;
  json events = json::array();
  json overwritten = json::object(), resets = json::object();
  for (const auto& c : t.cpus) {
    events.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", c.index}, {"args", {{"name", "CPU " + std::to_string(c.index)}}}});
    events.push_back({{"ph", "M"}, {"name", "process_sort_index"}, {"pid", c.index}, {"args", {{"sort_index", c.index}}}});
    overwritten[std::to_string(c.index)] = c.overwritten;
    resets[std::to_string(c.index)] = c.clock_resets;
  }
  // A thread per guest on each CPU it ran on: its "trace guest" line's CPU,
  // and any other whose records name it (a guest of several vCPUs).
  std::set<std::pair<uint32_t, uint32_t>> threads;  // (cpu, guest)
  for (const auto& [index, g] : t.guests) threads.insert({g.cpu, index});
  for (const auto& c : t.cpus)
    for (const auto& r : c.records)
      if (t.guests.count(r.guest)) threads.insert({c.index, r.guest});
  for (const auto& [cpu, index] : threads)
    events.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", cpu}, {"tid", index},
                      {"args", {{"name", "guest " + t.guests.at(index).name}}}});
  for (const auto& c : t.cpus) cpu_events(t, c, origin, events);
  const json doc = {
      {"traceEvents", events},
      {"displayTimeUnit", "ns"},
      {"otherData",
       {{"generator", "configgen (docs/trace.md)"},
        {"trace_format", t.format},
        {"clock", "TSC ticks since the first record, written as microseconds (in Bochs a tick is an instruction)"},
        {"records_per_cpu", t.records_per_cpu},
        {"overwritten", overwritten},
        {"clock_resets", resets},
        {"complete", t.complete()}}}};
  return doc.dump(1) + "\n";
}

int write_trace_file(const appliance::SerialLog& log, const std::string& file, const std::string& source, bool absent_is_error) {
  std::string error;
  const auto trace = appliance::read_run_trace(log, error);
  if (!trace && error.empty() && !absent_is_error) {
    spdlog::warn("no trace written: the machine ended before the hypervisor sent it (it does, just before the guests' ended lines)");
    return code(ExitStatus::Ok);
  }
  if (!trace) {
    spdlog::error("{}: {}", source, error.empty() ? "the serial log holds no trace (the boot was not traced: run --trace, or `trace` "
                                                    "on the kernel command line, asks for one)"
                                                  : error);
    return code(ExitStatus::Failed);
  }
  if (auto err = appliance::write_file(file, chrome_trace_json(*trace)); !err.empty()) {
    spdlog::error("{}", err);
    return code(ExitStatus::UsageOrIo);
  }
  size_t records = 0, exits = 0, slices = 0, injections = 0;
  uint64_t overwritten = 0, resets = 0;
  for (const auto& c : trace->cpus) {
    records += c.records.size();
    overwritten += c.overwritten;
    resets += c.clock_resets;
    for (const auto& r : c.records) {
      exits += r.kind == uint8_t(trace::Kind::Exit);
      slices += r.kind == uint8_t(trace::Kind::SliceStart);
      injections += r.kind == uint8_t(trace::Kind::Injection);
    }
  }
  spdlog::info("trace: {} CPU(s), {} records ({} slices, {} exits, {} injections) written to {}", trace->cpus.size(), records, slices,
               exits, injections, file);
  if (resets)
    spdlog::warn("{}: the host's TSC was set back {} time(s) (a VM-exit MSR-load list that writes IA32_TIME_STAMP_COUNTER); the "
                 "trace's clock went on from each entry, so the timeline keeps its order but not the time spent in the guest",
                 source, resets);
  if (!trace->complete()) {
    spdlog::warn("{}: the rings overwrote their oldest {} record(s): the trace starts late and its counts are not compared with "
                 "the guests' ended lines; give more records per CPU (run --trace-records, at most {})",
                 source, overwritten, trace::kMaxRecordsPerCpu);
    return code(ExitStatus::Ok);
  }
  const auto mismatches = appliance::trace_count_mismatches(*trace, log);
  for (const auto& m : mismatches) spdlog::error("{}: the trace disagrees with the serial summary: {}", source, m);
  if (!mismatches.empty()) return code(ExitStatus::Failed);
  spdlog::info("trace: its exits agree with every guest's ended line");
  return code(ExitStatus::Ok);
}

std::string trace_timeline_text(const RunTrace& t, size_t width) {
  uint64_t first = UINT64_MAX, last = 0;
  for (const auto& c : t.cpus)
    if (!c.records.empty()) first = std::min(first, c.records.front().tsc), last = std::max(last, c.records.back().tsc);
  std::ostringstream o;
  if (first > last) return "timeline: the trace holds no records\n";
  const uint64_t span = std::max<uint64_t>(last - first, 1);
  const double per_column = double(span) / double(width);
  // A letter per guest, in blob order.
  std::map<uint16_t, char> letter;
  const std::string letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (const auto& [index, g] : t.guests) letter[uint16_t(index)] = letter.size() < letters.size() ? letters[letter.size()] : '#';
  o << "timeline: " << t.cpus.size() << " CPU(s), " << span << " ticks, one column = " << uint64_t(per_column + 0.5) << " ticks\n";
  struct Totals {
    uint64_t slices = 0, slice_ticks = 0, exits = 0, exit_ticks = 0;
  };
  std::map<uint16_t, Totals> totals;
  for (const auto& c : t.cpus) {
    // Each column shows the guest that ran longest in it; blank: none ran.
    std::vector<std::map<uint16_t, double>> share(width);
    for (const auto& sl : appliance::trace_slices(c)) {
      totals[sl.guest].slices++;
      totals[sl.guest].slice_ticks += sl.end - sl.start;
      const double a = double(sl.start - first) / per_column, b = double(sl.end - first) / per_column;
      for (size_t col = size_t(a); col < width && double(col) < std::max(b, a + 1e-9); ++col)
        share[col][sl.guest] += std::min(b, double(col + 1)) - std::max(a, double(col)) + 1e-9;
    }
    for (const auto& r : c.records)
      if (r.kind == uint8_t(trace::Kind::Exit)) totals[r.guest].exits++, totals[r.guest].exit_ticks += r.value;
    std::string row(width, ' ');
    for (size_t col = 0; col < width; ++col) {
      double best = 0;
      for (const auto& [guest, d] : share[col])
        if (d > best) best = d, row[col] = letter.count(guest) ? letter[guest] : '?';
    }
    o << "  CPU " << c.index << (c.index < 10 ? "  |" : " |") << row << "|\n";
  }
  for (const auto& [index, g] : t.guests) {
    const Totals& n = totals[uint16_t(index)];
    o << "  " << letter[uint16_t(index)] << " = " << g.name << " (CPU " << g.cpu << "): " << n.slices << " slice(s), " << n.slice_ticks
      << " ticks in them, " << n.exits << " exit(s) taking " << n.exit_ticks << " ticks of host time\n";
  }
  return o.str();
}

}  // namespace configgen::commands
