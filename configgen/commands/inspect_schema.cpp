// docs/inspect.schema.json: the shape of `configgen inspect --json`, written
// beside the code that produces it (inspect_json.cpp), with the tables'
// names as enums. Uses only type, properties, required,
// additionalProperties, items, enum and minimum, which the host test's
// validator checks.
#include <algorithm>

#include "arch/vmx_table.h"
#include "blob/vocabulary.h"
#include "commands/inspect_json.h"
#include "model/vocabulary.h"

namespace configgen::commands {
namespace {
using json = nlohmann::ordered_json;

json integer(const char* description) { return {{"type", "integer"}, {"minimum", 0}, {"description", description}}; }
json boolean(const char* description) { return {{"type", "boolean"}, {"description", description}}; }
json string(const char* description) { return {{"type", "string"}, {"description", description}}; }
// A table's name, or null when the blob holds a value the table lacks.
json name_or_null(json names, const char* description) {
  names.push_back(nullptr);
  return {{"type", json::array({"string", "null"})}, {"enum", names}, {"description", description}};
}
json array_of(json items, const char* description) { return {{"type", "array"}, {"items", items}, {"description", description}}; }
json nullable(json schema) {
  schema["type"] = json::array({schema["type"], "null"});
  return schema;
}
// An object with exactly these properties, all required unless listed in `optional`.
json object(json properties, const char* description, std::vector<std::string> optional = {}) {
  json required = json::array();
  for (const auto& [k, v] : properties.items())
    if (std::find(optional.begin(), optional.end(), k) == optional.end()) required.push_back(k);
  return {{"type", "object"}, {"description", description}, {"properties", properties}, {"required", required},
          {"additionalProperties", false}};
}

template <typename E, uint32_t N>
json words(const blob::Word<E> (&table)[N]) {
  json out = json::array();
  for (const auto& w : table)
    if (*w.word) out.push_back(w.word);
  return out;
}
json exception_names() {
  json out = json::array();
  for (const auto& x : arch::kExceptions) out.push_back(x.mnemonic);
  return out;
}
json msr_names() {
  json out = json::array();
  for (const auto& m : arch::kMsrs) out.push_back(m.ident);
  return out;
}

json segment() {
  return object({{"selector", integer("Selector")},
                 {"base", integer("Base address")},
                 {"limit", integer("Segment limit")},
                 {"access_rights", integer("Access rights in the VMCS format (SDM 24.4.1)")},
                 {"unusable", boolean("Access-rights bit 16: the segment is unusable")}},
                "A guest segment register at VM entry");
}
json descriptor_table() { return object({{"base", integer("Base address")}, {"limit", integer("Limit")}}, "GDTR or IDTR at VM entry"); }

json controls() {
  json words = json::object();
  for (const auto& w : arch::kControlWords) {
    json names = json::array();
    for (const auto& c : arch::kControlBits)
      if (c.control.word == w.word) names.push_back(c.profile_name);
    words[w.profile_key] = object({{"requested", integer("The control word the blob requests")},
                                   {"named", array_of({{"type", "string"}, {"enum", names}}, "The requested bits that have names, by name")},
                                   {"on_target", integer("The word after reconciling with the target's capability MSRs (book 2.5.5.2)")}},
                                  w.sdm_name, {"on_target"});
  }
  return object(words, "The VM-execution, VM-exit and VM-entry control words (SDM 24.6-24.8)");
}

json msr_entry() {
  return object({{"msr", integer("MSR index")}, {"name", name_or_null(msr_names(), "The MSR's name, if the table has it")}, {"value", integer("Value")}},
                "An entry of a VM-entry or VM-exit MSR list (SDM 24.7.2, Table 24-12)");
}

// EAX..EDX as integers: an override's forced values, or its bits.
json registers(const char* description) {
  return {{"type", "object"}, {"description", description},
          {"properties", {{"eax", integer("EAX")}, {"ebx", integer("EBX")}, {"ecx", integer("ECX")}, {"edx", integer("EDX")}}},
          {"additionalProperties", false}};
}

json behaviour() {
  json exit_names = json::array();
  for (const auto& e : arch::kExitReasons) exit_names.push_back(e.profile_name);
  return object({{"exit_reason", name_or_null(exit_names, "The exit reason's name")},
                 {"number", integer("Basic exit reason")},
                 {"exception", name_or_null(exception_names(), "The exception's mnemonic")},
                 {"vector", integer("Exception vector")},
                 {"action", name_or_null(words(blob::kActions), "What the hypervisor does")},
                 {"leaf", integer("override: the CPUID leaf")},
                 {"subleaf", integer("override: the CPUID subleaf (absent: any)")},
                 {"registers", registers("override: the forced registers")},
                 {"set_bits", registers("override: bits set in the answer, per register")},
                 {"clear_bits", registers("override: bits cleared in the answer, per register")},
                 {"hook", name_or_null(words(blob::kHooks), "hook: the built-in hook")}},
                "One on_exit behaviour: an exit reason (exit_reason, number) or an exception (exception, vector)",
                {"exit_reason", "number", "exception", "vector", "leaf", "subleaf", "registers", "set_bits", "clear_bits", "hook"});
}

json guest() {
  json modes = words(blob::kGuestModes);
  json kinds = words(blob::kRegionKinds);
  json types = json::array();
  for (const auto& t : model::kMemoryTypes) types.push_back(t.word);
  json region = object({{"gpa", integer("First guest-physical address")},
                        {"size", integer("Size in bytes")},
                        {"last", integer("Last guest-physical address")},
                        {"kind", name_or_null(kinds, "What EPT maps there")},
                        {"permissions", object({{"read", boolean("EPT read access")}, {"write", boolean("EPT write access")},
                                                {"execute", boolean("EPT execute access")}},
                                               "The EPT permissions (SDM 28.3.2)")},
                        {"memory_type", name_or_null(types, "The EPT memory type (SDM 28.3.7)")},
                        {"page_size", integer("Largest EPT page used to map it")},
                        {"image", string("image regions: the image's name")},
                        {"image_offset", integer("image regions: where in the region the image starts")},
                        {"hpa", integer("passthrough regions: the host-physical address")}},
                       "A guest-physical memory region", {"image", "image_offset", "hpa"});
  json io_range = object({{"first_port", integer("First port")}, {"last_port", integer("Last port")}, {"pass", boolean("Accesses do not exit")}},
                         "An I/O range, applied in order over a bitmap where every port exits");
  json grant = object({{"msr", integer("MSR index")},
                       {"name", name_or_null(msr_names(), "The MSR's name")},
                       {"pass_read", boolean("RDMSR does not exit")},
                       {"pass_write", boolean("WRMSR does not exit")},
                       {"emulate_read", boolean("RDMSR is emulated per guest")},
                       {"emulate_write", boolean("WRMSR is emulated per guest")}},
                      "An MSR grant");
  json entry = object({{"rip", integer("RIP")},
                       {"rsp", integer("RSP")},
                       {"rflags", integer("RFLAGS")},
                       {"cr0", integer("CR0")},
                       {"cr3", integer("CR3")},
                       {"cr4", integer("CR4")},
                       {"efer", integer("IA32_EFER")},
                       {"dr7", integer("DR7")},
                       {"cs", segment()},
                       {"ss", segment()},
                       {"ds", segment()},
                       {"es", segment()},
                       {"fs", segment()},
                       {"gs", segment()},
                       {"ldtr", segment()},
                       {"tr", segment()},
                       {"gdtr", descriptor_table()},
                       {"idtr", descriptor_table()},
                       {"activity_state", integer("Activity state (SDM 24.4.2)")},
                       {"interruptibility_state", integer("Interruptibility state (SDM 24.4.2)")}},
                      "The guest state at the first VM entry");
  return object(
      {{"name", string("Guest name")},
       {"cpus", array_of(integer("CPU index"), "Physical CPUs (boot order) the guest runs on")},
       {"vcpus", integer("Virtual CPUs (guests[].vcpus); vCPU k on the (k mod m)-th of the m CPUs")},
       {"mode", name_or_null(modes, "Guest mode at entry")},
       {"memory", array_of(region, "Guest-physical memory, in the profile's order")},
       {"controls", controls()},
       {"exception_bitmap", object({{"value", integer("The exception bitmap")},
                                    {"exceptions", array_of({{"type", "string"}, {"enum", exception_names()}}, "The exceptions that exit")}},
                                   "Exception bitmap (SDM 24.6.3)")},
       {"io", object({{"denied", {{"type", "string"}, {"enum", {"ignore", "stop"}}, {"description", "What a denied access does"}}},
                      {"ranges", array_of(io_range, "I/O ranges")}},
                     "Port I/O")},
       {"msr", array_of(grant, "MSR grants")},
       {"vm_entry_msr_load", array_of(msr_entry(), "VM-entry MSR-load list")},
       {"vm_exit_msr_store", array_of(msr_entry(), "VM-exit MSR-store list")},
       {"vm_exit_msr_load", array_of(msr_entry(), "VM-exit MSR-load list")},
       {"cr", object({{"cr0_guest_host_mask", integer("CR0 guest/host mask")},
                      {"cr0_read_shadow", integer("CR0 read shadow")},
                      {"cr4_guest_host_mask", integer("CR4 guest/host mask")},
                      {"cr4_read_shadow", integer("CR4 read shadow")},
                      {"cr3_target_count", integer("CR3-target count")}},
                     "Control-register masks and shadows (SDM 24.6.6)")},
       {"preemption_timer", nullable(object({{"value", integer("Timer value")},
                                             {"action", name_or_null(words(blob::kTimerActions), "What its expiry does")},
                                             {"watchdog_slices", integer("Slices without a real exit before the guest is stopped; 0: never")}},
                                            "The VMX-preemption timer, or null when off"))},
       {"on_exit", array_of(behaviour(), "Behaviours by exit reason or exception")},
       {"inject", array_of(object({{"interruption_information", integer("VM-entry interruption-information field (SDM 24.8.3)")},
                                   {"error_code", integer("Error code")},
                                   {"instruction_length", integer("Instruction length")}},
                                  "An event injected at VM entry"),
                           "Events injected at VM entry")},
       {"forwarded_irqs", array_of(integer("IRQ line"), "Host 8259 IRQ lines forwarded to the guest")},
       {"map_on_demand", nullable(object({{"limit", integer("GPA bound")}, {"pages", integer("Pool size in 4 KiB pages")}},
                                         "Map-on-demand, or null when off"))},
       {"devices", object({{"exit_port", nullable(integer("isa-debug-exit port: a write of V ends the guest with exit code V; null: none"))},
                           {"fw_cfg", nullable(object({{"ram_size", integer("RAM size fw_cfg reports, bytes")},
                                                       {"cpu_count", integer("CPU count fw_cfg reports")}},
                                                      "QEMU's fw_cfg on ports 0x510/0x511, or null when off"))},
                           {"local_apic", boolean("A virtual local APIC at 0xfee00000 (devices.local_apic)")},
                           {"local_apic_x2apic", boolean("Its x2APIC mode offered: CPUID.01H:ECX[21], MSRs 0x800-0x8ff (devices.local_apic.x2apic)")},
                           {"pic", boolean("A virtual 8259A pair on ports 0x20/0x21 and 0xa0/0xa1 (devices.pic)")},
                           {"pit", boolean("A virtual 8254 on ports 0x40-0x43 and 0x61, raising IRQ 0 (devices.pit)")}},
                          "Devices the hypervisor emulates for the guest")},
       {"entry", entry}},
      "A guest");
}
}  // namespace

nlohmann::ordered_json inspect_schema() {
  json images = object({{"name", string("Image name")},
                        {"size", integer("Bytes")},
                        {"format", name_or_null(words(blob::kImageFormats), "The source file's format")},
                        {"entry_point", integer("ELF entry (GPA); 0 for flat")},
                        {"crc32c", integer("CRC32C of the image's bytes")}},
                       "An image in the blob");
  json schema = object(
      {{"blob", object({{"format_version", integer("Blob format version")},
                        {"total_size", integer("Bytes")},
                        {"crc32c", integer("CRC32C of the blob")},
                        {"sections", integer("Section count")}},
                       "The blob's header")},
       {"appliance", object({{"name", string("Appliance name")},
                             {"target", string("Capability set the blob was checked against")},
                             {"min_cpus", integer("CPUs the appliance needs")},
                             {"console_port", integer("Serial port of the hypervisor's console")},
                             {"print_capabilities", boolean("The hypervisor prints the capability MSRs")},
                             {"dump_debug_ring", boolean("The hypervisor dumps its debug ring at the end")}},
                            "The appliance")},
       {"images", array_of(images, "Images")},
       {"guests", array_of(guest(), "Guests, in the profile's order")}},
      "configgen inspect --json: a verified blob in words");
  json out;
  out["$schema"] = "https://json-schema.org/draft/2020-12/schema";
  out["title"] = "configgen inspect --json";
  for (const auto& [k, v] : schema.items()) out[k] = v;
  return out;
}

}  // namespace configgen::commands
