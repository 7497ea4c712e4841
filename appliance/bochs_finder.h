// Which Bochs a run uses. Bochs 3.0 (built from Debian's source into the
// build tree by `make deps`, appliance/bochs/build-bochs3.sh) is the main VMX
// platform; Debian 12's Bochs 2.7 is the second (docs/emulators.md).
#pragma once
#include <string>

namespace appliance {

struct BochsBinary {
  std::string path;     // what was run
  std::string version;  // "3.0", "2.7", ... from its banner; "" when unknown
  std::string error;    // why no usable Bochs was found
  // The major.minor pair as a number (3.0 -> 300, 2.7 -> 207); 0 when unknown.
  int version_number() const;
};

// The Bochs to use: `requested` (--bochs) if given, else $VTX_BOCHS, else
// `built` (the build tree's bochs3/bin/bochs, which the caller finds: "" when
// configgen does not run from a build tree), else `bochs` on PATH. Its
// version is read from the banner that `bochs -n -q` prints before it quits
// on a closed stdin.
BochsBinary find_bochs(const std::string& requested, const std::string& built = "");

// The banner's version ("Bochs x86 Emulator 2.7" -> "2.7"), "" if none.
std::string bochs_version_from_banner(const std::string& output);

}  // namespace appliance
