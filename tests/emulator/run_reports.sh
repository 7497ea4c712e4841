#!/bin/sh
# run --json and run --junit on the demo in Bochs, with one expectation added
# that cannot hold: both documents must show the profile's checks passing
# and that one failing with the verdict's sentence.
# usage: run_reports.sh CONFIGGEN SOURCE_DIR WORK_DIR
CG=$1 SRC=$2 WORK=$3
mkdir -p "$WORK"
JSON=$WORK/verdict.json XML=$WORK/verdict.xml
fail() { echo "FAIL: $*"; echo "--- json"; cat "$JSON"; echo "--- junit"; cat "$XML"; exit 1; }
"$CG" run "$SRC/profiles/demo.yaml" --cpus 2 --keep "$WORK/run" --expect-line 'no such line, ever' \
  --json --junit "$XML" >"$JSON"
status=$?
[ $status -eq 1 ] || fail "exit status $status, not 1 (one expectation fails)"
# stdout is the JSON document alone: it starts and ends as one object.
[ "$(head -c1 "$JSON")" = "{" ] && [ "$(tail -n1 "$JSON")" = "}" ] || fail "stdout is not one JSON object"
grep -q '^  "verdict": "fail",$' "$JSON" || fail "no fail verdict"
grep -q '^  "exit_status": 1,$' "$JSON" || fail "no exit status"
grep -q '^  "end_line": "pass",$' "$JSON" || fail "the hypervisor's end line is not pass"
[ "$(grep -c '"passed": true' "$JSON")" -ge 2 ] || fail "fewer than two checks passed"
[ "$(grep -c '"passed": false' "$JSON")" -eq 1 ] || fail "not exactly one failed check"
grep -q '"outcome": "halted"' "$JSON" || fail "the demo guest's end is missing"
grep -q '^<?xml version="1.0" encoding="UTF-8"?>$' "$XML" || fail "no XML declaration"
tests=$(grep -c '<testcase ' "$XML")
[ "$tests" -ge 3 ] || fail "$tests testcases, fewer than the end line and the demo's expectations"
grep -q "<testsuite name=\"demo\" tests=\"$tests\" failures=\"1\"" "$XML" || fail "the suite does not count $tests tests and 1 failure"
grep -q "<failure message=\"&apos;no such line, ever&apos; matched 0 line(s)\"" "$XML" || fail "the failure lacks the verdict's sentence"
grep -q 'name="guest demo ends halted" file="[^"]*demo.yaml" line="[0-9]*"/>' "$XML" || fail "the profile's end expectation is not a passing testcase"
echo "run --json and --junit: $tests checks, 1 failure, as expected"
