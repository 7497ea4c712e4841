#include "boot/smp.h"

#include "arch/cpu.h"
#include "boot/cpu_tables.h"
#include "console/debug_ring.h"
#include "console/log.h"
#include "guests/cpu_state.h"
#include "lib/string.h"
#include "memory/phys.h"
#include "platform/local_apic.h"
#include "platform/pit8254.h"
#include "run/host_nmis.h"
#include "run/scheduler.h"
#include "run/setup.h"
#include "vmx/probe.h"
#include "vmx/vmxon.h"

extern "C" char ap_trampoline_start[], ap_trampoline_end[];
// What an AP looks up by its APIC ID on the way to ap_main
// (boot/ap_trampoline.S): all APs start at once, so each finds its own index
// (the position of its APIC ID) and stack.
extern "C" uint32_t ap_boot_apic_ids[cpu::kMaxCpus];
extern "C" uint64_t ap_boot_stacks[cpu::kMaxCpus];
extern "C" uint32_t ap_boot_count;
// x2APIC mode: the APs find their 32-bit IDs with CPUID leaf 0BH.
extern "C" uint32_t ap_boot_x2apic;
uint32_t ap_boot_apic_ids[cpu::kMaxCpus];
uint64_t ap_boot_stacks[cpu::kMaxCpus];
uint32_t ap_boot_count;
uint32_t ap_boot_x2apic;

