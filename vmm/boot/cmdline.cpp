#include "boot/cmdline.h"

#include "lib/string.h"

namespace boot {
namespace {
void copy_word(char* out, uint32_t size, const char* in) {
  uint32_t i = 0;
  while (in[i] && in[i] != ' ' && i + 1 < size) out[i] = in[i], ++i;
  out[i] = 0;
}
}  // namespace

Options parse_cmdline(const char* p) {
  Options o{};
  if (!p) return o;
  while (*p) {
    while (*p == ' ') ++p;
    if (lib::starts_with(p, "exit=")) copy_word(o.exit_method, sizeof o.exit_method, p + 5);
    else if (lib::starts_with(p, "blob=")) copy_word(o.blob_name, sizeof o.blob_name, p + 5);
    else if (lib::starts_with(p, "caps") && (p[4] == ' ' || p[4] == 0)) o.print_caps = true;
    else if (lib::starts_with(p, "ring") && (p[4] == ' ' || p[4] == 0)) o.dump_ring = true;
    else if (lib::starts_with(p, "nmi_test") && (p[8] == ' ' || p[8] == 0)) o.nmi_test = true;
    while (*p && *p != ' ') ++p;
  }
  return o;
}

bool module_name_matches(const char* s, const char* name) {
  // Compare each space-separated word's last path component with name.
  while (*s) {
    while (*s == ' ') ++s;
    const char* word = s;
    while (*s && *s != ' ') ++s;
    const char* base = word;
    for (const char* q = word; q < s; ++q)
      if (*q == '/') base = q + 1;
    const uint32_t n = uint32_t(s - base);
    if (n == strlen(name) && memcmp(base, name, n) == 0) return true;
  }
  return false;
}
}  // namespace boot
