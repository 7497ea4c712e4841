// The bootstrap processor's path from the loader (multiboot v1 or v2) to running guests:
// console, CPU tables, memory, blob verification, VMX, guests, outcome.
#include "arch/cpu.h"
#include "blob/reader.h"
#include "blob/signature.h"
#include "boot/cmdline.h"
#include "boot/cpu_tables.h"
#include "boot/multiboot.h"
#include "boot/multiboot2.h"
#include "boot/smp.h"
#include "console/debug_ring.h"
#include "console/log.h"
#include "console/serial.h"
#include "console/trace.h"
#include "lib/string.h"
#include "memory/phys.h"
#include "platform/local_apic.h"
#include "platform/machine.h"
#include "platform/pic8259.h"
#include "platform/pit8254.h"
#include "run/host_nmis.h"
#include "run/scheduler.h"
#include "run/setup.h"
#include "vmx/vmxon.h"

extern "C" char __image_end[];
extern "C" volatile blob::TrustedKeySlot vtx_trusted_key;

namespace {
blob::Reader g_blob;
boot::Options g_options;

struct BlobModule {
  const uint8_t* data;
  uint32_t size;
};

// Where the loader's information ends up, in one form for both protocols.
boot::BootInfo g_boot_info;

BlobModule find_blob(const boot::BootInfo& info, uint64_t& reserved_end) {
  BlobModule found{nullptr, 0};
  for (uint32_t i = 0; i < info.module_count; ++i) {
    const boot::BootModule& m = info.modules[i];
    if (m.end > reserved_end) reserved_end = m.end;
    const bool wanted = g_options.blob_name[0] ? boot::module_name_matches(m.string, g_options.blob_name) : !found.data;
    if (wanted) found = {reinterpret_cast<const uint8_t*>(m.start), uint32_t(m.end - m.start)};
  }
  return found;
}

// The loader's information, by the magic in EAX: multiboot v1 (iPXE, QEMU
// -kernel, GRUB's `multiboot`) or multiboot2 (GRUB's `multiboot2`, BIOS or
// UEFI). Refused information ends the machine with the rule it broke.
void read_boot_info(uint32_t magic, uint32_t address) {
  boot::BootInfoStatus status;
  const char* protocol;
  if (magic == boot::kMultibootBootloaderMagic) {
    protocol = "multiboot";
    status = boot::read_multiboot1(*reinterpret_cast<const boot::MultibootInfo*>(uint64_t(address)), g_boot_info);
  } else if (magic == boot::kMultiboot2BootloaderMagic) {
    protocol = "multiboot2";
    // The information's first word is its size; it lies below 4 GiB (EBX is 32 bits wide).
    const auto* info = reinterpret_cast<const uint8_t*>(uint64_t(address));
    const uint32_t total = address ? *reinterpret_cast<const uint32_t*>(info) : 0;
    status = boot::parse_multiboot2(info, total, g_boot_info);
  } else {
    LOG("vmm: not started by a multiboot or multiboot2 loader; cannot find the blob");
    platform::end_machine(false);
  }
  if (!status.ok) {
    LOG("vmm: %s information refused: %s (detail 0x%lx)", protocol, status.reason, status.detail);
    platform::end_machine(false);
  }
  LOG("vmm: %s loader: %u module(s), %u RAM range(s), %s", protocol, g_boot_info.module_count, g_boot_info.ram_count,
      g_boot_info.rsdp_size == boot::kRsdpV2Size   ? "ACPI 2.0 RSDP given"
      : g_boot_info.rsdp_size == boot::kRsdpV1Size ? "ACPI 1.0 RSDP given"
                                                   : "no ACPI RSDP given (the BIOS area is scanned)");
}

// Caches on: firmware and loaders may leave CR0.CD/NW set (SDM Vol. 3
// 11.5.1), and VM entry keeps the host's CD/NW for the guest.
void enable_caches() {
  arch::write_cr0(arch::read_cr0() & ~((1ull << 30) | (1ull << 29)));
  asm volatile("wbinvd" ::: "memory");
}

void enable_fxsave() {
  // CR0.MP=1, EM=0; CR4.OSFXSR and OSXMMEXCPT, so FXSAVE/FXRSTOR can swap guests' SSE state.
  arch::write_cr0((arch::read_cr0() | 2) & ~4ull);
  arch::write_cr4(arch::read_cr4() | arch::cr4::OSFXSR | (1ull << 10));
}

// A hypervisor image with a trusted key accepts only blobs signed with it
// (blob/signature.h); one without a key says so and relies on the CRC.
bool check_signature(const boot::BootInfo& info, const BlobModule& module) {
  if (!vtx_trusted_key.present) {
    LOG("vmm: blob integrity: CRC32C only (no trusted key in this hypervisor image)");
    return true;
  }
  uint8_t key[blob::kPublicKeySize];
  for (size_t i = 0; i < sizeof key; ++i) key[i] = vtx_trusted_key.public_key[i];
  const uint8_t* signature = nullptr;
  for (uint32_t i = 0; i < info.module_count; ++i) {
    const boot::BootModule& m = info.modules[i];
    if (boot::module_name_matches(m.string, blob::kSignatureModule) && m.end - m.start == blob::kSignatureSize)
      signature = reinterpret_cast<const uint8_t*>(m.start);
  }
  if (!signature) {
    LOG("vmm: blob refused: this hypervisor requires a signed blob and no 64-byte %s module came with it (detail 0x0)",
        blob::kSignatureModule);
    return false;
  }
  if (!blob::verify_blob_signature(module.data, module.size, signature, key)) {
    LOG("vmm: blob refused: ECDSA P-256 signature does not verify with the trusted key (detail 0x0)");
    return false;
  }
  LOG("vmm: blob signature verified (ECDSA P-256 / SHA-256, trusted key %02x%02x%02x%02x...)", key[1], key[2], key[3], key[4]);
  return true;
}

platform::ExitMethod exit_method_from(const char* word) {
  if (lib::str_equal(word, "bochs")) return platform::ExitMethod::Bochs;
  if (lib::str_equal(word, "qemu")) return platform::ExitMethod::Qemu;
  return platform::ExitMethod::Halt;
}

// The run trace's rings (console/trace.h), allocated once before any guest
// runs. Without the memory the run goes on untraced and says so.
void start_trace(uint32_t cpus, uint32_t records_per_cpu) {
  const uint64_t bytes = uint64_t(cpus) * records_per_cpu * sizeof(trace::Record);
  const uint64_t storage = memory::phys_allocate(bytes, 4096);
  if (!storage) {
    LOG("vmm: trace: no room for %lu bytes of records (%u per CPU); this run is not traced", bytes, records_per_cpu);
    return;
  }
  console::trace_init(memory::phys_to_virt<trace::Record>(storage), cpus, records_per_cpu);
}
}  // namespace

