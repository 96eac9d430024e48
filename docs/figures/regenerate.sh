#!/usr/bin/env bash
# Draws every figure in docs/figures from the embedded default scenario, in
# one go: the charts of a run (with subgroups), a sweep, a one-way
# sensitivity analysis, a probabilistic analysis and the structural
# variants (docs/evidence.md section E is that run's printout), and the
# default run's figures quoted in the docs. Run it after changing
# a chart or the default scenario, then look at the pictures before
# committing them.
#
# usage: bash docs/figures/regenerate.sh
#        FORAMEN=path/to/foramen bash docs/figures/regenerate.sh
# About two minutes on two cores (release build). With FORAMEN, that binary
# draws them instead and nothing is built (a debug build draws the same
# figures: results do not depend on the build's optimisation).
set -euo pipefail
cd "$(dirname "$0")/../.."
source benches/binary.sh
foramen="$(foramen_binary)"
figures=docs/figures
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$foramen" run --patients 200000 --out "$work/run" --quiet
"$foramen" sweep --param interventions.physio-nsaids.failure_time.value --range 4..16 --steps 7 \
    --outcome surgery --patients 50000 --out "$work/sweep" --quiet
"$foramen" sensitivity --patients 50000 --out "$work/sensitivity" --quiet
"$foramen" psa --draws 1000 --patients 10000 --out "$work/psa" --quiet \
    --group "operative success=interventions.endoscopic.response.probability,interventions.microdiscectomy.response.probability,interventions.foraminotomy.response.probability,interventions.tlif.response.probability" \
    --group "procedure costs=interventions.endoscopic.cost,interventions.microdiscectomy.cost,interventions.foraminotomy.cost,interventions.tlif.cost,interventions.acdf.cost,interventions.tfesi.cost,interventions.physio-nsaids.cost"
"$foramen" variants --patients 200000 --out "$work/variants" --quiet

rm -f "$figures"/*.png
cp "$work"/run/*.png "$figures"/
cp "$work"/sweep/sweep_*.png "$work"/sensitivity/tornado.png "$work"/variants/decision.png "$figures"/
for chart in "$work"/psa/*.png; do
    name="$(basename "$chart")"
    cp "$chart" "$figures/psa-${name#psa_}"
done
# The top of the run's report.html as Chromium shows it (Debian's
# chromium; skipped without it).
if command -v chromium >/dev/null; then
    chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$work/chromium" --hide-scrollbars --window-size=1200,1800 \
        --screenshot="$figures/report.png" "file://$work/run/report.html" >/dev/null 2>&1
else
    echo "note: chromium is not installed, so docs/figures/report.png was not redrawn" >&2
fi
ls "$figures"/*.png | wc -l | xargs echo "figures written:"
# The default run's figures quoted in README.md and docs/ (tests/it/quotes.rs
# checks them; this rewrites those that moved: read the diff).
FORAMEN_UPDATE_DOCS=1 cargo test --quiet --test it quotes >/dev/null
git diff --stat -- README.md docs/*.md
