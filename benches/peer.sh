#!/usr/bin/env bash
# Side by side in one sitting: the hand-written numpy script of the
# three-step reference model (../shared/peers/numpy_three_step.py, or
# $PEER_SCRIPT) against foramen on the same model
# (scenarios/reference/three-step.toml), at 10^7 patients (or $1).
# Prints both rates and their ratios; see docs/performance.md.
#
# usage: bash benches/peer.sh [PATIENTS]
#   FORAMEN=path/to/foramen runs that binary instead of building this
#   checkout (to set two builds against the same script in one sitting).
#   KERNEL=1 also runs benches/kernel.rs (`cargo bench --bench kernel`):
#   the model written by hand with foramen's streams and samplers, for
#   the script's curve only and for foramen's outputs, checked against
#   the engine first; the least the model costs without the engine's
#   generality. (Its first build compiles the bench profile: minutes.)
# Installs numpy into a local venv ($PEER_VENV, default
# $CARGO_TARGET_DIR/peer-venv) when missing; skips, saying why, without
# Python 3 or the script.
set -euo pipefail
cd "$(dirname "$0")/.."
patients="${1:-10000000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/foramen-target}"
script="${PEER_SCRIPT:-../shared/peers/numpy_three_step.py}"
venv="${PEER_VENV:-$CARGO_TARGET_DIR/peer-venv}"

if ! command -v python3 >/dev/null; then
    echo "skipped: python3 is not installed, so the numpy peer cannot run"
    exit 0
fi
if [ ! -f "$script" ]; then
    echo "skipped: no peer script at $script (set PEER_SCRIPT)"
    exit 0
fi
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import numpy" 2>/dev/null; then
    echo "installing numpy into $venv ..."
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet numpy
fi

source benches/binary.sh
foramen="$(foramen_binary)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

peer_line="$("$venv/bin/python" "$script" "$patients")"
echo "$peer_line"
peer_rate="$(echo "$peer_line" | sed -n 's/.* \([0-9.]*\) M patients\/s.*/\1/p')"

# Best of three runs per thread count, simulation time only (the manifest's
# patients_per_second; tables and charts are written after the clock stops).
rate_of() {
    local threads="$1" best=0
    for rep in 1 2 3; do
        "$foramen" run scenarios/reference/three-step.toml --patients "$patients" \
            --threads "$threads" --quiet --force --out "$out/t$threads"
        rate="$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['patients_per_second'] / 1e6)" "$out/t$threads/manifest.json")"
        best="$(python3 -c "print(max($best, $rate))")"
    done
    echo "$best"
}
one="$(rate_of 1)"
two="$(rate_of 2)"
recovered="$(python3 -c "
import csv, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r['curve'] == 'recovered']
print(rows[-1]['value'])" "$out/t2/curves.csv")"
python3 - "$peer_rate" "$one" "$two" "$patients" "$recovered" <<'PY'
import sys
peer, one, two, n, rec = (float(x) for x in sys.argv[1:])
print(f"foramen, {int(n)} patients, best of 3: {one:.2f} M patients/s on one core, "
      f"{two:.2f} M on two; recovered by day 730: {rec:.4f}")
print(f"ratio to numpy on one core: {one / peer:.2f}x (one core), {two / peer:.2f}x (two cores)")
PY

if [ -n "${KERNEL:-}" ]; then
    # (Its errors shown: a kernel that does not match the engine stops here.)
    kernel="$(cargo bench --quiet --bench kernel -- "$patients")"
    echo "$kernel"
    echo "$kernel" | sed -n 's/^kernel \(.*\), [0-9]* patients.* \([0-9.]*\) M patients\/s.*/\1|\2/p' |
        while IFS='|' read -r name rate; do
            python3 -c "import sys; print(f'kernel {sys.argv[1]}: {float(sys.argv[2]) / float(sys.argv[3]):.2f}x numpy on one core')" \
                "$name" "$rate" "$peer_rate"
        done
fi
