// The run trace (docs/trace.md): records the hypervisor keeps per CPU while
// guests run and sends once, at the end of the run, in lines the serial-log
// reader knows. The second contract between the halves after the blob: the
// hypervisor writes it (console/trace.cpp), configgen reads it
// (appliance/trace.cpp); both compile this header.
#pragma once
#include <stdint.h>

#include "blob/vocabulary.h"

namespace trace {

// Bumped when Record or the dump lines change meaning.
inline constexpr uint32_t kFormatVersion = 1;

enum class Kind : uint8_t {
#define TRACE_KIND(id, word, value, description, sdm, book) id = value,
#include "blob/vocabulary.def"
};
inline constexpr blob::Word<Kind> kKinds[] = {
#define TRACE_KIND(id, word, value, description, sdm, book) {Kind::id, word, description, sdm, book},
#include "blob/vocabulary.def"
};

// Why a slice ended (Record::code of a SliceEnd).
enum class SliceEndCause : uint8_t { Yield = 1, Finished = 2 };

// One record, as the CPU stores it (little-endian). 16 bytes, so a CPU's
// ring of kDefaultRecordsPerCpu is 64 KiB.
struct Record {
  uint64_t tsc;    // RDTSC when it was recorded (an exit: when its handling ended)
  uint8_t kind;    // Kind
  uint8_t code;    // Exit: basic exit reason (255 beyond a byte); Injection: vector;
                   // SliceEnd: SliceEndCause; GuestEnd: blob::Outcome
  uint16_t guest;  // the guest's index in the blob
  uint32_t value;  // Exit: TSC ticks from the VM exit to the end of its handling
                   // (saturated); Injection: the VM-entry interruption
                   // information; SliceStart, SliceEnd: the guest's exits so far
};
static_assert(sizeof(Record) == 16);
// A CPU's records are appended in the order they happen, so their stamps
// only grow, unless something writes the host's TSC: a VM-exit MSR-load list
// holding IA32_TIME_STAMP_COUNTER (book example 6-1 does) sets it back at
// every exit. The hypervisor's trace clock then goes on from where it stood
// at the entry (console/trace.h) and the dump counts those clock resets.

// A dump line carries this many records, base64-encoded: 192 bytes, 256
// characters, well inside the hypervisor's 512-character log line.
inline constexpr uint32_t kRecordsPerLine = 12;
// The ring of each CPU keeps the last this-many records (cmdline `trace`,
// or `trace=N` for another size within the bounds).
inline constexpr uint32_t kDefaultRecordsPerCpu = 4096;
inline constexpr uint32_t kMinRecordsPerCpu = 16;
inline constexpr uint32_t kMaxRecordsPerCpu = 1u << 16;

}  // namespace trace
