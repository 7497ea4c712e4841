// The outcome lines the harness reads (docs/serial-log.md).
#include "blob/vocabulary.h"
#include "console/log.h"
#include "console/trace.h"
#include "run/scheduler.h"
#include "run/setup.h"

namespace run {
using namespace guests;  // the orchestration works on vcpus throughout

namespace {
// Exit counts "name=N ..." over vCPUs first..first+count-1 of one guest.
void format_counts(const Vcpu* first, uint32_t count, char (&counts)[400], uint32_t& len) {
  len = 0;
  counts[0] = 0;
  for (const arch::ExitReasonInfo& r : arch::kExitReasons) {
    uint32_t n = 0;
    for (uint32_t k = 0; k < count; ++k) n += first[k].exits.counts[r.number];
    if (!n) continue;
    const char* name = r.profile_name;
    if (len + 40 >= sizeof counts) break;
    if (len) counts[len++] = ' ';
    while (*name) counts[len++] = *name++;
    counts[len++] = '=';
    char digits[12];
    int d = 0;
    uint32_t x = n;
    do digits[d++] = char('0' + x % 10), x /= 10;
    while (x);
    while (d) counts[len++] = digits[--d];
    counts[len] = 0;
  }
}

// A guest's outcome: vCPU 0's own, or its group's for a guest of several.
bool group_decided(const Vcpu& v) { return v.vcpu_total > 1 && v.group.ended; }
Outcome guest_outcome(const Vcpu& v) { return group_decided(v) ? v.group.outcome : v.outcome; }

// One line per guest (docs/serial-log.md): a guest of several vCPUs has its
// group's outcome and the exits of all its vCPUs, then a line per vCPU.
void report_one(const Vcpu& v) {
  char counts[400];
  uint32_t len = 0;
  format_counts(&v, v.vcpu_total, counts, len);
  LOG("vmm: guest %s ended: %s (%s); exits: %s", v.name, outcome_word(guest_outcome(v)), group_decided(v) ? v.group.detail : v.detail,
      len ? counts : "none");
  for (uint32_t k = 0; v.vcpu_total > 1 && k < v.vcpu_total; ++k) {
    const Vcpu& s = v.bsp[k];
    format_counts(&s, 1, counts, len);
    if (s.launched)
      LOG("vmm: guest %s: vcpu %u on cpu %u: %s (%s); exits: %s", v.name, k, s.cpu, outcome_word(s.outcome), s.detail,
          len ? counts : "none");
    else
      LOG("vmm: guest %s: vcpu %u on cpu %u: never started (%s)", v.name, k, s.cpu, s.detail);
  }
  // Which exits the fast path finished (docs/exit-fast-path.md); the
  // differential test reads it to know the comparison was not vacuous.
  if (v.fast_path_allowed)
    LOG("vmm: guest %s fast path: %lu of %lu exits", v.name, v.exits.total - v.full_path_exits, v.exits.total);
}
}  // namespace

bool report_outcomes() {
  uint32_t guests = 0, finished = 0, stopped = 0, refused = 0;
  for (uint32_t i = 0; i < vcpu_count(); ++i) {
    const Vcpu& v = vcpus()[i];
    if (v.vcpu_index) continue;  // reported with its vCPU 0
    ++guests;
    report_one(v);
    const Outcome o = guest_outcome(v);
    if (o == Outcome::Halted || o == Outcome::Exited)
      ++finished;
    else if (o == Outcome::Refused)
      ++refused;
    else
      ++stopped;
  }
  LOG("vmm: summary: guests=%u finished=%u stopped=%u refused=%u", guests, finished, stopped, refused);
  return finished == guests;  // an appliance without guests passes once every CPU is up
}

void report_trace() {
  if (!console::trace_enabled()) return;
  console::trace_dump_header();
  for (uint32_t i = 0; i < vcpu_count(); ++i)
    if (!vcpus()[i].vcpu_index)  // one line per guest; its other vCPUs' records carry the same index
      LOG("vmm: trace guest %u: %s on cpu %u", vcpus()[i].guest_index, vcpus()[i].name, vcpus()[i].cpu);
  console::trace_dump_rings();
}

}  // namespace run
