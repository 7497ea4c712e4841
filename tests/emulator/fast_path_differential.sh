#!/bin/sh
# The exit fast path's differential test (docs/exit-fast-path.md): boots
# PROFILE twice in Bochs, with the fast path (every guest's default) and
# with the command-line word fast_path=off, and requires the same verdict,
# every guest's console lines in the same order, the same ends and the same
# exit counts, less the VMX-preemption timer's and external interrupts',
# which follow host time (the fast path charges less of it). It also
# requires that the fast path finished exits in the first run whenever a
# guest had it, so that a profile the gate closes for is reported as such.
# A guest that prints what it read from the TSC prints another value when
# the hypervisor took less time: TIME_LINES (optional) is a regular
# expression for those lines, whose hexadecimal numbers are not compared.
# usage: fast_path_differential.sh CONFIGGEN PROFILE CPUS WORK_DIR [TIME_LINES]
CG=$1 PROFILE=$2 CPUS=$3 WORK=$4 TIME_LINES=${5:-}
rm -rf "$WORK" && mkdir -p "$WORK" || exit 1
fail() { echo "FAIL: $*"; exit 1; }
"$CG" run "$PROFILE" --cpus "$CPUS" --quiet --keep "$WORK/on" >"$WORK/on.out" 2>&1
on=$?
"$CG" run "$PROFILE" --cpus "$CPUS" --quiet --cmdline fast_path=off --keep "$WORK/off" >"$WORK/off.out" 2>&1
off=$?
tail -n 3 "$WORK/on.out" "$WORK/off.out"
[ "$on" -eq "$off" ] || fail "exit status $on with the fast path, $off without"
grep -aq "vmm: exit fast path off (command line)" "$WORK/off/serial.log" || fail "the second run did not turn the fast path off"
grep -aq " fast path: " "$WORK/off/serial.log" && fail "the second run still reports fast-path exits"

# Guest console lines by guest (CPUs interleave them differently), then the
# ends with the time-following counts dropped.
digest() {
  tr -d '\r' <"$1" | sed -n 's/^\(\[cpu[0-9]*\] \)\{0,1\}guest \([^|]*\)|/\2|/p' | sort -s -t'|' -k1,1 |
    if [ -n "$TIME_LINES" ]; then sed -E "/$TIME_LINES/s/0x[0-9a-fA-F]+/0x(time)/g"; else cat; fi
  tr -d '\r' <"$1" | sed -n 's/^\(\[cpu[0-9]*\] \)\{0,1\}vmm: guest \([^ ]*\) ended: /\2 ended: /p' |
    sed 's/ vmx-preemption-timer-expired=[0-9]*//; s/ external-interrupt=[0-9]*//' | sort
  tr -d '\r' <"$1" | grep -a -o 'vmm: summary: .*'
}
digest "$WORK/on/serial.log" >"$WORK/on.digest"
digest "$WORK/off/serial.log" >"$WORK/off.digest"
grep -q 'vmm: summary: ' "$WORK/on.digest" || fail "no summary line in the first run"
if ! diff -u "$WORK/off.digest" "$WORK/on.digest" >"$WORK/diff"; then
  cat "$WORK/diff"
  fail "the runs differ (- without the fast path, + with it)"
fi
fast=$(tr -d '\r' <"$WORK/on/serial.log" | sed -n 's/.*vmm: guest \([^ ]*\) fast path: \([0-9]*\) of \([0-9]*\) exits.*/\1 \2 \3/p')
echo "$(wc -l <"$WORK/on.digest") lines identical; fast-path exits by guest (name, fast, all): ${fast:-none (the gate is closed for every guest)}"
