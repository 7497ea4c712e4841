#include "guests/cpu_state.h"

#include "arch/cpu.h"
#include "console/log.h"
#include "cpu/percpu.h"
#include "guests/isolation_rules.h"
#include "lib/string.h"
#include "memory/phys.h"

namespace guests {
namespace {
using arch::Msr;

struct Features {
  bool xsave;             // CPUID.1:ECX.XSAVE[26], and its area fits one page
  uint64_t xsave_mask;    // CPUID.(EAX=0DH,ECX=0):EDX:EAX, the user components
  bool tsc_aux;           // RDTSCP (CPUID.80000001H:EDX[27]) or RDPID (CPUID.(7,0):ECX[22])
  bool spec_ctrl;         // IBRS/STIBP/SSBD (CPUID.(7,0):EDX[26], [27], [31])
  bool xss;               // XSAVES (CPUID.(0DH,1):EAX[3])
};
Features g_features;
bool g_reported;

constexpr uint64_t kPatPowerUp = 0x0007040600070406ull, kDr6Reset = 0xFFFF0FF0ull, kXcr0Reset = 1;
constexpr uint32_t kFxsaveFcw = 0, kFxsaveMxcsr = 24;

// The MSRs switched in software, in the order of SwitchedState::msr. PAT
// joins them only where the VMCS cannot switch it (see setup.cpp).
struct SwitchedMsr {
  Msr msr;
  uint64_t reset;
  bool (*present)(const Vcpu&);
};
bool always(const Vcpu&) { return true; }
bool with_tsc_aux(const Vcpu&) { return g_features.tsc_aux; }
bool with_spec_ctrl(const Vcpu&) { return g_features.spec_ctrl; }
bool with_xss(const Vcpu&) { return g_features.xss; }
bool pat_in_software(const Vcpu& v) { return v.cpu_state.pat_in_software; }
constexpr SwitchedMsr kSwitched[kSwitchedMsrCount] = {
    {Msr::IA32_STAR, 0, always},          {Msr::IA32_LSTAR, 0, always},         {Msr::IA32_CSTAR, 0, always},
    {Msr::IA32_FMASK, 0, always},         {Msr::IA32_KERNEL_GS_BASE, 0, always}, {Msr::IA32_TSC_AUX, 0, with_tsc_aux},
    {Msr::IA32_SPEC_CTRL, 0, with_spec_ctrl}, {Msr::IA32_XSS, 0, with_xss},    {Msr::IA32_PAT, kPatPowerUp, pat_in_software},
};
static_assert(uint32_t(kSwitched[kSwitchedMsrCount - 1].msr) != 0, "kSwitchedMsrCount (vcpu.h) and kSwitched disagree");

void xsetbv0(uint64_t value) { asm volatile("xsetbv" ::"c"(0), "a"(uint32_t(value)), "d"(uint32_t(value >> 32))); }

#define DEBUG_REGISTER(n)                                                    \
  uint64_t read_dr##n() {                                                    \
    uint64_t v;                                                              \
    asm volatile("mov %%dr" #n ", %0" : "=r"(v));                            \
    return v;                                                                \
  }                                                                          \
  void write_dr##n(uint64_t v) { asm volatile("mov %0, %%dr" #n ::"r"(v)); }
DEBUG_REGISTER(0)
DEBUG_REGISTER(1)
DEBUG_REGISTER(2)
DEBUG_REGISTER(3)
DEBUG_REGISTER(6)
#undef DEBUG_REGISTER
uint64_t read_cr8() {
  uint64_t v;
  asm volatile("mov %%cr8, %0" : "=r"(v));
  return v;
}
void write_cr8(uint64_t v) { asm volatile("mov %0, %%cr8" ::"r"(v)); }

uint8_t* extended_area(const Vcpu& v) { return memory::phys_to_virt<uint8_t>(v.cpu_state.extended_area); }

// The whole x87/SSE/AVX/... state, whatever the guest's XCR0: SSE registers
// are usable with CR4.OSFXSR even when XCR0 is 1, so saving only the guest's
// XCR0 components would leave its XMM registers to the next guest. XCR0 is
// widened to every user component for the XSAVE/XRSTOR pair.
void save_extended(const Vcpu& v) {
  uint8_t* area = extended_area(v);
  if (!g_features.xsave) {
    asm volatile("fxsave64 %0" : "=m"(*reinterpret_cast<uint8_t(*)[512]>(area)));
    return;
  }
  xsetbv0(g_features.xsave_mask);
  asm volatile("xsave64 %0" : "+m"(*reinterpret_cast<uint8_t(*)[4096]>(area)) : "a"(~0u), "d"(~0u) : "memory");
}
void load_extended(const Vcpu& v) {
  const uint8_t* area = extended_area(v);
  if (!g_features.xsave) {
    asm volatile("fxrstor64 %0" ::"m"(*reinterpret_cast<const uint8_t(*)[512]>(area)));
    return;
  }
  xsetbv0(g_features.xsave_mask);
  asm volatile("xrstor64 %0" ::"m"(*reinterpret_cast<const uint8_t(*)[4096]>(area)), "a"(~0u), "d"(~0u) : "memory");
  xsetbv0(v.cpu_state.xcr0);
}

void save(Vcpu& v) {
  SwitchedState& s = v.cpu_state;
  for (uint32_t i = 0; i < kSwitchedMsrCount; ++i)
    if (kSwitched[i].present(v)) s.msr[i] = arch::rdmsr(kSwitched[i].msr);
  s.dr[0] = read_dr0(), s.dr[1] = read_dr1(), s.dr[2] = read_dr2(), s.dr[3] = read_dr3();
  s.dr6 = read_dr6();
  s.cr8 = read_cr8();
  save_extended(v);
}

void load(const Vcpu& v) {
  const SwitchedState& s = v.cpu_state;
  for (uint32_t i = 0; i < kSwitchedMsrCount; ++i)
    if (kSwitched[i].present(v)) arch::wrmsr(kSwitched[i].msr, s.msr[i]);
  write_dr0(s.dr[0]), write_dr1(s.dr[1]), write_dr2(s.dr[2]), write_dr3(s.dr[3]);
  write_dr6(s.dr6);
  write_cr8(s.cr8);
  load_extended(v);
}
}  // namespace

void init_cpu_state_support() {
  Features f{};
  const arch::CpuidResult max = arch::cpuid(0), ext_max = arch::cpuid(0x80000000);
  const arch::CpuidResult leaf1 = arch::cpuid(1);
  const arch::CpuidResult leaf7 = max.eax >= 7 ? arch::cpuid(7, 0) : arch::CpuidResult{};
  f.tsc_aux = (ext_max.eax >= 0x80000001 && (arch::cpuid(0x80000001).edx & (1u << 27))) || (leaf7.ecx & (1u << 22));
  f.spec_ctrl = leaf7.edx & ((1u << 26) | (1u << 27) | (1u << 31));
  uint32_t area_size = 0;
  if ((leaf1.ecx & (1u << 26)) && max.eax >= 0xD) {
    const arch::CpuidResult d0 = arch::cpuid(0xD, 0), d1 = arch::cpuid(0xD, 1);
    area_size = d0.ecx;
    f.xsave = area_size <= 4096;
    f.xsave_mask = uint64_t(d0.edx) << 32 | d0.eax;
    f.xss = d1.eax & (1u << 3);
  }
  if (f.xsave) {
    arch::write_cr4(arch::read_cr4() | arch::cr4::OSXSAVE);
    xsetbv0(kXcr0Reset | 2);  // x87 and SSE: all the host needs
  }
  g_features = f;
  if (!__atomic_exchange_n(&g_reported, true, __ATOMIC_ACQ_REL))
    LOG("vmm: guest CPU state switch: %s (XCR0 components 0x%lx, area %u bytes), TSC_AUX %s, SPEC_CTRL %s, XSS %s",
        f.xsave ? "XSAVE/XRSTOR" : "FXSAVE/FXRSTOR", f.xsave_mask, area_size, f.tsc_aux ? "yes" : "no",
        f.spec_ctrl ? "yes" : "no", f.xss ? "yes" : "no");
}

bool init_guest_cpu_state(Vcpu& v) {
  SwitchedState& s = v.cpu_state;
  s.extended_area = memory::phys_allocate_page();
  if (!s.extended_area) return false;
  uint8_t* area = extended_area(v);
  memset(area, 0, 4096);  // XSAVE header zero: XSTATE_BV = 0, every component initial at XRSTOR
  *reinterpret_cast<uint16_t*>(area + kFxsaveFcw) = 0x037F;
  *reinterpret_cast<uint32_t*>(area + kFxsaveMxcsr) = 0x1F80;
  for (uint32_t i = 0; i < kSwitchedMsrCount; ++i) s.msr[i] = kSwitched[i].reset;
  for (auto& dr : s.dr) dr = 0;
  s.dr6 = kDr6Reset;
  s.cr8 = 0;
  s.xcr0 = kXcr0Reset;
  return true;
}

void switch_cpu_state(cpu::PerCpu& c, Vcpu& next) {
  if (c.state_owner == &next) return;
  if (c.state_owner) save(*c.state_owner);
  load(next);
  c.state_owner = &next;
}

bool set_guest_xcr0(Vcpu& v, uint64_t value) {
  if (!g_features.xsave || !xcr0_valid(value, g_features.xsave_mask)) return false;
  xsetbv0(value);
  v.cpu_state.xcr0 = value;
  return true;
}

}  // namespace guests
