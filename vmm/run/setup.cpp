#include "run/setup.h"

#include <stdarg.h>

#include "arch/cpu.h"
#include "arch/vmx_insn.h"
#include "console/log.h"
#include "console/trace.h"
#include "exits/exit.h"
#include "exits/handlers.h"
#include "guests/cpu_state.h"
#include "guests/fast_path.h"
#include "guests/isolation_rules.h"
#include "lib/ranges.h"
#include "lib/string.h"
#include "memory/phys.h"
#include "platform/owned_resources.h"
#include "vmx/vmcs.h"

namespace run {
using namespace guests;  // the orchestration works on vcpus throughout
namespace {
// Every guest's vCPUs, a guest's in a row with vCPU 0 first (v.bsp).
Vcpu g_vcpus[blob::kMaxVcpus];
uint32_t g_vcpu_count = 0;
bool g_multi_vcpu = false;
bool g_fast_path = true;

memory::PageSource page_source() {
  return {nullptr, [](void*) { return memory::phys_allocate_page(); },
          [](void*, uint64_t hpa) { return memory::phys_to_virt<uint64_t>(hpa); }};
}

// The one way set-up refuses a guest: its outcome and reason recorded (the
// report prints them), one log line; always false, for `return refuse(...)`.
[[gnu::format(printf, 2, 3)]] bool refuse(Vcpu& v, const char* format, ...) {
  char why[sizeof v.detail];
  va_list args;
  va_start(args, format);
  console::format_to(why, sizeof why, format, args);
  va_end(args);
  exits::finish(v, Outcome::Refused, "%s", why);
  LOG("vmm: guest %s refused: %s", v.name, v.detail);
  return false;
}

// Backs and maps a run of regions in `ept` (book 6.3.1): RAM and image
// regions get their own host blocks, aligned for large EPT pages; images are
// copied in. Passthrough windows were checked in assign_guests (physical-
// address width, RAM, the hypervisor, other guests, owned MMIO).
bool map_regions(Vcpu& v, memory::EptBuilder& ept, const blob::Reader& r, uint32_t first, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    const blob::Region& reg = r.region(first + i);
    uint64_t hpa = 0;
    switch (blob::RegionKind(reg.kind)) {
      case blob::RegionKind::MmioTrap:
      case blob::RegionKind::Absent: continue;  // left unmapped: every access exits
      case blob::RegionKind::Passthrough:
        hpa = reg.hpa;
        break;
      case blob::RegionKind::Ram:
      case blob::RegionKind::Image: {
        hpa = memory::phys_allocate(reg.size, memory::backing_alignment(reg.page_size, reg.size));
        if (!hpa) {
          return refuse(v, "out of host memory: its region at guest-physical 0x%lx needs 0x%lx bytes", reg.gpa, reg.size);
        }
        if (reg.kind == uint32_t(blob::RegionKind::Image)) {
          const blob::Image& img = r.image(reg.image);
          memcpy(memory::phys_to_virt<void>(hpa + reg.image_offset), r.image_data(img), img.size);
        }
        break;
      }
    }
    if (!ept.map(reg.gpa, hpa, reg.size, reg.permissions & 7, reg.memory_type, reg.page_size))
      return refuse(v, "EPT mapping of a region failed");
  }
  return true;
}

// View 1 shares view 0's memory: the same guest-physical to host-physical
// translation for every region, before the alternate regions go over it.
bool mirror_regions(Vcpu& v, const blob::Reader& r) {
  const blob::Guest& g = *v.config;
  for (uint32_t i = 0; i < g.region_count; ++i) {
    const blob::Region& reg = r.region(g.first_region + i);
    if (reg.kind == uint32_t(blob::RegionKind::MmioTrap) || reg.kind == uint32_t(blob::RegionKind::Absent)) continue;
    const memory::EptTranslation t = v.ept.translate(reg.gpa);
    if (!t.present || !v.ept_alternate.map(reg.gpa, t.host_physical, reg.size, reg.permissions & 7, reg.memory_type, reg.page_size))
      return false;
  }
  return true;
}


// The virtual-APIC page (SDM 29.1) backs both the TPR shadow and the
// software LocalApic hook; the APIC-access page sits at the guest's APIC
// base so the CPU virtualizes those accesses (SDM 29.4). Each vCPU has its
// own. vCPU 0 of a guest with a virtual local APIC is its bootstrap processor.
bool build_apic_pages(Vcpu& v) {
  const bool bsp = v.vcpu_total > 1 ? v.vcpu_index == 0 : (v.cpu == 0 || exits::has_virtual_apic(v));
  v.apic_base_msr = kApicBaseDefault | (bsp ? kApicBaseBsp : 0);
  v.virtual_apic = memory::phys_allocate_page();
  if (!v.virtual_apic) return refuse(v, "out of memory for its virtual-APIC page");
  *memory::phys_to_virt<uint32_t>(v.virtual_apic + 0x20) = (v.vcpu_total > 1 ? v.vcpu_index : v.guest_index) << 24;  // APIC ID
  *memory::phys_to_virt<uint32_t>(v.virtual_apic + 0x30) = 0x00050014;            // version
  if (exits::has_virtual_apic(v)) exits::reset_virtual_apic(v);  // devices.local_apic: the power-up registers
  if (exits::has_legacy_pic(v)) exits::reset_legacy_devices(v);   // devices.pic, devices.pit
  if (v.controls[uint32_t(arch::ControlWord::PROC2)] & arch::ctl::VIRTUALIZE_APIC_ACCESSES.mask()) {
    v.apic_access = memory::phys_allocate_page();
    if (!v.apic_access || !v.ept.map(kApicBaseDefault & ~0xFFFull, v.apic_access, 4096, 3, 0, 4096))
      return refuse(v, "cannot map its APIC-access page");
  }
  if (v.controls[uint32_t(arch::ControlWord::PIN)] & arch::ctl::PROCESS_POSTED_INTERRUPTS.mask()) {
    v.posted_descriptor = memory::phys_allocate_page();  // 64-byte aligned, zeroed: no request outstanding
    if (!v.posted_descriptor) return refuse(v, "out of memory for its posted-interrupt descriptor");
  }
  return true;
}

// vCPUs 1..n share vCPU 0's memory: they wait until its EPT is built
// (vCPU 0 is earlier in the array, and each CPU prepares in array order, so
// the wait always ends), then take its EPTP. Nothing maps or unmaps
// guest memory later in such a guest (the blob reader refuses map-on-demand
// and EPTP switching for it), so the shared tables need no cross-CPU INVEPT.
bool share_memory(Vcpu& v) {
  GuestGroup& g = v.bsp->group;
  while (!__atomic_load_n(&g.memory_ready, __ATOMIC_ACQUIRE)) {
    if (__atomic_load_n(&v.bsp->state, __ATOMIC_ACQUIRE) == State::Finished || exits::group_has_ended(v))
      return refuse(v, "its bootstrap vCPU could not be built");
    console::log_drain();
    arch::cpu_pause();
  }
  v.ept = v.bsp->ept;  // the same tables; translate() only (guests::guest_to_host)
  v.eptp = v.bsp->eptp;
  return build_apic_pages(v);
}

// What running several vCPUs needs of the reconciled controls: real mode
// for a start-up IPI (unrestricted guest, SDM 26.3.1.1), and none of the
// per-vCPU pages EPT would have to map (APIC-access page, posted interrupts).
// vCPUs that share a CPU here (this machine may have fewer CPUs than the
// profile names) get PAUSE exiting, so that one spinning yields to the others.
bool allowed(const arch::Capabilities& caps, arch::ControlBit b);
bool check_multi_vcpu_controls(Vcpu& v, const arch::Capabilities& caps) {
  if (v.vcpu_total < 2) return true;
  for (uint32_t k = 0; k < v.vcpu_total; ++k)
    if (&v.bsp[k] != &v && v.bsp[k].cpu == v.cpu && allowed(caps, arch::ctl::PAUSE_EXITING))
      v.controls[uint32_t(arch::ControlWord::PROC)] |= arch::ctl::PAUSE_EXITING.mask();
  const uint32_t proc2 = v.controls[uint32_t(arch::ControlWord::PROC2)];
  if (!(proc2 & arch::ctl::UNRESTRICTED_GUEST.mask()))
    return refuse(v, "a guest of %u vCPUs needs \"unrestricted guest\": a start-up IPI starts a vCPU in real mode", v.vcpu_total);
  if ((proc2 & arch::ctl::VIRTUALIZE_APIC_ACCESSES.mask()) ||
      (v.controls[uint32_t(arch::ControlWord::PIN)] & arch::ctl::PROCESS_POSTED_INTERRUPTS.mask()))
    return refuse(v, "a guest of %u vCPUs cannot use the APIC-access page or posted interrupts (devices.local_apic is its APIC)",
                  v.vcpu_total);
  return true;
}

// Guest memory: each RAM or image region gets its own host block, aligned
// so that EPT can use large pages (book 6.3.1); images are copied in.
bool build_memory(Vcpu& v, const blob::Reader& r, const arch::Capabilities& caps) {
  const bool allow_2m = caps.ept_vpid_cap.pde_2mb_pages(), allow_1g = caps.ept_vpid_cap.pdpte_1gb_pages();
  if (!v.ept.init(page_source(), allow_2m, allow_1g)) return refuse(v, "out of memory for EPT tables");
  const blob::Guest& g = *v.config;
  if (!map_regions(v, v.ept, r, g.first_region, g.region_count)) return false;
  // Hooked pages: a mapped one keeps only the permissions the hook allows;
  // an unmapped one (the local APIC) stays unmapped, so every access exits.
  for (uint32_t i = 0; i < g.ept_hook_count; ++i) {
    const blob::EptHook& h = r.ept_hook(g.first_ept_hook + i);
    if (v.ept.translate(h.gpa).present && !v.ept.protect_4k(h.gpa, h.permissions))
      return refuse(v, "EPT hook: cannot split the page's mapping");
  }
  if (!build_apic_pages(v)) return false;
  if (g.flags & blob::kGuestMapOnDemand) {
    v.pool = memory::phys_allocate(4096ull * g.map_on_demand_pages, 4096);
    if (!v.pool && g.map_on_demand_pages) return refuse(v, "out of host memory for its map-on-demand pool");
  }
  const bool ad = g.flags & blob::kGuestEptAccessedDirty;
  v.eptp = v.ept.eptp(ad && caps.ept_vpid_cap.accessed_and_dirty_flags());
  // EPT view 1 for VMFUNC EPTP switching: the same memory, then the
  // alternate regions mapped over it (SDM 25.5.6.3, book 6.1.11).
  if (g.alternate_region_count) {
    if (!v.ept_alternate.init(page_source(), allow_2m, allow_1g) || !mirror_regions(v, r) ||
        !map_regions(v, v.ept_alternate, r, g.first_alternate_region, g.alternate_region_count))
      return refuse(v, "cannot build its alternate EPT view");
    v.eptp_list = memory::phys_allocate_page();
    if (!v.eptp_list) return refuse(v, "out of memory for its EPTP list");
    auto* list = memory::phys_to_virt<uint64_t>(v.eptp_list);
    list[0] = v.eptp;
    list[1] = v.ept_alternate.eptp(ad && caps.ept_vpid_cap.accessed_and_dirty_flags());
  }
  return true;
}

void set_bits(uint8_t* bitmap, uint32_t first, uint32_t last, bool on) {
  for (uint32_t i = first; i <= last; ++i) {
    if (on)
      bitmap[i / 8] |= uint8_t(1u << (i % 8));
    else
      bitmap[i / 8] &= uint8_t(~(1u << (i % 8)));
  }
}

// I/O bitmaps A (ports 0-7FFFH) and B (8000H-FFFFH), SDM 24.6.4; the MSR
// bitmap's four 1-KiB quarters, SDM 24.6.9. Deny by default: every bit set,
// then the blob's grants clear theirs. Ports the hypervisor owns are set
// again afterwards, whatever the blob says (assign_guests has already
// refused a blob that passes one; this is the second line of defence).
bool build_bitmaps(Vcpu& v, const blob::Reader& r) {
  const blob::Guest& g = *v.config;
  const uint64_t io = memory::phys_allocate(8192, 4096), msr = memory::phys_allocate_page();
  if (!io || !msr) return refuse(v, "out of memory for its bitmaps");
  v.io_bitmap_a = io;
  v.io_bitmap_b = io + 4096;
  auto* io_bits = memory::phys_to_virt<uint8_t>(io);
  memset(io_bits, 0xFF, 8192);
  for (uint32_t i = 0; i < g.io_range_count; ++i) {
    const blob::IoRange& range = r.io_range(g.first_io_range + i);
    set_bits(io_bits, range.first_port, range.last_port, !(range.flags & blob::kIoPass));
  }
  for (const platform::OwnedPorts& row : platform::kOwnedPorts) set_bits(io_bits, row.first, row.last, true);
  const uint16_t console = r.appliance().console_port;
  set_bits(io_bits, console, console + platform::kUartPorts - 1u, true);
  v.msr_bitmap = msr;
  auto* msr_bits = memory::phys_to_virt<uint8_t>(msr);
  memset(msr_bits, 0xFF, 4096);
  for (uint32_t i = 0; i < g.msr_grant_count; ++i) {
    const blob::MsrGrant& t = v.msr_grants[i];
    const arch::MsrBitmapBit at = arch::msr_bitmap_bit(t.msr);
    if (!at.covered) continue;  // outside both ranges every access exits anyway
    const uint8_t mask = uint8_t(1u << at.bit);
    if (t.flags & blob::kPassRead) msr_bits[at.byte] &= uint8_t(~mask);
    if (t.flags & blob::kPassWrite) msr_bits[at.byte + arch::kMsrBitmapWriteOffset] &= uint8_t(~mask);
  }
  // MSR-load/store lists: one page, entry-load then exit-store then exit-load.
  const uint32_t entries = g.entry_msr_load_count + g.exit_msr_store_count + g.exit_msr_load_count;
  if (entries * sizeof(blob::MsrEntry) > 4096) return refuse(v, "MSR lists longer than one page");
  v.msr_area = memory::phys_allocate_page();
  if (!v.msr_area) return refuse(v, "out of memory for its MSR lists");
  auto* list = memory::phys_to_virt<blob::MsrEntry>(v.msr_area);
  for (uint32_t i = 0; i < g.entry_msr_load_count; ++i) *list++ = r.msr_entry(g.entry_msr_load_first + i);
  for (uint32_t i = 0; i < g.exit_msr_store_count; ++i) *list++ = r.msr_entry(g.exit_msr_store_first + i);
  for (uint32_t i = 0; i < g.exit_msr_load_count; ++i) {
    *list = r.msr_entry(g.exit_msr_load_first + i);
    if (list->index == uint32_t(arch::Msr::IA32_TIME_STAMP_COUNTER)) v.exit_loads_host_tsc = true;
    ++list;
  }
  return true;
}

// A control the capability probe found advertised but not delivered (an
// emulator's gap, vmx/probe.h) refuses the guest, unless its profile says
// to run it anyway (undelivered_controls: run).
bool refuse_undelivered(Vcpu& v, const cpu::PerCpu& c) {
  if (v.config->flags & blob::kGuestRunUndeliveredControls) return false;
  for (const arch::ControlBitInfo& info : arch::kControlBits) {
    const uint32_t w = uint32_t(info.control.word);
    if (!(v.controls[w] & c.undelivered[w] & info.control.mask())) continue;
    refuse(v, "control \"%s\" (%s bit %u) is advertised in %s but not delivered on this CPU (capability probe)",
           info.sdm_name, arch::control_word_name(info.control.word), info.control.bit,
           arch::msr_ident(uint32_t(arch::control_capability_msr(info.control.word, c.caps.has_true_controls()))));
    return true;
  }
  return false;
}

bool allowed(const arch::Capabilities& caps, arch::ControlBit b) {
  return (caps.control_msr(b.word) >> (32 + b.bit)) & 1;
}
bool force(Vcpu& v, const arch::Capabilities& caps, arch::ControlBit b) {
  if (!allowed(caps, b)) return false;
  v.controls[uint32_t(b.word)] |= b.mask();
  return true;
}

// Controls the hypervisor sets for every guest, whatever the blob asks,
// because guests sharing a CPU would otherwise share state or time
// (docs/isolation.md): IA32_EFER, DR7/IA32_DEBUGCTL and IA32_PAT switched by the VMCS
// (SDM 24.7.1, 24.8.1; PAT falls back to software), NMI exiting so no NMI
// reaches a guest the profile did not give NMIs (SDM 25.3), and the
// VMX-preemption timer with its value saved on exit as the watchdog of a
// guest whose profile has no timer (SDM 25.5.1; 26.2.1.2: saving needs the
// active timer).
void force_isolation_controls(Vcpu& v, const arch::Capabilities& caps) {
  // IA32_EFER (SCE, NXE, LME): configgen always asks for these; a blob made
  // otherwise still does not share the host's or a neighbour's EFER.
  force(v, caps, arch::ctl::LOAD_IA32_EFER_ON_ENTRY);
  force(v, caps, arch::ctl::SAVE_IA32_EFER);
  force(v, caps, arch::ctl::LOAD_IA32_EFER);
  force(v, caps, arch::ctl::SAVE_DEBUG_CONTROLS);
  force(v, caps, arch::ctl::LOAD_DEBUG_CONTROLS);
  const bool pat = allowed(caps, arch::ctl::SAVE_IA32_PAT) && allowed(caps, arch::ctl::LOAD_IA32_PAT) &&
                   allowed(caps, arch::ctl::LOAD_IA32_PAT_ON_ENTRY);
  if (pat) {
    force(v, caps, arch::ctl::SAVE_IA32_PAT);
    force(v, caps, arch::ctl::LOAD_IA32_PAT);
    force(v, caps, arch::ctl::LOAD_IA32_PAT_ON_ENTRY);
  }
  v.cpu_state.pat_in_software = !pat;
  force(v, caps, arch::ctl::NMI_EXITING);
  const uint16_t nmi = v.behaviour_for_vector[uint32_t(arch::Vector::NMI)];
  v.takes_nmis = nmi != kNoBehaviour && (v.behaviours[nmi].action == uint32_t(blob::Action::Reflect) ||
                                         v.behaviours[nmi].action == uint32_t(blob::Action::Reinject));
  // A guest that takes NMIs gets virtual NMIs: its NMI blocking is then its
  // own (set by an injected NMI, ended by its IRET) and the NMI-window exit
  // says when the next can be injected (SDM 24.6.1, 25.3; book 7.3.2.2).
  if (v.takes_nmis) force(v, caps, arch::ctl::VIRTUAL_NMIS);
  if (v.config->timer_action != uint32_t(blob::TimerAction::None) && v.timer_value) return;
  if (allowed(caps, arch::ctl::ACTIVATE_VMX_PREEMPTION_TIMER) && allowed(caps, arch::ctl::SAVE_VMX_PREEMPTION_TIMER_VALUE)) {
    force(v, caps, arch::ctl::ACTIVATE_VMX_PREEMPTION_TIMER);
    force(v, caps, arch::ctl::SAVE_VMX_PREEMPTION_TIMER_VALUE);
    v.timer_value = kDefaultWatchdogTicks;
    v.time.default_watchdog = true;
  } else {
    LOG("vmm: guest %s: this CPU has no VMX-preemption timer: it runs without a watchdog", v.name);
  }
}

bool reconcile(Vcpu& v, const cpu::PerCpu& c) {
  const arch::Capabilities& caps = c.caps;
  const arch::ReconcileResult rr = arch::reconcile_controls(v.config->controls, caps);
  if (!rr.ok) {
    return refuse(v, "control \"%s\" (%s bit %u) cannot be 1 on this CPU: allowed-1 bit is 0 in %s", rr.control_name,
                  arch::control_word_name(rr.word), rr.bit, arch::msr_ident(uint32_t(rr.msr)));
  }
  for (uint32_t i = 0; i < arch::kControlWordCount; ++i) v.controls[i] = rr.values[i];
  if (refuse_undelivered(v, c)) return false;
  // EPT is how guests are kept apart: a blob without it is not run.
  const bool ept = (v.controls[uint32_t(arch::ControlWord::PROC)] & arch::ctl::ACTIVATE_SECONDARY_CONTROLS.mask()) &&
                   (v.controls[uint32_t(arch::ControlWord::PROC2)] & arch::ctl::ENABLE_EPT.mask());
  if (!ept) return refuse(v, "the blob does not enable EPT, which isolates guests");
  if (!(v.controls[uint32_t(arch::ControlWord::EXIT)] & arch::ctl::HOST_ADDRESS_SPACE_SIZE.mask()))
    return refuse(v, "the blob does not set host address-space size (the host is 64-bit)");
  force_isolation_controls(v, caps);
  // A passed IA32_EFER is the guest's only if VM entries and exits switch it.
  const blob::Guest& g = *v.config;
  const bool efer_switched = (v.controls[uint32_t(arch::ControlWord::ENTRY)] & arch::ctl::LOAD_IA32_EFER_ON_ENTRY.mask()) &&
                             (v.controls[uint32_t(arch::ControlWord::EXIT)] & arch::ctl::SAVE_IA32_EFER.mask()) &&
                             (v.controls[uint32_t(arch::ControlWord::EXIT)] & arch::ctl::LOAD_IA32_EFER.mask());
  for (uint32_t i = 0; i < g.msr_grant_count && !efer_switched; ++i)
    if (v.msr_grants[i].msr == uint32_t(arch::Msr::IA32_EFER) && (v.msr_grants[i].flags & (blob::kPassRead | blob::kPassWrite)))
      return refuse(v, "the blob passes IA32_EFER without the controls that switch it (load IA32_EFER, save IA32_EFER)");
  return true;
}

void index_behaviours(Vcpu& v, const blob::Reader& r) {
  for (auto& b : v.behaviour_for_exit) b = kNoBehaviour;
  for (auto& b : v.behaviour_for_vector) b = kNoBehaviour;
  const blob::Guest& g = *v.config;
  v.behaviours = g.behaviour_count ? &r.behaviour(g.first_behaviour) : nullptr;
  v.events = g.event_count ? &r.event(g.first_event) : nullptr;
  v.ept_hooks = g.ept_hook_count ? &r.ept_hook(g.first_ept_hook) : nullptr;
  v.regions = g.region_count ? &r.region(g.first_region) : nullptr;
  v.msr_grants = g.msr_grant_count ? &r.msr_grant(g.first_msr_grant) : nullptr;
  v.msr_grant_count = g.msr_grant_count;
  for (uint32_t i = 0; i < g.behaviour_count; ++i) {
    const blob::Behaviour& b = v.behaviours[i];
    if (b.kind == uint32_t(blob::BehaviourKind::ExitReason) && b.selector < arch::kMaxExitReason &&
        b.action != uint32_t(blob::Action::Override))
      v.behaviour_for_exit[b.selector] = uint16_t(i);
    else if (b.kind == uint32_t(blob::BehaviourKind::Exception) && b.selector < 32)
      v.behaviour_for_vector[b.selector] = uint16_t(i);
  }
}
// The fast path's static gate (guests/fast_path.h), from the reconciled
// controls and the indexed behaviours; before the VMCS, whose HOST_RIP
// follows it (vmx/vmcs.cpp).
void gate_fast_path(Vcpu& v) {
  using R = arch::ExitReason;
  FastPathInputs in{};
  in.disabled = !g_fast_path || (v.config->flags & blob::kGuestNoFastPath);
  in.tracing = console::trace_enabled();
  in.floor_stub = v.config->flags & blob::kGuestExitFloorStub;
  in.monitor_trap_flag = v.controls[uint32_t(arch::ControlWord::PROC)] & arch::ctl::MONITOR_TRAP_FLAG.mask();
  in.virtual_apic = exits::has_virtual_apic(v);
  in.legacy_pic = exits::has_legacy_pic(v);
  in.forwarded_irqs = v.config->forwarded_irqs;
  in.cpuid_behaviour = v.behaviour_for_exit[uint32_t(R::CPUID)] != kNoBehaviour;
  in.io_behaviour = v.behaviour_for_exit[uint32_t(R::IO_INSTRUCTION)] != kNoBehaviour;
  in.vmcall_behaviour = v.behaviour_for_exit[uint32_t(R::VMCALL)] != kNoBehaviour;
  in.behaviours = v.behaviours;
  in.behaviour_count = v.config->behaviour_count;
  v.static_entry_duties = in.monitor_trap_flag || in.virtual_apic || in.legacy_pic || in.forwarded_irqs;
  const FastPathGate gate = fast_path_gate(in);
  v.fast_path_allowed = gate.reasons;
  v.exits.fast_path_budget = kUnlimitedFastPathExits;  // with a timer, each slice's start sets it
  v.exits.fast_path_cpuid_leaves = gate.cpuid_leaves;
  refresh_fast_path(v);
}

// Before first use, drop any translation cached under this EPTP or VPID from
// an earlier life of the machine (book 6.2.6.5, 6.2.6.6).
void flush_stale_translations(const Vcpu& v, const arch::Capabilities& caps) {
  const arch::EptVpidCap e = caps.ept_vpid_cap;
  if (e.invept_single_context()) {
    arch::invept(arch::InveptType::SingleContext, v.eptp);
    if (v.eptp_list) arch::invept(arch::InveptType::SingleContext, memory::phys_to_virt<uint64_t>(v.eptp_list)[1]);
  }
  else if (e.invept_all_context())
    arch::invept(arch::InveptType::AllContext, 0);
  if (!(v.controls[uint32_t(arch::ControlWord::PROC2)] & arch::ctl::ENABLE_VPID.mask())) return;
  if (e.invvpid_single_context())
    arch::invvpid(arch::InvvpidType::SingleContext, v.vpid);
  else if (e.invvpid_all_context())
    arch::invvpid(arch::InvvpidType::AllContext, 0);
}
}  // namespace

