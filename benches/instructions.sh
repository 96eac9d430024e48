#!/usr/bin/env bash
# Instructions per patient-path of the simulation, counted by callgrind:
# the same count on every run of the same binary and scenario, whatever
# else the machine is doing (wall-clock timings on a shared 2-core machine
# drift by 3-5%). Counts the simulation's worker thread only (the rayon
# fold; tables and charts are written outside it, apart from polars' own
# rayon jobs, a few percent at these sizes), on one thread.
#
# usage: bash benches/instructions.sh [SCENARIO] [PATIENTS] [BINARY]
#   (BINARY, or $FORAMEN: a given build instead of this checkout's)
#   defaults: the three-step reference model, 100,000 patients, the
#   release build. TOP=N also prints the N source lines that execute the
#   most instructions, per path (the release build has line tables for
#   foramen; lines of inlined library code are named by their file).
#   Instructions are not time: use it to compare two builds (copy the
#   first binary aside and pass it as BINARY), then confirm a gain with
#   interleaved timings (docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-scenarios/reference/three-step.toml}"
patients="${2:-100000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/foramen-target}"
if ! command -v valgrind >/dev/null; then
    echo "skipped: valgrind is not installed (Debian: apt-get install valgrind)"
    exit 0
fi
source benches/binary.sh
foramen="$(foramen_binary "${3:-}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$work/cg" \
    --toggle-collect='*bridge_producer_consumer*' \
    "$foramen" run "$scenario" --patients "$patients" --threads 1 \
    --out "$work/run" --force --quiet 2>"$work/log" >/dev/null ||
    { cat "$work/log"; exit 1; }
total="$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$work/cg" | head -1)"
policies="$(python3 -c "import json,sys; p = json.load(open(sys.argv[1]))['policies']; print(p if isinstance(p, int) else len(p))" "$work/run/manifest.json")"
python3 - "$total" "$patients" "$policies" "$scenario" <<'PY'
import sys
total, patients, policies, scenario = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
paths = patients * policies
print(f"{scenario}: {total / paths:.0f} instructions per patient-path "
      f"({total:,} for {patients:,} patients x {policies} policies, one thread)")
PY
if [ -n "${TOP:-}" ]; then
    cat >"$work/top.py" <<'PY'
import re, sys
top, paths = int(sys.argv[1]), int(sys.argv[2])
rows, source = [], "?"
for line in sys.stdin:
    if line.startswith("-- Auto-annotated source:"):
        source = line.split("/")[-1].strip()
        continue
    m = re.match(r"\s*([\d,]+)\s+(\S.*)$", line)
    if not m or m.group(2).startswith("=>") or "PROGRAM TOTALS" in line or "events annotated" in line:
        continue
    count = int(m.group(1).replace(",", ""))
    text = m.group(2)
    # Function summaries name a file and a function; annotated lines are code.
    where = text if ":" in text.split(" ")[0] and "/" in text.split(" ")[0] else f"{source}: {text}"
    rows.append((count, where[:110]))
rows.sort(reverse=True)
print(f"top {top} lines, instructions per path (function totals included):")
for count, where in rows[:top]:
    print(f"{count / paths:8.1f}  {where}")
PY
    callgrind_annotate --auto=yes --show-percs=no --threshold=100 --context=0 "$work/cg" 2>/dev/null |
        python3 "$work/top.py" "$TOP" "$((patients * policies))"
fi
