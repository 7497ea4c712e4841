// Kernels, modules and devices (entry.kernel, entry.modules, guests[].devices):
// what a boot loader would check before starting a kernel (Multiboot
// Specification 0.6.96, 3.1), and that an emulated device's ports exit.
#include "arch/vmx_table.h"
#include "model/vocabulary.h"
#include "parse/kernel_image.h"
#include "validate/validate.h"

namespace configgen::validate {
namespace {
constexpr uint32_t kCom1 = 0x3F8, kFwCfgSelector = 0x510, kFwCfgData = 0x511;

// The RAM region of `g` that holds [gpa, end), or nullptr.
const model::Region* ram_holding(const model::Guest& g, uint64_t gpa, uint64_t end) {
  for (const auto& r : g.memory)
    if (!r.malformed && r.kind == blob::RegionKind::Ram && gpa >= r.gpa.value && end <= r.gpa.value + r.size.value) return &r;
  return nullptr;
}

void check_multiboot_header(const model::Guest& g, const model::Image& img, Diagnostics& diags) {
  const model::Entry& en = g.entry;
  if (!img.multiboot) {
    diags.error(en.kernel_loc, "multiboot-header",
                "kernel '" + img.name + "' has no multiboot header (magic 0x1badb002 with a valid checksum, 4-byte aligned) in its first " +
                    std::to_string(parse::kMultibootSearchBytes) + " bytes, so no multiboot loader would start it [Multiboot 3.1]",
                "link the header into the first 8 KiB, or use a mode other than multiboot");
    return;
  }
  const uint32_t flags = img.multiboot->flags;
  const uint32_t understood = parse::kMultibootPageAlignModules | parse::kMultibootMemoryInfo | parse::kMultibootVideoMode;
  if (uint32_t unknown = flags & 0xFFFF & ~understood)
    diags.error(en.kernel_loc, "multiboot-header",
                "kernel '" + img.name + "' requires multiboot header flags " + hex(unknown) +
                    " that this loader does not know; a loader must refuse such a kernel [Multiboot 3.1.2]");
  if (flags & parse::kMultibootVideoMode)
    diags.warning(en.kernel_loc, "multiboot-video",
                  "kernel '" + img.name + "' asks for a video mode (header flag 2); the guest gets none (no framebuffer information)");
  if (img.format == blob::ImageFormat::Flat && !img.multiboot->has_addresses)
    diags.error(en.kernel_loc, "multiboot-header",
                "kernel '" + img.name + "' is a flat image whose multiboot header has no addresses (flag 16): nothing says where it loads [Multiboot 3.1.3]",
                "say format: elf for an ELF kernel");
}

// guests[].vcpus (docs/external-guests.md, "Several vCPUs"): what the
// hypervisor's blob reader and set-up would refuse, said at the key.
void check_vcpus(const model::Guest& g, Diagnostics& diags) {
  const model::SourceLoc at = g.vcpus_loc.line ? g.vcpus_loc : g.loc;
  if (g.vcpus == 0) diags.error(at, "multi-vcpu", "vcpus: 0: a guest has at least one vCPU");
  if (g.vcpus < 2) return;
  const std::string n = "vcpus: " + std::to_string(g.vcpus);
  if (!g.local_apic)
    diags.error(at, "multi-vcpu", n + " needs devices.local_apic: the vCPUs start one another with INIT and start-up IPIs through it [SDM 9.4]");
  if (g.map_on_demand_limit) diags.error(at, "multi-vcpu", n + ": ept.map_on_demand changes the EPT its vCPUs share while they run");
  if (!g.ept_alternate.empty()) diags.error(at, "multi-vcpu", n + ": ept.alternate (EPTP switching) is for a guest of one vCPU");
  if (g.pic || g.pit) diags.error(at, "multi-vcpu", n + ": devices.pic and devices.pit are for a guest of one vCPU");
  if (!g.forward_irqs.empty()) diags.error(at, "multi-vcpu", n + ": forward_irqs is for a guest of one vCPU");
  for (const auto& c : g.controls[uint32_t(arch::ControlWord::PIN)])
    if (c.name == "process-posted-interrupts") diags.error(c.loc, "multi-vcpu", n + ": posted interrupts are for a guest of one vCPU");
}

void check_kernel(const model::Profile& p, const model::Guest& g, Diagnostics& diags) {
  const model::Entry& en = g.entry;
  const bool multiboot = en.mode == blob::GuestMode::Multiboot;
  if (multiboot && en.kernel.empty())
    diags.error(en.mode_loc.line ? en.mode_loc : g.loc, "multiboot-needs-kernel",
                "guest '" + g.name + "' starts in multiboot mode but names no entry.kernel", "add entry: {kernel: IMAGE}");
  if (!multiboot && (en.cmdline || !en.modules.empty()))
    diags.error(en.loc, "multiboot-only", "entry.cmdline and entry.modules are the multiboot loader's; guest '" + g.name +
                                              "' is in mode " + model::word(blob::kGuestModes, en.mode));
  for (const auto& m : en.modules) {
    auto it = p.images.find(m.image);
    if (it == p.images.end()) diags.error(m.loc, "unknown-image", "module names no image '" + m.image + "'");
    else if (it->second.format != blob::ImageFormat::Flat)
      diags.error(m.loc, "module-format", "module '" + m.image + "' must be a flat image: a loader hands modules over as their bytes");
  }
  if (en.kernel.empty()) return;
  auto it = p.images.find(en.kernel);
  if (it == p.images.end()) return;  // reported by the reader
  const model::Image& img = it->second;
  if (multiboot) check_multiboot_header(g, img, diags);
  if (!img.placement) {
    if (img.format == blob::ImageFormat::Flat && !multiboot)
      diags.error(en.kernel_loc, "kernel-placement", "kernel '" + img.name + "' is a flat image: it has no addresses of its own",
                  "say format: elf, or put a flat image in a memory region with kind: image");
    return;
  }
  for (const auto& r : g.memory)
    if (r.kind == blob::RegionKind::Image && r.image == en.kernel)
      diags.error(r.loc, "kernel-placement", "image '" + en.kernel + "' is entry.kernel and also placed by this region; name it once");
  if (!ram_holding(g, img.placement->gpa, img.placement->memory_end))
    diags.error(en.kernel_loc, "kernel-placement",
                "kernel '" + img.name + "' loads at guest-physical [" + hex(img.placement->gpa) + ", " + hex(img.placement->memory_end) +
                    ") (segments and BSS), which no single RAM region of guest '" + g.name + "' holds",
                "add a RAM region that covers it, e.g. {gpa: 0, size: 16M}");
}

void check_elf_regions(const model::Profile& p, const model::Guest& g, Diagnostics& diags) {
  for (const auto& r : g.memory) {
    if (r.malformed || r.kind != blob::RegionKind::Image) continue;
    auto it = p.images.find(r.image);
    if (it == p.images.end() || !it->second.placement) continue;
    const model::LoadPlacement& at = *it->second.placement;
    if (r.image_offset)
      diags.error(r.loc, "image-fit", "image '" + r.image + "' is an ELF file: its segments say where they go, image_offset does not apply");
    if (at.gpa < r.gpa.value || at.memory_end > r.gpa.value + r.size.value)
      diags.error(r.loc, "image-fit", "ELF image '" + r.image + "' loads at guest-physical [" + hex(at.gpa) + ", " + hex(at.memory_end) +
                                          "), outside its region [" + hex(r.gpa.value) + ", " + hex(r.gpa.value + r.size.value) + ")");
  }
}

void check_devices(const model::Guest& g, Diagnostics& diags) {
  auto passed = [&](uint32_t port) {
    for (const auto& [a, b] : g.io_pass)
      if (port >= a.value && port <= b.value) return true;
    return false;
  };
  if (g.exit_port) {
    const uint32_t port = g.exit_port->value;
    if (port >= kCom1 && port < kCom1 + 8)
      diags.error(g.exit_port->loc, "device-port", "devices.exit_port " + hex(port) + " is the guest's console (COM1, 0x3f8-0x3ff)");
    if (g.fw_cfg && (port == kFwCfgSelector || port == kFwCfgData))
      diags.error(g.exit_port->loc, "device-port", "devices.exit_port " + hex(port) + " is a fw_cfg port");
    if (passed(port))
      diags.error(g.exit_port->loc, "device-port", "devices.exit_port " + hex(port) + " is also in io.pass: a passed port never exits, so the device would never see the write");
  }
  if (g.local_apic) {
    constexpr uint64_t kApicPage = 0xFEE00000;
    for (const auto& r : g.memory)
      if (!r.malformed && r.gpa.value <= kApicPage && kApicPage - r.gpa.value < r.size.value)
        diags.error(r.loc, "device-apic-page", "devices.local_apic needs the page at 0xfee00000 left out of guest memory (its accesses must exit), but this region covers it");
    for (const auto& c : g.controls[uint32_t(arch::ControlWord::PROC2)])
      if (c.name == "virtualize-apic-accesses")
        diags.error(c.loc, "device-apic-page", "devices.local_apic emulates the APIC page itself; virtualize-apic-accesses would map an APIC-access page over it [SDM 29.4]");
  }
  if (g.fw_cfg && (passed(kFwCfgSelector) || passed(kFwCfgData)))
    diags.error(g.devices_loc, "device-port", "devices.fw_cfg needs ports 0x510-0x511 to exit, but io.pass passes them");
  // The 8259 pair and the 8254 answer their ports only if the ports exit.
  struct LegacyDevice {
    bool on;
    const char* key;
    uint32_t ports[5];
  };
  const LegacyDevice legacy[] = {{g.pic, "devices.pic", {0x20, 0x21, 0xA0, 0xA1, 0xA1}},
                                 {g.pit, "devices.pit", {0x40, 0x41, 0x42, 0x43, 0x61}}};
  for (const LegacyDevice& d : legacy) {
    if (!d.on) continue;
    for (uint32_t port : d.ports) {
      if (passed(port)) {
        diags.error(g.devices_loc, "device-port", std::string(d.key) + " needs port " + hex(port) + " to exit, but io.pass passes it");
        break;
      }
      if (g.exit_port && g.exit_port->value == port)
        diags.error(g.exit_port->loc, "device-port", "devices.exit_port " + hex(port) + " is a port of " + d.key);
    }
  }
  if (g.pit && !g.pic)
    diags.error(g.devices_loc, "device-pit-needs-pic", "devices.pit drives IRQ 0 of the 8259: add devices.pic: true");
  check_vcpus(g, diags);
  if (g.pic && !g.forward_irqs.empty())
    diags.error(g.forward_irqs.front().loc, "device-port",
                "devices.pic emulates the 8259 wholly; forward_irqs snoops the guest's programming of the real one on the same ports (0x20/0x21): use one");
}
}  // namespace

void check_kernels(const model::Profile& p, Diagnostics& diags) {
  for (const auto& g : p.guests) {
    check_kernel(p, g, diags);
    check_elf_regions(p, g, diags);
    check_devices(g, diags);
  }
}

}  // namespace configgen::validate
