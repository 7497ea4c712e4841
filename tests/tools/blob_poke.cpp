// blob_poke: writes one field of one guest in a compiled blob and fixes the
// CRC, so emulator tests can hand the hypervisor a guest that configgen
// would have refused (a VM-entry failure must be diagnosed at run time).
//   blob_poke IN OUT GUEST FIELD VALUE
// FIELD is one of the names in kFields below; VALUE is decimal or 0x-hex.
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
};
#undef GUEST_FIELD
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
  const Field* field = nullptr;
  for (const Field& f : kFields)
    if (std::strcmp(f.name, argv[4]) == 0) field = &f;
  if (!field) {
    std::fprintf(stderr, "blob_poke: unknown field %s\n", argv[4]);
    return 2;
  }
  const uint64_t value = std::strtoull(argv[5], nullptr, 0);
  for (uint32_t i = 0; i < reader.guest_count(); ++i) {
    const blob::Guest& g = reader.guest(i);
    if (std::strcmp(reader.string(g.name), argv[3]) != 0) continue;
    const size_t at = size_t(reinterpret_cast<const uint8_t*>(&g) - bytes.data()) + field->offset;
    std::memcpy(bytes.data() + at, &value, field->size);  // little-endian host, as the blob
    const uint32_t crc = blob::blob_crc32c(bytes.data(), bytes.size());
    std::memcpy(bytes.data() + offsetof(blob::Header, crc32c), &crc, sizeof crc);
    std::ofstream(argv[2], std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return 0;
  }
  std::fprintf(stderr, "blob_poke: no guest named %s\n", argv[3]);
  return 1;
}