Vcpu* vcpus() { return g_vcpus; }
uint32_t vcpu_count() { return g_vcpu_count; }
void set_fast_path(bool on) { g_fast_path = on; }

namespace {

const blob::Region& nth_passthrough_candidate(const blob::Reader& r, const blob::Guest& g, uint32_t i) {
  return r.region(i < g.region_count ? g.first_region + i : g.first_alternate_region + (i - g.region_count));
}

// Every host-physical address a blob names, before any guest is built and
// whatever the order in which CPUs allocate: within the CPU's physical-
// address width, outside RAM of the loader's memory map and the hypervisor
// (so never memory the allocator hands out), and not shared with an earlier
// guest's passthrough window.
bool check_passthrough(Vcpu& v, const blob::Reader& r, uint32_t width) {
  const blob::Guest& g = *v.config;
  for (uint32_t i = 0; i < g.region_count + g.alternate_region_count; ++i) {
    const blob::Region& reg = nth_passthrough_candidate(r, g, i);
    if (reg.kind != uint32_t(blob::RegionKind::Passthrough)) continue;
    if (!lib::within_width(reg.hpa, reg.size, width))
      return refuse(v, "passthrough hpa 0x%lx size 0x%lx ends beyond the %u-bit physical-address width (CPUID.80000008H:EAX[7:0])",
                    reg.hpa, reg.size, width);
    if (memory::phys_overlaps_ram_or_hypervisor(reg.hpa, reg.size))
      return refuse(v, "passthrough hpa 0x%lx size 0x%lx overlaps RAM of the memory map or the hypervisor's own memory",
                    reg.hpa, reg.size);
    for (uint32_t other = 0; other < v.guest_index; ++other) {
      const blob::Guest& o = r.guest(other);
      for (uint32_t j = 0; j < o.region_count + o.alternate_region_count; ++j) {
        const blob::Region& oreg = nth_passthrough_candidate(r, o, j);
        if (oreg.kind != uint32_t(blob::RegionKind::Passthrough) || !lib::ranges_overlap(reg.hpa, reg.size, oreg.hpa, oreg.size))
          continue;
        return refuse(v, "passthrough hpa 0x%lx size 0x%lx overlaps guest %s's passthrough window at 0x%lx", reg.hpa, reg.size,
                      r.string(o.name), oreg.hpa);
      }
    }
  }
  return true;
}

bool check_grants(Vcpu& v, const blob::Reader& r) {
  const platform::GrantStatus s = platform::check_guest_grants(r, v.guest_index);
  if (s.ok) return true;
  if (s.resource[0]) return refuse(v, "%s: %s (0x%lx) is the hypervisor's: %s", s.reason, s.resource, s.detail, s.why);
  return refuse(v, "%s", s.reason);
}
}  // namespace

