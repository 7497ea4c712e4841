// libFuzzer target: the blob verifier (the hypervisor's first look at its
// input) and, for blobs it accepts, the hypervisor's per-guest grant check
// and everything inspect reads from them, as text and as the typed document
// that diff compares.
#include <cstdint>
#include <vector>

#include "blob/reader.h"
#include "commands/inspect.h"
#include "commands/inspect_json.h"
#include "platform/owned_resources.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);  // an exact-size heap copy, so ASan sees overreads
  blob::Reader reader;
  const blob::Status status = reader.verify(bytes.data(), bytes.size());
  if (!status.ok && !status.reason) __builtin_trap();
  if (status.ok) {
    for (uint32_t i = 0; i < reader.guest_count(); ++i) {
      const platform::GrantStatus grants = platform::check_guest_grants(reader, i);
      if (!grants.ok && (!grants.reason || !grants.resource || !grants.why)) __builtin_trap();
    }
    configgen::commands::Item root;
    std::string error;
    configgen::commands::describe_blob(bytes, root, error);
    if (const auto doc = configgen::commands::inspect_document(bytes, error)) (void)doc->dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);  // every value serialises, as inspect --json prints it
  }
  return 0;
}
