// The profile text the cases of rule_cases.def are written in: a minimal
// valid guest `g` on CPU 0 (the demo image at 1 MiB) and the variants the
// cases build from it. No GoogleTest here: the Bochs differential test
// (tests/emulator/sdm_differential.cpp) writes the same profiles.
#pragma once
#include <string>

namespace rule_cases {

inline std::string base_profile(const std::string& guest_extra = "", const std::string& entry = "{mode: protected, rip: 0x100000, rsp: 0x90000}") {
  return std::string("appliance: {name: t, target: bochs-tigerlake}\n"
                     "images:\n  demo: {file: \"") + VTX_BINARY_DIR + "/guest_images/demo.bin\"}\n"
                     "guests:\n"
                     "  - name: g\n"
                     "    cpus: [0]\n"
                     "    memory:\n"
                     "      - {gpa: 0, size: 1M}\n"
                     "      - {gpa: 0x100000, size: 64K, image: demo, perm: rx}\n"
                     "    entry: " + entry + "\n" + guest_extra;
}

inline std::string profile_with_memory(const std::string& memory_lines, const std::string& cpus = "[0]") {
  return std::string("appliance: {name: t, target: bochs-tigerlake}\n"
                     "images:\n  demo: {file: \"") + VTX_BINARY_DIR + "/guest_images/demo.bin\"}\n"
                     "guests:\n"
                     "  - name: g\n"
                     "    cpus: " + cpus + "\n"
                     "    memory:\n" + memory_lines +
                     "    entry: {mode: protected, rip: 0x100000, rsp: 0x90000}\n";
}

// A case is guest keys added to base_profile, or a whole profile when it
// starts with "appliance".
inline std::string profile_of(const std::string& s) { return s.rfind("appliance", 0) == 0 ? s : base_profile(s); }

// Everything posted interrupts need besides the pin control (SDM 26.2.1.1).
inline const std::string kPostedControls = "proc: [use-tpr-shadow], proc2: [virtual-interrupt-delivery], exit: [acknowledge-interrupt-on-exit], ";
inline const std::string kDemoAt1M = "      - {gpa: 0x100000, size: 64K, image: demo, perm: rx}\n";
// Hand-made: no HLT/shutdown/wait-for-SIPI, no execute-only EPT, IA32_VMX_BASIC[56] = 0.
inline const std::string kMinimalCaps = VTX_SOURCE_DIR "/tests/host/targets/minimal-caps.yaml";

// A VM-entry MSR-load list of n entries (Bochs allows 512: IA32_VMX_MISC[27:25] = 0).
inline std::string msr_load_list(int n) {
  std::string s = "    msr:\n      entry_load:\n";
  for (int i = 0; i < n; ++i) s += "        - {msr: ia32-time-stamp-counter, value: 0}\n";
  return s;
}
// Guest g from base_profile plus a second guest h on the same CPU 0.
inline std::string two_guests_on_cpu0(const std::string& g_extra, const std::string& h_extra) {
  const std::string second = base_profile(h_extra);
  std::string h = second.substr(second.find("  - name: g"));
  h.replace(h.find("name: g"), 7, "name: h");
  return base_profile(g_extra) + h;
}
// A whole profile whose protected-mode entry has these extra keys.
inline std::string entry(const std::string& extra) {
  return base_profile("", "{mode: protected, rip: 0x100000, rsp: 0x90000, " + extra + "}");
}

}  // namespace rule_cases