namespace boot {
namespace {
constexpr uint64_t kTrampoline = 0x8000;
constexpr uint64_t kDefaultLapic = 0xFEE00000;
constexpr uint32_t kIcrInitAssert = 0x00004500, kIcrStartup = 0x00004600;
constexpr uint32_t kIcrNmi = 0x00004400;  // delivery mode NMI (100b), level assert, physical destination

volatile bool g_released = false;
uint64_t g_lapic = kDefaultLapic;

struct [[gnu::packed]] AcpiHeader {
  char signature[4];
  uint32_t length;
  uint8_t revision, checksum;
  char oem[6], oem_table[8];
  uint32_t oem_revision, creator, creator_revision;
};

// The RSDP's signature "RSD PTR " as one little-endian word: the scan
// compares one load per 16-byte step instead of calling memcmp (the BIOS
// area is up to 8,192 steps and this was 8% of the boot, docs/benchmarks.md).
constexpr uint64_t kRsdpSignature = 0x2052545020445352ull;
static_assert((kRsdpSignature & 0xFF) == 'R' && (kRsdpSignature >> 56) == ' ');

// Where the ACPI RSDP is: the loader's copy (multiboot2 tags 14/15, the
// only way on UEFI, where no BIOS area need exist), else the BIOS-area scan.
const uint8_t* scan_bios_area_for_rsdp() {
  auto scan = [](uint64_t start, uint64_t length) -> const uint8_t* {
    for (uint64_t p = start; p < start + length; p += 16)
      if (*reinterpret_cast<const volatile uint64_t*>(p) == kRsdpSignature) return reinterpret_cast<const uint8_t*>(p);
    return nullptr;
  };
  // BIOS data area word 40:0E holds the EBDA segment (ACPI 5.2.5.1).
  uint16_t ebda_segment;
  asm volatile("movw (%1), %0" : "=r"(ebda_segment) : "r"(uint64_t(0x40E)));
  const uint64_t ebda = uint64_t(ebda_segment) << 4;
  const uint8_t* r = ebda ? scan(ebda, 1024) : nullptr;
  // The BIOS area 0E0000H-0FFFFFH, its upper half first: the firmware here
  // keeps its tables with its code there (Bochs's BIOS: RSDP at 0F9FA0H,
  // measured 2026-12-02), and the lower half is searched all the same.
  if (!r) r = scan(0xF0000, 0x10000);
  return r ? r : scan(0xE0000, 0x10000);
}

uint32_t read_u32(const uint8_t* p) { return *reinterpret_cast<const uint32_t*>(p); }
uint64_t read_u64(const uint8_t* p) { return *reinterpret_cast<const uint64_t*>(p); }

// The MADT among the tables the XSDT (8-byte entries; ACPI 2.0 RSDP,
// revision 2 or later, when it lies in the identity map) or the RSDT
// (4-byte entries) lists.
const AcpiHeader* find_madt(const BootInfo& info) {
  const uint8_t* rsdp = info.rsdp_size ? info.rsdp : scan_bios_area_for_rsdp();
  if (!rsdp) {
    LOG("vmm: no ACPI RSDP (the loader gave none and the BIOS area has none)");
    return nullptr;
  }
  const uint64_t xsdt = (info.rsdp_size == kRsdpV2Size || (!info.rsdp_size && rsdp[15] >= 2)) ? read_u64(rsdp + 24) : 0;
  const bool use_xsdt = xsdt && xsdt < memory::identity_mapped_end();
  const uint64_t root = use_xsdt ? xsdt : read_u32(rsdp + 16);
  LOG("vmm: ACPI RSDP %s, %s at 0x%lx", info.rsdp_size ? "from the loader (multiboot2 tag)" : "found by the BIOS-area scan",
      use_xsdt ? "XSDT" : "RSDT", root);
  if (!root) return nullptr;
  const auto* table = reinterpret_cast<const AcpiHeader*>(root);
  const uint32_t entry_size = use_xsdt ? 8 : 4;
  if (table->length < sizeof(AcpiHeader)) return nullptr;
  const uint32_t n = (table->length - sizeof(AcpiHeader)) / entry_size;
  const auto* entries = reinterpret_cast<const uint8_t*>(table + 1);
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t address = use_xsdt ? read_u64(entries + 8 * i) : read_u32(entries + 4 * i);
    if (!address || address >= memory::identity_mapped_end()) continue;
    const auto* h = reinterpret_cast<const AcpiHeader*>(address);
    if (memcmp(h->signature, "APIC", 4) == 0) return h;
  }
  return nullptr;
}

constexpr uint32_t kMpSignature = 0x5F504D5Fu;  // "_MP_"

// Processor entries of the Intel MultiProcessor Specification 1.4 table
// (4.1, 4.3.1): the fallback for machines without an ACPI MADT.
uint32_t enumerate_cpus_from_mp_table(uint32_t bsp_apic) {
  auto scan = [](uint64_t start, uint64_t length) -> const uint8_t* {
    for (uint64_t p = start; p < start + length; p += 16)
      if (*reinterpret_cast<const volatile uint32_t*>(p) == kMpSignature) return reinterpret_cast<const uint8_t*>(p);
    return nullptr;
  };
  const uint8_t* floating = scan(0x9FC00, 0x400);
  if (!floating) floating = scan(0xF0000, 0x10000);
  if (!floating) return 0;
  const uint32_t table_address = *reinterpret_cast<const uint32_t*>(floating + 4);
  if (!table_address) return 0;  // a default configuration: two CPUs, not enumerated here
  const auto* table = reinterpret_cast<const uint8_t*>(uint64_t(table_address));
  if (memcmp(table, "PCMP", 4) != 0) return 0;
  g_lapic = *reinterpret_cast<const uint32_t*>(table + 36);
  platform::set_local_apic_base(g_lapic);
  const uint16_t entries = *reinterpret_cast<const uint16_t*>(table + 34);
  uint32_t count = 1;
  const uint8_t* e = table + 44;
  for (uint16_t i = 0; i < entries; ++i) {
    if (e[0] == 0) {  // processor entry, 20 bytes
      if ((e[3] & 1) && e[1] != bsp_apic && count < cpu::kMaxCpus) ap_boot_apic_ids[count++] = e[1];
      e += 20;
    } else {
      e += 8;  // bus, I/O APIC, interrupt assignments
    }
  }
  return count;
}

// Enabled processor-local-APIC entries of the MADT (ACPI 5.2.12.2), BSP
// first; the MP table when there is no MADT.
uint32_t enumerate_cpus(const BootInfo& info) {
  const uint32_t bsp_apic = platform::local_apic_id();
  cpu::at(0).apic_id = bsp_apic;
  ap_boot_apic_ids[0] = bsp_apic;
  const AcpiHeader* madt = find_madt(info);
  if (!madt) {
    const uint32_t from_mp = enumerate_cpus_from_mp_table(bsp_apic);
    if (from_mp) {
      LOG("vmm: no ACPI MADT; %u CPU(s) listed in the MP table", from_mp);
      return from_mp;
    }
    LOG("vmm: neither an ACPI MADT nor an MP table found; running on the bootstrap processor only");
    return 1;
  }
  const auto* base = reinterpret_cast<const uint8_t*>(madt);
  g_lapic = *reinterpret_cast<const uint32_t*>(base + 36);
  platform::set_local_apic_base(g_lapic);
  uint32_t count = 1;
  for (uint32_t off = 44; off + 2 <= madt->length;) {
    const uint8_t type = base[off], length = base[off + 1];
    if (length < 2) break;
    // Type 0, processor local APIC: an 8-bit ID; type 9, processor local
    // x2APIC (ACPI 5.2.12.12): a 32-bit ID, for IDs from 255 up.
    uint32_t id = 0;
    bool enabled = false;
    if (type == 0 && length >= 8) id = base[off + 3], enabled = *reinterpret_cast<const uint32_t*>(base + off + 4) & 1;
    if (type == 9 && length >= 16)
      id = *reinterpret_cast<const uint32_t*>(base + off + 4), enabled = *reinterpret_cast<const uint32_t*>(base + off + 8) & 1;
    if (enabled && id != bsp_apic && count < cpu::kMaxCpus) ap_boot_apic_ids[count++] = id;
    off += length;
  }
  return count;
}


using platform::pit_expired;
using platform::pit_start_us;
void pit_wait() {
  while (!pit_expired()) console::log_drain(), arch::cpu_pause();
  platform::pit_stop();
}
void pit_delay_us(uint32_t us) {
  pit_start_us(us);
  pit_wait();
}

void send_ipi(uint32_t apic_id, uint32_t low) { platform::send_ipi(apic_id, low); }


uint32_t g_found = 1;  // CPUs the MADT (or MP table) lists, the BSP first

bool online(uint32_t index) { return __atomic_load_n(&cpu::at(index).online, __ATOMIC_ACQUIRE); }
uint32_t online_count() {
  uint32_t n = 1;
  for (uint32_t i = 1; i < g_found; ++i) n += online(i);
  return n;
}
bool all_online() {
  for (uint32_t i = 1; i < g_found; ++i)
    if (!online(i)) return false;
  return true;
}
void send_startup_to_waiting() {
  for (uint32_t i = 1; i < g_found; ++i)
    if (!online(i)) send_ipi(cpu::at(i).apic_id, kIcrStartup | uint32_t(kTrampoline >> 12));
}
}  // namespace

