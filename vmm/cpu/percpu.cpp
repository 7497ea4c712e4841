#include "cpu/percpu.h"

namespace cpu {
namespace {
PerCpu g_cpus[kMaxCpus];
uint32_t g_cpu_count = 1;
alignas(16) uint8_t g_stacks[kMaxCpus][kStackSize];
}  // namespace

PerCpu& at(uint32_t index) { return g_cpus[index]; }
uint64_t stack_top_for(uint32_t index) { return reinterpret_cast<uint64_t>(&g_stacks[index][kStackSize]); }
PerCpu& this_cpu() {
  PerCpu* p;
  asm volatile("mov %%gs:0, %0" : "=r"(p));
  return *p;
}
uint32_t cpu_count() { return g_cpu_count; }
void set_cpu_count(uint32_t n) { g_cpu_count = n; }

}  // namespace cpu
