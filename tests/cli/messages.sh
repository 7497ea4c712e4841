#!/bin/sh
# Command-line message tests: levels, colour (messages, diagnostics, inspect --map) and --werror's count.
# usage: messages.sh CONFIGGEN SOURCE_DIR CASE; fails (exit 1) with a reason.
CG=$1
SRC=$2
WARNING=$SRC/tests/host/profiles/warning.yaml
INVALID=$SRC/tests/host/profiles/invalid.yaml
ESC=$(printf '\033')
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
fail() { echo "FAIL: $*"; echo "--- stdout"; cat "$out"; echo "--- stderr"; cat "$err"; exit 1; }
has_escape() { grep -q "$ESC\[" "$1"; }
# Runs configgen on a pseudo-terminal (script(1)), stdout and stderr merged.
on_tty() { script -qec "$*" /dev/null; }

case $3 in
quiet)  # -q: no informational line; the warning diagnostic stays
  "$CG" check "$WARNING" >"$out" 2>"$err" || fail "check failed"
  grep -q ': ok (' "$out" || fail "without -q, check says ok"
  "$CG" -q check "$WARNING" >"$out" 2>"$err" || fail "-q check failed"
  [ -s "$out" ] && fail "-q printed information"
  grep -q 'warning: CPU 0 is listed twice' "$err" || fail "-q hid the warning"
  "$CG" --log-level error check "$WARNING" >"$out" 2>"$err" || fail "--log-level error check failed"
  [ -s "$out" ] && fail "--log-level error printed information"
  "$CG" -q -v check "$WARNING" >"$out" 2>"$err"
  [ $? -eq 2 ] || fail "-q with -v is not a usage error"
  ;;
verbose)  # -v adds debug lines on stderr, and only -v (or --log-level debug)
  "$CG" check "$WARNING" >"$out" 2>"$err" || fail "check failed"
  grep -q 'debug:' "$err" && fail "debug lines without -v"
  "$CG" -v check "$WARNING" >"$out" 2>"$err" || fail "-v check failed"
  grep -q '^configgen check: debug: compiling .*warning.yaml' "$err" || fail "-v gave no debug line"
  grep -q 'debug:' "$out" && fail "debug lines on stdout"
  "$CG" check "$WARNING" --log-level debug >"$out" 2>"$err" || fail "--log-level debug check failed"
  grep -q '^configgen check: debug: ' "$err" || fail "--log-level debug gave no debug line"
  grep -q 'trace:' "$err" && fail "trace lines with one -v"
  "$CG" -vv check "$WARNING" >"$out" 2>"$err" || fail "-vv check failed"
  grep -q '^configgen check: trace: emit: [0-9]* bytes' "$err" || fail "-vv gave no trace line"
  "$CG" -v --log-level warn check "$WARNING" >"$out" 2>"$err" || fail "check failed"
  grep -q 'debug:' "$err" && fail "--log-level did not override -v"
  ;;
color)  # auto colours a terminal unless NO_COLOR; never and always win
  NO_COLOR= on_tty "$CG" check "$INVALID" >"$out" 2>&1
  has_escape "$out" || fail "no colour on a terminal"
  NO_COLOR=1 on_tty "$CG" check "$INVALID" >"$out" 2>&1
  has_escape "$out" && fail "colour with NO_COLOR=1"
  NO_COLOR= on_tty "$CG" --color=never check "$INVALID" >"$out" 2>&1
  has_escape "$out" && fail "colour with --color=never"
  NO_COLOR= "$CG" check "$INVALID" >"$out" 2>"$err"
  has_escape "$err" && fail "colour on a pipe"
  NO_COLOR=1 "$CG" --color=always check "$INVALID" >"$out" 2>"$err"
  has_escape "$err" || fail "no colour with --color=always"
  # inspect --map colours its kinds the same way, and only then.
  MAP="$CG inspect --map $SRC/tests/host/golden/demo.blob"
  NO_COLOR= on_tty "$MAP" >"$out" 2>&1
  has_escape "$out" || fail "inspect --map: no colour on a terminal"
  NO_COLOR=1 on_tty "$MAP" >"$out" 2>&1
  has_escape "$out" && fail "inspect --map: colour with NO_COLOR=1"
  NO_COLOR= $MAP >"$out" 2>"$err"
  has_escape "$out" && fail "inspect --map: colour on a pipe"
  $MAP --color always | sed "s/$ESC\[[0-9;]*m//g" >"$err"
  cmp -s "$out" "$err" || fail "inspect --map: the coloured map differs from the plain one"
  # The diagnostic's text is the same once the colour is taken out.
  "$CG" check "$INVALID" 2>"$out"
  "$CG" check "$INVALID" --color always 2>&1 | sed "s/$ESC\[[0-9;]*m//g" >"$err"
  cmp -s "$out" "$err" || fail "coloured diagnostics differ from the plain ones"
  ;;
werror)  # --werror counts the warnings it turned into errors
  "$CG" check "$WARNING" --werror >"$out" 2>"$err"
  [ $? -eq 1 ] || fail "--werror with a warning did not exit 1"
  grep -q '^1 error(s) (1 of them warning(s) treated as errors by --werror)$' "$err" || fail "no count of the warnings"
  grep -q '^0 error(s)' "$err" && fail "0 error(s) with exit status 1"
  "$CG" check "$INVALID" >"$out" 2>"$err"
  grep -q '^1 error(s)$' "$err" || fail "plain error count changed"
  ;;
exit-status)  # every command's --help ends with its exit statuses
  "$CG" --help >"$out" 2>"$err" || fail "--help failed"
  grep -q '^Exit status:' "$out" || fail "configgen --help has no exit statuses"
  commands=$(sed -n '/^Subcommands:/,$p' "$out" | sed -n 's/^  \([a-z][a-z-]*\) .*/\1/p')
  [ -n "$commands" ] || fail "no commands in configgen --help"
  for c in $commands "caps import" "lab report"; do
    $CG $c --help >"$out" 2>"$err" || fail "$c --help failed"
    grep -q '^Exit status:$' "$out" || fail "configgen $c --help has no exit statuses"
    # A group (caps, lab) only runs a subcommand: it never exits 0 itself.
    grep -q '^Usage: .* SUBCOMMAND$' "$out" || grep -q '^  0  ' "$out" || fail "configgen $c --help does not say what 0 means"
  done
  ;;
consistent)  # the commands that compile give one status for one problem
  DEMO=$SRC/profiles/demo.yaml
  keep=$(mktemp -d)
  expect() {  # expect STATUS WHAT ARGS... (run for check, compile, image and run)
    want=$1 what=$2
    shift 2
    for c in check "compile -o $keep/x.blob" "image --iso $keep/x.iso" "run --emulator qemu --keep $keep/run"; do
      $CG $c "$@" >"$out" 2>"$err"
      got=$?
      [ $got -eq $want ] || { rm -rf "$keep"; fail "$c with $what: exit status $got, not $want"; }
    done
  }
  expect 1 "a profile with errors" "$INVALID"
  expect 1 "an unknown target" "$DEMO" --target no-such-target
  expect 2 "an unreadable image" "$DEMO" --build-dir "$SRC/README.md"
  expect 2 "no profile file" "$keep/absent.yaml"
  rm -rf "$keep"
  ;;
*) echo "unknown case $3"; exit 2 ;;
esac
exit 0
