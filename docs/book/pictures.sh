#!/bin/sh
# Regenerates the "## Memory map and timeline" section of each docs/book
# page with guests (ex6-1.md has its own, written around the same commands): the
# guest-physical map from `configgen inspect --map` and the text timeline
# of a traced Bochs run (`run --trace`, `trace --timeline`). The maps are
# checked against the command by InspectMap.BookPagesShowTheCommandsOutput;
# a timeline varies a little from run to run, so rerun this after a change
# that moves it.
# usage: docs/book/pictures.sh [BUILD_DIR]   (from the repository root)
set -eu
BUILD=${1:-build}
CG=$BUILD/bin/configgen
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for page in docs/book/ex*.md; do
  [ "$page" = docs/book/ex6-1.md ] && continue
  profile=$(grep -o 'configgen run profiles/book/[^ `]*\.yaml' "$page" | head -1 | cut -d' ' -f3)
  [ -n "$profile" ] || { echo "$page: no run command"; exit 1; }
  name=$(basename "$page" .md)
  "$CG" inspect --map "$profile" >"$WORK/map.txt"
  # Examples of the hypervisor alone (boot stages, debug records, the
  # capability report) have no guest to draw.
  if grep -q '^no guests$' "$WORK/map.txt"; then echo "$page: no guests, no pictures"; continue; fi
  "$CG" run "$profile" --quiet --keep "$WORK/$name" --trace "$WORK/$name.json" >"$WORK/run.txt" 2>&1 || {
    cat "$WORK/run.txt"; echo "$page: the traced run of $profile failed"; exit 1; }
  "$CG" trace "$WORK/$name/serial.log" --timeline >"$WORK/timeline.txt"
  python3 - "$page" "$profile" "$name" "$WORK/map.txt" "$WORK/timeline.txt" <<'PY'
import sys
page, profile, name, map_file, timeline_file = sys.argv[1:]
text = open(page).read()
section = f"""## Memory map and timeline

What EPT gives each guest, from the compiled blob (docs/profile-reference.md
says what each kind and column means):

```sh
build/bin/configgen inspect --map {profile}
```

```
{open(map_file).read().rstrip()}
```

The run as a timeline ([trace.md](../trace.md)): `--trace` writes a
Chrome-trace file for Perfetto, and `trace --timeline` draws the same run as
text, a row per CPU and a letter per guest:

```sh
build/bin/configgen run {profile} --trace {name}.json --keep {name}-run
build/bin/configgen trace {name}-run/serial.log --timeline
```

```
{open(timeline_file).read().rstrip()}
```

"""
start = text.find("## Memory map and timeline\n")
if start >= 0:
    end = text.find("\n## ", start + 1)
    text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
else:
    for anchor in ("## Observed", "## The negative check", "## Which Bochs"):
        at = text.find(anchor)
        if at >= 0:
            text = text[:at] + section + text[at:]
            break
    else:
        text = text.rstrip() + "\n\n" + section.rstrip() + "\n"
open(page, "w").write(text)
PY
  echo "$page: map and timeline of $profile"
done
