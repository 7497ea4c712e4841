#include "parse/profile_reader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "arch/registers.h"
#include "arch/vmx_table.h"
#include "model/keys.h"
#include "model/vocabulary.h"
#include "parse/kernel_image.h"
#include "parse/scalars.h"
#include "parse/tree.h"

namespace configgen::parse {
namespace {
using model::SourceLoc;

// Which hooks each place accepts, and which outcomes are ends.
bool kEptHooks(blob::HookId h) { return model::is_ept_hook(h); }
bool kExitHooks(blob::HookId h) { return model::is_exit_hook(h); }
bool kEnds(blob::Outcome o) { return o != blob::Outcome::None; }

class Reader {
 public:
  Reader(Tree& tree, Diagnostics& d, const ReadOptions& o, std::string dir)
      : tree_(tree), diags_(d), sc_(d), options_(o), dir_(std::move(dir)) {}

  void read(const Node* root, model::Profile& p);

 private:
  // Reports keys of `n` that the table does not list under `path`.
  void check_keys(const Node* n, const std::string& path);
  bool expect_map(const Node* n, const char* what);
  bool expect_list(const Node* n, const char* what);
  void read_appliance(const Node* n, model::Profile& p);
  void read_images(const Node* n, model::Profile& p);
  void read_guest(const Node* n, model::Guest& g, size_t index);
  void read_memory(const Node* n, model::Guest& g);
  void read_regions(const Node* n, const char* path, std::vector<model::Region>& out);
  void read_ept(const Node* n, model::Guest& g);
  void read_entry(const Node* n, model::Guest& g);
  void read_controls(const Node* n, model::Guest& g);
  void read_devices(const Node* n, model::Guest& g);
  void read_local_apic(const Node* n, model::Guest& g);
  void resolve_kernel(model::Profile& p, model::Guest& g);
  void read_exceptions(const Node* n, model::Guest& g);
  void read_io(const Node* n, model::Guest& g);
  void read_msr(const Node* n, model::Guest& g);
  void read_cr(const Node* n, model::Guest& g);
  void read_timer(const Node* n, model::Guest& g);
  void read_interrupts(const Node* n, model::Guest& g);
  void read_inject(const Node* n, model::Guest& g);
  void read_on_exit(const Node* n, model::Guest& g);
  void read_expect(const Node* n, const std::string& default_guest, std::vector<model::Expectation>& out);
  std::vector<model::MsrValue> read_msr_list(const Node* n, bool with_values);
  std::optional<std::pair<uint32_t, uint32_t>> port_range(const Node* n);
  std::string resolve_path(const std::string& file) const;

  // One word of a vocabulary table (blob/vocabulary.def), converted once
  // here; an unknown word is reported with the allowed ones and the closest.
  template <typename E, uint32_t N>
  std::optional<E> word(const Node* n, const blob::Word<E> (&table)[N], const char* what, const char* rule,
                        bool (*allowed)(E) = nullptr) {
    std::vector<std::string> words;
    std::vector<E> values;
    for (const auto* w : model::profile_entries(table))
      if (!allowed || allowed(w->value)) words.push_back(w->word), values.push_back(w->value);
    if (auto i = sc_.choice(n, words, what, rule)) return values[*i];
    return std::nullopt;
  }

