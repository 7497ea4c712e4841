// libFuzzer target: the blob verifier (the hypervisor's first look at its
// input) and, for blobs it accepts, everything inspect reads from them.
#include <cstdint>
#include <vector>

#include "blob/reader.h"
#include "commands/inspect.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<uint8_t> bytes(data, data + size);  // an exact-size heap copy, so ASan sees overreads
  blob::Reader reader;
  const blob::Status status = reader.verify(bytes.data(), bytes.size());
  if (!status.ok && !status.reason) __builtin_trap();
  if (status.ok) {
    configgen::commands::Item root;
    std::string error;
    configgen::commands::describe_blob(bytes, root, error);
  }
  return 0;
}