const blob::Reader& verified_blob() { return g_blob; }
const boot::Options& boot_options() { return g_options; }

extern "C" [[noreturn]] void kmain(uint32_t magic, uint32_t info_address) {
  console::serial_init(0x3F8);
  cpu::PerCpu& bsp = cpu::at(0);
  bsp.index = 0;
  boot::install_idt();
  boot::install_cpu_tables(bsp);
  bsp.online = true;
  LOG("vmm: starting (multiboot magic 0x%x)", magic);
  read_boot_info(magic, info_address);
  const char* cmdline = g_boot_info.cmdline;
  g_options = boot::parse_cmdline(cmdline);
  // The APIC's mode before the first IPI (platform/local_apic.h).
  if (platform::local_apic_init_bsp(g_options.x2apic))
    LOG("vmm: local APICs in x2APIC mode (%s)", g_options.x2apic ? "the command line asks" : "the firmware handed over in it");
  // The SDM's 10 ms between INIT and Startup IPI pass while memory is set up
  // and the blob checked (start_application_processors below).
  boot::send_init_to_application_processors(g_boot_info);
  platform::set_exit_method(exit_method_from(g_options.exit_method));
  LOG("vmm: command line: %s", cmdline);
  enable_fxsave();
  enable_caches();

  uint64_t reserved_end = reinterpret_cast<uint64_t>(__image_end);
  const BlobModule module = find_blob(g_boot_info, reserved_end);
  memory::phys_init(g_boot_info.ram, g_boot_info.ram_count, (reserved_end + 0xFFF) & ~0xFFFull);
  const memory::HighMemory high = memory::phys_map_above_4g();
  if (high.ram_bytes)
    LOG("vmm: memory above 4 GiB: %lu MiB of RAM handed out, identity-mapped to 0x%lx with %s pages, its highest page 0x%lx "
        "written and read back", high.ram_bytes >> 20, high.mapped_end, high.one_gib_pages ? "1-GByte" : "2-MByte", high.probe);
  else if (high.mapped_end > (4ull << 30))
    LOG("vmm: memory above 4 GiB: mapped to 0x%lx, but its highest page did not read back: none of it is handed out",
        high.mapped_end);
  if (!module.data) {
    LOG("vmm: blob refused: no multiboot module%s%s found (detail 0x0)", g_options.blob_name[0] ? " named " : "",
        g_options.blob_name);
    platform::end_machine(false);
  }
  const blob::Status status = g_blob.verify(module.data, module.size);
  if (!status.ok) {
    LOG("vmm: blob refused: %s (detail 0x%lx)", status.reason, status.detail);
    platform::end_machine(false);
  }
  if (!check_signature(g_boot_info, module)) platform::end_machine(false);
  const blob::Appliance& app = g_blob.appliance();
  // The profile may move the log to another UART; until here COM1 was used.
  // The reader allowed only the four UART bases; one must also answer.
  if (app.console_port != 0x3F8) {
    if (!console::serial_probe(app.console_port)) {
      LOG("vmm: blob refused: console_port 0x%x: no UART answers there (scratch-register probe) (detail 0x%x)", app.console_port,
          app.console_port);
      platform::end_machine(false);
    }
    LOG("vmm: console moves to port 0x%x as the profile asks", app.console_port);
    console::serial_init(app.console_port);
  }
  LOG("vmm: blob ok: appliance \"%s\" for target %s, %u guests, %u bytes, CRC32C 0x%08x", g_blob.string(app.name),
      g_blob.string(app.target), g_blob.guest_count(), module.size, g_blob.header().crc32c);

  boot::start_application_processors(g_boot_info);
  if (g_options.nmi_test) {  // an NMI during boot, before VMX: the host's own
    boot::send_nmi(bsp.apic_id);
    LOG("vmm: nmi test: NMI IPI sent to this CPU during boot");
  }
  const uint32_t cpus = cpu::cpu_count();
  if (cpus < app.min_cpus) {
    LOG("vmm: the appliance needs %u CPUs and this machine has %u", app.min_cpus, cpus);
    platform::end_machine(false);
  }
  run::set_fast_path(!g_options.no_fast_path);
  if (g_options.no_fast_path) LOG("vmm: exit fast path off (command line): every exit takes the full dispatcher");
  run::assign_guests(g_blob, cpus);
  if (g_options.trace_records) start_trace(cpus, g_options.trace_records);
  // The host 8259 delivers only the IRQs some guest asked for (the rest are
  // masked, so no stray interrupt reaches a guest's IDT).
  uint16_t forwarded = 0;
  for (uint32_t i = 0; i < g_blob.guest_count(); ++i) forwarded |= g_blob.guest(i).forwarded_irqs;
  platform::pic_init(forwarded);
  // devices.pit counts the TSC at the rate of the machine's own 8254:
  // measured once, here, before any guest runs (the 8254 is one device).
  for (uint32_t i = 0; i < g_blob.guest_count(); ++i)
    if (g_blob.guest(i).devices & blob::kDevicePit) {
      if (platform::measure_tsc_hz())
        LOG("vmm: TSC rate for the guests' 8254: %lu Hz (10 ms against the machine's)", platform::tsc_hz());
      else
        LOG("vmm: TSC rate for the guests' 8254: the machine's 8254 did not count; taken as %lu Hz", platform::tsc_hz());
      break;
    }
  // Every CPU, the BSP included, now enables VMX and runs its guests.
  boot::release_application_processors();
  boot::cpu_main(bsp);
  if (g_options.nmi_test) boot::nmi_test_while_running();
  boot::wait_for_all_cpus();
  if (g_options.nmi_test) boot::nmi_test_while_idle();
  run::route_host_nmis(bsp, nullptr);
  if (g_options.dump_ring || (app.flags & blob::kDumpDebugRing)) console::debug_ring_dump("requested");
  run::report_trace();
  const bool pass = run::report_outcomes();
  platform::end_machine(pass);
}