void assign_guests(const blob::Reader& r, uint32_t cpus) {
  const uint32_t width = arch::physical_address_width();
  LOG("vmm: physical-address width %u bits (CPUID.80000008H:EAX[7:0])", width);
  g_vcpu_count = 0;
  for (uint32_t i = 0; i < r.guest_count(); ++i) {
    const blob::Guest& g = r.guest(i);
    const uint32_t total = g.vcpu_count > 1 ? g.vcpu_count : 1;  // the reader bounds the sum by kMaxVcpus
    // vCPU k runs on the (k mod m)-th of the m CPUs of its mask that exist.
    uint32_t present[64], m = 0;
    for (uint32_t c = 0; c < cpus && c < 64; ++c)
      if (g.cpu_mask & (1ull << c)) present[m++] = c;
    Vcpu* bsp = &g_vcpus[g_vcpu_count];
    for (uint32_t k = 0; k < total; ++k) {
      Vcpu& v = g_vcpus[g_vcpu_count++];
      memset(&v, 0, sizeof v);
      v.guest_index = i;
      v.config = &g;
      v.name = r.string(g.name);
      v.vcpu_index = uint16_t(k);
      v.vcpu_total = uint16_t(total);
      v.bsp = bsp;
      // vCPUs 1..n get VPIDs above every guest's automatic one.
      v.vpid = uint16_t(k ? blob::kMaxGuests + g_vcpu_count : g.vpid ? g.vpid : i + 1);
      v.state = k ? State::WaitingForStartup : State::Ready;
      if (k) v.next_event = g.event_count;  // the profile's `inject:` list is vCPU 0's
      v.cpu = m ? present[k % m] : ~0u;
    }
    if (total > 1) g_multi_vcpu = true;
    if (!m) {
      refuse(*bsp, "none of its CPUs (mask 0x%lx) exists; this machine has %u", g.cpu_mask, cpus);
    } else if (check_grants(*bsp, r)) {
      check_passthrough(*bsp, r, width);
    }
    if (total > 1 && bsp->state == State::Finished)
      for (uint32_t k = 1; k < total; ++k) exits::end_with_group(bsp[k]);
    if (total > 1 && m)
      LOG("vmm: guest %s: %u vCPUs, vcpu 0 on cpu %u, the others wait for a start-up IPI (SDM 9.4)", bsp->name, total, bsp->cpu);
  }
}