// The APs' start (SDM Vol. 3 9.4.4.1, "INIT-SIPI-SIPI"): INIT to each, 10 ms,
// a Startup IPI to each, 200 us, a second Startup IPI to each not yet
// running. The waits are the SDM's, but they are paid once for all APs, and
// the 10 ms run while the BSP sets up memory and checks the blob (both
// halves are called from kmain with that work between them).
void send_init_to_application_processors(const BootInfo& info) {
  g_found = enumerate_cpus(info);
  if (g_found == 1) return;
  for (uint32_t i = 1; i < g_found; ++i) send_ipi(ap_boot_apic_ids[i], kIcrInitAssert);
  pit_start_us(10000);
}

void start_application_processors(const BootInfo& info) {
  const uint64_t trampoline_size = uint64_t(ap_trampoline_end - ap_trampoline_start);
  bool start = g_found > 1;
  if (const char* why = start ? why_not_free_ram(info, kTrampoline, trampoline_size) : nullptr) {
    LOG("vmm: the APs' start-up page 0x%lx %s; no AP is started", kTrampoline, why);
    start = false;
  }
  // The APs' blocks and stacks, as many as the MADT lists (cpu/percpu.h);
  // the INITs are out already, the Startup IPIs wait for these.
  if (start && !cpu::allocate_application_processors(g_found)) {
    LOG("vmm: no room for the per-CPU blocks and stacks of %u CPUs; no AP is started", g_found);
    start = false;
  }
  if (start) {
    for (uint32_t i = 1; i < g_found; ++i) {
      cpu::PerCpu& c = cpu::at(i);
      c.index = i;
      c.apic_id = ap_boot_apic_ids[i];
      ap_boot_stacks[i] = cpu::stack_top_for(i);
    }
    ap_boot_x2apic = platform::x2apic_mode();
    __atomic_store_n(&ap_boot_count, g_found, __ATOMIC_RELEASE);
  }
  // Without blocks there is no AP to ask about: only the list is reported.
  const uint32_t listed = g_found;
  if (!start) g_found = 1;
  if (start) {
    // Copied only now, after the blob's check: nothing of the loader's is
    // read from low memory any more (boot/boot_info.h keeps copies).
    memcpy(reinterpret_cast<void*>(kTrampoline), ap_trampoline_start, size_t(trampoline_size));
    pit_wait();  // what is left of the 10 ms since the INITs
    send_startup_to_waiting();
    pit_delay_us(200);
    send_startup_to_waiting();
    // Every AP reaches ap_main within microseconds on hardware; an emulator
    // running many virtual CPUs on few host cores brings them in one by one
    // while its clock runs on. So: 50 ms periods, as long as one
    // brought a CPU online within the last half second (at most 5 s; an AP
    // that never comes costs 500 ms).
    uint32_t before = 0;
    for (int period = 0, idle = 0; period < 100 && idle < 10 && !all_online(); ++period) {
      const uint32_t now = online_count();
      idle = now == before ? idle + 1 : 0;
      before = now;
      pit_start_us(50000);
      while (!all_online() && !pit_expired()) console::log_drain(), arch::cpu_pause();
    }
  }
  // CPU indices stay those of the MADT's order; an AP that did not start
  // ends the list, and any after it stay unused in ap_main.
  uint32_t count = 1;
  while (count < g_found && online(count)) ++count;
  for (uint32_t i = count; i < g_found; ++i)
    LOG(online(i) ? "vmm: CPU with APIC ID %u started but stays unused (a CPU listed before it did not start)"
                  : "vmm: CPU with APIC ID %u did not start",
        ap_boot_apic_ids[i]);
  cpu::set_cpu_count(count);
  LOG("vmm: %u CPU(s) online (MADT lists %u)", count, listed);
}


