#include "lower/lower.h"

#include <algorithm>
#include <cmath>

#include "arch/vmx_table.h"
#include "guests/cpuid_view.h"
#include "lower/acpi_tables.h"
#include "lower/entry_state.h"
#include "lower/kernel_load.h"
#include "lower/multiboot_info.h"
#include "model/vocabulary.h"

namespace configgen::lower {
namespace {
using arch::ControlWord;
namespace ctl = arch::ctl;

void set(uint32_t w[5], arch::ControlBit b) { w[uint32_t(b.word)] |= b.mask(); }

uint32_t exception_vector(const std::string& mnemonic) {
  for (const auto& x : arch::kExceptions)
    if (mnemonic == x.mnemonic) return x.vector;
  return 0;
}

blob::Behaviour lower_behaviour(const model::Behaviour& b) {
  blob::Behaviour r{};
  r.subleaf = blob::kNone;
  bool is_exit = false;
  for (const auto& e : arch::kExitReasons)
    if (b.selector == e.profile_name) r.kind = uint32_t(blob::BehaviourKind::ExitReason), r.selector = e.number, is_exit = true;
  if (!is_exit) r.kind = uint32_t(blob::BehaviourKind::Exception), r.selector = exception_vector(b.selector);
  r.action = uint32_t(b.action);
  if (b.leaf) r.arg = *b.leaf;
  if (b.subleaf) r.subleaf = *b.subleaf;
  for (int k = 0; k < 4; ++k) {
    if (b.regs[k]) r.reg_mask |= 1u << k, r.values[k] = *b.regs[k];
    r.set_bits[k] = b.set_bits[k];
    r.clear_bits[k] = b.clear_bits[k];
  }
  if (b.hook != blob::HookId::None) r.arg = uint32_t(b.hook);
  return r;
}

// The profile's event types are the SDM's interruption types (blob/vocabulary.def pins the values).
uint32_t event_info(const model::Event& e) {
  return arch::InterruptionInfo::make(arch::InterruptionType(uint32_t(e.type)), uint8_t(e.vector), e.error_code.has_value()).raw;
}
}  // namespace

void wanted_controls(const model::Guest& g, uint32_t w[5]) {
  for (int i = 0; i < 5; ++i) w[i] = 0;
  for (int i = 0; i < 5; ++i)
    for (const auto& name : g.controls[i])
      for (const auto& c : arch::kControlBits)
        if (uint32_t(c.control.word) == uint32_t(i) && name.name == c.profile_name) w[i] |= c.control.mask();
  // A CPUID override that exposes a feature whose instructions need a VMX
  // enable turns that enable on: otherwise the guest would be told of the
  // feature and get #UD using it (guests/cpuid_view.h).
  for (const auto& b : g.on_exit) {
    if (b.selector != "cpuid" || b.action != blob::Action::Override || !b.leaf) continue;
    for (const auto& f : guests::kCpuidFeatureEnables) {
      if (f.leaf != *b.leaf) continue;
      if (f.subleaf != guests::kAnySubleaf && b.subleaf && *b.subleaf != f.subleaf) continue;
      const bool exposed = (b.set_bits[f.reg] & f.bit) || (b.regs[f.reg] && (*b.regs[f.reg] & f.bit));
      if (exposed) set(w, f.enable);
    }
  }
  // What the hypervisor itself relies on (docs/blob-format.md).
  set(w, ctl::ENABLE_EPT);
  set(w, ctl::ACTIVATE_SECONDARY_CONTROLS);
  set(w, ctl::USE_IO_BITMAPS);
  set(w, ctl::USE_MSR_BITMAPS);
  set(w, ctl::HLT_EXITING);
  set(w, ctl::HOST_ADDRESS_SPACE_SIZE);
  const blob::GuestMode mode = g.entry.mode;
  // vCPUs of one guest that share a CPU (more vCPUs than CPUs): one spinning
  // on PAUSE yields its CPU to the others there (vmm/exits/siblings.cpp).
  if (g.vcpus > 1 && g.vcpus > std::max<size_t>(1, g.cpus.size())) set(w, ctl::PAUSE_EXITING);
  // vCPUs 1..n start in real mode at their start-up IPI (SDM 9.4.4.2).
  if (mode == blob::GuestMode::Real || mode == blob::GuestMode::Protected || mode == blob::GuestMode::Multiboot || g.vcpus > 1)
    set(w, ctl::UNRESTRICTED_GUEST);
  // IA32_EFER is switched on every entry and exit: without "load IA32_EFER"
  // a guest inherits the 64-bit host's LME (SDM 26.3.2.1) and faults when it
  // turns on 32-bit paging itself.
  set(w, ctl::LOAD_IA32_EFER_ON_ENTRY);
  set(w, ctl::SAVE_IA32_EFER);
  set(w, ctl::LOAD_IA32_EFER);
  if (mode == blob::GuestMode::Long) set(w, ctl::IA32E_MODE_GUEST);
  if (g.timer_value || g.timer_seconds) {
    set(w, ctl::ACTIVATE_VMX_PREEMPTION_TIMER);
    set(w, ctl::SAVE_VMX_PREEMPTION_TIMER_VALUE);
  }
  if (!g.ept_alternate.empty()) set(w, ctl::ENABLE_VM_FUNCTIONS);  // EPTP switching
  if (!g.forward_irqs.empty()) {
    set(w, ctl::EXTERNAL_INTERRUPT_EXITING);
    set(w, ctl::ACKNOWLEDGE_INTERRUPT_ON_EXIT);
  }
  if (!g.entry_msr_load.empty() || !g.exit_msr_load.empty()) {
    // nothing extra: the lists are always honoured when their counts are non-zero
  }
}

LoweredProfile lower_profile(const model::Profile& p, const model::Target& target, Diagnostics& diags) {
  LoweredProfile out;
  out.name = p.name.empty() ? "appliance" : p.name;
  out.target = target.name;
  out.min_cpus = p.min_cpus;
  out.console_port = p.console_port;
  out.log_level = uint16_t(p.log_level);
  out.flags = (p.print_capabilities ? uint32_t(blob::kPrintCapabilities) : 0u) | (p.dump_debug_ring ? uint32_t(blob::kDumpDebugRing) : 0u);
  std::vector<std::string> image_names;
  for (const auto& [name, img] : p.images) {  // std::map: sorted, deterministic
    out.images.push_back({name, img.bytes, uint32_t(img.format), img.entry_point.value_or(0)});
    image_names.push_back(name);
  }
  auto image_index = [&](const std::string& n) -> uint32_t {
    for (size_t i = 0; i < image_names.size(); ++i)
      if (image_names[i] == n) return uint32_t(i);
    return blob::kNone;
  };

  for (size_t gi = 0; gi < p.guests.size(); ++gi) {
    const model::Guest& g = p.guests[gi];
    LoweredGuest lg;
    lg.name = g.name;
    lg.loc = g.loc;
    lg.entry_loc = g.entry.loc;
    blob::Guest& r = lg.record;
    for (const auto& c : g.cpus) r.cpu_mask |= 1ull << c.value;
    if (g.cpus.empty()) r.cpu_mask = 1;
    const blob::GuestMode mode = g.entry.mode;
    r.mode = uint32_t(mode);
    wanted_controls(g, r.controls);
    const bool unrestricted = r.controls[uint32_t(ControlWord::PROC2)] & ctl::UNRESTRICTED_GUEST.mask();

    // Memory; the paging modes carve their boot structures out of RAM.
    uint64_t map_end = 0;
    for (const auto& m : g.memory) map_end = std::max(map_end, m.gpa.value + m.size.value);
    if (g.map_on_demand_limit) map_end = std::max(map_end, *g.map_on_demand_limit);
    map_end = (map_end + (4ull << 20) - 1) & ~((4ull << 20) - 1);
    BootStructures boot;
    const bool paging = mode_needs_paging(mode) && !g.entry.cr3;
    bool placed = false;
    auto to_blob_region = [&](const model::Region& m) {
      blob::Region reg{};
      reg.gpa = m.gpa.value;
      reg.size = m.size.value;
      reg.hpa = m.hpa;
      reg.permissions = m.permissions;
      reg.memory_type = m.memory_type;
      reg.page_size = uint32_t(std::min<uint64_t>({m.page_size, g.max_page_size, 1ull << 30}));
      reg.image = blob::kNone;
      reg.image_offset = uint32_t(m.image_offset);
      reg.kind = uint32_t(m.kind);
      if (m.kind == blob::RegionKind::Image) {
        reg.image = image_index(m.image);
        // An ELF image goes where its segments say (validate checks that is inside the region).
        if (auto it = p.images.find(m.image); it != p.images.end() && it->second.placement)
          reg.image_offset = uint32_t(it->second.placement->gpa - reg.gpa);
      }
      return reg;
    };
    for (const auto& m : g.memory) {
      blob::Region reg = to_blob_region(m);
      const uint64_t wanted_at = g.entry.page_tables.value_or(reg.gpa + reg.size - 0x10000);
      const bool here = paging && !placed && reg.kind == uint32_t(blob::RegionKind::Ram) && reg.size >= 0x20000 &&
                        wanted_at >= reg.gpa && wanted_at + 0x10000 <= reg.gpa + reg.size && wanted_at % 4096 == 0;
      if (here) {
        boot = build_boot_structures(mode, wanted_at, map_end ? map_end : (4ull << 20));
        // [gpa, wanted_at) ram, [wanted_at, +64K) the structures, the rest ram.
        blob::Region before = reg, tables = reg, after = reg;
        before.size = wanted_at - reg.gpa;
        tables.gpa = wanted_at;
        tables.size = 0x10000;
        tables.kind = uint32_t(blob::RegionKind::Image);
        tables.permissions = 3;  // the CPU sets accessed/dirty bits in the tables
        tables.page_size = 4096;
        tables.image = uint32_t(out.images.size());
        tables.image_offset = 0;
        after.gpa = wanted_at + 0x10000;
        after.size = reg.gpa + reg.size - after.gpa;
        out.images.push_back({g.name + ".boot-structures", boot.bytes, 0, 0});
        for (auto* part : {&before, &tables, &after})
          if (part->size) lg.regions.push_back(*part);
        placed = true;
        continue;
      }
      lg.regions.push_back(reg);
    }
    for (const auto& m : g.ept_alternate) lg.alternate_regions.push_back(to_blob_region(m));
    // devices.acpi: the tables where a kernel scans for the RSDP, before the kernel's pieces.
    uint64_t acpi_size = 0;
    if (g.acpi) {
      AcpiLayout layout;
      layout.cpu_count = g.vcpus;
      layout.first_apic_id = g.vcpus > 1 ? 0 : uint32_t(out.guests.size());  // this guest's index
      std::vector<uint8_t> tables = build_acpi_tables(layout);
      acpi_size = (tables.size() + 4095) & ~uint64_t(4095);
      const uint32_t index = uint32_t(out.images.size());
      out.images.push_back({g.name + ".acpi-tables", std::move(tables), 0, 0});
      if (!carve_image_region(lg.regions, kAcpiTablesGpa, acpi_size, index, 0))
        diags.error(g.devices_loc.line ? g.devices_loc : g.loc, "acpi-placement",
                    "devices.acpi puts the ACPI tables at guest-physical [" + hex(kAcpiTablesGpa) + ", " + hex(kAcpiTablesGpa + acpi_size) +
                        "), which no single RAM region of guest '" + g.name + "' holds",
                    "add a RAM region that covers the BIOS area, e.g. {gpa: 0, size: 16M}");
    }
    const uint64_t multiboot_info = load_kernel(p, g, lg, out.images, image_index, diags, acpi_size ? kAcpiTablesGpa : 0, acpi_size);
    if (paging && !placed)
      diags.error(g.entry.loc.line ? g.entry.loc : g.loc, "page-tables-placement",
                  "guest '" + g.name + "' needs generated page tables (mode " + model::word(blob::kGuestModes, g.entry.mode) +
                      ") but no RAM region of at least 128K holds entry.page_tables (default: the top 64K of a RAM region)");

    VisibleControlRegisters visible{};
    r.entry = build_entry_state(g, mode, placed ? &boot : nullptr, target, unrestricted, visible);
    if (mode == blob::GuestMode::Multiboot) {  // the machine state of Multiboot Specification 3.2
      if (!g.entry.regs.count("rax")) r.entry.gpr[0] = kMultibootLoaderMagic;
      if (!g.entry.regs.count("rbx")) r.entry.gpr[3] = multiboot_info;
    }
    // Host-owned CR bits: the target's fixed bits the guest did not ask for (SDM 24.6.6).
    uint64_t cr0_fixed = target.caps.cr0_fixed0;
    if (unrestricted) cr0_fixed &= ~0x80000001ull;
    r.cr0_guest_host_mask = g.cr0_mask.value_or(0) | cr0_fixed;
    r.cr0_read_shadow = g.cr0_shadow.value_or(visible.cr0);
    r.cr4_guest_host_mask = g.cr4_mask.value_or(0) | target.caps.cr4_fixed0;
    r.cr4_read_shadow = g.cr4_shadow.value_or(visible.cr4);
    r.cr3_target_count = uint32_t(g.cr3_targets.size());
    for (size_t i = 0; i < g.cr3_targets.size() && i < 4; ++i) r.cr3_target[i] = g.cr3_targets[i].value;

    for (const auto& x : g.exceptions) r.exception_bitmap |= 1u << exception_vector(x.name);
    r.pfec_mask = g.pfec_mask;
    r.pfec_match = g.pfec_match;

    // Deny by default (docs/isolation.md): only grants are written. Passed
    // ranges first, then the traps carved out of them; the hypervisor traps
    // its own ports (COM1, the console, the platform) whatever the blob says.
    if (g.io_denied_ignore) r.flags |= blob::kGuestIoDeniedIgnore;
    for (const auto& [a, b] : g.io_pass) lg.io_ranges.push_back({uint16_t(a.value), uint16_t(b.value), blob::kIoPass});
    for (const auto& [a, b] : g.io_trap) lg.io_ranges.push_back({uint16_t(a.value), uint16_t(b.value), 0});

    if (g.msr_denied_stop) r.flags |= blob::kGuestMsrDeniedStop;
    auto grant = [&](uint32_t msr) -> blob::MsrGrant& {
      for (auto& t : lg.msr_grants)
        if (t.msr == msr) return t;
      return lg.msr_grants.emplace_back(blob::MsrGrant{msr, 0});
    };
    for (const auto& m : g.msr_pass) grant(m.msr).flags |= blob::kPassRead | blob::kPassWrite;
    for (const auto& m : g.msr_read) {
      blob::MsrGrant& t = grant(m.msr);
      t.flags = (t.flags & ~uint32_t(blob::kPassRead)) | blob::kEmulateRead;
    }
    for (const auto& m : g.msr_write) {
      blob::MsrGrant& t = grant(m.msr);
      t.flags = (t.flags & ~uint32_t(blob::kPassWrite)) | blob::kEmulateWrite;
    }
    for (const auto& m : g.entry_msr_load) lg.entry_msr_load.push_back({m.msr, 0, m.value});
    for (const auto& m : g.exit_msr_store) lg.exit_msr_store.push_back({m.msr, 0, 0});
    for (const auto& m : g.exit_msr_load) lg.exit_msr_load.push_back({m.msr, 0, m.value});

    for (const auto& b : g.on_exit) lg.behaviours.push_back(lower_behaviour(b));
    for (const auto& e : g.inject) lg.events.push_back({event_info(e), e.error_code.value_or(0), e.instruction_length, 0});
    for (const auto& h : g.ept_hooks) lg.ept_hooks.push_back({h.gpa & ~0xFFFull, uint32_t(blob::HookId::LocalApic), h.permissions});

    if (g.timer_value || g.timer_seconds) {
      uint64_t ticks = g.timer_value.value_or(0);
      if (g.timer_seconds)
        ticks = target.preemption_timer_ticks(*g.timer_seconds);
      r.preemption_timer_value = uint32_t(std::min<uint64_t>(ticks, 0xFFFFFFFF));
      r.timer_action = uint32_t(g.timer_action);
      r.watchdog_slices = g.watchdog_slices;
    }
    if (g.map_on_demand_limit) {
      r.flags |= blob::kGuestMapOnDemand;
      r.map_on_demand_limit = *g.map_on_demand_limit;
      r.map_on_demand_pages = g.map_on_demand_pages;
    }
    if (g.accessed_dirty) r.flags |= blob::kGuestEptAccessedDirty;
    if (g.exit_floor_stub) r.flags |= blob::kGuestExitFloorStub;
    if (!g.fast_path) r.flags |= blob::kGuestNoFastPath;
    if (g.run_undelivered_controls) r.flags |= blob::kGuestRunUndeliveredControls;
    for (const auto& irq : g.forward_irqs) r.forwarded_irqs |= uint16_t(1u << irq.value);
    r.test_scancode = uint8_t(g.test_scancode);
    r.virtual_interrupt = uint8_t(g.virtual_interrupt);
    r.tpr_threshold = g.tpr_threshold.value_or(0);
    r.vpid = g.vpid;
    r.tsc_offset = g.tsc_offset;
    if (g.exit_port) r.exit_port = uint16_t(g.exit_port->value);
    if (g.fw_cfg) {
      r.devices |= blob::kDeviceFwCfg;
      for (const auto& m : g.memory)
        if (m.kind == blob::RegionKind::Ram || m.kind == blob::RegionKind::Image) r.fw_cfg_ram_size += m.size.value;
      r.fw_cfg_cpu_count = uint16_t(g.vcpus);
    }
    r.vcpu_count = g.vcpus > 1 ? uint16_t(g.vcpus) : 0;
    if (g.pic) r.devices |= blob::kDevicePic;
    if (g.pit) r.devices |= blob::kDevicePit;
    if (g.local_apic) {
      r.devices |= blob::kDeviceLocalApic;
      if (g.local_apic_x2apic) r.devices |= blob::kDeviceLocalApicX2apic;
      constexpr uint64_t kApicPage = 0xFEE00000;
      bool hooked = false;
      for (const auto& h : lg.ept_hooks) hooked |= h.gpa == kApicPage;
      if (!hooked) lg.ept_hooks.push_back({kApicPage, uint32_t(blob::HookId::LocalApic), 0});
    }
    out.guests.push_back(std::move(lg));
  }
  return out;
}

}  // namespace configgen::lower
