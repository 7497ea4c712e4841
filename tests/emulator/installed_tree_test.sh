#!/bin/sh
# emu_installed_tree: `cmake --install` into a temporary prefix, then the
# installed configgen, run from an unrelated directory, checks, compiles,
# images and boots the installed demo profile in Bochs, and never reaches
# for the build or source tree (configgen/install/data_paths.h).
# Usage: installed_tree_test.sh BUILD_DIR SOURCE_DIR LIBDIR DATADIR [BOCHS]
# (LIBDIR and DATADIR: the GNUInstallDirs values the build was configured with.)
set -eu
build=$1
source=$2
libdir=$3
datadir=$4
bochs=${5:-}
tmp=$(mktemp -d /tmp/vtx-installed-tree.XXXXXX)
prefix=$tmp/prefix
fail() {
  echo "emu_installed_tree: FAIL: $*" >&2
  echo "emu_installed_tree: kept $tmp for a look" >&2
  exit 1
}

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || fail "cmake --install (see $tmp/install.log)"
for f in bin/configgen $libdir/vtx/vmm.elf $libdir/vtx/guest_images/demo.bin $datadir/vtx/targets/bochs-3.0-tigerlake.yaml \
         $datadir/vtx/profiles/demo.yaml $datadir/vtx/profile.schema.json $datadir/man/man1/configgen.1 \
         $datadir/bash-completion/completions/configgen $datadir/doc/vtx/README.md; do
  [ -e "$prefix/$f" ] || fail "the install has no $f"
done
[ ! -e "$prefix/bin/vtx-build-tree" ] || fail "the build-tree marker was installed"

mkdir "$tmp/elsewhere"
cd "$tmp/elsewhere"
# Nothing from the environment may point back at the build: no data
# directory, and a cache of the test's own.
unset VTX_DATA_DIR
export XDG_CACHE_HOME="$tmp/cache"
cg=$prefix/bin/configgen

"$cg" paths >paths.txt || { cat paths.txt >&2; fail "configgen paths says a data file is missing"; }
cat paths.txt
grep -q "^data: installed tree $prefix " paths.txt || fail "configgen paths does not name the installed tree"
grep -q "^vmm.elf  *$prefix/$libdir/vtx/vmm.elf " paths.txt || fail "vmm.elf is not the installed one"
grep -q "^targets  *$prefix/$datadir/vtx/targets " paths.txt || fail "targets are not the installed ones"
grep -q "^scratch  *$tmp/cache/vtx " paths.txt || fail "the scratch directory does not follow XDG_CACHE_HOME"
! grep -F -e "$source" -e "$build" paths.txt || fail "configgen paths names the build or source tree"
# The binary itself, stripped of debug information, holds neither path.
objcopy --strip-debug "$cg" stripped
! grep -q -F -e "$(realpath "$source")" -e "$(realpath "$build")" stripped || fail "the installed configgen has the source or build path compiled in"

profile=$prefix/$datadir/vtx/profiles/demo.yaml
"$cg" check "$profile" || fail "configgen check"
"$cg" compile "$profile" -o demo.blob || fail "configgen compile"
[ -s demo.blob ] || fail "compile wrote no blob"
"$cg" image "$profile" --iso demo.iso || fail "configgen image"
[ -s demo.iso ] || fail "image wrote no ISO"
[ -s "$tmp/cache/vtx/images/demo/profile.blob" ] || fail "image kept no scratch files under XDG_CACHE_HOME/vtx/images"

# The overrides: an empty data directory is used as given, and its error
# names the file it looked for and the option.
mkdir empty-data
if "$cg" --data-dir "$tmp/elsewhere/empty-data" image "$profile" --iso never.iso 2>data-dir.err; then
  fail "image with an empty --data-dir succeeded"
fi
cat data-dir.err
grep -q "$tmp/elsewhere/empty-data/guest_images\|$tmp/elsewhere/empty-data/targets" data-dir.err ||
  fail "the --data-dir error does not name what it looked for"
VTX_DATA_DIR=$tmp/elsewhere/empty-data "$cg" paths >env-paths.txt && fail "paths with an empty VTX_DATA_DIR succeeded"
grep -q "^data: data directory $tmp/elsewhere/empty-data (\$VTX_DATA_DIR)" env-paths.txt || fail "VTX_DATA_DIR is not used"

# The run: the installed tree has no Bochs of its own; the build's Bochs 3.0
# is given when there is one (else configgen takes $VTX_BOCHS or bochs on PATH).
set -- run "$profile" --emulator bochs --cpus 2 --quiet --json
[ ! -x "$bochs" ] || set -- "$@" --bochs "$bochs"
"$cg" "$@" >verdict.json || { cat verdict.json >&2; fail "configgen run did not pass"; }
grep -q '"pass": *true' verdict.json || { cat verdict.json >&2; fail "the verdict is not a pass"; }
ls "$tmp/cache/vtx/runs"/demo-bochs-cdrom-*/serial.log >/dev/null 2>&1 || fail "the run kept no serial log under XDG_CACHE_HOME/vtx/runs"
grep -q "vmm: end: pass" "$tmp/cache/vtx/runs"/demo-bochs-cdrom-*/serial.log || fail "the serial log does not end in a pass"

cd /
rm -rf "$tmp"
echo "emu_installed_tree: installed tree checked, compiled, imaged and booted (passed)"