bool has_multi_vcpu_guests() { return g_multi_vcpu; }

namespace {
void prepare_one(const blob::Reader& r, cpu::PerCpu& c, Vcpu& v) {
  {
    if (exits::group_has_ended(v)) {
      exits::end_with_group(v);
      return;
    }
    index_behaviours(v, r);
    v.timer_value = v.config->preemption_timer_value;
    if (!reconcile(v, c) || !check_multi_vcpu_controls(v, c.caps)) return;
    if (v.vcpu_index == 0) {
      if (!build_memory(v, r, c.caps)) return;
      __atomic_store_n(&v.group.memory_ready, true, __ATOMIC_RELEASE);
    } else if (!share_memory(v)) {
      return;
    }
    if (!build_bitmaps(v, r)) return;
    if (!init_guest_cpu_state(v)) {
      refuse(v, "out of memory for its x87/SSE/AVX state");
      return;
    }
    gate_fast_path(v);
    const char* why = nullptr;
    if (!vmx::build_vmcs(v, c, r, &why)) {
      if (why) {
        refuse(v, "%s", why);
      } else {
        const arch::VmcsFieldInfo* field = arch::find_field(arch::VmcsField(c.failed_vmwrite_field));
        refuse(v, "VMWRITE of %s (0x%x) failed: %s", field ? field->name : "an unknown field", c.failed_vmwrite_field,
               arch::vm_instruction_error_text(c.failed_vmwrite_error));
      }
      return;
    }
    flush_stale_translations(v, c.caps);
    if (v.vcpu_index)
      LOG("vmm: guest %s: vcpu %u ready on cpu %u: waits for a start-up IPI, APIC ID %u, VPID %u", v.name, v.vcpu_index,
          v.cpu, v.vcpu_index, v.vpid);
    else
      LOG("vmm: guest %s ready: mode %u, rip 0x%lx, %u regions, EPT %u tables, VPID %u", v.name, v.config->mode,
          v.config->entry.rip, v.config->region_count, v.ept.tables_used(), v.vpid);
  }
}
}  // namespace