void send_nmi(uint32_t apic_id) { send_ipi(apic_id, kIcrNmi); }

// The nmi_test hook (boot/cmdline.h). While running: once a guest of the
// CPU has launched, so the NMI finds it in non-root operation or serving
// an exit. Idle: the CPU must count and report it within 200 ms.
void nmi_test_while_running() {
  for (uint32_t i = 1; i < cpu::cpu_count(); ++i) {
    bool launched = false;
    for (int wait = 0; wait < 2000 && !launched && !__atomic_load_n(&cpu::at(i).done, __ATOMIC_ACQUIRE); ++wait) {
      for (uint32_t g = 0; g < run::vcpu_count(); ++g)
        if (run::vcpus()[g].cpu == i && __atomic_load_n(&run::vcpus()[g].launched, __ATOMIC_ACQUIRE)) launched = true;
      if (!launched) pit_delay_us(1000);
    }
    if (__atomic_load_n(&cpu::at(i).done, __ATOMIC_ACQUIRE)) {
      LOG("vmm: nmi test: CPU %u finished its guests before an NMI could be sent while they ran", i);
      continue;
    }
    pit_delay_us(2000);
    send_nmi(cpu::at(i).apic_id);
    LOG("vmm: nmi test: NMI IPI sent to CPU %u while it runs guests", i);
  }
}

