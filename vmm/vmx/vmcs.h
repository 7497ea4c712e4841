// Building a guest's VMCS from its blob record (SDM 24, book 3.11.3).
#pragma once
#include "blob/reader.h"
#include "cpu/percpu.h"
#include "guests/vcpu.h"

namespace vmx {
// Allocates, clears and loads the VMCS, then writes the control, host and
// guest areas. Returns false with `why` naming the step that failed.
// False with `why` set when set-up failed, or with `why` null when a VMWRITE
// failed: c.failed_vmwrite_field names it.
bool build_vmcs(guests::Vcpu& v, cpu::PerCpu& c, const blob::Reader& reader, const char** why);
// A guest's vCPU 1..n at its start-up IPI: the guest-state area as the
// SIPI leaves a processor (real mode at vector << 12). The VMCS is current.
// False when a VMWRITE failed (c.failed_vmwrite_field names it).
bool load_startup_state(guests::Vcpu& v, cpu::PerCpu& c, uint8_t vector);
// The host-state area (SDM 24.5): this CPU's tables, stack and control
// registers; VM exits land at host_rip.
void write_host_state(const uint32_t controls[arch::kControlWordCount], const cpu::PerCpu& c, uint64_t host_rip);
// Writes one field; a failure is a hypervisor bug and is logged with the
// field's SDM name. Inline: every exit writes a field or two, and the
// failure report stays out of line.
inline void write(arch::VmcsField f, uint64_t value);
[[gnu::cold]] void report_failed_write(arch::VmcsField f);
inline uint64_t read(arch::VmcsField f);
}  // namespace vmx

#include "arch/vmx_insn.h"
inline uint64_t vmx::read(arch::VmcsField f) { return arch::vmread(f); }
inline void vmx::write(arch::VmcsField f, uint64_t value) {
  if (arch::vmwrite(f, value) != arch::VmxResult::Succeed) [[unlikely]]
    report_failed_write(f);
}
