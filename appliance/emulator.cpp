#include "appliance/emulator.h"

#include "appliance/run_trace.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>
#include <vector>

#include "appliance/files.h"
#include "appliance/image.h"
#include "appliance/process.h"
#include "appliance/serial_log.h"

namespace appliance {
namespace fs = std::filesystem;
namespace {

// Bochs 3.0 with Debian 12's Bochs BIOS (2.7's rombios) never boots the
// e1000's PCI option ROM ("No bootable device", measured 2026-12-02), while
// SeaBIOS (Debian's seabios package) does. SeaBIOS on Bochs lists only the
// boot CPU in its MADT, though, so it is used for network boots on 3.0 only
// (docs/emulators.md).
std::string bios(const RunSpec& s) {
  return s.bochs_version >= 300 && s.boot == "net" ? "/usr/share/seabios/bios.bin" : "/usr/share/bochs/BIOS-bochs-latest";
}

std::string bochsrc(const RunSpec& s, const std::string& serial, const std::string& log) {
  std::string rc =
      "megs: " + std::to_string(s.memory_mib) + "\n"
      "cpu: model=" + s.cpu_model + ", count=" + std::to_string(s.cpus) + ", reset_on_triple_fault=0\n"
      "romimage: file=" + bios(s) + "\n"
      "vgaromimage: file=/usr/share/vgabios/vgabios.bin\n"
      "display_library: term\n"  // never rfb: it listens on every address
      "com1: enabled=1, mode=file, dev=" + serial + "\n"
      "port_e9_hack: enabled=1\n"
      "magic_break: enabled=1\n"
      "speaker: enabled=0\n"
      "log: " + log + "\n"
      "panic: action=fatal\n"
      "error: action=report\n"
      "info: action=report\n";
  // Debian's 2.7 has sound compiled in and needs dummy drivers to stay
  // quiet; the Bochs 3.0 built here has none and refuses a `sound:` line.
  if (s.bochs_version > 0 && s.bochs_version < 300)
    rc += "sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy\n";
  if (s.boot == "net") {
    rc += "pci: enabled=1, chipset=i440fx, slot1=e1000\n"
          "e1000: enabled=1, mac=52:54:00:12:34:56, ethmod=slirp, ethdev=" + s.netboot_dir +
          ", script=" + s.work_dir + "/slirp.conf, bootrom=/usr/lib/ipxe/qemu/pxe-e1000.rom\n"
          "boot: network\n";
  } else {
    rc += "ata0-master: type=cdrom, path=" + s.iso + ", status=inserted\nboot: cdrom\n";
  }
  return rc;
}

std::string emulator_program(const RunSpec& s) {
  if (s.emulator == "bochs") return s.bochs.empty() ? "bochs" : s.bochs;
  return "qemu-system-x86_64";
}

std::vector<std::string> command(const RunSpec& s, const std::string& serial, const QemuAccel& accel) {
  // SIGINT first, so QEMU ends cleanly; Bochs ignores it and is killed 3 s later.
  std::vector<std::string> argv = {"timeout", "-s", "INT", "-k", "3", std::to_string(s.timeout_seconds)};
  if (s.emulator == "bochs") {
    argv.push_back(emulator_program(s));
    for (const char* a : {"-q", "-f"}) argv.push_back(a);
    argv.push_back(s.work_dir + "/bochsrc");
    argv.push_back("-rc");
    argv.push_back(s.work_dir + "/run.rc");
    return argv;
  }
  argv.push_back(emulator_program(s));
  for (const char* a : {"-display", "none", "-no-reboot", "-m"}) argv.push_back(a);
  argv.push_back(std::to_string(s.memory_mib));
  argv.push_back("-smp");
  argv.push_back(std::to_string(s.cpus));
  argv.push_back("-serial");
  argv.push_back("file:" + serial);
  for (const char* a : {"-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"}) argv.push_back(a);
  if (s.firmware == "uefi")
    argv.insert(argv.end(), {"-drive", std::string("if=pflash,format=raw,unit=0,readonly=on,file=") + kOvmfCode, "-drive",
                             "if=pflash,format=raw,unit=1,file=" + s.work_dir + "/OVMF_VARS.fd"});
  if (accel.kvm) argv.insert(argv.end(), {"-accel", "kvm", "-cpu", "host"});
  else {
    argv.insert(argv.end(), {"-accel", "tcg"});
    if (!s.qemu_cpu.empty()) argv.insert(argv.end(), {"-cpu", s.qemu_cpu});
  }
  if (s.boot == "kernel") {
    argv.insert(argv.end(), {"-kernel", s.vmm, "-append", s.cmdline, "-initrd", s.blob + " profile.blob"});
  } else if (s.boot == "net" && s.firmware == "uefi") {
    // OVMF's own PXE client on a NIC without an iPXE ROM, as a UEFI machine
    // without iPXE: QEMU's DHCP names one boot file for every client, so
    // the firmware loads GRUB directly (a lab's dnsmasq goes through
    // snponly.efi and boot.ipxe first: docs/netboot.md).
    argv.insert(argv.end(), {"-boot", "n", "-netdev", "user,id=n0,tftp=" + s.netboot_dir + ",bootfile=" + kGrubEfiNetImage,
                             "-device", "virtio-net-pci,netdev=n0,romfile="});
  } else if (s.boot == "net") {
    argv.insert(argv.end(), {"-boot", "n", "-netdev", "user,id=n0,tftp=" + s.netboot_dir + ",bootfile=boot.ipxe", "-device",
                             "e1000,netdev=n0"});
  } else {
    argv.insert(argv.end(), {"-cdrom", s.iso, "-boot", "d"});
  }
  return argv;
}

// Bochs's `term` display writes the VGA screen to a new pty that nobody
// reads; once ~64 KiB pile up Bochs blocks. Its name is on stderr: read it
// and drain that pty until the emulator exits. Everything the emulator says
// on stderr is kept (its own messages: "No bootable device", QEMU errors).
void drain_emulator_output(int stderr_fd, std::atomic<bool>& done, std::string& messages) {
  static const std::regex screen(R"(connected to screen \"([^\"]+)\")");
  constexpr size_t kMaxMessages = 256 * 1024;
  char buf[4096];
  int pty = -1;
  bool stderr_open = true;
  while (!done && (stderr_open || pty >= 0)) {
    std::vector<pollfd> fds;
    if (stderr_open) fds.push_back({stderr_fd, POLLIN, 0});
    if (pty >= 0) fds.push_back({pty, POLLIN, 0});
    if (poll(fds.data(), nfds_t(fds.size()), 100) <= 0) continue;
    for (const pollfd& p : fds) {
      if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = read(p.fd, buf, sizeof buf);
      if (p.fd == stderr_fd) {
        if (n <= 0) {
          stderr_open = false;  // the emulator is gone
          continue;
        }
        if (messages.size() < kMaxMessages) messages.append(buf, size_t(n));
        std::smatch m;
        if (pty < 0 && std::regex_search(messages, m, screen))
          pty = open(m[1].str().c_str(), O_RDONLY | O_NOCTTY | O_NONBLOCK);
      } else if (n == 0 || (n < 0 && errno != EAGAIN)) {
        close(pty);  // the screen's other end is closed
        pty = -1;
      }
    }
  }
  if (pty >= 0) close(pty);
}

}  // namespace

std::string emulator_complaint(const std::string& messages) {
  static const std::regex bochs(R"(Bochs is exiting with the following message:\s*\n([^\n]+))");
  static const std::regex qemu(R"((?:^|\n)(qemu-system-\S+: [^\n]+))");
  std::smatch m;
  if (std::regex_search(messages, m, bochs)) return m[1];
  std::string last;
  for (auto it = std::sregex_iterator(messages.begin(), messages.end(), qemu); it != std::sregex_iterator(); ++it)
    last = (*it)[1];
  return last;
}

std::string uefi_unsupported(const RunSpec& s) {
  if (s.firmware == "bios") return {};
  if (s.firmware != "uefi") return "unknown --firmware '" + s.firmware + "' (bios or uefi)";
  if (s.emulator != "qemu") return "--firmware uefi runs QEMU with OVMF; Bochs has BIOS firmware only (add --emulator qemu)";
  if (s.boot == "kernel")
    return "--firmware uefi boots the ISO or the netboot tree (--boot cdrom or net), where GRUB loads the hypervisor by "
           "multiboot2: QEMU's -kernel loads multiboot kernels on BIOS only";
  if (!fs::exists(kOvmfCode) || !fs::exists(kOvmfVars))
    return std::string("--firmware uefi needs OVMF (Debian package ovmf): ") + kOvmfCode + " or " + kOvmfVars + " is missing";
  return {};
}

HostVirtualization probe_host_virtualization() {
  HostVirtualization h;
  const int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    h.dev_kvm_usable = true;
    close(fd);
  }
  std::ifstream cpuinfo("/proc/cpuinfo");
  static const std::regex vmx(R"(^flags\s*:.*\bvmx\b)");
  for (std::string line; std::getline(cpuinfo, line);)
    if (std::regex_search(line, vmx)) {
      h.cpu_has_vmx = true;
      break;
    }
  return h;
}