void nmi_test_while_idle() {
  for (uint32_t i = 1; i < cpu::cpu_count(); ++i) {
    const uint32_t before = __atomic_load_n(&cpu::at(i).nmis_routed, __ATOMIC_ACQUIRE);
    send_nmi(cpu::at(i).apic_id);
    bool seen = false;
    for (int wait = 0; wait < 200 && !seen; ++wait) {
      seen = __atomic_load_n(&cpu::at(i).nmis_routed, __ATOMIC_ACQUIRE) != before;
      if (!seen) pit_delay_us(1000);
    }
    LOG("vmm: nmi test: CPU %u %s the NMI IPI sent while it was idle", i, seen ? "handled" : "did NOT report");
  }
}

void release_application_processors() { __atomic_store_n(&g_released, true, __ATOMIC_RELEASE); }

// One line and one debug record per boot stage (book 1.5): stage 1 is the
// CPU's own tables in long mode, stage 2 VMX operation, stage 3 its guests
// built and about to run.
static void report_stage(const cpu::PerCpu& c, uint32_t stage, const char* what) {
  LOG("vmm: stage %u reached: %s", stage, what);
  uint64_t rsp;
  asm volatile("mov %%rsp, %0" : "=r"(rsp));
  console::debug_record(stage == 1 ? "stage 1" : stage == 2 ? "stage 2" : "stage 3", arch::read_cr0(), arch::read_cr3(),
                        arch::read_cr4(), rsp);
  (void)c;
}

void cpu_main(cpu::PerCpu& c) {
  const char* why = nullptr;
  report_stage(c, 1, "long mode, own GDT/TSS/IDT");
  guests::init_cpu_state_support();
  run::route_host_nmis(c, nullptr);
  if (!vmx::enable_vmx(c, &why)) {
    LOG("vmm: VMX unavailable: %s", why);
    run::refuse_cpu_guests(c, "VMX unavailable on its CPU");
  } else {
    LOG("vmm: VMX on (VMCS revision 0x%x)", c.caps.revision_id());
    report_stage(c, 2, "VMX operation (VMXON done)");
    if (boot_options().print_caps || (verified_blob().appliance().flags & blob::kPrintCapabilities))
      vmx::print_capabilities(c);
    vmx::probe_controls(c);
    run::prepare_cpu_guests(verified_blob(), c);
    report_stage(c, 3, "guests prepared");
    run::run_cpu_guests(c);
  }
  __atomic_store_n(&c.done, true, __ATOMIC_RELEASE);
}

void wait_for_all_cpus() {
  for (uint32_t i = 0; i < cpu::cpu_count(); ++i)
    while (!__atomic_load_n(&cpu::at(i).done, __ATOMIC_ACQUIRE)) console::log_drain(), arch::cpu_pause();
}

}  // namespace boot

extern "C" [[noreturn]] void ap_main(uint32_t index) {
  platform::local_apic_init_ap();
  cpu::PerCpu& c = cpu::at(index);
  boot::install_cpu_tables(c);
  // Same CPU set-up as the BSP: caches on, FXSAVE allowed.
  arch::write_cr0((arch::read_cr0() & ~((1ull << 30) | (1ull << 29) | 4ull)) | 2);
  arch::write_cr4(arch::read_cr4() | arch::cr4::OSFXSR | (1ull << 10));
  __atomic_store_n(&c.online, true, __ATOMIC_RELEASE);
  LOG("vmm: CPU online (APIC ID %u)", c.apic_id);
  while (!__atomic_load_n(&boot::g_released, __ATOMIC_ACQUIRE)) arch::cpu_pause();
  if (index >= cpu::cpu_count()) run::idle_forever(c);  // after an AP that did not start (start_application_processors)
  boot::cpu_main(c);
  run::idle_forever(c);
}
