// A host exception in VMX root operation is a hypervisor bug: report the CPU,
// vector and where it happened, then end the machine as a failure.
#include <stdint.h>

#include "arch/cpu.h"
#include "arch/vmx_table.h"
#include "console/debug_ring.h"
#include "console/log.h"
#include "platform/machine.h"

struct ExceptionFrame {
  uint64_t vector, error_code, rip, cs, rflags, rsp, ss;
};

extern "C" [[noreturn]] void host_exception(const ExceptionFrame* f) {
  const arch::ExceptionInfo* info = arch::find_exception(uint32_t(f->vector));
  LOG("vmm: FATAL: host exception #%s (vector %lu) at rip 0x%lx, error code 0x%lx, rsp 0x%lx, cr2 0x%lx",
      info ? info->mnemonic : "?", f->vector, f->rip, f->error_code, f->rsp, arch::read_cr2());
  console::debug_ring_dump("fatal host exception");
  platform::end_machine(false);
}