void prepare_cpu_guests(const blob::Reader& r, cpu::PerCpu& c) {
  for (uint32_t i = 0; i < g_vcpu_count; ++i) {
    Vcpu& v = g_vcpus[i];
    if (v.cpu != c.index) continue;
    if (v.state != State::Finished) prepare_one(r, c, v);
    if (v.vcpu_total > 1) __atomic_add_fetch(&v.bsp->group.built, 1u, __ATOMIC_RELEASE);  // built or refused
  }
}

void refuse_cpu_guests(cpu::PerCpu& c, const char* why) {
  for (uint32_t i = 0; i < g_vcpu_count; ++i) {
    Vcpu& v = g_vcpus[i];
    if (v.cpu != c.index) continue;
    if (v.state != State::Finished) refuse(v, "%s", why);
    if (v.vcpu_total > 1) __atomic_add_fetch(&v.bsp->group.built, 1u, __ATOMIC_RELEASE);
  }
}

// vCPU 0 of a guest with several is first entered once every sibling is
// built: an IPI it sends must find their virtual APICs (exits/siblings.cpp).
// Each CPU prepares all its vCPUs before it runs any, so the wait ends.
void wait_for_siblings_built(const Vcpu& v) {
  while (__atomic_load_n(&v.bsp->group.built, __ATOMIC_ACQUIRE) < v.vcpu_total && !exits::group_has_ended(v)) {
    console::log_drain();
    arch::cpu_pause();
  }
}



}  // namespace run
