#!/bin/sh
# A guest that exits more often than its CPU's trace ring holds (ex6-1's
# I/O storm against a 16-record ring): the ring keeps the newest records,
# the run still passes, the trace file is written and says it is
# incomplete, and configgen says the counts were not compared.
# usage: run_trace_overflow.sh CONFIGGEN PROFILE WORK_DIR
CG=$1 PROFILE=$2 WORK=$3
fail() { echo "FAIL: $*"; exit 1; }
rm -rf "$WORK" && mkdir -p "$WORK" || fail "cannot make $WORK"
"$CG" run "$PROFILE" --quiet --keep "$WORK/run" --trace "$WORK/trace.json" --trace-records 16 >"$WORK/out.txt" 2>&1
status=$?
cat "$WORK/out.txt"
[ $status -eq 0 ] || fail "run exited $status"
grep -q "the rings overwrote their oldest [0-9]* record(s)" "$WORK/out.txt" || fail "no warning that records were lost"
grep -q '^configgen run: PASS' "$WORK/out.txt" || fail "the run did not pass"
grep -q '"complete": false' "$WORK/trace.json" || fail "the trace file does not say it is incomplete"
grep -q 'vmm: trace cpu 0: 16 records, [0-9]* overwritten' "$WORK/run/serial.log" || fail "the ring did not keep exactly its 16 records"
echo "run --trace with a full ring: newest 16 records kept, run passed, trace marked incomplete"
