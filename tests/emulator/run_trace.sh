#!/bin/sh
# configgen run --trace in Bochs: the run passes, its Chrome-trace file is
# well formed and holds one exit event per exit the guests' ended lines
# count (RunTraceFile.MatchesItsSerialLog), `configgen trace` makes the same
# file from the kept serial log, and the live stream left the record lines out.
# usage: run_trace.sh CONFIGGEN HOST_TESTS PROFILE WORK_DIR [run options...]
CG=$1 HOST_TESTS=$2 PROFILE=$3 WORK=$4
shift 4
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$WORK" && mkdir -p "$WORK" || fail "cannot make $WORK"
"$CG" run "$PROFILE" --keep "$WORK/run" --trace "$WORK/trace.json" "$@" >"$WORK/out.txt" 2>&1
status=$?
cat "$WORK/out.txt"
[ $status -eq 0 ] || fail "run --trace exited $status"
grep -q "^trace: its exits agree with every guest's ended line$" "$WORK/out.txt" || fail "run did not compare the trace with the summary"
grep -q "^configgen run: exits of guest " "$WORK/out.txt" || fail "no exit histogram in the run summary"
grep -q "vmm: trace cpu 0 data: " "$WORK/run/serial.log" || fail "the serial log has no trace records"
! grep -q "vmm: trace cpu 0 data: " "$WORK/out.txt" || fail "the live stream showed trace records"
VTX_TRACE_JSON="$WORK/trace.json" VTX_TRACE_LOG="$WORK/run/serial.log" "$HOST_TESTS" --gtest_also_run_disabled_tests --gtest_filter=RunTraceFile.DISABLED_MatchesItsSerialLog \
  >"$WORK/check.txt" 2>&1 || { cat "$WORK/check.txt"; fail "the trace file does not match its serial log"; }
grep -q "1 test.*PASSED\|\[  PASSED  \] 1 test" "$WORK/check.txt" || { cat "$WORK/check.txt"; fail "the trace check did not run"; }
grep -q "SKIPPED" "$WORK/check.txt" && fail "the trace check was skipped"
"$CG" trace "$WORK/run/serial.log" -o "$WORK/again.json" || fail "configgen trace exited $?"
cmp -s "$WORK/trace.json" "$WORK/again.json" || fail "configgen trace made another file from the same log"
echo "run --trace: the trace file matches the serial summary"