QemuAccel choose_qemu_accel(const std::string& requested, const HostVirtualization& host) {
  QemuAccel a;
  const bool possible = host.dev_kvm_usable && host.cpu_has_vmx;
  const std::string lack = !host.dev_kvm_usable ? "no usable /dev/kvm" : "the host CPU has no VMX";
  if (requested == "tcg") {
    a.why = "qemu: TCG, as asked (--qemu-accel tcg): the guest CPU has no VMX";
  } else if (requested == "kvm") {
    a.kvm = possible;
    if (possible) a.why = "qemu: KVM with -cpu host, as asked (--qemu-accel kvm)";
    else a.error = "--qemu-accel kvm, but " + lack;
  } else if (requested == "auto") {
    a.kvm = possible;
    a.why = possible ? "qemu: KVM with -cpu host (/dev/kvm and host VMX found): the hypervisor runs on the host's VMX"
                     : "qemu: TCG (" + lack + "): the guest CPU has no VMX, so the run ends at the VMX report";
  } else {
    a.error = "unknown --qemu-accel '" + requested + "' (auto, kvm or tcg)";
  }
  return a;
}

RunResult run_emulator(const RunSpec& s) {
  RunResult r;
  std::error_code ec;
  fs::create_directories(s.work_dir, ec);
  const std::string serial = s.work_dir + "/serial.log";
  fs::remove(serial, ec);
  auto fail = [&r](std::string error) {
    r.error = std::move(error);
    return r;
  };
  if (auto e = write_file(serial, std::string_view()); !e.empty()) return fail(e);
  if (s.emulator == "bochs") {
    if (s.boot == "kernel") return fail("Bochs cannot load a multiboot kernel directly; use --boot cdrom or net");
    if (auto e = write_file(s.work_dir + "/bochsrc", bochsrc(s, serial, s.work_dir + "/bochs.log")); !e.empty()) return fail(e);
    if (auto e = write_file(s.work_dir + "/run.rc", "c\nr\nquit\n"); !e.empty()) return fail(e);
    if (s.boot == "net")
      if (auto e = write_file(s.work_dir + "/slirp.conf", "# slirp config\nbootfile = boot.ipxe\n"); !e.empty()) return fail(e);
  } else if (s.emulator != "qemu") {
    return fail("unknown emulator " + s.emulator + " (bochs or qemu)");
  }
  if (auto e = uefi_unsupported(s); !e.empty()) return fail(e);
  if (s.firmware == "uefi") {
    fs::copy_file(kOvmfVars, s.work_dir + "/OVMF_VARS.fd", fs::copy_options::overwrite_existing, ec);
    if (ec) return fail(std::string("cannot copy ") + kOvmfVars + " to " + s.work_dir + ": " + ec.message());
  }
  QemuAccel accel;
  if (s.emulator == "qemu") {
    accel = choose_qemu_accel(s.qemu_accel, probe_host_virtualization());
    if (!accel.error.empty()) return fail(accel.error);
    r.note = accel.why;
  }
  SpawnOptions spawn;
  spawn.stdout_path = s.work_dir + "/emulator.out";
  spawn.environment = {{"TERM", "xterm"}};
  std::string spawn_error;
  auto child = ChildProcess::start(command(s, serial, accel), spawn, spawn_error);
  if (!child) return fail("could not start " + emulator_program(s) + ": " + spawn_error);
  std::atomic<bool> done{false};
  std::thread drain(drain_emulator_output, child->output_fd(), std::ref(done), std::ref(r.messages));
  // Stream the serial log while the machine runs.
  std::ifstream in;
  std::string pending;
  const bool tty = isatty(1);
  const auto start = std::chrono::steady_clock::now();
  auto pump = [&] {
    if (!in.is_open()) in.open(serial, std::ios::binary);
    in.clear();
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    r.serial += chunk;
    pending += chunk;
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      const std::string line = clean_serial_line(pending.substr(0, nl));
      // The trace's records are for the trace file (run --trace), not the reader.
      if (s.stream && !is_trace_data_line(line)) {
        if (tty) std::cout << "\r\033[K";
        std::cout << line << "\n";
      }
      pending.erase(0, nl + 1);
    }
    if (s.stream && tty) {
      const auto secs = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - start).count();
      std::cout << "\r\033[K[" << s.emulator << " running " << secs << "s of at most " << s.timeout_seconds << "s]" << std::flush;
    }
  };
  for (;;) {
    const bool ended = child->poll_exit().has_value();
    pump();
    if (ended) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  pump();
  if (s.stream && tty) std::cout << "\r\033[K" << std::flush;
  if (s.stream && !pending.empty()) std::cout << clean_serial_line(pending) << "\n";  // a last line the machine stopped before ending
  done = true;
  drain.join();
  r.emulator_status = child->wait();
  if (auto e = write_file(s.work_dir + "/emulator.err", r.messages); !e.empty()) return fail(e);
  // timeout(1) exits 124 after its SIGINT, or 128+9 when the emulator ignored
  // that and was killed 10 s later (a Bochs blocked on its screen, say).
  const auto ran = std::chrono::steady_clock::now() - start;
  r.timed_out = r.emulator_status == 124 || (r.emulator_status == 128 + 9 && ran >= std::chrono::seconds(s.timeout_seconds));
  if (r.emulator_status == 126 || r.emulator_status == 127)  // from timeout(1) or our own exec
    r.error = "could not start " + emulator_program(s) + " (is it installed?)";
  return r;
}

}  // namespace appliance
