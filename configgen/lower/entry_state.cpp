#include "lower/entry_state.h"

#include <cstring>

#include "arch/registers.h"

namespace configgen::lower {
namespace {
using arch::cr0::PE, arch::cr0::ET, arch::cr0::PG, arch::cr4::PSE, arch::cr4::PAE, arch::efer::LME, arch::efer::LMA;
// VMCS access rights (SDM 24.4.1, Table 24-2).
constexpr uint32_t kCode32 = 0xC09B, kData32 = 0xC093, kCode64 = 0xA09B, kCode16 = 0x9B, kData16 = 0x93;
constexpr uint32_t kBusyTss32 = 0x8B, kUnusable = 0x10000;
constexpr uint16_t kCode32Selector = 0x08, kDataSelector = 0x10, kCode64Selector = 0x18;

void put64(std::vector<uint8_t>& b, size_t at, uint64_t v) { std::memcpy(b.data() + at, &v, 8); }
void put32(std::vector<uint8_t>& b, size_t at, uint32_t v) { std::memcpy(b.data() + at, &v, 4); }

blob::Segment seg(uint16_t selector, uint64_t base, uint32_t limit, uint32_t ar) {
  blob::Segment s{};
  s.selector = selector;
  s.base = base;
  s.limit = limit;
  s.access_rights = ar;
  return s;
}
}  // namespace

bool mode_needs_paging(blob::GuestMode m) {
  return m == blob::GuestMode::ProtectedPaging || m == blob::GuestMode::Pae || m == blob::GuestMode::Long;
}

BootStructures build_boot_structures(blob::GuestMode mode, uint64_t gpa, uint64_t map_end) {
  BootStructures b;
  b.gpa = gpa;
  if (map_end > (4ull << 30)) map_end = 4ull << 30;  // the generated map covers the low 4 GiB
  // Layout (4K pages): [0] top-level table, [1..] lower levels, last: GDT.
  std::vector<uint8_t>& t = b.bytes;
  const uint64_t present_rw = 0x3, large = 0x80;
  if (mode == blob::GuestMode::ProtectedPaging) {
    t.assign(2 * 4096, 0);  // page directory with 4 MiB pages, then GDT
    for (uint64_t a = 0, i = 0; a < map_end; a += 4ull << 20, ++i) put32(t, i * 4, uint32_t(a | present_rw | large));
  } else {
    const uint64_t pds = (map_end + (1ull << 30) - 1) >> 30;  // one PD per GiB
    const size_t top_pages = mode == blob::GuestMode::Long ? 2 : 1;  // PML4 + PDPT, or the PAE PDPT
    t.assign((top_pages + pds + 1) * 4096, 0);
    const size_t pdpt_at = mode == blob::GuestMode::Long ? 4096 : 0;
    if (mode == blob::GuestMode::Long) put64(t, 0, (gpa + 4096) | present_rw);
    for (uint64_t d = 0; d < pds; ++d) {
      const uint64_t pd_gpa = gpa + (top_pages + d) * 4096;
      // PAE PDPTEs have no R/W bit (SDM 4.4.1): present only.
      put64(t, pdpt_at + d * 8, pd_gpa | (mode == blob::GuestMode::Long ? present_rw : 1));
      for (uint64_t i = 0; i < 512; ++i) {
        const uint64_t a = (d << 30) | (i << 21);
        if (a >= map_end) break;
        put64(t, (top_pages + d) * 4096 + i * 8, a | present_rw | large);
      }
    }
  }
  b.cr3 = gpa;
  // Flat GDT in the last page: null, code32 (08h), data (10h), code64 (18h); accessed bits preset.
  const size_t gdt_at = t.size() - 4096;
  put64(t, gdt_at + 8, 0x00CF9B000000FFFFull);
  put64(t, gdt_at + 16, 0x00CF93000000FFFFull);
  put64(t, gdt_at + 24, 0x00AF9B000000FFFFull);
  b.gdt_base = gpa + gdt_at;
  b.gdt_limit = 31;
  return b;
}

blob::EntryState build_entry_state(const model::Guest& g, blob::GuestMode mode, const BootStructures* boot,
                                   const model::Target& target, bool unrestricted, VisibleControlRegisters& visible) {
  const model::Entry& en = g.entry;
  blob::EntryState s{};
  s.rflags = en.rflags.value_or(2) | 2;
  s.dr7 = 0x400;
  s.rsp = en.rsp.value_or(0);
  s.activity_state = en.activity_state;
  s.interruptibility_state = en.interruptibility_state;
  s.pending_debug_exceptions = en.pending_debug_exceptions;
  s.ldtr = seg(0, 0, 0, kUnusable);
  s.tr = seg(0, 0, 0x67, kBusyTss32);
  s.pat = 0x0007040600070406ull;
  uint64_t cr0 = 0, cr4 = 0;
  switch (mode) {
    case blob::GuestMode::Real: {
      const uint64_t rip = en.rip.value_or(0x7C00);
      const uint64_t cs_base = rip & ~0xFFFFull;
      s.cs = seg(uint16_t(cs_base >> 4), cs_base, 0xFFFF, kCode16);
      s.rip = rip - cs_base;
      s.ds = s.es = s.fs = s.gs = s.ss = seg(0, 0, 0xFFFF, kData16);
      s.gdtr = {0, 0xFFFF, 0};
      s.idtr = {0, 0x3FF, 0};  // the real-mode interrupt vector table
      cr0 = ET;
      break;
    }
    case blob::GuestMode::Protected:
    case blob::GuestMode::Multiboot:  // 32-bit flat segments, paging off (Multiboot Specification 3.2)
    case blob::GuestMode::ProtectedPaging:
    case blob::GuestMode::Pae:
      s.rip = en.rip.value_or(0);
      s.cs = seg(kCode32Selector, 0, 0xFFFFFFFF, kCode32);
      s.ds = s.es = s.fs = s.gs = s.ss = seg(kDataSelector, 0, 0xFFFFFFFF, kData32);
      s.gdtr = {0, 0xFFFF, 0};
      s.idtr = {0, 0xFFFF, 0};
      cr0 = PE | ET;
      if (mode == blob::GuestMode::ProtectedPaging) cr0 |= PG, cr4 |= PSE;
      if (mode == blob::GuestMode::Pae) cr0 |= PG, cr4 |= PAE;
      break;
    case blob::GuestMode::Long:
      s.rip = en.rip.value_or(0);
      s.cs = seg(kCode64Selector, 0, 0xFFFFFFFF, kCode64);
      s.ds = s.es = s.fs = s.gs = s.ss = seg(kDataSelector, 0, 0xFFFFFFFF, kData32);
      s.gdtr = {0, 0xFFFF, 0};
      s.idtr = {0, 0xFFFF, 0};
      cr0 = PE | ET | PG;
      cr4 = PAE;
      s.efer = LME | LMA;
      break;
  }
  if (boot) {
    s.cr3 = boot->cr3;
    s.gdtr = {boot->gdt_base, boot->gdt_limit, 0};
  }
  if (en.cr0) cr0 = *en.cr0;
  if (en.cr4) cr4 = *en.cr4;
  if (en.cr3) s.cr3 = *en.cr3;
  if (en.efer) s.efer = *en.efer | (mode == blob::GuestMode::Long ? LME | LMA : 0);
  // The VMCS holds the values with the target's fixed bits (SDM 26.3.1.1);
  // the guest reads its own through the read shadows (set by the caller).
  visible = {cr0, cr4};
  s.cr0 = arch::apply_cr0_fixed(cr0, target.caps, unrestricted);
  s.cr4 = arch::apply_cr4_fixed(cr4, target.caps);
  for (int i = 0; i < 16; ++i)
    if (auto it = en.regs.find(arch::kGeneralRegisterNames[i]); it != en.regs.end()) s.gpr[i] = it->second;
  return s;
}

}  // namespace configgen::lower