  Tree& tree_;
  Diagnostics& diags_;
  Scalars sc_;
  const ReadOptions& options_;
  std::string dir_;
  const Node* templates_ = nullptr;
};

void Reader::check_keys(const Node* n, const std::string& path) {
  if (!n || !n->is_map()) return;
  const auto& kids = model::children_of(path);
  std::vector<std::string> names;
  for (const auto* k : kids) {
    std::string p = k->path;
    names.push_back(p.substr(p.rfind('.') + 1));
  }
  const bool any = std::find(names.begin(), names.end(), "*") != names.end();
  if (any) return;
  for (const auto& e : n->map) {
    if (std::find(names.begin(), names.end(), e.key) != names.end()) continue;
    const std::string near = closest(e.key, names);
    diags_.error(e.key_loc, "unknown-key", "unknown key '" + e.key + "'" + (path.empty() ? "" : " in " + path),
                 near.empty() ? "" : "did you mean '" + near + "'?");
  }
}

bool Reader::expect_map(const Node* n, const char* what) {
  if (n->is_map()) return true;
  diags_.error(n->loc, "type", std::string(what) + " must be a map");
  return false;
}
bool Reader::expect_list(const Node* n, const char* what) {
  if (n->is_list()) return true;
  diags_.error(n->loc, "type", std::string(what) + " must be a list");
  return false;
}

std::string Reader::resolve_path(const std::string& file) const {
  std::string f = file;
  const std::string token = "${build}";
  if (auto at = f.find(token); at != std::string::npos) f.replace(at, token.size(), options_.build_dir);
  std::filesystem::path p(f);
  if (p.is_relative()) p = std::filesystem::path(dir_) / p;
  return p.lexically_normal().string();
}

void Reader::read(const Node* root, model::Profile& p) {
  check_keys(root, "");
  templates_ = root->get("templates");
  if (templates_ && expect_map(templates_, "templates"))
    for (const auto& t : templates_->map) check_keys(t.value, "guests[]");
  if (const Node* a = root->get("appliance")) read_appliance(a, p);
  else diags_.error(root->loc, "missing-key", "a profile needs appliance: (at least its name and target)",
                    "start with `appliance: {name: NAME, target: bochs-tigerlake}`");
  if (const Node* i = root->get("images")) read_images(i, p);
  if (const Node* g = root->get("guests"); g && expect_list(g, "guests")) {
    for (size_t i = 0; i < g->list.size(); ++i) {
      p.guests.emplace_back();
      read_guest(g->list[i], p.guests.back(), i);
    }
  }
  for (auto& guest : p.guests) resolve_kernel(p, guest);
}

void Reader::read_appliance(const Node* n, model::Profile& p) {
  if (!expect_map(n, "appliance")) return;
  check_keys(n, "appliance");
  for (const auto& e : n->map) {
    const Node* v = e.value;
    if (e.key == "name") { if (auto s = sc_.string(v, "appliance.name")) p.name = *s; }
    else if (e.key == "target") { if (auto s = sc_.string(v, "appliance.target")) p.target = *s, p.target_loc = v->loc; }
    else if (e.key == "min_cpus") { if (auto x = sc_.integer(v, "min_cpus", 64)) p.min_cpus = uint32_t(*x); }
    else if (e.key == "console_port") {
      if (auto x = sc_.integer(v, "console_port", 0xFFFF)) p.console_port = uint16_t(*x), p.console_port_loc = v->loc;
    }
    else if (e.key == "log_level") { if (auto x = sc_.integer(v, "log_level", 4)) p.log_level = uint32_t(*x); }
    else if (e.key == "print_capabilities") { if (auto b = sc_.boolean(v, "print_capabilities")) p.print_capabilities = *b; }
    else if (e.key == "dump_debug_ring") { if (auto b = sc_.boolean(v, "dump_debug_ring")) p.dump_debug_ring = *b; }
    else if (e.key == "expect") read_expect(v, "", p.expect);
  }
}

void Reader::read_images(const Node* n, model::Profile& p) {
  if (!expect_map(n, "images")) return;
  for (const auto& e : n->map) {
    model::Image img;
    img.name = e.key;
    img.loc = e.key_loc;
    if (!expect_map(e.value, "an image")) continue;
    check_keys(e.value, "images.*");
    for (const auto& f : e.value->map) {
      if (f.key == "file") { if (auto s = sc_.string(f.value, "file")) img.file = resolve_path(*s); }
      else if (f.key == "format") {
        if (auto w = word(f.value, blob::kImageFormats, "image format", "unknown-format")) img.format = *w;
      } else if (f.key == "load_address") img.load_address = sc_.integer(f.value, "load_address");
    }
    if (img.file.empty()) {
      diags_.error(e.key_loc, "missing-key", "image '" + e.key + "' has no file");
      continue;
    }
    std::error_code ec;
    std::ifstream in;
    if (std::filesystem::is_regular_file(img.file, ec)) in.open(img.file, std::ios::binary);
    // A default-constructed stream is not in a failed state: test is_open, or a
    // missing file would silently become an empty image.
    if (!in.is_open() || !in) {
      // ${build} comes from the data configgen found or --build-dir: say which.
      const bool from_build = e.value->get("file")->scalar.find("${build}") != std::string::npos;
      diags_.error(e.value->get("file")->loc, "io", "cannot read image file " + img.file,
                   from_build ? "${build} is " + options_.build_dir +
                                    " (--build-dir, else the guest images of the data configgen found: `configgen paths`); "
                                    "build the guest images first (make), or fix the path"
                              : "build the guest images first (make), or fix the path");
      p.images[e.key] = std::move(img);  // known, so regions naming it are not reported twice
      continue;
    }
    img.bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::string why;
    img.multiboot = find_multiboot_header(img.bytes, why);
    if (!why.empty()) diags_.error(e.value->get("file")->loc, "multiboot-header", "image '" + e.key + "': " + why);
    if (img.format == blob::ImageFormat::Elf) {
      const Node* at = e.value->get("format");
      if (auto loaded = load_elf(img.bytes, why)) {
        img.bytes = std::move(loaded->bytes);
        img.placement = loaded->placement;
        img.entry_point = loaded->entry_point;
      } else {
        diags_.error(at ? at->loc : e.key_loc, "elf-image", "image '" + e.key + "' (" + img.file + "): " + why,
                     "give an ELF executable (gcc/ld output), or say format: flat for raw bytes");
      }
    }
    p.images[e.key] = std::move(img);
  }
}

void Reader::read_guest(const Node* raw, model::Guest& g, size_t index) {
  if (!expect_map(raw, "a guest")) return;
  const Node* n = raw;
  if (const Node::Entry* ext = raw->entry("extends")) {
    const Node* base = templates_ && ext->value->is_scalar() ? templates_->get(ext->value->scalar) : nullptr;
    if (!base) {
      std::vector<std::string> names;
      if (templates_)
        for (const auto& t : templates_->map) names.push_back(t.key);
      const std::string near = ext->value->is_scalar() ? closest(ext->value->scalar, names) : "";
      diags_.error(ext->value->loc, "unknown-template", "no template named '" + ext->value->scalar + "'",
                   near.empty() ? "" : "did you mean '" + near + "'?");
    } else {
      n = tree_.merge(base, raw);
    }
  }
  check_keys(n, "guests[]");
  g.loc = raw->loc;
  g.name = "guest" + std::to_string(index);
  for (const auto& e : n->map) {
    const Node* v = e.value;
    const std::string& k = e.key;
    if (k == "name") { if (auto s = sc_.string(v, "name")) g.name = *s; }
    else if (k == "cpus") {
      if (expect_list(v, "cpus"))
        for (const Node* c : v->list)
          if (auto x = sc_.integer(c, "a CPU number", 63)) g.cpus.push_back({uint32_t(*x), c->loc});
    } else if (k == "vcpus") {
      if (auto x = sc_.integer(v, "vcpus", blob::kMaxVcpusPerGuest)) g.vcpus = uint32_t(*x), g.vcpus_loc = v->loc;
    } else if (k == "memory") read_memory(v, g);
    else if (k == "ept") read_ept(v, g);
    else if (k == "entry") read_entry(v, g);
    else if (k == "controls") read_controls(v, g);
    else if (k == "exceptions") read_exceptions(v, g);
    else if (k == "io") read_io(v, g);
    else if (k == "msr") read_msr(v, g);
    else if (k == "cr") read_cr(v, g);
    else if (k == "preemption_timer") read_timer(v, g);
    else if (k == "interrupts") read_interrupts(v, g);
    else if (k == "inject") read_inject(v, g);
    else if (k == "on_exit") read_on_exit(v, g);
    else if (k == "bench") {
      if (expect_map(v, "bench")) {
        check_keys(v, "guests[].bench");
        if (const Node* f = v->get("exit_floor_stub"))
          if (auto b = sc_.boolean(f, "exit_floor_stub")) g.exit_floor_stub = *b;
        if (const Node* f = v->get("fast_path"))
          if (auto b = sc_.boolean(f, "fast_path")) g.fast_path = *b;
      }
    } else if (k == "devices") read_devices(v, g);
    else if (k == "vpid") { if (auto x = sc_.integer(v, "vpid", 0xFFFF)) g.vpid = uint16_t(*x); }
    else if (k == "tsc_offset") { if (auto x = sc_.integer(v, "tsc_offset")) g.tsc_offset = *x; }
    else if (k == "undelivered_controls") {
      if (auto i = sc_.choice(v, {"refuse", "run"}, "undelivered_controls", "unknown-undelivered-controls"))
        g.run_undelivered_controls = *i == 1;
    }
  }
  if (const Node* ex = n->get("expect")) read_expect(ex, g.name, g.expect);
}

void Reader::read_memory(const Node* n, model::Guest& g) { read_regions(n, "guests[].memory[]", g.memory); }

void Reader::read_regions(const Node* n, const char* path, std::vector<model::Region>& out) {
  if (!expect_list(n, "memory")) return;
  for (const Node* r : n->list) {
    if (!expect_map(r, "a memory region")) continue;
    check_keys(r, path);
    model::Region reg;
    reg.loc = r->loc;
    bool have_gpa = false, have_size = false;
    for (const auto& e : r->map) {
      const Node* v = e.value;
      if (e.key == "gpa") {
        have_gpa = true;
        if (auto x = sc_.size(v, "gpa")) reg.gpa = {*x, v->loc};
        else reg.malformed = true;
      } else if (e.key == "size") {
        have_size = true;
        if (auto x = sc_.size(v, "size")) reg.size = {*x, v->loc};
        else reg.malformed = true;
      }
      else if (e.key == "kind") {
        if (auto w = word(v, blob::kRegionKinds, "region kind", "unknown-region-kind")) reg.kind = *w;
      } else if (e.key == "image") { if (auto s = sc_.string(v, "image")) reg.image = *s; }
      else if (e.key == "image_offset") { if (auto x = sc_.size(v, "image_offset")) reg.image_offset = *x; }
      else if (e.key == "hpa") { if (auto x = sc_.size(v, "hpa")) reg.hpa = *x; }
      else if (e.key == "perm") { if (auto p = sc_.permissions(v)) reg.permissions = *p; }
      else if (e.key == "memory_type") {
        static const std::vector<std::string> types = [] {
          std::vector<std::string> w;
          for (const auto& t : model::kMemoryTypes) w.push_back(t.word);
          return w;
        }();
        if (auto i = sc_.choice(v, types, "memory type", "unknown-memory-type")) reg.memory_type = model::kMemoryTypes[*i].value;
      } else if (e.key == "page_size") { if (auto x = sc_.size(v, "page_size")) reg.page_size = *x; }
    }
    if (!have_gpa) diags_.error(r->loc, "missing-key", "a memory region needs gpa");
    if (!have_size) diags_.error(r->loc, "missing-key", "a memory region needs size");
    if (!have_gpa || !have_size) reg.malformed = true;
    if (reg.kind == blob::RegionKind::Image && reg.image.empty()) diags_.error(r->loc, "missing-key", "an image region needs image");
    if (!reg.image.empty() && reg.kind == blob::RegionKind::Ram) reg.kind = blob::RegionKind::Image;
    out.push_back(reg);
  }
}

void Reader::read_ept(const Node* n, model::Guest& g) {
  if (!expect_map(n, "ept")) return;
  check_keys(n, "guests[].ept");
  for (const auto& e : n->map) {
    const Node* v = e.value;
    if (e.key == "accessed_dirty") { if (auto b = sc_.boolean(v, "accessed_dirty")) g.accessed_dirty = *b; }
    else if (e.key == "max_page_size") { if (auto x = sc_.size(v, "max_page_size")) g.max_page_size = *x; }
    else if (e.key == "map_on_demand") {
      if (!expect_map(v, "map_on_demand")) continue;
      check_keys(v, "guests[].ept.map_on_demand");
      if (const Node* l = v->get("limit")) g.map_on_demand_limit = sc_.size(l, "limit");
      if (const Node* p = v->get("pages"))
        if (auto x = sc_.integer(p, "pages", 4096)) g.map_on_demand_pages = uint32_t(*x);
      if (!g.map_on_demand_limit) diags_.error(v->loc, "missing-key", "map_on_demand needs limit");
    } else if (e.key == "alternate") {
      read_regions(v, "guests[].ept.alternate[]", g.ept_alternate);
    } else if (e.key == "hooks") {
      if (!expect_list(v, "hooks")) continue;
      for (const Node* h : v->list) {
        if (!expect_map(h, "an EPT hook")) continue;
        check_keys(h, "guests[].ept.hooks[]");
        model::EptHook hook;
        hook.loc = h->loc;
        if (const Node* x = h->get("gpa")) hook.gpa = sc_.size(x, "gpa").value_or(0);
        if (const Node* x = h->get("hook")) {
          if (auto w = word(x, blob::kHooks, "EPT hook", "unknown-hook", kEptHooks)) hook.hook = *w;
        } else {
          diags_.error(h->loc, "missing-key", "an EPT hook needs hook");
        }
        if (const Node* x = h->get("perm")) hook.permissions = sc_.permissions(x).value_or(0);
        g.ept_hooks.push_back(hook);
      }
    }
  }
}

void Reader::read_entry(const Node* n, model::Guest& g) {
  if (!expect_map(n, "entry")) return;
  check_keys(n, "guests[].entry");
  model::Entry& en = g.entry;
  en.loc = n->loc;
  for (const auto& e : n->map) {
    const Node* v = e.value;
    const std::string& k = e.key;
    en.value_locs[k] = v->loc;
    if (k == "mode") {
      if (auto w = word(v, blob::kGuestModes, "entry mode", "unknown-mode")) en.mode = *w;
      en.mode_loc = v->loc;
    } else if (k == "rip") en.rip = sc_.integer(v, "rip");
    else if (k == "rsp") en.rsp = sc_.integer(v, "rsp");
    else if (k == "rflags") en.rflags = sc_.integer(v, "rflags");
    else if (k == "cr0") en.cr0 = sc_.integer(v, "cr0");
    else if (k == "cr3") en.cr3 = sc_.integer(v, "cr3");
    else if (k == "cr4") en.cr4 = sc_.integer(v, "cr4");
    else if (k == "efer") en.efer = sc_.integer(v, "efer");
    else if (k == "page_tables") en.page_tables = sc_.size(v, "page_tables");
    else if (k == "activity_state") en.activity_state = uint32_t(sc_.integer(v, "activity_state", 0xFFFFFFFF).value_or(0));
    else if (k == "interruptibility_state")
      en.interruptibility_state = uint32_t(sc_.integer(v, "interruptibility_state", 0xFFFFFFFF).value_or(0));
    else if (k == "pending_debug_exceptions") en.pending_debug_exceptions = sc_.integer(v, "pending_debug_exceptions").value_or(0);
    else if (k == "kernel") { if (auto s = sc_.string(v, "kernel")) en.kernel = *s, en.kernel_loc = v->loc; }
    else if (k == "cmdline") en.cmdline = sc_.string(v, "cmdline");
    else if (k == "modules") {
      if (!expect_list(v, "modules")) continue;
      for (const Node* m : v->list) {
        model::BootModule mod;
        mod.loc = m->loc;
        if (m->is_scalar()) {
          mod.image = m->scalar;
        } else if (expect_map(m, "a module")) {
          check_keys(m, "guests[].entry.modules[]");
          if (const Node* x = m->get("image")) mod.image = sc_.string(x, "image").value_or("");
          else diags_.error(m->loc, "missing-key", "a module needs image");
          if (const Node* x = m->get("string")) mod.string = sc_.string(x, "string").value_or("");
          else mod.string = mod.image;
        }
        if (m->is_scalar()) mod.string = mod.image;
        en.modules.push_back(mod);
      }
    } else if (k == "regs") {
      if (!expect_map(v, "regs")) continue;
      static const std::vector<std::string> names(std::begin(arch::kGeneralRegisterNames), std::end(arch::kGeneralRegisterNames));
      for (const auto& r : v->map) {
        const Node key = r.key_node();
        if (sc_.choice(&key, names, "register", "unknown-register"))
          if (auto x = sc_.integer(r.value, "register value")) en.regs[r.key] = *x;
      }
    }
  }
}

// A kernel is loaded where it says: an ELF image's segments (read with the
// image), or a flat image's multiboot header addresses (flag 16), which only
// a kernel is read for. Its entry point becomes the default rip.
void Reader::resolve_kernel(model::Profile& p, model::Guest& g) {
  model::Entry& en = g.entry;
  if (en.kernel.empty()) return;
  auto it = p.images.find(en.kernel);
  if (it == p.images.end()) {
    std::vector<std::string> names;
    for (const auto& [name, img] : p.images) names.push_back(name);
    const std::string near = closest(en.kernel, names);
    diags_.error(en.kernel_loc, "unknown-image", "entry.kernel names no image '" + en.kernel + "'",
                 near.empty() ? "" : "did you mean '" + near + "'?");
    return;
  }
  model::Image& img = it->second;
  if (!img.placement && img.format == blob::ImageFormat::Flat && img.multiboot && img.multiboot->has_addresses &&
      !img.bytes.empty()) {
    std::string why;
    if (auto loaded = load_by_header_addresses(img.bytes, *img.multiboot, why)) {
      img.bytes = std::move(loaded->bytes);
      img.placement = loaded->placement;
      img.entry_point = loaded->entry_point;
    } else {
      diags_.error(en.kernel_loc, "multiboot-header", "kernel '" + en.kernel + "': " + why);
    }
  }
  if (!en.rip && img.entry_point) {
    en.rip = *img.entry_point;
    en.value_locs["rip"] = en.kernel_loc;
  }
}

void Reader::read_devices(const Node* n, model::Guest& g) {
  if (!expect_map(n, "devices")) return;
  check_keys(n, "guests[].devices");
  g.devices_loc = n->loc;
  for (const auto& e : n->map) {
    if (e.key == "exit_port") {
      if (auto x = sc_.integer(e.value, "exit_port", 0xFFFF)) g.exit_port = model::Located<uint32_t>{uint32_t(*x), e.value->loc};
    } else if (e.key == "fw_cfg") {
      if (auto b = sc_.boolean(e.value, "fw_cfg")) g.fw_cfg = *b;
    } else if (e.key == "local_apic") {
      read_local_apic(e.value, g);
    } else if (e.key == "acpi") {
      if (auto b = sc_.boolean(e.value, "acpi")) g.acpi = *b;
    } else if (e.key == "pic") {
      if (auto b = sc_.boolean(e.value, "pic")) g.pic = *b;
    } else if (e.key == "pit") {
      if (auto b = sc_.boolean(e.value, "pit")) g.pit = *b;
    }
  }
}

// devices.local_apic: a boolean, or a map of options (the device is on).
void Reader::read_local_apic(const Node* n, model::Guest& g) {
  if (n->kind != Node::Kind::Map) {
    if (auto b = sc_.boolean(n, "local_apic")) g.local_apic = *b;
    return;
  }
  check_keys(n, "guests[].devices.local_apic");
  g.local_apic = true;
  for (const auto& e : n->map)
    if (e.key == "x2apic")
      if (auto b = sc_.boolean(e.value, "x2apic")) g.local_apic_x2apic = *b;
}

void Reader::read_controls(const Node* n, model::Guest& g) {
  if (!expect_map(n, "controls")) return;
  check_keys(n, "guests[].controls");
  for (uint32_t w = 0; w < arch::kControlWordCount; ++w) {
    const char* word = arch::kControlWords[w].profile_key;
    const Node* list = n->get(word);
    if (!list || !expect_list(list, word)) continue;
    std::vector<std::string> names;
    for (const auto& c : arch::kControlBits)
      if (uint32_t(c.control.word) == uint32_t(w)) names.push_back(c.profile_name);
    for (const Node* item : list->list) {
      const std::string rule = "unknown-control";
      if (sc_.choice(item, names, (std::string(word) + " control").c_str(), rule.c_str()))
        g.controls[w].push_back({item->scalar, item->loc});
    }
  }
}

void Reader::read_exceptions(const Node* n, model::Guest& g) {
  if (!expect_map(n, "exceptions")) return;
  check_keys(n, "guests[].exceptions");
  std::vector<std::string> names;
  for (const auto& x : arch::kExceptions) names.push_back(x.mnemonic);
  if (const Node* t = n->get("trap"); t && expect_list(t, "trap"))
    for (const Node* item : t->list)
      if (sc_.choice(item, names, "exception", "unknown-exception")) g.exceptions.push_back({item->scalar, item->loc});
  if (const Node* m = n->get("pfec_mask")) g.pfec_mask = uint32_t(sc_.integer(m, "pfec_mask", 0xFFFFFFFF).value_or(0));
  if (const Node* m = n->get("pfec_match")) g.pfec_match = uint32_t(sc_.integer(m, "pfec_match", 0xFFFFFFFF).value_or(0));
}

std::optional<std::pair<uint32_t, uint32_t>> Reader::port_range(const Node* n) {
  if (!n->is_scalar()) {
    diags_.error(n->loc, "type", "a port is a number or a \"first-last\" range");
    return std::nullopt;
  }
  const auto dash = n->scalar.find('-');
  const auto a = parse_integer(n->scalar.substr(0, dash));
  const auto b = dash == std::string::npos ? a : parse_integer(n->scalar.substr(dash + 1));
  if (!a || !b || *a > 0xFFFF || *b > 0xFFFF || *b < *a) {
    diags_.error(n->loc, "range", "'" + n->scalar + "' is not a port (0-0xFFFF) or an ascending range of ports");
    return std::nullopt;
  }
  return std::make_pair(uint32_t(*a), uint32_t(*b));
}

void Reader::read_io(const Node* n, model::Guest& g) {
  if (!expect_map(n, "io")) return;
  check_keys(n, "guests[].io");
  if (const Node* d = n->get("default"))
    if (auto i = sc_.choice(d, {"trap", "pass"}, "I/O default", "unknown-default"); i && *i == 1)
      diags_.error(d->loc, "default-pass-refused",
                   "io.default: pass is refused: every port not listed would reach the hardware, and one `out` can reset or power off "
                   "the machine (0xCF9, 0x64, 0x92, ACPI PM) or reprogram the host's 8259 and PIT",
                   "list the ports the guest may use under io.pass (\"first-last\" ranges); the hypervisor's own ports cannot be passed");
  if (const Node* d = n->get("on_denied"))
    if (auto i = sc_.choice(d, {"stop", "ignore"}, "io.on_denied", "unknown-on-denied")) g.io_denied_ignore = *i == 1;
  for (const char* which : {"trap", "pass"}) {
    const Node* l = n->get(which);
    if (!l || !expect_list(l, which)) continue;
    for (const Node* item : l->list)
      if (auto r = port_range(item)) {
        auto& out = std::string(which) == "trap" ? g.io_trap : g.io_pass;
        out.push_back({{r->first, item->loc}, {r->second, item->loc}});
      }
  }
}

std::vector<model::MsrValue> Reader::read_msr_list(const Node* n, bool with_values) {
  std::vector<model::MsrValue> out;
  if (!expect_list(n, "an MSR list")) return out;
  for (const Node* item : n->list) {
    model::MsrValue mv;
    mv.loc = item->loc;
    if (with_values) {
      if (!expect_map(item, "an MSR-list entry ({msr, value})")) continue;
      const Node* m = item->get("msr");
      const Node* v = item->get("value");
      if (!m || !v) {
        diags_.error(item->loc, "missing-key", "an MSR-list entry needs msr and value");
        continue;
      }
      for (const auto& e : item->map)
        if (e.key != "msr" && e.key != "value")
          diags_.error(e.key_loc, "unknown-key", "unknown key '" + e.key + "' in an MSR-list entry");
      auto num = sc_.msr(m);
      auto val = sc_.integer(v, "value");
      if (!num || !val) continue;
      mv.msr = *num, mv.value = *val;
    } else {
      auto num = sc_.msr(item);
      if (!num) continue;
      mv.msr = *num;
    }
    out.push_back(mv);
  }
  return out;
}

void Reader::read_msr(const Node* n, model::Guest& g) {
  if (!expect_map(n, "msr")) return;
  check_keys(n, "guests[].msr");
  if (const Node* d = n->get("default"))
    if (auto i = sc_.choice(d, {"trap", "pass"}, "MSR default", "unknown-default"); i && *i == 1)
      diags_.error(d->loc, "default-pass-refused",
                   "msr.default: pass is refused: every MSR not listed would reach the hardware, and a WRMSR can move or disable the "
                   "real local APIC (IA32_APIC_BASE) or send INIT and NMI IPIs to other CPUs (x2APIC ICR, MSR 0x830)",
                   "list the MSRs the guest may use under msr.pass (only MSRs the hypervisor switches per guest), or trap them to the "
                   "hypervisor's emulation with msr.read / msr.write");
  if (const Node* d = n->get("on_denied"))
    if (auto i = sc_.choice(d, {"gp", "stop"}, "msr.on_denied", "unknown-on-denied")) g.msr_denied_stop = *i == 1;
  if (const Node* x = n->get("pass")) g.msr_pass = read_msr_list(x, false);
  if (const Node* x = n->get("read")) g.msr_read = read_msr_list(x, false);
  if (const Node* x = n->get("write")) g.msr_write = read_msr_list(x, false);
  if (const Node* x = n->get("entry_load")) g.entry_msr_load = read_msr_list(x, true);
  if (const Node* x = n->get("exit_store")) g.exit_msr_store = read_msr_list(x, false);
  if (const Node* x = n->get("exit_load")) g.exit_msr_load = read_msr_list(x, true);
}

void Reader::read_cr(const Node* n, model::Guest& g) {
  if (!expect_map(n, "cr")) return;
  check_keys(n, "guests[].cr");
  if (const Node* x = n->get("cr0_mask")) g.cr0_mask = sc_.integer(x, "cr0_mask");
  if (const Node* x = n->get("cr0_shadow")) g.cr0_shadow = sc_.integer(x, "cr0_shadow");
  if (const Node* x = n->get("cr4_mask")) g.cr4_mask = sc_.integer(x, "cr4_mask");
  if (const Node* x = n->get("cr4_shadow")) g.cr4_shadow = sc_.integer(x, "cr4_shadow");
  if (const Node* x = n->get("cr3_targets"); x && expect_list(x, "cr3_targets")) {
    g.cr3_targets_loc = x->loc;
    for (const Node* t : x->list)
      if (auto v = sc_.integer(t, "a CR3-target value")) g.cr3_targets.push_back({*v, t->loc});
  }
}

void Reader::read_timer(const Node* n, model::Guest& g) {
  if (!expect_map(n, "preemption_timer")) return;
  check_keys(n, "guests[].preemption_timer");
  g.timer_loc = n->loc;
  if (const Node* x = n->get("value")) g.timer_value = sc_.integer(x, "value", 0xFFFFFFFF);
  if (const Node* x = n->get("time")) {
    g.timer_seconds = x->is_scalar() ? parse_seconds(x->scalar) : std::nullopt;
    g.timer_time_loc = x->loc;
    if (!g.timer_seconds) diags_.error(x->loc, "type", "time must be a number with a unit: s, ms, us or ns (e.g. 50us)");
  }
  if (const Node* x = n->get("action"))
    if (auto w = word(x, blob::kTimerActions, "timer action", "unknown-timer-action")) g.timer_action = *w;
  if (const Node* x = n->get("watchdog_slices")) g.watchdog_slices = uint32_t(sc_.integer(x, "watchdog_slices", 0xFFFFFFFF).value_or(0));
  if (!g.timer_value && !g.timer_seconds) diags_.error(n->loc, "missing-key", "preemption_timer needs value or time");
}

void Reader::read_interrupts(const Node* n, model::Guest& g) {
  if (!expect_map(n, "interrupts")) return;
  check_keys(n, "guests[].interrupts");
  if (const Node* x = n->get("forward_irqs"); x && expect_list(x, "forward_irqs"))
    for (const Node* i : x->list)
      if (auto v = sc_.integer(i, "an IRQ line", 15)) g.forward_irqs.push_back({uint32_t(*v), i->loc});
  if (const Node* x = n->get("test_scancode")) g.test_scancode = uint32_t(sc_.integer(x, "test_scancode", 0xFF).value_or(0));
  if (const Node* x = n->get("virtual_interrupt")) {
    g.virtual_interrupt = uint32_t(sc_.integer(x, "virtual_interrupt", 0xFF).value_or(0));
    if (g.virtual_interrupt && g.virtual_interrupt < 16)
      diags_.error(x->loc, "range", "virtual interrupt vectors 0-15 are illegal for the local APIC (SDM 10.5.2)");
  }
  if (const Node* x = n->get("tpr_threshold")) {
    g.tpr_threshold = uint32_t(sc_.integer(x, "tpr_threshold", 15).value_or(0));
    g.tpr_threshold_loc = x->loc;
  }
}

void Reader::read_inject(const Node* n, model::Guest& g) {
  if (!expect_list(n, "inject")) return;
  for (const Node* item : n->list) {
    if (!expect_map(item, "an injected event")) continue;
    check_keys(item, "guests[].inject[]");
    model::Event ev;
    ev.loc = item->loc;
    if (const Node* x = item->get("vector")) ev.vector = uint32_t(sc_.integer(x, "vector", 255).value_or(0));
    else diags_.error(item->loc, "missing-key", "an injected event needs vector");
    if (const Node* x = item->get("type"))
      if (auto w = word(x, blob::kEventTypes, "event type", "unknown-event-type")) ev.type = *w;
    if (const Node* x = item->get("error_code")) ev.error_code = uint32_t(sc_.integer(x, "error_code", 0xFFFFFFFF).value_or(0));
    if (const Node* x = item->get("length")) ev.instruction_length = uint32_t(sc_.integer(x, "length", 255).value_or(0));
    g.inject.push_back(ev);
  }
}

void Reader::read_on_exit(const Node* n, model::Guest& g) {
  if (!expect_map(n, "on_exit")) return;
  std::vector<std::string> selectors;
  for (const auto& r : arch::kExitReasons) selectors.push_back(r.profile_name);
  for (const auto& x : arch::kExceptions) selectors.push_back(x.mnemonic);
  for (const auto& e : n->map) {
    const Node key = e.key_node();
    if (!sc_.choice(&key, selectors, "exit reason or exception", "unknown-exit")) continue;
    model::Behaviour b;
    b.selector = e.key;
    b.loc = e.value->loc;
    const Node* action = e.value->is_map() ? e.value->get("action") : e.value;
    if (!action) {
      diags_.error(e.value->loc, "missing-key", "a behaviour map needs action");
      continue;
    }
    if (auto w = word(action, blob::kActions, "action", "unknown-action")) b.action = *w;
    if (e.value->is_map()) {
      static const std::vector<std::string> keys = {"action", "leaf", "subleaf", "eax", "ebx", "ecx", "edx", "hook"};
      for (const auto& f : e.value->map) {
        const Node k2 = f.key_node();
        const auto which = sc_.choice(&k2, keys, "behaviour key", "unknown-key");
        if (!which || *which == 0) continue;
        if (*which == 7) {
          if (auto w = word(f.value, blob::kHooks, "exit hook", "unknown-hook", kExitHooks)) b.hook = *w;
        } else if (*which >= 3 && f.value->is_map()) {
          // A register as bits to set and clear in the answer the guest
          // would get, instead of a whole forced value.
          const int k = *which - 3;
          b.reg_locs[k] = f.value->loc;
          static const std::vector<std::string> bit_keys = {"set", "clear"};
          for (const auto& m : f.value->map) {
            const Node k3 = m.key_node();
            const auto bit = sc_.choice(&k3, bit_keys, "register bits key", "unknown-key");
            if (!bit) continue;
            auto v = sc_.integer(m.value, (f.key + "." + m.key).c_str(), 0xFFFFFFFF);
            if (!v) continue;
            (*bit == 0 ? b.set_bits : b.clear_bits)[k] = uint32_t(*v);
          }
        } else {
          auto v = sc_.integer(f.value, f.key.c_str(), 0xFFFFFFFF);
          if (!v) continue;
          if (*which == 1) b.leaf = uint32_t(*v);
          else if (*which == 2) b.subleaf = uint32_t(*v);
          else b.regs[*which - 3] = uint32_t(*v), b.reg_locs[*which - 3] = f.value->loc;
        }
      }
    }
    g.on_exit.push_back(b);
  }
}

void Reader::read_expect(const Node* n, const std::string& default_guest, std::vector<model::Expectation>& out) {
  if (!expect_list(n, "expect")) return;
  for (const Node* item : n->list) {
    if (!expect_map(item, "an expectation")) continue;
    check_keys(item, "guests[].expect[]");
    model::Expectation x;
    x.loc = item->loc;
    x.guest = default_guest;
    if (const Node* v = item->get("guest")) x.guest = sc_.string(v, "guest").value_or("");
    auto bound = [&](const char* key, std::optional<long>& slot) {
      if (const Node* v = item->get(key))
        if (auto i = sc_.integer(v, key, 1ull << 40)) slot = long(*i);
    };
    std::optional<long> count;
    bound("count", count);
    bound("min", x.min_count);
    bound("max", x.max_count);
    if (count) x.min_count = x.max_count = count;
    if (const Node* v = item->get("serial")) {
      x.kind = model::Expectation::Kind::SerialMatch;
      x.pattern = sc_.string(v, "serial").value_or("");
      if (!item->get("guest")) x.guest.clear();
    } else if (const Node* v2 = item->get("serial_absent")) {
      x.kind = model::Expectation::Kind::SerialAbsent;
      x.pattern = sc_.string(v2, "serial_absent").value_or("");
      if (!item->get("guest")) x.guest.clear();
    } else if (const Node* v3 = item->get("ends")) {
      x.kind = model::Expectation::Kind::GuestEnd;
      if (auto w = word(v3, blob::kOutcomes, "outcome", "unknown-outcome", kEnds)) x.outcome = model::word(blob::kOutcomes, *w);
      if (const Node* c = item->get("code")) {
        if (auto i = sc_.integer(c, "code", 0xFFFFFFFF)) x.exit_code = long(*i);
        if (x.outcome != "exited")
          diags_.error(c->loc, "code-needs-exited", "an exit code is only reported for `ends: exited`");
      }
    } else if (const Node* v4 = item->get("exit")) {
      x.kind = model::Expectation::Kind::ExitCount;
      std::vector<std::string> names;
      for (const auto& r : arch::kExitReasons) names.push_back(r.profile_name);
      if (sc_.choice(v4, names, "exit reason", "unknown-exit")) x.exit_reason = v4->scalar;
      if (!x.min_count && !x.max_count) x.min_count = 1;
    } else {
      diags_.error(item->loc, "missing-key", "an expectation needs serial, serial_absent, ends or exit");
      continue;
    }
    if ((x.kind == model::Expectation::Kind::GuestEnd || x.kind == model::Expectation::Kind::ExitCount) && x.guest.empty())
      diags_.error(item->loc, "missing-key", "this expectation needs guest");
    out.push_back(x);
  }
}
}  // namespace

bool read_profile(const std::string& path, const ReadOptions& options, model::Profile& out, Diagnostics& diags) {
  Tree tree;
  const Node* root = tree.load(path, diags);
  if (!root) return false;
  out.path = path;
  Reader reader(tree, diags, options, std::filesystem::path(path).parent_path().string());
  reader.read(root, out);
  return true;
}

}  // namespace configgen::parse
