#include "boot/cpu_tables.h"

#include "arch/cpu.h"
#include "console/log.h"
#include "lib/string.h"

extern "C" uint64_t isr_stub_table[32];

namespace boot {
namespace {
using cpu::PerCpu;
using cpu::kCodeSelector, cpu::kDataSelector, cpu::kTssSelector;

struct [[gnu::packed]] IdtGate {
  uint16_t offset_low, selector;
  uint8_t ist, type_attributes;
  uint16_t offset_mid;
  uint32_t offset_high, reserved;
};
alignas(16) IdtGate g_idt[32];

uint32_t cpu_index_from_gs() {
  uint64_t gs = arch::rdmsr(arch::Msr::IA32_GS_BASE);
  return gs ? reinterpret_cast<cpu::PerCpu*>(gs)->index : 0;
}
}  // namespace

void install_idt() {
  for (int v = 0; v < 32; ++v) {
    uint64_t h = isr_stub_table[v];
    // NMI (2) and #DF (8) run on IST1 so a broken stack still reports.
    g_idt[v] = IdtGate{uint16_t(h), kCodeSelector, uint8_t((v == 2 || v == 8) ? 1 : 0), 0x8E, uint16_t(h >> 16),
                       uint32_t(h >> 32), 0};
  }
}

void install_cpu_tables(cpu::PerCpu& c) {
  c.self = &c;
  c.stack_top = cpu::stack_top_for(c.index);
  c.gdt[0] = 0;
  c.gdt[1] = 0x00AF9A000000FFFFull;  // 64-bit code, DPL 0
  c.gdt[2] = 0x00CF92000000FFFFull;  // data, DPL 0
  memset(&c.tss, 0, sizeof c.tss);
  c.tss.ist[0] = cpu::ist_stack_top_for(c.index);
  c.tss.io_map_base = sizeof(cpu::Tss64);
  const uint64_t base = reinterpret_cast<uint64_t>(&c.tss);
  const uint64_t limit = sizeof(cpu::Tss64) - 1;
  c.gdt[3] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xF) << 48) |
             (((base >> 24) & 0xFF) << 56);
  c.gdt[4] = base >> 32;
  arch::DescriptorPointer gdtr{uint16_t(sizeof c.gdt - 1), reinterpret_cast<uint64_t>(c.gdt)};
  asm volatile(
      "lgdt %0\n"
      "pushq %1\n"
      "leaq 1f(%%rip), %%rax\n"
      "pushq %%rax\n"
      "lretq\n"
      "1:\n"
      "mov %2, %%ds\n"
      "mov %2, %%es\n"
      "mov %2, %%ss\n"
      :
      : "m"(gdtr), "i"(uint64_t(kCodeSelector)), "r"(uint32_t(kDataSelector))
      : "rax", "memory");
  asm volatile("ltr %0" ::"r"(uint16_t(kTssSelector)));
  arch::DescriptorPointer idtr{uint16_t(sizeof g_idt - 1), reinterpret_cast<uint64_t>(g_idt)};
  asm volatile("lidt %0" ::"m"(idtr));
  arch::wrmsr(arch::Msr::IA32_GS_BASE, reinterpret_cast<uint64_t>(&c));
  console::set_cpu_index_source(cpu_index_from_gs);
}

}  // namespace boot
