#!/usr/bin/env bash
# Instructions per patient-path of the simulation, counted by callgrind:
# the same count on every run of the same binary and scenario, whatever
# else the machine is doing (wall-clock timings on a shared 2-core machine
# drift by 3-5%). Counts the simulation's worker thread only (the rayon
# fold; tables and charts are written outside it, apart from polars' own
# rayon jobs, a few percent at these sizes), on one thread.
#
# usage: bash benches/instructions.sh [SCENARIO] [PATIENTS] [BINARY]
#   defaults: the three-step reference model, 100,000 patients, the
#   release build. Instructions are not time: use it to compare two builds
#   (copy the first binary aside and pass it as BINARY), then confirm a
#   gain with interleaved timings (docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario="${1:-scenarios/reference/three-step.toml}"
patients="${2:-100000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/foramen-target}"
if ! command -v valgrind >/dev/null; then
    echo "skipped: valgrind is not installed (Debian: apt-get install valgrind)"
    exit 0
fi
if [ -n "${3:-}" ]; then
    foramen="$3"
else
    cargo build --release --quiet
    foramen="$CARGO_TARGET_DIR/release/foramen"
fi
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
