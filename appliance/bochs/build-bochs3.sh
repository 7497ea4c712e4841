#!/usr/bin/env bash
# Builds Bochs 3.0 from Debian 13's source package into DIR (default
# build/bochs3), once. Why: Debian 12's Bochs 2.7 advertises the monitor trap
# flag but never delivers it (upstream implemented MTF in 2.8); trixie's
# binary package needs a newer libc, but its source builds here
# (shared/platform.md, docs/emulators.md).
#
# The system's apt configuration is not touched: the trixie Sources index is
# read through a sources list, lists and cache of our own under DIR. The
# index is signed (Debian's archive keyring checks its Release file) and
# lists each tarball's SHA-256; the tarballs are checked against the sums
# pinned below, which are the index's, so a changed upload stops the build
# instead of building something else. (The .dsc answered 404 on 2026-12-02,
# so it is not used.)
#
# DIR/bin/bochs is the result; DIR/recipe.sha256 holds the hash of this
# file, and a rebuild happens only when the binary is missing or this
# recipe changed.
set -euo pipefail

DIR=${1:-build/bochs3}
VERSION=3.0+dfsg-1
SUITE=trixie
MIRROR=${BOCHS3_MIRROR:-http://deb.debian.org/debian}
ORIG=bochs_3.0+dfsg.orig.tar.xz
ORIG_SHA256=78f6c73d4a6472d5130a87ab9dc306d02c7c71ed8e25b3a8ef642e2a7acd282b
DEBIAN=bochs_3.0+dfsg-1.debian.tar.xz
DEBIAN_SHA256=c68fe1162aa485249467ec93707ccbf5d039b00d12815899fc2c819ec16d00df
# The features the appliance's tests use: 64-bit VMX with EPT and the rest
# (--enable-vmx=2), SMP, the term display (never rfb), PCI and the e1000 for
# netboot, the internal debugger (the harness's rc file), memory types.
CONFIGURE_FLAGS=(--with-nogui --with-term --enable-all-optimizations --enable-cpu-level=6 --enable-x86-64
  --enable-vmx=2 --enable-smp --enable-avx --enable-evex --enable-pci --enable-e1000 --enable-ne2000
  --enable-pnic --enable-cdrom --enable-a20-pin --enable-fpu --enable-repeat-speedups --enable-debugger
  --disable-debugger-gui --enable-x86-debugger --enable-memtype)

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
recipe=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)
if [ -x "$DIR/bin/bochs" ] && [ "$(cat "$DIR/recipe.sha256" 2>/dev/null)" = "$recipe" ]; then
  exit 0
fi
echo "bochs3: building Bochs $VERSION from Debian's source into $DIR (once; a few minutes)"

apt="$DIR/apt"
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$DIR/download"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR $SUITE main" >"$apt/sources.list"
aptopts=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)

have() { [ -f "$DIR/download/$1" ] && echo "$2  $DIR/download/$1" | sha256sum -c --status; }
if ! have "$ORIG" "$ORIG_SHA256" || ! have "$DEBIAN" "$DEBIAN_SHA256"; then
  apt-get "${aptopts[@]}" -qq update
  listed=$(apt-cache "${aptopts[@]}" showsrc bochs)
  for pair in "$ORIG $ORIG_SHA256" "$DEBIAN $DEBIAN_SHA256"; do
    set -- $pair
    grep -q "$2 [0-9]* $1\$" <<<"$listed" || { echo "bochs3: $1 with SHA-256 $2 is not in $SUITE's Sources index" >&2; exit 1; }
  done
  # apt-get source fetches the tarballs even when the .dsc is missing (and then fails); judge by the sums.
  (cd "$DIR/download" && apt-get "${aptopts[@]}" -qq source --download-only "bochs=$VERSION" >/dev/null 2>&1 || true)
  for pair in "$ORIG $ORIG_SHA256" "$DEBIAN $DEBIAN_SHA256"; do
    set -- $pair
    have "$1" "$2" || { echo "bochs3: $1 missing or its SHA-256 differs from $2" >&2; exit 1; }
  done
fi

rm -rf "$DIR/src"
mkdir -p "$DIR/src"
tar -C "$DIR/src" -xf "$DIR/download/$ORIG"
# Debian's patches change install paths and the documentation build only; the
# emulator is upstream's 3.0 as Debian ships it.
cd "$DIR/src/bochs-3.0"
./configure --prefix="$DIR" "${CONFIGURE_FLAGS[@]}" >"$DIR/configure.log" 2>&1 ||
  { tail -20 "$DIR/configure.log" >&2; exit 1; }
make -j"$(nproc)" >"$DIR/make.log" 2>&1 || { tail -30 "$DIR/make.log" >&2; exit 1; }
make install >"$DIR/install.log" 2>&1 || { tail -20 "$DIR/install.log" >&2; exit 1; }
rm -rf "$DIR/src"
echo "$recipe" >"$DIR/recipe.sha256"
echo "bochs3: $("$DIR/bin/bochs" --help 2>&1 | grep -m1 -o 'Bochs x86 Emulator [0-9.]*' || echo built) in $DIR/bin/bochs"
