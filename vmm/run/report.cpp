// The outcome lines the harness reads (docs/serial-log.md).
#include "blob/vocabulary.h"
#include "console/log.h"
#include "console/trace.h"
#include "run/scheduler.h"
#include "run/setup.h"

namespace run {
using namespace guests;  // the orchestration works on vcpus throughout

namespace {
void report_one(const Vcpu& v) {
  char counts[400];
  uint32_t len = 0;
  counts[0] = 0;
  for (const arch::ExitReasonInfo& r : arch::kExitReasons) {
    const uint32_t n = v.exits.counts[r.number];
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
  LOG("vmm: guest %s ended: %s (%s); exits: %s", v.name, outcome_word(v.outcome), v.detail, len ? counts : "none");
  // Which exits the fast path finished (docs/exit-fast-path.md); the
  // differential test reads it to know the comparison was not vacuous.
  if (v.fast_path_allowed)
    LOG("vmm: guest %s fast path: %lu of %lu exits", v.name, v.exits.total - v.full_path_exits, v.exits.total);
}
}  // namespace

bool report_outcomes() {
  uint32_t finished = 0, stopped = 0, refused = 0;
  for (uint32_t i = 0; i < vcpu_count(); ++i) {
    const Vcpu& v = vcpus()[i];
    report_one(v);
    if (v.outcome == Outcome::Halted || v.outcome == Outcome::Exited)
      ++finished;
    else if (v.outcome == Outcome::Refused)
      ++refused;
    else
      ++stopped;
  }
  LOG("vmm: summary: guests=%u finished=%u stopped=%u refused=%u", vcpu_count(), finished, stopped, refused);
  return finished == vcpu_count();  // an appliance without guests passes once every CPU is up
}

void report_trace() {
  if (!console::trace_enabled()) return;
  console::trace_dump_header();
  for (uint32_t i = 0; i < vcpu_count(); ++i)
    LOG("vmm: trace guest %u: %s on cpu %u", vcpus()[i].guest_index, vcpus()[i].name, vcpus()[i].cpu);
  console::trace_dump_rings();
}

}  // namespace run
