#!/usr/bin/env bash
# Wall-clock seconds of the workloads besides a plain run, as a user types
# them on the embedded default scenario: per-patient records, a run in two
# shards and their merge, a sweep, a one-way sensitivity analysis and a
# probabilistic one. Issue 15 asks that speed work make none of them
# slower: give two builds (the older first) and each workload runs on both
# in the same sitting, interleaved round by round (the order alternating),
# and the table gives each build's median and their ratio.
#
# usage: bash benches/workloads.sh [BINARY_A [BINARY_B]]
#   (no binary: this checkout's release build alone; ROUNDS=N rounds, 3 by
#   default; SCALE=F multiplies every cohort, 1 by default; SCENARIO=FILE
#   instead of the embedded default, which changes between versions: give
#   scenarios/reference/foraminal-stenosis-2025.toml to compare builds
#   whose defaults differ)
# Seconds include writing tables and charts: what the user waits for.
# Timings on a shared 2-core machine drift by 3-5%; compare only builds
# timed in one invocation.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/foramen-target}"
if ! command -v python3 >/dev/null; then
    echo "skipped: python3 is not installed (it times the commands)"
    exit 0
fi
source benches/binary.sh
binaries=("$(foramen_binary "${1:-}")")
if [ -n "${2:-}" ]; then
    binaries+=("$(foramen_binary "$2")")
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$work" "${ROUNDS:-3}" "${SCALE:-1}" "${SCENARIO:-}" "${binaries[@]}" <<'PY'
import statistics, subprocess, sys, time

work, rounds, scale, scenario, binaries = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4], sys.argv[5:]
n = lambda patients: str(max(1, int(patients * scale)))
# A cohort as the table names it: 1000000 -> "1M", 200000 -> "200k".
k = lambda patients: (lambda v: f"{v / 1e6:g}M" if v >= 1e6 else f"{v / 1e3:g}k" if v >= 1e3 else str(v))(int(n(patients)))

def out(tag):
    return ["--out", f"{work}/{tag}", "--force", "--quiet"]

# Each workload: its name and the commands it runs, in order.
workloads = [
    (f"run, {k(1e6)} patients", [["run", "--patients", n(1e6)] + out("run")]),
    (f"run --patients-out, {k(1e6)}", [["run", "--patients", n(1e6), "--patients-out"] + out("records")]),
    (f"two shards + merge, {k(1e6)}", [
        ["run", "--patients", n(1e6), "--shard", "0/2"] + out("s0"),
        ["run", "--patients", n(1e6), "--shard", "1/2"] + out("s1"),
        ["merge", f"{work}/s0", f"{work}/s1"] + out("merged"),
    ]),
    (f"sweep, 3 points x {k(2e5)}", [[
        "sweep", "--param", "interventions.tfesi.response.probability",
        "--values", "0.3,0.42,0.54", "--patients", n(2e5)] + out("sweep")]),
    (f"sensitivity, {k(1e5)}", [["sensitivity", "--patients", n(1e5)] + out("sensitivity")]),
    (f"psa, 100 draws x {k(5e3)}", [["psa", "--draws", "100", "--patients", n(5e3)] + out("psa")]),
]

def timed(binary, commands):
    start = time.perf_counter()
    for c in commands:
        if scenario and c[0] != "merge":
            c = c[:1] + [scenario] + c[1:]
        done = subprocess.run([binary] + c, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"{binary} {' '.join(c)} failed:\n{done.stderr}")
    return time.perf_counter() - start

seconds = {(w, b): [] for w, _ in workloads for b in range(len(binaries))}
for r in range(rounds):
    for name, commands in workloads:
        order = range(len(binaries)) if r % 2 == 0 else reversed(range(len(binaries)))
        for b in order:
            seconds[(name, b)].append(timed(binaries[b], commands))

for b, path in enumerate(binaries):
    print(f"{'AB'[b]}: {path}")
print(f"scenario: {scenario or 'the embedded default of each build'}")
print(f"median seconds of {rounds} rounds, interleaved")
head = f"{'workload':<28}" + "".join(f"{'AB'[b]:>9}" for b in range(len(binaries)))
print(head + ("  B / A" if len(binaries) == 2 else ""))
for name, _ in workloads:
    med = [statistics.median(seconds[(name, b)]) for b in range(len(binaries))]
    row = f"{name:<28}" + "".join(f"{m:9.2f}" for m in med)
    if len(med) == 2:
        row += f"  {med[1] / med[0]:5.2f}"
    print(row)
PY
