// Turning blob guest records into runnable vcpus (book 3.11, 6.3).
#pragma once
#include "blob/reader.h"
#include "cpu/percpu.h"
#include "guests/vcpu.h"

namespace run {
// Binds every guest to the first CPU of its cpu_mask that exists; guests
// whose CPUs are all missing are refused here.
void assign_guests(const blob::Reader& reader, uint32_t cpus);
// Builds memory, EPT, bitmaps, reconciled controls and the VMCS of every
// guest bound to CPU c. A guest that cannot be built is refused alone.
void prepare_cpu_guests(const blob::Reader& reader, cpu::PerCpu& c);
// fast_path=off on the command line: every guest's exits take the full
// dispatcher (docs/exit-fast-path.md). Before prepare_cpu_guests.
void set_fast_path(bool on);
guests::Vcpu* vcpus();
uint32_t vcpu_count();
}  // namespace run
