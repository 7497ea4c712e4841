#include "guests/fast_path.h"

#include "arch/vmx_table.h"
#include "guests/cpuid_view.h"

namespace guests {
namespace {
using R = arch::ExitReason;
constexpr uint64_t bit(R r) { return 1ull << uint32_t(r); }

bool overridden(const FastPathInputs& in, uint32_t leaf) {
  for (uint32_t i = 0; i < in.behaviour_count; ++i) {
    const blob::Behaviour& b = in.behaviours[i];
    if (b.kind == uint32_t(blob::BehaviourKind::ExitReason) && b.selector == uint32_t(R::CPUID) &&
        b.action == uint32_t(blob::Action::Override) && b.arg == leaf)
      return true;
  }
  return false;
}
}  // namespace

FastPathGate fast_path_gate(const FastPathInputs& in) {
  FastPathGate g{};
  if (in.disabled || in.tracing || in.floor_stub || in.monitor_trap_flag || in.virtual_apic || in.legacy_pic || in.forwarded_irqs) return g;
  if (!in.cpuid_behaviour)
    for (uint32_t leaf = 0; leaf < 32; ++leaf)
      if (!cpuid_leaf_adjusted(leaf) && !overridden(in, leaf)) g.cpuid_leaves |= 1u << leaf;
  if (g.cpuid_leaves) g.reasons |= bit(R::CPUID);
  if (!in.io_behaviour) g.reasons |= bit(R::IO_INSTRUCTION);
  if (!in.vmcall_behaviour) g.reasons |= bit(R::VMCALL);
  return g;
}

}  // namespace guests
