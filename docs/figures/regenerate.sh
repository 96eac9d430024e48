#!/usr/bin/env bash
# Draws every figure in docs/figures from the embedded default scenario, in
# one go: the charts of a run (with subgroups), a sweep, a one-way
# sensitivity analysis and a probabilistic analysis. Run it after changing
# a chart or the default scenario, then look at the pictures before
# committing them.
#
# usage: bash docs/figures/regenerate.sh
# About a minute on two cores (release build).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/foramen-target}"
cargo build --release --quiet
foramen="$CARGO_TARGET_DIR/release/foramen"
figures=docs/figures
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$foramen" run --patients 200000 --out "$work/run" --quiet
"$foramen" sweep --param interventions.physio-nsaids.failure_time.value --range 4..16 --steps 7 \
    --outcome surgery --patients 50000 --out "$work/sweep" --quiet
"$foramen" sensitivity --contrast skip-endoscopic,stepwise --outcome surgery --patients 50000 \
    --out "$work/sensitivity" --quiet
"$foramen" psa --draws 1000 --patients 10000 --out "$work/psa" --quiet

rm -f "$figures"/*.png
cp "$work"/run/*.png "$figures"/
cp "$work"/sweep/sweep_*.png "$work"/sensitivity/tornado.png "$figures"/
for chart in "$work"/psa/*.png; do
    cp "$chart" "$figures/psa-$(basename "$chart")"
done
ls "$figures"/*.png | wc -l | xargs echo "figures written:"
