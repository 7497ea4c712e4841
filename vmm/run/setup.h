// Turning blob guest records into runnable vcpus (book 3.11, 6.3).
#pragma once
#include "blob/reader.h"
#include "cpu/percpu.h"
#include "guests/vcpu.h"

namespace run {
// Makes each guest's vCPUs (one, or guests[].vcpus) and binds vCPU k to the
// (k mod m)-th of the m CPUs of its cpu_mask that exist; guests whose CPUs
// are all missing are refused here.
void assign_guests(const blob::Reader& reader, uint32_t cpus);
// Builds memory, EPT, bitmaps, reconciled controls and the VMCS of every
// guest bound to CPU c. A guest that cannot be built is refused alone.
void prepare_cpu_guests(const blob::Reader& reader, cpu::PerCpu& c);
// A CPU that cannot run guests (no VMX): each of its vCPUs refused, with
// its guest if it has several.
void refuse_cpu_guests(cpu::PerCpu& c, const char* why);
// Before vCPU 0 of a guest with several is first entered: waits until
// every sibling is built (or the guest ended).
void wait_for_siblings_built(const guests::Vcpu& v);
// fast_path=off on the command line: every guest's exits take the full
// dispatcher (docs/exit-fast-path.md). Before prepare_cpu_guests.
void set_fast_path(bool on);
// Whether any guest has several vCPUs (guests[].vcpus): only then does the
// scheduler look for vCPUs waiting for a start-up IPI.
bool has_multi_vcpu_guests();
guests::Vcpu* vcpus();
uint32_t vcpu_count();
}  // namespace run
