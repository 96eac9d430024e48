#!/usr/bin/env bash
# How `foramen validate` grows with the size of the file: the small test
# scenario with K extra policies (two steps each) and K extra
# interventions, for K from 250 to 100,000, timed once each. Validation
# must stay linear in the file size: a file past the limits (256 policies,
# 256 interventions) is refused after it is read, in time proportional to
# its length; one within them is validated in full.
#
# usage: bash benches/validation_size.sh [BINARY]   (default: the release build)
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/binary.sh
foramen="$(foramen_binary "${1:-}")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
printf '%-14s %8s %10s %10s\n' what count bytes seconds
for what in policies interventions; do
    for k in 250 1000 10000 100000; do
        file="$work/$what-$k.toml"
        python3 - "$what" "$k" "$file" <<'PY'
import sys
what, k, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
text = open("tests/data/small.toml").read()
if what == "policies":
    at = text.index("[[policies]]")
    extra = "".join(f'[[policies]]\nname = "p{i}"\nsteps = [{{ intervention = "physio" }}, {{ intervention = "surgery" }}]\n\n' for i in range(k))
else:
    at = text.index("[[interventions]]")
    extra = "".join(f'[[interventions]]\nname = "i{i}"\nlevel = "conservative"\nresponse = {{ probability = 0.5 }}\nrecovery_time = {{ family = "fixed", value = 1 }}\nfailure_time = {{ family = "fixed", value = 1 }}\n' for i in range(k))
open(out, "w").write(text[:at] + extra + text[at:])
PY
        start=$(date +%s.%N)
        "$foramen" validate "$file" >/dev/null 2>&1 || true
        end=$(date +%s.%N)
        printf '%-14s %8d %10d %10.2f\n' "$what" "$k" "$(stat -c%s "$file")" "$(echo "$end - $start" | bc)"
    done
done
