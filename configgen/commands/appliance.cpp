// `configgen image` and `configgen run`: build an appliance and boot it.
#include "commands/appliance.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>

#include "appliance/bochs_finder.h"
#include "appliance/emulator.h"
#include "parse/scalars.h"
#include "appliance/files.h"
#include "appliance/image.h"
#include "appliance/run_dir.h"
#include "appliance/serial_log.h"
#include "appliance/signing.h"
#include "appliance/verdict.h"
#include "blob/crc32c.h"
#include "blob/format.h"
#include "blob/trace_format.h"
#include "commands/exit_status.h"
#include "commands/trace_formats.h"
#include "commands/verdict_formats.h"
#include "console/console.h"
#include "install/data_paths.h"
#include "netboot/lab.h"
#include "pipeline/driver.h"

namespace configgen::commands {
namespace fs = std::filesystem;
using namespace ::appliance;  // this file drives the appliance library throughout
using netboot::Lab;
namespace {
using commands::code;
using commands::ExitStatus;

struct RunOptions {
  std::string input;
  int cpus = 0;  // --cpus; 0: as many as the profile needs (2 for a blob or an ISO)
  std::string memory = "256M";  // --memory
  RunSpec spec;
  std::string keep;
  std::string extra_cmdline;
  std::string sign_key;  // sign the blob and give the hypervisor copy the public key
  bool quiet = false;
  std::vector<std::string> expect_lines;
  bool expect_fail = false;
  std::string junit;  // --junit FILE
  bool json = false;  // --json: the verdict on stdout
  std::string trace;  // --trace FILE: the run trace as Chrome-trace JSON
  uint32_t trace_records = trace::kDefaultRecordsPerCpu;  // --trace-records
};

std::string memory_size(RunOptions& o);

// Switches for the project's own negative tests, shown apart in --help:
// they damage the blob or invert the verdict, which no user wants.
struct TestSwitches {
  std::string corrupt;       // truncate | flip:OFFSET (the hypervisor must refuse the blob)
  std::string grub_prelude;  // file of GRUB commands run before booting
  long tamper = -1;          // after signing: change one byte and fix the CRC (the signature must catch it)
  bool expect_mismatch = false;  // the run ends but an expectation does not hold
  bool expect_timeout = false;   // the machine must hang and be stopped by --timeout
  // Rules whose configgen errors become notes, so a profile that breaks them
  // reaches the CPU (tests/emulator/sdm_differential.cpp, Bochs as the oracle).
  std::vector<std::string> allowed_rules;
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

// What a run needs besides the options: the compiled or read blob, the
// verdict's expectations, and whether the end line must say pass.
struct Prepared {
  std::vector<model::Expectation> expectations;
  bool require_end_pass = true;
  std::string emulator_label;
  int cpus_needed = 0;  // from the compiled profile; 0 for a blob or an ISO
  bool invalid_profile = false;  // the profile was read but has errors (exit status 1, as for check)
};

std::string find_emulator(RunOptions& o, CompileOptions& copts, Prepared& p) {
  p.emulator_label = o.spec.emulator;
  if (auto err = uefi_unsupported(o.spec); !err.empty()) return err;
  if (o.spec.firmware == "uefi") p.emulator_label = "qemu with OVMF (UEFI)";
  if (o.spec.emulator != "bochs") return {};
  // The Bochs decides which captured target a family name means (its
  // capabilities differ by version), so it is found before compiling.
  const BochsBinary bochs = find_bochs(o.spec.bochs, install::data_paths().path(install::DataItem::bochs));
  if (!bochs.error.empty()) return bochs.error;
  o.spec.bochs = bochs.path;
  o.spec.bochs_version = bochs.version_number();
  p.emulator_label = "bochs " + bochs.version;
  copts.bochs_version = bochs.version;
  return {};
}

// --vmm, else the data's vmm.elf; empty with `error` naming where it looked.
std::string vmm_path(const std::string& option, std::string& error) {
  return option.empty() ? install::data_paths().require(install::DataItem::vmm, error) : option;
}

// Where runs/ and images/ go: --build-dir, else the user's cache (install/data_paths.h).
std::string scratch_directory(const std::string& build_dir, std::string& error) {
  return install::scratch_directory(install::scratch_inputs_from_environment(build_dir), error);
}

std::string prepare_work_dir(RunOptions& o, const std::string& build_dir) {
  if (!o.keep.empty()) {
    o.spec.work_dir = o.keep;
    std::error_code ec;
    fs::create_directories(o.spec.work_dir, ec);
    return ec ? "cannot create " + o.keep + ": " + ec.message() : std::string();
  }
  std::string error;
  const std::string scratch = scratch_directory(build_dir, error);
  if (scratch.empty()) return error;
  const std::string runs = scratch + "/runs";
  prune_run_dirs(runs, 9);  // with this one, the last ten runs stay for a look at their logs
  const std::string stem = fs::path(o.input).stem().string();
  o.spec.work_dir = make_fresh_run_dir(runs, stem + "-" + o.spec.emulator + "-" + o.spec.boot, error);
  return error;
}

// Compiles a profile (with the global options) or reads a blob.
std::string load_blob(const std::string& input, const CompileOptions& copts, std::vector<uint8_t>& blob, Prepared& p) {
  if (has_ext(input, ".yaml") || has_ext(input, ".yml")) {
    bool unreadable = false;
    auto compiled = compile_profile_file(input, copts, &unreadable);
    p.invalid_profile = !compiled && !unreadable;
    if (!compiled) return input + " does not compile";
    p.cpus_needed = int(compiled->cpus_needed);
    blob = compiled->blob;
    // Appended: --expect-line patterns are already in the list.
    p.expectations.insert(p.expectations.end(), compiled->expectations.begin(), compiled->expectations.end());
    if (!appliance::expects_clean_end(compiled->expectations)) p.require_end_pass = false;  // expects a guest to be stopped
    return {};
  }
  std::string error;
  auto bytes = read_file(input, error);
  if (!bytes) return error;
  blob = std::move(*bytes);
  return {};
}

// Builds the ISO or netboot tree the run boots, applying the test switches.
std::string build_boot_media(RunOptions& o, const TestSwitches& t, std::vector<uint8_t>& blob, Prepared& p) {
  if (!t.corrupt.empty()) {
    if (auto err = corrupt_blob(t.corrupt, blob); !err.empty()) return err;
    p.require_end_pass = false;
  }
  const std::string blob_path = o.spec.work_dir + "/profile.blob";
  std::string error;
  const std::string vmm = vmm_path(o.spec.vmm, error);
  if (vmm.empty()) return error;
  std::string cmdline = "exit=" + o.spec.emulator;
  if (!o.trace.empty()) cmdline += " trace=" + std::to_string(o.trace_records);
  if (!o.extra_cmdline.empty()) cmdline += " " + o.extra_cmdline;
  ImageInputs img{vmm, blob_path, cmdline, "", ""};
  if (!t.grub_prelude.empty()) {
    std::string error;
    auto prelude = read_file(t.grub_prelude, error);
    if (!prelude) return error;
    img.grub_prelude.assign(prelude->begin(), prelude->end());
  }
  if (!o.sign_key.empty())
    if (auto err = sign_image(o.sign_key, blob, o.spec.work_dir, img); !err.empty()) return err;
  if (t.tamper >= 0 && size_t(t.tamper) < blob.size()) {
    blob[size_t(t.tamper)] ^= 0x01;
    const uint32_t crc = blob::blob_crc32c(blob.data(), blob.size());
    std::memcpy(blob.data() + offsetof(blob::Header, crc32c), &crc, sizeof crc);
    p.require_end_pass = false;
  }
  if (auto err = write_file(blob_path, blob); !err.empty()) return err;
  o.spec.vmm = img.vmm;
  o.spec.blob = blob_path;
  o.spec.cmdline = img.cmdline;
  if (o.spec.boot == "cdrom") {
    o.spec.iso = o.spec.work_dir + "/appliance.iso";
    return build_iso(img, o.spec.iso, o.spec.work_dir);
  }
  if (o.spec.boot == "net") {
    o.spec.netboot_dir = o.spec.work_dir + "/tftp";
    return build_netboot_tree(img, o.spec.netboot_dir);
  }
  return {};
}

void print_last_lines(const SerialLog& log) {
  const size_t from = log.lines.size() > 20 ? log.lines.size() - 20 : 0;
  for (size_t i = from; i < log.lines.size(); ++i) spdlog::info("  {}", log.lines[i]);
  if (log.lines.empty()) spdlog::info("  (the serial log is empty: the machine never reached the hypervisor's console)");
}

// Boots, reads the serial log, prints the verdict; the exit status.
int boot_and_judge(RunOptions& o, const TestSwitches& t, Prepared& p) {
  if (o.expect_fail) {
    model::Expectation e;
    e.pattern = "vmm: end: fail";
    p.expectations.push_back(e);
  }
  // Streaming the serial log is information: -q (or run --quiet) stops it.
  o.spec.stream = !o.quiet && spdlog::should_log(spdlog::level::info);
  spdlog::debug("booting {} ({}, {} CPUs, timeout {}s) in {}", o.spec.emulator, o.spec.boot, o.spec.cpus, o.spec.timeout_seconds,
                o.spec.work_dir);
  const RunResult r = run_emulator(o.spec);
  if (!r.error.empty()) {
    spdlog::error("{}", r.error);
    return code(ExitStatus::UsageOrIo);
  }
  if (!r.note.empty()) spdlog::info("{}", r.note);
  const SerialLog log = parse_serial_log(r.serial);
  const Verdict v = judge(log, p.expectations, p.require_end_pass);
  // The trace file is written whatever the verdict (a failed run is the one
  // worth a timeline); a trace that is damaged or disagrees fails the run.
  const int trace_status = o.trace.empty() ? code(ExitStatus::Ok) : write_trace_file(log, o.trace, o.spec.work_dir + "/serial.log", false);
  // The verdict for programs (--json, --junit), whatever the status.
  auto finish = [&](int status) {
    if (status == code(ExitStatus::Ok) && trace_status != code(ExitStatus::Ok)) status = trace_status;
    commands::RunFacts facts{o.input, p.emulator_label, o.spec.boot, o.spec.cpus, o.spec.work_dir + "/serial.log",
                             r.timed_out && !log.end_pass, status};
    if (o.json) std::fputs(commands::verdict_json(v, log, facts).c_str(), stdout);
    if (!o.junit.empty())
      if (auto err = write_file(o.junit, commands::verdict_junit(v, facts)); !err.empty()) {
        spdlog::error("{}", err);
        return code(ExitStatus::UsageOrIo);
      }
    return status;
  };
  if (r.timed_out && !log.end_pass) {
    spdlog::info("configgen run: TIMEOUT after {}s in {}; last lines:", o.spec.timeout_seconds, p.emulator_label);
    print_last_lines(log);
    if (t.expect_timeout) {
      spdlog::info("configgen run: negative check PASSED (the run hung and was stopped, as it should)");
      return finish(code(ExitStatus::Ok));
    }
    return finish(code(ExitStatus::Timeout));
  }
  if (t.expect_timeout) {
    spdlog::info("configgen run: negative check FAILED (the run ended before the time limit)");
    return finish(code(ExitStatus::Failed));
  }
  if (!log.end_pass)
    if (const std::string why = emulator_complaint(r.messages); !why.empty())
      spdlog::info("configgen run: {} stopped: {}", o.spec.emulator, why);
  // A failed run says how each guest that did not finish ended, so a refusal
  // (a control the CPU lacks or does not deliver) is visible without the log.
  if (!v.pass)
    for (const auto& [name, g] : log.guests)
      if (g.outcome != "halted" && g.outcome != "exited")
        spdlog::info("configgen run: guest {} ended {}{}", name, g.outcome, g.detail.empty() ? "" : ": " + g.detail);
  for (const auto& line : commands::exit_histogram(log)) spdlog::info("configgen run: {}", line);
  spdlog::info("configgen run: {} ({}, {}, {} CPUs; log {}/serial.log)", v.summary(), p.emulator_label, o.spec.boot, o.spec.cpus,
               o.spec.work_dir);
  if (t.expect_mismatch) {
    // A negative check passes only when the machine ended and the profile's
    // expectations were what failed.
    const bool ended = log.end_pass.has_value();
    spdlog::info("configgen run: negative check {}", ended && !v.pass ? "PASSED (the expectations failed, as they should)" : "FAILED");
    return finish(code(ended && !v.pass ? ExitStatus::Ok : ExitStatus::Failed));
  }
  return finish(code(v.pass ? ExitStatus::Ok : ExitStatus::Failed));
}

int run_command(RunOptions& o, const TestSwitches& t, CompileOptions copts) {
  if (o.json) {
    console::reserve_stdout();
    o.quiet = true;  // the serial log would go to stdout
  }
  Prepared p;
  for (const auto& l : o.expect_lines) {
    model::Expectation e;
    e.pattern = l;
    p.expectations.push_back(e);
  }
  p.require_end_pass = !o.expect_fail;
  auto failed = [](const std::string& error, ExitStatus status = ExitStatus::UsageOrIo) {
    spdlog::error("{}", error);
    return code(status);
  };
  if (auto err = find_emulator(o, copts, p); !err.empty()) return failed(err);
  // Never silent: the run says which checks it skipped before anything else.
  for (const auto& id : t.allowed_rules)
    std::cout << "configgen run: --allow-rule " << id << ": configgen's check of rule " << id
              << " is overridden (testing only); this blob breaks it on purpose\n";
  copts.allowed_rules = t.allowed_rules;
  o.spec.cpus = o.cpus > 0 ? o.cpus : 2;
  if (auto err = memory_size(o); !err.empty()) return failed(err);
  if (auto err = prepare_work_dir(o, copts.build_dir); !err.empty()) return failed(err);
  if (has_ext(o.input, ".iso")) {
    if (o.spec.boot != "cdrom")
      return failed("an ISO boots as a CD-ROM (--boot cdrom); give the profile or blob for --boot " + o.spec.boot);
    o.spec.iso = o.input;
    if (!o.trace.empty()) return failed("--trace needs a profile or a blob: an ISO's kernel command line is fixed when it is built");
  } else {
    std::vector<uint8_t> blob;
    if (auto err = load_blob(o.input, copts, blob, p); !err.empty())
      return failed(err, p.invalid_profile ? ExitStatus::Failed : ExitStatus::UsageOrIo);
    if (o.cpus > 0 && o.cpus < p.cpus_needed)
      spdlog::warn("--cpus {} is fewer than the {} the profile needs; the hypervisor will refuse it", o.cpus, p.cpus_needed);
    if (o.cpus == 0 && p.cpus_needed > 0) o.spec.cpus = p.cpus_needed;
    if (auto err = build_boot_media(o, t, blob, p); !err.empty()) return failed(err);
  }
  return boot_and_judge(o, t, p);
}

// --memory: the machine's RAM. Bochs's `megs:` is bounded by what its
// memory model allocates at once (2 GiB here); QEMU takes what the host has.
std::string memory_size(RunOptions& o) {
  const auto bytes = parse::parse_size(o.memory);
  const uint64_t mib = bytes ? *bytes >> 20 : 0;
  const uint64_t most = o.spec.emulator == "bochs" ? 2048 : 1u << 20;
  if (!bytes || *bytes % (1u << 20) || mib < 32 || mib > most)
    return "--memory " + o.memory + ": give a size in whole MiB from 32M to " + std::to_string(most) + "M for " + o.spec.emulator +
           " (e.g. 512M, 1G)";
  o.spec.memory_mib = mib;
  return "";
}

struct ImageOptions {
  std::string input, iso, netboot, vmm, cmdline = "exit=halt", lab_manifest, sign_key, tftp_root;
};

std::string image_for_lab(const ImageOptions& o, const CompileOptions& copts, int& status) {
  Lab lab;
  if (auto err = read_lab_manifest(o.lab_manifest, lab); !err.empty()) {
    status = code(ExitStatus::Failed);
    return err;
  }
  if (o.netboot.empty()) return "--lab needs --netboot DIR";
  if (!o.tftp_root.empty() && o.tftp_root.front() != '/')
    return "--tftp-root " + o.tftp_root + ": give the absolute path the lab's server will serve the tree from";
  (void)copts;  // a lab's machines each name their own target
  std::string error;
  const std::string vmm = vmm_path(o.vmm, error);
  if (vmm.empty()) return error;
  std::optional<SigningKey> key;
  if (!o.sign_key.empty() && !(key = load_signing_key(o.sign_key, error))) return error;
  if (auto err = build_lab_tree(lab, vmm, o.netboot, o.tftp_root, key ? &*key : nullptr); !err.empty()) {
    status = code(ExitStatus::Failed);
    return err;
  }
  return {};
}

// `configgen image`: the exit status (errors printed).
int image_command(const ImageOptions& o, const CompileOptions& copts) {
  int status = code(ExitStatus::UsageOrIo);
  auto failed = [&status](std::string error) {
    if (!error.empty() && error.back() == '\n') error.pop_back();
    spdlog::error("{}", error);
    return status;
  };
  if (!o.lab_manifest.empty()) {
    auto err = image_for_lab(o, copts, status);
    if (err.empty()) return code(ExitStatus::Ok);
    if (err.rfind(o.lab_manifest + ":", 0) == 0) {  // located manifest errors, one per line
      std::fputs(err.c_str(), stderr);
      return status;
    }
    return failed(err);
  }
  if (!o.tftp_root.empty()) return failed("--tftp-root belongs to a lab tree (--lab)");
  if (o.input.empty()) return failed("give a profile or blob, or --lab");
  if (o.iso.empty() && o.netboot.empty()) return failed("give --iso and/or --netboot");
  std::vector<uint8_t> blob;
  std::string blob_path = o.input;
  const bool profile = has_ext(o.input, ".yaml") || has_ext(o.input, ".yml");
  std::optional<CompiledProfile> compiled;
  bool unreadable = false;
  if (profile && !(compiled = compile_profile_file(o.input, copts, &unreadable)))  // the diagnostics are printed
    return code(unreadable ? ExitStatus::UsageOrIo : ExitStatus::Failed);
  std::string error;
  const std::string vmm = vmm_path(o.vmm, error);
  if (vmm.empty()) return failed(error);
  const std::string scratch = scratch_directory(copts.build_dir, error);
  if (scratch.empty()) return failed(error);
  // Created only once there is something to put in it.
  const std::string work = scratch + "/images/" + fs::path(o.input).stem().string();
  std::error_code ec;
  fs::create_directories(work, ec);
  if (ec) return failed("cannot create " + work + ": " + ec.message());
  if (profile) {
    blob = compiled->blob;
    blob_path = work + "/profile.blob";
    if (auto err = write_file(blob_path, blob); !err.empty()) return failed(err);
  } else {
    auto bytes = read_file(o.input, error);
    if (!bytes) return failed(error);
    blob = std::move(*bytes);
  }
  ImageInputs in{vmm, blob_path, o.cmdline, "", ""};
  if (!o.sign_key.empty())
    if (auto err = sign_image(o.sign_key, blob, work, in); !err.empty()) return failed(err);
  if (!o.iso.empty())
    if (auto err = build_iso(in, o.iso, work); !err.empty()) return failed(err);
  if (!o.netboot.empty())
    if (auto err = build_netboot_tree(in, o.netboot); !err.empty()) return failed(err);
  return code(ExitStatus::Ok);
}
}  // namespace

void register_appliance_commands(CLI::App& app, std::function<CompileOptions()> compile_options, int& status) {
  static RunOptions run;
  static TestSwitches tests;
  const std::string testing = "Testing (the project's own negative tests)";
  auto* r = app.add_subcommand("run", "Build what is needed, boot headless in Bochs or QEMU, check the profile's expect: list");
  r->add_option("input", run.input, "Profile (.yaml), blob, or ISO")->required();
  r->add_option("--emulator", run.spec.emulator, "bochs or qemu")->check(CLI::IsMember({"bochs", "qemu"}))->capture_default_str();
  r->add_option("--boot", run.spec.boot, "cdrom, net, or kernel (qemu)")->check(CLI::IsMember({"cdrom", "net", "kernel"}))->capture_default_str();
  r->add_option("--cpus", run.cpus, "CPU count (default: the fewest the profile needs, from min_cpus and the guests' cpus; 2 for a blob or ISO)")
      ->check(CLI::Range(1, 64));
  r->add_option("--memory", run.memory, "The machine's RAM, e.g. 512M or 1G (Bochs: 32M to 2G)")->capture_default_str();
  r->add_option("--bochs", run.spec.bochs, "Bochs binary (default: $VTX_BOCHS, else the build tree's Bochs 3.0 when configgen runs from one, else bochs on PATH)");
  r->add_option("--qemu-accel", run.spec.qemu_accel,
                "QEMU accelerator: kvm (the host's VMX, nested), tcg (no VMX), or auto: kvm when /dev/kvm and host VMX exist")
      ->check(CLI::IsMember({"auto", "kvm", "tcg"}))
      ->capture_default_str();
  r->add_option("--firmware", run.spec.firmware,
                "bios, or uefi: QEMU with OVMF (" + std::string(kOvmfCode) + ") boots the ISO (--boot cdrom) or the netboot tree (--boot net) through GRUB's x86_64-efi and multiboot2")
      ->check(CLI::IsMember({"bios", "uefi"}))
      ->capture_default_str();
  r->add_option("--cpu-model", run.spec.cpu_model, "Bochs CPU model (tigerlake, corei7_skylake_x, corei7_icelake_u)")->capture_default_str();
  r->add_option("--qemu-cpu", run.spec.qemu_cpu, "QEMU CPU model under TCG, as QEMU's -cpu takes it (e.g. qemu64,+pdpe1gb); KVM uses the host's");
  r->add_option("--timeout", run.spec.timeout_seconds, "Seconds before the run is stopped (exit status 124)")->capture_default_str();
  r->add_option("--vmm", run.spec.vmm, "Hypervisor ELF (default: vmm.elf of the data directory, as `configgen paths` shows)");
  r->add_option("--cmdline", run.extra_cmdline, "Extra kernel command-line words (e.g. caps, ring)");
  r->add_option("--keep", run.keep, "Work directory to use and keep (default: a new directory under runs/ of --build-dir, else of $XDG_CACHE_HOME/vtx or ~/.cache/vtx)");
  r->add_option("--expect-line", run.expect_lines, "Regex a serial line must match (repeatable)");
  r->add_flag("--expect-fail", run.expect_fail, "The run must end with `vmm: end: fail`");
  r->add_option("--sign-key", run.sign_key, "Sign the blob with this key; the hypervisor copy then accepts only blobs it signed");
  r->add_flag("--quiet", run.quiet, "Do not stream the serial log");
  r->add_flag("--json", run.json, "Print the verdict as JSON on stdout (every check, each guest's end); messages go to stderr");
  r->add_option("--junit", run.junit, "Write the verdict as JUnit XML: one testcase per expectation and one for the end line");
  r->add_option("--trace", run.trace,
                "Write a Chrome-trace/Perfetto JSON timeline of every CPU's time slices, VM exits and injections (docs/trace.md)");
  r->add_option("--trace-records", run.trace_records, "With --trace: records each CPU's ring keeps (the last ones win)")
      ->check(CLI::Range(trace::kMinRecordsPerCpu, trace::kMaxRecordsPerCpu))
      ->capture_default_str();
  r->add_option("--corrupt", tests.corrupt, "Damage the blob first: truncate or flip:OFFSET")->group(testing);
  r->add_option("--tamper", tests.tamper, "After signing, change the byte at OFFSET and fix the CRC")->group(testing);
  r->add_flag("--expect-timeout", tests.expect_timeout, "Succeed only if the run hangs until --timeout")->group(testing);
  r->add_flag("--expect-mismatch", tests.expect_mismatch, "Succeed only if the run ends and an expectation fails")->group(testing);
  r->add_option("--grub-prelude", tests.grub_prelude, "File of GRUB commands run before booting the ISO")->group(testing);
  r->add_option("--allow-rule", tests.allowed_rules,
                "Turn configgen's errors for this VM-entry rule id into notes so the blob reaches the CPU (repeatable; the run says so)")
      ->group(testing);
  r->callback([compile_options, &status] { status = run_command(run, tests, compile_options()); });

  static std::string keygen_out;
  auto* kg = app.add_subcommand("keygen", "Make an ECDSA P-256 key for signing blobs (image/run --sign-key)");
  kg->add_option("-o,--output", keygen_out, "Private key file to write")->required();
  kg->callback([&status] {
    if (auto err = generate_signing_key(keygen_out); !err.empty()) {
      spdlog::error("{}", err);
      status = code(ExitStatus::UsageOrIo);
    }
  });

  static ImageOptions image;
  auto* im = app.add_subcommand("image", "Build an appliance: a GRUB ISO and/or an iPXE netboot tree (one profile, or a lab)");
  im->add_option("input", image.input, "Profile (.yaml) or blob");
  im->add_option("--lab", image.lab_manifest, "Lab manifest: machines by MAC address, each with its profile (needs --netboot)");
  im->add_option("--iso", image.iso, "ISO to write");
  im->add_option("--netboot", image.netboot, "Directory for boot.ipxe, vmm.elf and profile.blob");
  im->add_option("--tftp-root", image.tftp_root,
                 "With --lab: the absolute path the lab's server serves the tree from (dnsmasq's tftp-root; default: the --netboot directory)");
  im->add_option("--vmm", image.vmm, "Hypervisor ELF (default: vmm.elf of the data directory, as `configgen paths` shows)");
  im->add_option("--cmdline", image.cmdline, "Kernel command line (exit=halt suits real machines)")->capture_default_str();
  im->add_option("--sign-key", image.sign_key, "Sign the blob (with --lab, every machine's); the image's hypervisor accepts only blobs signed with this key");
  im->callback([compile_options, &status] { status = image_command(image, compile_options()); });
}

}  // namespace configgen::commands
