// Booting an appliance headless in Bochs or QEMU, time-boxed, with the
// serial log streamed while it runs (shared/platform.md has the recipes).
#pragma once
#include <cstdint>
#include <string>

namespace appliance {

struct RunSpec {
  std::string emulator = "bochs";  // bochs | qemu
  std::string boot = "cdrom";      // cdrom | net | kernel (qemu only)
  int cpus = 2;  // configgen run: the profile's need unless --cpus says otherwise
  uint64_t memory_mib = 256;  // the machine's RAM (configgen run --memory)
  std::string cpu_model = "tigerlake";
  std::string qemu_cpu;  // QEMU's -cpu under TCG (empty: QEMU's default); KVM always uses host
  int timeout_seconds = 120;
  std::string work_dir;
  std::string iso;          // cdrom
  std::string netboot_dir;  // net
  std::string vmm, blob, cmdline;  // kernel
  bool stream = true;       // print serial lines as they arrive
  std::string bochs;        // the Bochs binary (find_bochs); "" = `bochs` on PATH
  int bochs_version = 0;    // BochsBinary::version_number(): the rc file differs by version
  std::string qemu_accel = "auto";  // auto | kvm | tcg (QemuAccel below)
  std::string firmware = "bios";    // bios | uefi (QEMU with OVMF; cdrom or net)
};

// Debian's OVMF (package ovmf): QEMU's UEFI firmware, code read-only and a
// per-run copy of the variable store (the firmware writes to it).
inline constexpr const char* kOvmfCode = "/usr/share/OVMF/OVMF_CODE.fd";
inline constexpr const char* kOvmfVars = "/usr/share/OVMF/OVMF_VARS.fd";
// Why this spec cannot boot under UEFI ("" when it can): OVMF runs in QEMU
// only, and GRUB (the ISO's, or the netboot tree's UEFI image) is what
// speaks multiboot2 to the hypervisor (QEMU's -kernel is BIOS-only).
std::string uefi_unsupported(const RunSpec& spec);

// How QEMU runs the appliance. KVM with `-cpu host` lets the hypervisor use
// the host's real VMX (nested virtualization), which only works on an Intel
// host that has VMX and a /dev/kvm this user can open; otherwise TCG, which
// has no VMX, so the run ends at the per-CPU "VMX unavailable" report.
struct QemuAccel {
  bool kvm = false;
  std::string why;  // one line for the user: which accelerator and why
  std::string error;  // "kvm" asked for but impossible
};
struct HostVirtualization {
  bool dev_kvm_usable = false;  // /dev/kvm opens read-write
  bool cpu_has_vmx = false;     // "vmx" among /proc/cpuinfo's flags
};
HostVirtualization probe_host_virtualization();
QemuAccel choose_qemu_accel(const std::string& requested, const HostVirtualization& host);

struct RunResult {
  int emulator_status = -1;
  bool timed_out = false;
  std::string serial;    // the whole serial log
  std::string messages;  // the emulator's stderr (also kept as WORK/emulator.err)
  std::string error;   // why the emulator could not be started
  std::string note;    // what the run chose that the user should know (QEMU's accelerator)
};

RunResult run_emulator(const RunSpec& spec);

// The emulator's own reason for stopping, from its stderr: Bochs's
// "exiting with the following message" block, or QEMU's "qemu-system-...:"
// error line; "" when it gave none.
std::string emulator_complaint(const std::string& messages);

}  // namespace appliance
