#include "cpu/percpu.h"

#include "memory/phys.h"

namespace cpu {
namespace {
// The BSP's own, static: it runs before memory is set up. The APs' come
// from the allocator, one block and one pair of stacks per CPU the MADT
// lists, so a machine with many CPUs costs what it has, not kMaxCpus.
PerCpu g_bsp;
alignas(16) uint8_t g_bsp_stack[kStackSize];
alignas(16) uint8_t g_bsp_ist_stack[kIstStackSize];
PerCpu* g_aps = nullptr;
uint64_t g_ap_stacks = 0;  // (count - 1) * (kStackSize + kIstStackSize), identity-mapped
uint32_t g_cpu_count = 1;
constexpr uint64_t kApStacks = kStackSize + kIstStackSize;
}  // namespace

PerCpu& at(uint32_t index) { return index == 0 ? g_bsp : g_aps[index - 1]; }
uint64_t stack_top_for(uint32_t index) {
  return index == 0 ? reinterpret_cast<uint64_t>(&g_bsp_stack[kStackSize]) : g_ap_stacks + (index - 1) * kApStacks + kStackSize;
}
uint64_t ist_stack_top_for(uint32_t index) {
  return index == 0 ? reinterpret_cast<uint64_t>(&g_bsp_ist_stack[kIstStackSize]) : g_ap_stacks + index * kApStacks;
}
PerCpu& this_cpu() {
  PerCpu* p;
  asm volatile("mov %%gs:0, %0" : "=r"(p));
  return *p;
}
uint32_t cpu_count() { return g_cpu_count; }
void set_cpu_count(uint32_t n) { g_cpu_count = n; }

bool allocate_application_processors(uint32_t count) {
  if (count <= 1) return true;
  const uint64_t aps = count - 1;
  const uint64_t blocks = memory::phys_allocate(aps * sizeof(PerCpu), 4096);
  const uint64_t stacks = blocks ? memory::phys_allocate(aps * kApStacks, 4096) : 0;
  if (!stacks) return false;  // the allocator keeps the blocks: only the BSP runs, nothing else needs them
  g_aps = memory::phys_to_virt<PerCpu>(blocks);
  g_ap_stacks = stacks;
  return true;
}

}  // namespace cpu
