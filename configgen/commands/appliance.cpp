// `configgen image` and `configgen run`: build an appliance and boot it.
#include "commands/appliance.h"

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "appliance/bochs_finder.h"
#include "appliance/emulator.h"
#include "appliance/image.h"
#include "netboot/lab.h"
#include "appliance/run_dir.h"
#include "appliance/signing.h"
#include "blob/crc32c.h"
#include "blob/format.h"
#include "appliance/serial_log.h"
#include "appliance/verdict.h"
#include "driver.h"

namespace configgen::appliance {
namespace fs = std::filesystem;
namespace {

struct RunOptions {
  std::string input;
  RunSpec spec;
  std::string keep;
  std::string extra_cmdline;
  std::string corrupt;  // truncate | flip:OFFSET (tests: the hypervisor must refuse the blob)
  std::string sign_key; // sign the blob and give the hypervisor copy the public key
  std::string grub_prelude;  // file of GRUB commands run before booting (tests)
  long tamper = -1;     // after signing: change one byte and fix the CRC (tests: the signature must catch it)
  std::vector<std::string> expect_lines;
  bool expect_fail = false;
  bool expect_mismatch = false;
  bool expect_timeout = false;   // negative check: the machine must hang and be stopped by --timeout  // negative checks: the run ends but an expectation does not hold
  bool quiet = false;
};

bool has_ext(const std::string& p, const char* ext) { return fs::path(p).extension() == ext; }

std::string corrupt_blob(const std::string& how, std::vector<uint8_t>& blob) {
  if (how == "truncate") {
    blob.resize(blob.size() / 2);
    return {};
  }
  if (how.rfind("flip:", 0) == 0) {
    const size_t at = std::stoul(how.substr(5), nullptr, 0);
    if (at >= blob.size()) return "flip offset beyond the blob";
    blob[at] ^= 0x01;
    return {};
  }
  return "unknown --corrupt " + how + " (truncate or flip:OFFSET)";
}

int run_command(RunOptions& o) {
  std::vector<model::Expectation> expectations;
  for (const auto& l : o.expect_lines) {
    model::Expectation e;
    e.pattern = l;
    expectations.push_back(e);
  }
  // The Bochs decides which captured target a family name means (its
  // capabilities differ by version), so it is found before compiling.
  std::string emulator_label = o.spec.emulator;
  CompileOptions copts;
  if (o.spec.emulator == "bochs") {
    const BochsBinary bochs = find_bochs(o.spec.bochs);
    if (!bochs.error.empty()) {
      std::cerr << "configgen run: " << bochs.error << "\n";
      return 2;
    }
    o.spec.bochs = bochs.path;
    o.spec.bochs_version = bochs.version_number();
    emulator_label = "bochs " + bochs.version;
    copts.bochs_version = bochs.version;
  }
  const std::string stem = fs::path(o.input).stem().string();
  if (o.keep.empty()) {
    std::string error;
    const std::string runs = std::string(VTX_BINARY_DIR) + "/runs";
    prune_run_dirs(runs, 9);  // with this one, the last ten runs stay for a look at their logs
    o.spec.work_dir = make_fresh_run_dir(runs, stem + "-" + o.spec.emulator + "-" + o.spec.boot, error);
    if (o.spec.work_dir.empty()) {
      std::cerr << "configgen run: " << error << "\n";
      return 2;
    }
  } else {
    o.spec.work_dir = o.keep;
    std::error_code ec;
    fs::create_directories(o.spec.work_dir, ec);
  }
  std::string blob_path = o.spec.work_dir + "/profile.blob";
  bool require_end_pass = !o.expect_fail;
  if (has_ext(o.input, ".iso")) {
    if (o.spec.boot != "cdrom") {
      std::cerr << "configgen run: an ISO boots as a CD-ROM (--boot cdrom); give the profile or blob for --boot " << o.spec.boot << "\n";
      return 2;
    }
    o.spec.iso = o.input;
  } else {
    std::vector<uint8_t> blob;
    if (has_ext(o.input, ".yaml") || has_ext(o.input, ".yml")) {
      auto compiled = compile_profile_file(o.input, copts);
      if (!compiled) {
        std::cerr << "configgen run: " << o.input << " does not compile\n";
        return 2;
      }
      blob = compiled->blob;
      for (const auto& e : compiled->expectations) {
        expectations.push_back(e);
        if (e.kind == model::Expectation::Kind::GuestEnd && e.outcome != "halted" && e.outcome != "exited")
          require_end_pass = false;  // a profile that expects a guest to be stopped
      }
    } else {
      std::ifstream in(o.input, std::ios::binary);
      if (!in) {
        std::cerr << "configgen run: cannot read " << o.input << "\n";
        return 2;
      }
      blob.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (!o.corrupt.empty()) {
      if (auto err = corrupt_blob(o.corrupt, blob); !err.empty()) {
        std::cerr << "configgen run: " << err << "\n";
        return 2;
      }
      require_end_pass = false;
    }
    ImageInputs img{o.spec.vmm.empty() ? default_vmm_path() : o.spec.vmm, blob_path,
                    "exit=" + o.spec.emulator + (o.extra_cmdline.empty() ? "" : " " + o.extra_cmdline), "", ""};
    if (!o.grub_prelude.empty()) {
      std::ifstream prelude(o.grub_prelude);
      if (!prelude) {
        std::cerr << "configgen run: cannot read " << o.grub_prelude << "\n";
        return 2;
      }
      img.grub_prelude.assign(std::istreambuf_iterator<char>(prelude), std::istreambuf_iterator<char>());
    }
    if (!o.sign_key.empty()) {
      std::string error;
      auto key = load_signing_key(o.sign_key, error);
      if (!key) {
        std::cerr << "configgen run: " << error << "\n";
        return 2;
      }
      const std::vector<uint8_t> sig = sign_blob(*key, blob);
      img.signature = o.spec.work_dir + "/profile.sig";
      std::ofstream(img.signature, std::ios::binary).write(reinterpret_cast<const char*>(sig.data()), std::streamsize(sig.size()));
      const std::string keyed = o.spec.work_dir + "/vmm-keyed.elf";
      if (auto err = write_keyed_vmm(img.vmm, keyed, *key); !err.empty()) {
        std::cerr << "configgen run: " << err << "\n";
        return 2;
      }
      img.vmm = keyed;
    }
    if (o.tamper >= 0 && size_t(o.tamper) < blob.size()) {
      blob[size_t(o.tamper)] ^= 0x01;
      const uint32_t crc = blob::blob_crc32c(blob.data(), blob.size());
      std::memcpy(blob.data() + offsetof(blob::Header, crc32c), &crc, sizeof crc);
      require_end_pass = false;
    }
    std::ofstream(blob_path, std::ios::binary).write(reinterpret_cast<const char*>(blob.data()), std::streamsize(blob.size()));
    o.spec.vmm = img.vmm;
    o.spec.blob = blob_path;
    o.spec.cmdline = img.cmdline;
    std::string err;
    if (o.spec.boot == "cdrom") {
      o.spec.iso = o.spec.work_dir + "/appliance.iso";
      err = build_iso(img, o.spec.iso, o.spec.work_dir);
    } else if (o.spec.boot == "net") {
      o.spec.netboot_dir = o.spec.work_dir + "/tftp";
      err = build_netboot_tree(img, o.spec.netboot_dir);
    }
    if (!err.empty()) {
      std::cerr << "configgen run: " << err << "\n";
      return 2;
    }
  }
  if (o.expect_fail) {
    model::Expectation e;
    e.pattern = "vmm: end: fail";
    expectations.push_back(e);
  }
  o.spec.stream = !o.quiet;
  const RunResult r = run_emulator(o.spec);
  if (!r.error.empty()) {
    std::cerr << "configgen run: " << r.error << "\n";
    return 2;
  }
  const SerialLog log = parse_serial_log(r.serial);
  if (r.timed_out && !log.end_pass) {
    std::cout << "configgen run: TIMEOUT after " << o.spec.timeout_seconds << "s in " << emulator_label << "; last lines:\n";
    const size_t from = log.lines.size() > 20 ? log.lines.size() - 20 : 0;
    for (size_t i = from; i < log.lines.size(); ++i) std::cout << "  " << log.lines[i] << "\n";
    if (log.lines.empty()) std::cout << "  (the serial log is empty: the machine never reached the hypervisor's console)\n";
    if (o.expect_timeout) {
      std::cout << "configgen run: negative check PASSED (the run hung and was stopped, as it should)\n";
      return 0;
    }
    return 124;
  }
  if (o.expect_timeout) {
    std::cout << "configgen run: negative check FAILED (the run ended before the time limit)\n";
    return 1;
  }
  const Verdict v = judge(log, expectations, require_end_pass);
  if (!log.end_pass)
    if (const std::string why = emulator_complaint(r.messages); !why.empty())
      std::cout << "configgen run: " << o.spec.emulator << " stopped: " << why << "\n";
  // A failed run says how each guest that did not finish ended, so a refusal
  // (a control the CPU lacks or does not deliver) is visible without the log.
  if (!v.pass)
    for (const auto& [name, g] : log.guests)
      if (g.outcome != "halted" && g.outcome != "exited")
        std::cout << "configgen run: guest " << name << " ended " << g.outcome << (g.detail.empty() ? "" : ": " + g.detail) << "\n";
  std::cout << "configgen run: " << v.summary() << " (" << emulator_label << ", " << o.spec.boot << ", " << o.spec.cpus
            << " CPUs; log " << o.spec.work_dir << "/serial.log)\n";
  if (o.expect_mismatch) {
    // A negative check passes only when the machine ended and the profile's
    // expectations were what failed.
    const bool ended = log.end_pass.has_value();
    std::cout << "configgen run: negative check " << (ended && !v.pass ? "PASSED (the expectations failed, as they should)" : "FAILED") << "\n";
    return ended && !v.pass ? 0 : 1;
  }
  return v.pass ? 0 : 1;
}
}  // namespace

void register_commands(CLI::App& app) {
  static RunOptions run;
  auto* r = app.add_subcommand("run", "Build what is needed, boot headless in Bochs or QEMU, check the profile's expect: list");
  r->add_option("input", run.input, "Profile (.yaml), blob, or ISO")->required();
  r->add_option("--emulator", run.spec.emulator, "bochs or qemu")->check(CLI::IsMember({"bochs", "qemu"}));
  r->add_option("--boot", run.spec.boot, "cdrom, net, or kernel (qemu)")->check(CLI::IsMember({"cdrom", "net", "kernel"}));
  r->add_option("--cpus", run.spec.cpus, "CPU count")->check(CLI::Range(1, 8));
  r->add_option("--bochs", run.spec.bochs, "Bochs binary (default: $VTX_BOCHS, else the build tree's Bochs 3.0, else bochs on PATH)");
  r->add_option("--cpu-model", run.spec.cpu_model, "Bochs CPU model (tigerlake, corei7_skylake_x, corei7_icelake_u)");
  r->add_option("--timeout", run.spec.timeout_seconds, "Seconds before the run is stopped (exit status 124)");
  r->add_option("--vmm", run.spec.vmm, "Hypervisor ELF (default: the build's vmm.elf)");
  r->add_option("--cmdline", run.extra_cmdline, "Extra kernel command-line words (e.g. caps, ring)");
  r->add_option("--keep", run.keep, "Work directory to use and keep (default: a new directory under the build tree's runs/)");
  r->add_option("--corrupt", run.corrupt, "Damage the blob first: truncate or flip:OFFSET (tests)");
  r->add_option("--expect-line", run.expect_lines, "Regex a serial line must match (repeatable)");
  r->add_flag("--expect-fail", run.expect_fail, "The run must end with `vmm: end: fail`");
  r->add_option("--sign-key", run.sign_key, "Sign the blob with this key; the hypervisor copy then accepts only blobs it signed");
  r->add_option("--tamper", run.tamper, "After signing, change the byte at OFFSET and fix the CRC (tests)");
  r->add_flag("--expect-timeout", run.expect_timeout, "Negative check: succeed only if the run hangs until --timeout (tests)");
  r->add_flag("--expect-mismatch", run.expect_mismatch, "Negative check: succeed only if the run ends and an expectation fails");
  r->add_option("--grub-prelude", run.grub_prelude, "File of GRUB commands run before booting the ISO (tests)");
  r->add_flag("--quiet", run.quiet, "Do not stream the serial log");
  r->callback([] { std::exit(run_command(run)); });

  static std::string keygen_out;
  auto* kg = app.add_subcommand("keygen", "Make an ECDSA P-256 key for signing blobs (image/run --sign-key)");
  kg->add_option("-o,--output", keygen_out, "Private key file to write")->required();
  kg->callback([] {
    if (auto err = generate_signing_key(keygen_out); !err.empty()) {
      std::cerr << "configgen keygen: " << err << "\n";
      std::exit(2);
    }
    std::exit(0);
  });

  static std::string image_input, iso, netboot, vmm, cmdline = "exit=halt", lab_manifest, image_key;
  auto* im = app.add_subcommand("image", "Build an appliance: a GRUB ISO and/or an iPXE netboot tree (one profile, or a lab)");
  im->add_option("input", image_input, "Profile (.yaml) or blob");
  im->add_option("--lab", lab_manifest, "Lab manifest: machines by MAC address, each with its profile (needs --netboot)");
  im->add_option("--iso", iso, "ISO to write");
  im->add_option("--netboot", netboot, "Directory for boot.ipxe, vmm.elf and profile.blob");
  im->add_option("--vmm", vmm, "Hypervisor ELF (default: the build's vmm.elf)");
  im->add_option("--cmdline", cmdline, "Kernel command line (default: exit=halt, for real machines)");
  im->add_option("--sign-key", image_key, "Sign the blob; the image's hypervisor accepts only blobs signed with this key");
  im->callback([] {
    if (!lab_manifest.empty()) {
      Lab lab;
      if (auto err = read_lab_manifest(lab_manifest, lab); !err.empty()) {
        std::cerr << err;
        std::exit(1);
      }
      if (netboot.empty()) {
        std::cerr << "configgen image: --lab needs --netboot DIR\n";
        std::exit(2);
      }
      if (auto err = build_lab_tree(lab, vmm.empty() ? default_vmm_path() : vmm, netboot); !err.empty()) {
        std::cerr << "configgen image: " << err << "\n";
        std::exit(1);
      }
      std::exit(0);
    }
    if (image_input.empty()) {
      std::cerr << "configgen image: give a profile or blob, or --lab\n";
      std::exit(2);
    }
    if (iso.empty() && netboot.empty()) {
      std::cerr << "configgen image: give --iso and/or --netboot\n";
      std::exit(2);
    }
    const std::string work = std::string(VTX_BINARY_DIR) + "/images/" + fs::path(image_input).stem().string();
    fs::create_directories(work);
    std::string blob = image_input;
    if (has_ext(image_input, ".yaml") || has_ext(image_input, ".yml")) {
      auto c = compile_profile_file(image_input, CompileOptions{});
      if (!c) std::exit(1);
      blob = work + "/profile.blob";
      std::ofstream(blob, std::ios::binary).write(reinterpret_cast<const char*>(c->blob.data()), std::streamsize(c->blob.size()));
    }
    ImageInputs in{vmm.empty() ? default_vmm_path() : vmm, blob, cmdline, "", ""};
    if (!image_key.empty()) {
      std::string error;
      auto key = load_signing_key(image_key, error);
      if (!key) {
        std::cerr << "configgen image: " << error << "\n";
        std::exit(1);
      }
      std::ifstream bin(blob, std::ios::binary);
      const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(bin)), std::istreambuf_iterator<char>());
      const std::vector<uint8_t> sig = sign_blob(*key, bytes);
      in.signature = work + "/profile.sig";
      std::ofstream(in.signature, std::ios::binary).write(reinterpret_cast<const char*>(sig.data()), std::streamsize(sig.size()));
      if (auto err = write_keyed_vmm(in.vmm, work + "/vmm-keyed.elf", *key); !err.empty()) {
        std::cerr << "configgen image: " << err << "\n";
        std::exit(1);
      }
      in.vmm = work + "/vmm-keyed.elf";
    }
    if (!iso.empty())
      if (auto err = build_iso(in, iso, work); !err.empty()) {
        std::cerr << "configgen image: " << err << "\n";
        std::exit(2);
      }
    if (!netboot.empty())
      if (auto err = build_netboot_tree(in, netboot); !err.empty()) {
        std::cerr << "configgen image: " << err << "\n";
        std::exit(2);
      }
    std::exit(0);
  });
}

}  // namespace configgen::appliance
