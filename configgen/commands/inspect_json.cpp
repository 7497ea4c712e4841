#include "commands/inspect_json.h"

#include "arch/vmx_capabilities.h"
#include "arch/vmx_table.h"
#include "blob/crc32c.h"
#include "blob/reader.h"
#include "blob/vocabulary.h"
#include "model/diagnostics.h"  // hex()
#include "model/target.h"
#include "model/vocabulary.h"
#include "parse/target_file.h"

namespace configgen::commands {
namespace {
using json = nlohmann::ordered_json;

// A word of blob/vocabulary.def, or null for a value the table lacks (the
// reader refuses those, so null means a table and reader out of step).
template <typename E, uint32_t N>
json word(const blob::Word<E> (&table)[N], uint32_t value) {
  const char* w = blob::word_of(table, value);
  return w ? json(w) : json(nullptr);
}
json msr_name(uint32_t n) {
  const char* id = arch::msr_ident(n);
  return id ? json(id) : json(nullptr);
}
json segment(const blob::Segment& s) {
  return {{"selector", s.selector}, {"base", s.base}, {"limit", s.limit}, {"access_rights", s.access_rights},
          {"unusable", (s.access_rights & 0x10000) != 0}};  // SDM 24.4.1: bit 16 of the access rights
}
json permissions(uint32_t p) {
  return {{"read", (p & blob::kRead) != 0}, {"write", (p & blob::kWrite) != 0}, {"execute", (p & blob::kExecute) != 0}};
}

json region(const blob::Reader& r, const blob::Region& reg) {
  const model::MemoryType* type = model::find_memory_type(reg.memory_type);
  json o = {{"gpa", reg.gpa},
            {"size", reg.size},
            {"last", reg.gpa + reg.size - 1},
            {"kind", word(blob::kRegionKinds, reg.kind)},
            {"permissions", permissions(reg.permissions)},
            {"memory_type", type ? json(type->word) : json(nullptr)},
            {"page_size", reg.page_size}};
  if (reg.kind == uint32_t(blob::RegionKind::Image)) {
    o["image"] = r.string(r.image(reg.image).name);
    o["image_offset"] = reg.image_offset;
  }
  if (reg.kind == uint32_t(blob::RegionKind::Passthrough)) o["hpa"] = reg.hpa;
  return o;
}

json controls(const blob::Guest& g, const std::optional<model::Target>& target) {
  json out = json::object();
  for (uint32_t w = 0; w < arch::kControlWordCount; ++w) {
    json names = json::array();
    for (const auto& c : arch::kControlBits)
      if (uint32_t(c.control.word) == w && (g.controls[w] & c.control.mask())) names.push_back(c.profile_name);
    json word = {{"requested", g.controls[w]}, {"named", names}};
    if (target) word["on_target"] = arch::fit_control(g.controls[w], target->caps.control_msr(arch::ControlWord(w))).value;
    out[arch::kControlWords[w].profile_key] = word;
  }
  return out;
}

json msr_list(const blob::Reader& r, uint32_t first, uint32_t count) {
  json l = json::array();
  for (uint32_t i = 0; i < count; ++i) {
    const blob::MsrEntry& e = r.msr_entry(first + i);
    l.push_back({{"msr", e.index}, {"name", msr_name(e.index)}, {"value", e.value}});
  }
  return l;
}

json behaviour(const blob::Behaviour& b) {
  json o;
  if (b.kind == uint32_t(blob::BehaviourKind::ExitReason)) {
    const arch::ExitReasonInfo* e = arch::find_exit_reason(b.selector);
    o["exit_reason"] = e ? json(e->profile_name) : json(nullptr);
    o["number"] = b.selector;
  } else {
    const arch::ExceptionInfo* x = arch::find_exception(b.selector);
    o["exception"] = x ? json(x->mnemonic) : json(nullptr);
    o["vector"] = b.selector;
  }
  o["action"] = word(blob::kActions, b.action);
  if (b.action == uint32_t(blob::Action::Override)) {
    o["leaf"] = b.arg;
    if (b.subleaf != blob::kNone) o["subleaf"] = b.subleaf;
    static const char* regs[] = {"eax", "ebx", "ecx", "edx"};
    json forced = json::object(), set = json::object(), clear = json::object();
    for (int k = 0; k < 4; ++k) {
      if (b.reg_mask & (1u << k)) forced[regs[k]] = b.values[k];
      if (b.set_bits[k]) set[regs[k]] = b.set_bits[k];
      if (b.clear_bits[k]) clear[regs[k]] = b.clear_bits[k];
    }
    o["registers"] = forced;
    o["set_bits"] = set;
    o["clear_bits"] = clear;
  }
  if (b.action == uint32_t(blob::Action::Hook)) o["hook"] = word(blob::kHooks, b.arg);
  return o;
}

json entry_state(const blob::EntryState& s) {
  return {{"rip", s.rip},
          {"rsp", s.rsp},
          {"rflags", s.rflags},
          {"cr0", s.cr0},
          {"cr3", s.cr3},
          {"cr4", s.cr4},
          {"efer", s.efer},
          {"dr7", s.dr7},
          {"cs", segment(s.cs)},
          {"ss", segment(s.ss)},
          {"ds", segment(s.ds)},
          {"es", segment(s.es)},
          {"fs", segment(s.fs)},
          {"gs", segment(s.gs)},
          {"ldtr", segment(s.ldtr)},
          {"tr", segment(s.tr)},
          {"gdtr", {{"base", s.gdtr.base}, {"limit", s.gdtr.limit}}},
          {"idtr", {{"base", s.idtr.base}, {"limit", s.idtr.limit}}},
          {"activity_state", s.activity_state},
          {"interruptibility_state", s.interruptibility_state}};
}

json guest(const blob::Reader& r, const blob::Guest& g, const std::optional<model::Target>& target) {
  json o;
  o["name"] = r.string(g.name);
  json cpus = json::array();
  for (int c = 0; c < 64; ++c)
    if (g.cpu_mask & (1ull << c)) cpus.push_back(c);
  o["cpus"] = cpus;
  o["vcpus"] = g.vcpu_count > 1 ? g.vcpu_count : 1;
  o["mode"] = word(blob::kGuestModes, g.mode);
  json memory = json::array();
  for (uint32_t i = 0; i < g.region_count; ++i) memory.push_back(region(r, r.region(g.first_region + i)));
  o["memory"] = memory;
  o["controls"] = controls(g, target);
  json exceptions = json::array();
  for (const auto& x : arch::kExceptions)
    if (g.exception_bitmap & (1u << x.vector)) exceptions.push_back(x.mnemonic);
  o["exception_bitmap"] = {{"value", g.exception_bitmap}, {"exceptions", exceptions}};
  json ranges = json::array();
  for (uint32_t i = 0; i < g.io_range_count; ++i) {
    const blob::IoRange& x = r.io_range(g.first_io_range + i);
    ranges.push_back({{"first_port", x.first_port}, {"last_port", x.last_port}, {"pass", (x.flags & blob::kIoPass) != 0}});
  }
  o["io"] = {{"denied", (g.flags & blob::kGuestIoDeniedIgnore) ? "ignore" : "stop"}, {"ranges", ranges}};
  json grants = json::array();
  for (uint32_t i = 0; i < g.msr_grant_count; ++i) {
    const blob::MsrGrant& t = r.msr_grant(g.first_msr_grant + i);
    grants.push_back({{"msr", t.msr},
                      {"name", msr_name(t.msr)},
                      {"pass_read", (t.flags & blob::kPassRead) != 0},
                      {"pass_write", (t.flags & blob::kPassWrite) != 0},
                      {"emulate_read", (t.flags & blob::kEmulateRead) != 0},
                      {"emulate_write", (t.flags & blob::kEmulateWrite) != 0}});
  }
  o["msr"] = grants;
  o["vm_entry_msr_load"] = msr_list(r, g.entry_msr_load_first, g.entry_msr_load_count);
  o["vm_exit_msr_store"] = msr_list(r, g.exit_msr_store_first, g.exit_msr_store_count);
  o["vm_exit_msr_load"] = msr_list(r, g.exit_msr_load_first, g.exit_msr_load_count);
  o["cr"] = {{"cr0_guest_host_mask", g.cr0_guest_host_mask},
             {"cr0_read_shadow", g.cr0_read_shadow},
             {"cr4_guest_host_mask", g.cr4_guest_host_mask},
             {"cr4_read_shadow", g.cr4_read_shadow},
             {"cr3_target_count", g.cr3_target_count}};
  if (g.timer_action)
    o["preemption_timer"] = {{"value", g.preemption_timer_value},
                             {"action", word(blob::kTimerActions, g.timer_action)},
                             {"watchdog_slices", g.watchdog_slices}};
  else
    o["preemption_timer"] = nullptr;
  json on_exit = json::array();
  for (uint32_t i = 0; i < g.behaviour_count; ++i) on_exit.push_back(behaviour(r.behaviour(g.first_behaviour + i)));
  o["on_exit"] = on_exit;
  json inject = json::array();
  for (uint32_t i = 0; i < g.event_count; ++i) {
    const blob::Event& e = r.event(g.first_event + i);
    inject.push_back({{"interruption_information", e.interruption_info},
                      {"error_code", e.error_code},
                      {"instruction_length", e.instruction_length}});
  }
  o["inject"] = inject;
  json irqs = json::array();
  for (int irq = 0; irq < 16; ++irq)
    if (g.forwarded_irqs & (1u << irq)) irqs.push_back(irq);
  o["forwarded_irqs"] = irqs;
  if (g.flags & blob::kGuestMapOnDemand)
    o["map_on_demand"] = {{"limit", g.map_on_demand_limit}, {"pages", g.map_on_demand_pages}};
  else
    o["map_on_demand"] = nullptr;
  // guests[].devices: the isa-debug-exit port (0: none), fw_cfg with what it reports, the virtual local APIC
  // and whether it offers x2APIC mode, the 8259 pair and the 8254.
  o["devices"] = {{"exit_port", g.exit_port ? json(g.exit_port) : json(nullptr)},
                  {"fw_cfg", (g.devices & blob::kDeviceFwCfg)
                                 ? json({{"ram_size", g.fw_cfg_ram_size}, {"cpu_count", g.fw_cfg_cpu_count}})
                                 : json(nullptr)},
                  {"local_apic", bool(g.devices & blob::kDeviceLocalApic)},
                  {"local_apic_x2apic", bool(g.devices & blob::kDeviceLocalApicX2apic)},
                  {"pic", bool(g.devices & blob::kDevicePic)},
                  {"pit", bool(g.devices & blob::kDevicePit)}};
  o["entry"] = entry_state(g.entry);
  return o;
}
}  // namespace

std::optional<nlohmann::ordered_json> inspect_document(const std::vector<uint8_t>& bytes, std::string& error) {
  blob::Reader r;
  const blob::Status st = r.verify(bytes.data(), bytes.size());
  if (!st.ok) {
    error = std::string(st.reason) + " (detail " + hex(st.detail) + ")";
    return std::nullopt;
  }
  const blob::Header& h = r.header();
  const blob::Appliance& a = r.appliance();
  json doc;
  doc["blob"] = {{"format_version", h.format_version}, {"total_size", h.total_size}, {"crc32c", h.crc32c}, {"sections", h.section_count}};
  doc["appliance"] = {{"name", r.string(a.name)},
                      {"target", r.string(a.target)},
                      {"min_cpus", a.min_cpus},
                      {"console_port", a.console_port},
                      {"print_capabilities", (a.flags & blob::kPrintCapabilities) != 0},
                      {"dump_debug_ring", (a.flags & blob::kDumpDebugRing) != 0}};
  json images = json::array();
  for (uint32_t i = 0; i < r.image_count(); ++i) {
    const blob::Image& img = r.image(i);
    // The bytes' CRC, so that diff sees an image rebuilt with the same size.
    images.push_back({{"name", r.string(img.name)}, {"size", img.size}, {"format", word(blob::kImageFormats, img.format)},
                      {"entry_point", img.entry_point}, {"crc32c", blob::crc32c_update(0, r.image_data(img), img.size)}});
  }
  doc["images"] = images;
  std::string err;
  const auto target = parse::load_target(r.string(a.target), err);
  json guests = json::array();
  for (uint32_t i = 0; i < r.guest_count(); ++i) guests.push_back(guest(r, r.guest(i), target));
  doc["guests"] = guests;
  return doc;
}

}  // namespace configgen::commands
