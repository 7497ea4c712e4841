// The hypervisor's trusted-key slot (blob/signature.h). Empty in the build;
// `configgen image/run --sign-key` writes the public key into the copy of
// vmm.elf it deploys, found by the marker. Volatile reads: the compiler
// must not assume the build-time contents.
#include "blob/signature.h"

extern "C" {
[[gnu::used]] volatile blob::TrustedKeySlot vtx_trusted_key = {
    {'V', 'T', 'X', '-', 'T', 'R', 'U', 'S', 'T', 'E', 'D', '-', 'K', 'E', 'Y', 0}, 0, {}, {}, {}};
}
