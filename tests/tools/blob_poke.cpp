// blob_poke: writes one field of one guest in a compiled blob and fixes the
// CRC, so emulator tests can hand the hypervisor a guest that configgen
// would have refused (a VM-entry failure must be diagnosed at run time; a
// grant of a hypervisor-owned resource must be refused at boot).
//   blob_poke IN OUT GUEST FIELD VALUE
// FIELD is one of the names in kFields below, or a field of the guest's Nth
// record of a run: region.N.{gpa,size,hpa}, io.N.{first_port,last_port,flags},
// msr.N.{msr,flags}; with GUEST "-", appliance.console_port. VALUE is
// decimal or 0x-hex. The input must verify; the output need not.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "arch/vmx_table.h"
#include "blob/crc32c.h"
#include "blob/reader.h"

namespace {
struct Field {
  const char* name;
  size_t offset;  // within blob::Guest
  size_t size;
};
#define GUEST_FIELD(name, member) {name, offsetof(blob::Guest, member), sizeof(blob::Guest::member)}
const Field kFields[] = {
    GUEST_FIELD("entry.rflags", entry.rflags),
    GUEST_FIELD("entry.cr0", entry.cr0),
    GUEST_FIELD("entry.cr4", entry.cr4),
    GUEST_FIELD("entry.rip", entry.rip),
    GUEST_FIELD("entry.activity_state", entry.activity_state),
    GUEST_FIELD("entry.interruptibility_state", entry.interruptibility_state),
    GUEST_FIELD("entry.cs.access_rights", entry.cs.access_rights),
    GUEST_FIELD("entry.ss.access_rights", entry.ss.access_rights),
    GUEST_FIELD("entry.tr.access_rights", entry.tr.access_rights),
    GUEST_FIELD("entry.ldtr.access_rights", entry.ldtr.access_rights),
    GUEST_FIELD("exception_bitmap", exception_bitmap),
    {"controls.pin", offsetof(blob::Guest, controls), sizeof(uint32_t)},
    {"controls.proc2", offsetof(blob::Guest, controls) + sizeof(uint32_t) * uint32_t(arch::ControlWord::PROC2), sizeof(uint32_t)},
    GUEST_FIELD("cr3_target_count", cr3_target_count),
    GUEST_FIELD("flags", flags),
};
#undef GUEST_FIELD

// region.N.hpa and the like: the offset of field `member` in the Nth record
// of the guest's run in a section.
struct RunField {
  const char* name;
  size_t offset, size;
};
#define RUN_FIELD(type, member) {#member, offsetof(type, member), sizeof(type::member)}
const RunField kRegionFields[] = {RUN_FIELD(blob::Region, gpa), RUN_FIELD(blob::Region, size), RUN_FIELD(blob::Region, hpa)};
const RunField kIoFields[] = {RUN_FIELD(blob::IoRange, first_port), RUN_FIELD(blob::IoRange, last_port), RUN_FIELD(blob::IoRange, flags)};
const RunField kMsrFields[] = {RUN_FIELD(blob::MsrGrant, msr), RUN_FIELD(blob::MsrGrant, flags)};
#undef RUN_FIELD

template <size_t N>
const RunField* find_run_field(const RunField (&fields)[N], const std::string& name) {
  for (const RunField& f : fields)
    if (name == f.name) return &f;
  return nullptr;
}

void write_out(std::vector<uint8_t>& bytes, const char* path) {
  const uint32_t crc = blob::blob_crc32c(bytes.data(), bytes.size());
  std::memcpy(bytes.data() + offsetof(blob::Header, crc32c), &crc, sizeof crc);
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: blob_poke IN OUT GUEST FIELD VALUE\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  blob::Reader reader;
  const blob::Status status = reader.verify(bytes.data(), bytes.size());
  if (!status.ok) {
    std::fprintf(stderr, "blob_poke: %s: %s\n", argv[1], status.reason);
    return 1;
  }
  const uint64_t value = std::strtoull(argv[5], nullptr, 0);
  const std::string name = argv[4];
  auto poke = [&](const void* record, size_t offset, size_t size) {
    const size_t at = size_t(reinterpret_cast<const uint8_t*>(record) - bytes.data()) + offset;
    std::memcpy(bytes.data() + at, &value, size);  // little-endian host, as the blob
    write_out(bytes, argv[2]);
    return 0;
  };
  if (name == "appliance.console_port")
    return poke(&reader.appliance(), offsetof(blob::Appliance, console_port), sizeof(uint16_t));
  const Field* field = nullptr;
  for (const Field& f : kFields)
    if (name == f.name) field = &f;
  // RUN.N.MEMBER
  const auto dot1 = name.find('.'), dot2 = name.rfind('.');
  const std::string run = name.substr(0, dot1);
  const bool is_run = !field && dot1 != std::string::npos && dot2 != dot1 && (run == "region" || run == "io" || run == "msr");
  if (!field && !is_run) {
    std::fprintf(stderr, "blob_poke: unknown field %s\n", argv[4]);
    return 2;
  }
  for (uint32_t i = 0; i < reader.guest_count(); ++i) {
    const blob::Guest& g = reader.guest(i);
    if (std::strcmp(reader.string(g.name), argv[3]) != 0) continue;
    if (field) return poke(&g, field->offset, field->size);
    const uint32_t n = uint32_t(std::strtoul(name.substr(dot1 + 1, dot2 - dot1 - 1).c_str(), nullptr, 10));
    const std::string member = name.substr(dot2 + 1);
    const RunField* f = nullptr;
    const void* record = nullptr;
    if (run == "region" && n < g.region_count) f = find_run_field(kRegionFields, member), record = &reader.region(g.first_region + n);
    if (run == "io" && n < g.io_range_count) f = find_run_field(kIoFields, member), record = &reader.io_range(g.first_io_range + n);
    if (run == "msr" && n < g.msr_grant_count) f = find_run_field(kMsrFields, member), record = &reader.msr_grant(g.first_msr_grant + n);
    if (!f || !record) {
      std::fprintf(stderr, "blob_poke: guest %s has no %s\n", argv[3], argv[4]);
      return 2;
    }
    return poke(record, f->offset, f->size);
  }
  std::fprintf(stderr, "blob_poke: no guest named %s\n", argv[3]);
  return 1;
}
