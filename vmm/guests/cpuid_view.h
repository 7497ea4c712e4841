// What a guest's CPUID says, on top of the processor's answer (SDM Vol. 2A,
// CPUID; SDM 25.1.2: CPUID always exits). Features the guest cannot use are
// hidden: VMX (no nested VMX), x2APIC and the TSC-deadline timer unless the
// guest's virtual local APIC offers them (devices.local_apic; otherwise the
// x2APIC MSRs and IA32_TSC_DEADLINE are denied), and the instructions whose VMX enable is off, which would raise #UD in the
// guest (SDM 25.3: RDTSCP and RDPID without "enable RDTSCP", INVPCID without
// "enable INVPCID", XSAVES/XRSTORS without "enable XSAVES/XRSTORS",
// TPAUSE/UMONITOR/UMWAIT without "enable user wait and pause"). The bits a
// processor computes from its state are the guest's: OSXSAVE and OSPKE from
// the guest's CR4, the initial APIC ID (and, with x2APIC, the x2APIC ID of
// leaves 0BH and 1FH) from its virtual APIC, the APIC flag from its
// IA32_APIC_BASE.EN. Profile
// overrides (on_exit cpuid override) apply afterwards.
// Plain logic (vmm/host_logic.cmake): host-tested.
#pragma once
#include <stdint.h>

#include "arch/registers.h"
#include "arch/vmx_table.h"
#include "blob/format.h"

namespace guests {

struct CpuidRegisters {
  uint32_t eax, ebx, ecx, edx;
};

// What the guest's local APIC offers (all false: no virtual APIC, an enabled APIC).
struct CpuidApic {
  bool disabled;      // IA32_APIC_BASE.EN clear: CPUID.01H:EDX[9] reads 0
  bool x2apic;        // devices.local_apic.x2apic: CPUID.01H:ECX[21]
  bool tsc_deadline;  // the virtual APIC's TSC-deadline timer: CPUID.01H:ECX[24]
};

struct CpuidGuestState {
  const uint32_t* controls;  // the guest's control words, indexed by arch::ControlWord
  uint64_t cr4;              // as the guest sees it (its read shadow where the host owns bits)
  uint8_t apic_id;           // its virtual local APIC's ID
  CpuidApic apic;
};

// Whether adjust_cpuid may change this leaf's answer; for any other leaf
// the guest gets the processor's answer (unless a profile override applies),
// which the exit fast path (guests/fast_path.h) relies on.
bool cpuid_leaf_adjusted(uint32_t leaf);
void adjust_cpuid(uint32_t leaf, uint32_t subleaf, const CpuidGuestState& guest, CpuidRegisters& r);

// Features whose instructions raise #UD in a guest unless a VMX control
// enables them (SDM 25.3): CPUID hides each one while its control is off,
// and configgen turns the control on when a profile's override exposes the
// feature (lower/lower.cpp, wanted_controls). Leaves 7, 0DH and 80000001H
// only (adjust_cpuid skips the scan for any other).
struct CpuidFeatureEnable {
  uint32_t leaf;
  uint32_t subleaf;   // kAnySubleaf: every subleaf
  uint8_t reg;        // 0..3: EAX, EBX, ECX, EDX
  uint32_t bit;       // the feature's bit in that register
  const char* feature;
  arch::ControlBit enable;
};
inline constexpr uint32_t kAnySubleaf = 0xFFFFFFFFu;
inline constexpr CpuidFeatureEnable kCpuidFeatureEnables[] = {
    {7, 0, 1, arch::cpuid7_ebx::INVPCID, "INVPCID", arch::ctl::ENABLE_INVPCID},
    {7, 0, 2, arch::cpuid7_ecx::RDPID, "RDPID", arch::ctl::ENABLE_RDTSCP},
    {7, 0, 2, arch::cpuid7_ecx::WAITPKG, "TPAUSE/UMONITOR/UMWAIT", arch::ctl::ENABLE_USER_WAIT_AND_PAUSE},
    {0xD, 1, 0, arch::cpuid0d1_eax::XSAVES, "XSAVES/XRSTORS", arch::ctl::ENABLE_XSAVES_XRSTORS},
    {0x80000001, kAnySubleaf, 3, arch::cpuid80000001_edx::RDTSCP, "RDTSCP", arch::ctl::ENABLE_RDTSCP},
};

// A profile's CPUID override (on_exit cpuid override) applied to the
// adjusted answer when it is for this leaf and subleaf: per register, the
// bits it clears, then the bits it sets, then a forced whole value. Returns
// whether it applied.
bool apply_cpuid_override(const blob::Behaviour& b, uint32_t leaf, uint32_t subleaf, CpuidRegisters& r);

}  // namespace guests
