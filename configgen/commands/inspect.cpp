#include "commands/inspect.h"

#include "arch/vmx_capabilities.h"
#include "arch/vmx_table.h"
#include "blob/reader.h"
#include "blob/vocabulary.h"
#include "model/target.h"
#include "parse/target_file.h"

namespace configgen::commands {
namespace {
// The words of blob/vocabulary.def; "?" for a value the table does not hold.
template <typename E, uint32_t N>
const char* word(const blob::Word<E> (&table)[N], uint32_t value) {
  const char* w = blob::word_of(table, value);
  return w ? w : "?";
}
const char* mode_name(uint32_t m) { return word(blob::kGuestModes, m); }
const char* region_kind(uint32_t k) { return word(blob::kRegionKinds, k); }
std::string perm(uint32_t p) {
  std::string s;
  s += p & 1 ? 'r' : '-';
  s += p & 2 ? 'w' : '-';
  s += p & 4 ? 'x' : '-';
  return s;
}
const char* action_name(uint32_t a) { return word(blob::kActions, a); }
std::string msr_name(uint32_t n) {
  const char* id = arch::msr_ident(n);
  return id ? std::string(id) + " (" + hex(n) + ")" : hex(n);
}
void segment(Item& parent, const char* name, const blob::Segment& s) {
  Item& it = parent.add(name);
  it.add("selector", hex(s.selector));
  it.add("base", hex(s.base));
  it.add("limit", hex(s.limit));
  it.add("access_rights", hex(s.access_rights) + (s.access_rights & 0x10000 ? " (unusable)" : ""));
}

void describe_guest(const blob::Reader& r, const blob::Guest& g, const std::optional<model::Target>& target, Item& out) {
  Item& gi = out.add(r.string(g.name));
  std::string cpus;
  for (int c = 0; c < 64; ++c)
    if (g.cpu_mask & (1ull << c)) cpus += (cpus.empty() ? "" : ", ") + std::to_string(c);
  gi.add("cpus", cpus);
  gi.add("vcpus", std::to_string(g.vcpu_count > 1 ? g.vcpu_count : 1));
  gi.add("mode", mode_name(g.mode));
  Item& regions = gi.list("memory");
  for (uint32_t i = 0; i < g.region_count; ++i) {
    const blob::Region& reg = r.region(g.first_region + i);
    std::string v = hex(reg.gpa) + "-" + hex(reg.gpa + reg.size - 1) + " " + region_kind(reg.kind) + " " + perm(reg.permissions) +
                    " type " + std::to_string(reg.memory_type) + " pages<=" + hex(reg.page_size);
    if (reg.kind == uint32_t(blob::RegionKind::Image)) v += " image " + std::string(r.string(r.image(reg.image).name));
    if (reg.kind == uint32_t(blob::RegionKind::Passthrough)) v += " hpa " + hex(reg.hpa);
    regions.add("", v);
  }
  Item& controls = gi.add("controls");
  for (uint32_t w = 0; w < arch::kControlWordCount; ++w) {
    Item& word = controls.add(arch::kControlWords[w].profile_key);
    word.add("requested", hex(g.controls[w]));
    if (target) {
      const arch::ControlFit fit = arch::fit_control(g.controls[w], target->caps.control_msr(arch::ControlWord(w)));
      word.add("on " + target->name, hex(fit.value));
    }
    Item& names = word.list("named");
    for (const auto& c : arch::kControlBits)
      if (uint32_t(c.control.word) == w && (g.controls[w] & c.control.mask()))
        names.add("", std::string(c.profile_name) + " (" + c.sdm_name + ", bit " + std::to_string(c.control.bit) + ")");
  }
  std::string exc;
  for (const auto& x : arch::kExceptions)
    if (g.exception_bitmap & (1u << x.vector)) exc += (exc.empty() ? "#" : " #") + std::string(x.mnemonic);
  gi.add("exception_bitmap", hex(g.exception_bitmap) + (exc.empty() ? "" : " (" + exc + ")"));
  Item& io = gi.list("io");
  io.add("", std::string("default trap; denied accesses ") + (g.flags & blob::kGuestIoDeniedIgnore ? "ignored" : "stop the guest"));
  for (uint32_t i = 0; i < g.io_range_count; ++i) {
    const blob::IoRange& x = r.io_range(g.first_io_range + i);
    io.add("", hex(x.first_port) + "-" + hex(x.last_port) + (x.flags & blob::kIoPass ? " pass" : " trap"));
  }
  Item& msr = gi.list("msr");
  for (uint32_t i = 0; i < g.msr_grant_count; ++i) {
    const blob::MsrGrant& t = r.msr_grant(g.first_msr_grant + i);
    msr.add("", msr_name(t.msr) + (t.flags & blob::kPassRead ? " pass-read" : "") + (t.flags & blob::kPassWrite ? " pass-write" : "") +
                    (t.flags & blob::kEmulateRead ? " emulate-read" : "") + (t.flags & blob::kEmulateWrite ? " emulate-write" : ""));
  }
  auto list = [&](const char* name, uint32_t first, uint32_t count) {
    Item& l = gi.list(name);
    for (uint32_t i = 0; i < count; ++i) {
      const blob::MsrEntry& e = r.msr_entry(first + i);
      l.add("", msr_name(e.index) + " = " + hex(e.value));
    }
  };
  list("vm_entry_msr_load", g.entry_msr_load_first, g.entry_msr_load_count);
  list("vm_exit_msr_store", g.exit_msr_store_first, g.exit_msr_store_count);
  list("vm_exit_msr_load", g.exit_msr_load_first, g.exit_msr_load_count);
  Item& cr = gi.add("cr");
  cr.add("cr0_guest_host_mask", hex(g.cr0_guest_host_mask));
  cr.add("cr0_read_shadow", hex(g.cr0_read_shadow));
  cr.add("cr4_guest_host_mask", hex(g.cr4_guest_host_mask));
  cr.add("cr4_read_shadow", hex(g.cr4_read_shadow));
  cr.add("cr3_target_count", std::to_string(g.cr3_target_count));
  if (g.timer_action) {
    Item& t = gi.add("preemption_timer");
    t.add("value", std::to_string(g.preemption_timer_value));
    t.add("action", word(blob::kTimerActions, g.timer_action));
    t.add("watchdog_slices", std::to_string(g.watchdog_slices));
  }
  Item& beh = gi.list("on_exit");
  for (uint32_t i = 0; i < g.behaviour_count; ++i) {
    const blob::Behaviour& b = r.behaviour(g.first_behaviour + i);
    std::string sel;
    if (b.kind == uint32_t(blob::BehaviourKind::ExitReason)) {
      const arch::ExitReasonInfo* e = arch::find_exit_reason(b.selector);
      sel = e ? std::string(e->profile_name) + " (exit reason " + std::to_string(b.selector) + ")" : "exit " + std::to_string(b.selector);
    } else {
      const arch::ExceptionInfo* x = arch::find_exception(b.selector);
      sel = x ? std::string("#") + x->mnemonic + " (vector " + std::to_string(b.selector) + ")" : "vector " + std::to_string(b.selector);
    }
    std::string v = sel + ": " + action_name(b.action);
    if (b.action == uint32_t(blob::Action::Override)) {
      v += " leaf " + hex(b.arg);
      static const char* regs[] = {"eax", "ebx", "ecx", "edx"};
      for (int k = 0; k < 4; ++k) {
        if (b.clear_bits[k]) v += std::string(" ") + regs[k] + "&=~" + hex(b.clear_bits[k]);
        if (b.set_bits[k]) v += std::string(" ") + regs[k] + "|=" + hex(b.set_bits[k]);
        if (b.reg_mask & (1u << k)) v += std::string(" ") + regs[k] + "=" + hex(b.values[k]);
      }
    }
    if (b.action == uint32_t(blob::Action::Hook)) v += " hook " + std::string(word(blob::kHooks, b.arg));
    beh.add("", v);
  }
  Item& ev = gi.list("inject");
  for (uint32_t i = 0; i < g.event_count; ++i) {
    const blob::Event& e = r.event(g.first_event + i);
    ev.add("", "interruption-information " + hex(e.interruption_info) + " error-code " + hex(e.error_code) + " length " +
                   std::to_string(e.instruction_length));
  }
  if (g.forwarded_irqs) gi.add("forwarded_irqs", hex(g.forwarded_irqs));
  if (g.flags & blob::kGuestMapOnDemand)
    gi.add("map_on_demand", "below " + hex(g.map_on_demand_limit) + ", " + std::to_string(g.map_on_demand_pages) + " pages");
  const blob::EntryState& s = g.entry;
  Item& en = gi.add("entry");
  en.add("rip", hex(s.rip));
  en.add("rsp", hex(s.rsp));
  en.add("rflags", hex(s.rflags));
  en.add("cr0", hex(s.cr0));
  en.add("cr3", hex(s.cr3));
  en.add("cr4", hex(s.cr4));
  en.add("efer", hex(s.efer));
  en.add("dr7", hex(s.dr7));
  segment(en, "cs", s.cs);
  segment(en, "ss", s.ss);
  segment(en, "ds", s.ds);
  segment(en, "es", s.es);
  segment(en, "fs", s.fs);
  segment(en, "gs", s.gs);
  segment(en, "ldtr", s.ldtr);
  segment(en, "tr", s.tr);
  en.add("gdtr", hex(s.gdtr.base) + " limit " + hex(s.gdtr.limit));
  en.add("idtr", hex(s.idtr.base) + " limit " + hex(s.idtr.limit));
  en.add("activity_state", std::to_string(s.activity_state));
  en.add("interruptibility_state", hex(s.interruptibility_state));
}
}  // namespace

bool describe_blob(const std::vector<uint8_t>& bytes, Item& out, std::string& error) {
  blob::Reader r;
  const blob::Status st = r.verify(bytes.data(), bytes.size());
  if (!st.ok) {
    error = std::string(st.reason) + " (detail " + hex(st.detail) + ")";
    return false;
  }
  const blob::Header& h = r.header();
  Item& hd = out.add("blob");
  hd.add("format_version", std::to_string(h.format_version));
  hd.add("total_size", std::to_string(h.total_size));
  hd.add("crc32c", hex(h.crc32c));
  hd.add("sections", std::to_string(h.section_count));
  const blob::Appliance& a = r.appliance();
  Item& ap = out.add("appliance");
  ap.add("name", r.string(a.name));
  ap.add("target", r.string(a.target));
  ap.add("min_cpus", std::to_string(a.min_cpus));
  ap.add("console_port", hex(a.console_port));
  ap.add("print_capabilities", a.flags & blob::kPrintCapabilities ? "yes" : "no");
  ap.add("dump_debug_ring", a.flags & blob::kDumpDebugRing ? "yes" : "no");
  Item& images = out.list("images");
  for (uint32_t i = 0; i < r.image_count(); ++i) {
    const blob::Image& img = r.image(i);
    images.add("", std::string(r.string(img.name)) + ": " + std::to_string(img.size) + " bytes");
  }
  std::string err;
  const auto target = parse::load_target(r.string(a.target), err);
  Item& guests = out.add("guests");
  for (uint32_t i = 0; i < r.guest_count(); ++i) describe_guest(r, r.guest(i), target, guests);
  return true;
}

}  // namespace configgen::commands
