// The kernel command line: space-separated key=value words.
//   exit=bochs|qemu|halt   how the machine ends (docs/serial-log.md)
//   blob=NAME              which multiboot module holds the blob (default: the first)
//   caps                   print every CPU's VMX capability MSRs
//   ring                   dump the debug-record ring before the summary
//   x2apic                 run the host's local APICs in x2APIC mode where the CPU
//                          has it (firmware that hands over in x2APIC mode needs nothing)
//   trace[=N]              keep the run trace (docs/trace.md), N records per CPU
//                          (default and bounds in blob/trace_format.h)
//   fast_path=off          every exit takes the full dispatcher (docs/exit-fast-path.md;
//                          the differential test compares runs with and without)
//   nmi_test               test hook (docs/isolation.md): the BSP sends NMIs to itself
//                          during boot and NMI IPIs to the other CPUs while they run
//                          guests and once they are idle
#pragma once
#include <stdint.h>

namespace boot {
struct Options {
  char exit_method[16];
  char blob_name[64];
  bool print_caps;
  bool dump_ring;
  bool nmi_test;
  uint32_t trace_records;  // per CPU; 0 = no trace
  bool x2apic;
  bool no_fast_path;
};
Options parse_cmdline(const char* cmdline);
// The last path component of a module string ("tftp://10.0.2.2/profile.blob x" -> "profile.blob").
bool module_name_matches(const char* module_string, const char* name);
}  // namespace boot
