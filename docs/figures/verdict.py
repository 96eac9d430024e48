#!/usr/bin/env python3
"""The verdict of the default scenario and the assumptions that could decide it.

Runs the default scenario and one edited copy per structural or economic
assumption (docs/evidence.md, section E), each at the same patients and
seed, and prints the incremental analysis (frontier, ICERs) and the policy
with the highest net monetary benefit at each willingness to pay.

    python3 docs/figures/verdict.py FORAMEN [PATIENTS]

FORAMEN is the foramen binary (a release build); PATIENTS defaults to
200000 per policy. It writes nothing in the repository (runs go to a
temporary directory).
"""
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BASE = (ROOT / "scenarios" / "foraminal-stenosis.toml").read_text()
OPERATIONS = ["endoscopic", "microdiscectomy", "foraminotomy", "tlif", "acdf"]


def edit(text, old, new, count=1):
    assert text.count(old) >= count, f"the default no longer has {old!r}"
    return text.replace(old, new)


def with_intervention_key(text, names, line):
    """Adds `line` after the `name = "..."` line of each named intervention."""
    for n in names:
        text = edit(text, f'name = "{n}"\n', f'name = "{n}"\n{line}\n')
    return text


def route_utilities(text):
    # The previous default: 0.05 more after an operation than after
    # conservative care (0.70 against 0.65, an assumption).
    text = with_intervention_key(text, OPERATIONS, "utility = 0.765")
    return with_intervention_key(text, ["physio-nsaids", "tfesi"], "utility = 0.715")


def societal(text):
    # Productivity: US median weekly earnings about $1,165 in 2024 (BLS),
    # $166 a day; about 36% of this cohort employed (60% under 65 and 60% of
    # them working), half of a working day lost while symptomatic or
    # recovering, a quarter when improved (assumptions): $30, $30 and $15.
    return edit(
        text,
        "daily_cost = { symptomatic = 3, improved = 1.5 }",
        "daily_cost = { symptomatic = 33, recovering = 30, improved = 16.5 }",
    )


def free_complications(text):
    import re

    text = re.sub(r"\ncost = \d+ +# assumption[^\n]*", "", text)
    return re.sub(r"\nqaly_loss = 0\.0\d+ +# assumption[^\n]*", "\nqaly_loss = 0", text)


def no_resolution(text):
    start = text.index("[natural_history.resolution]")
    end = text.index("[natural_history.permanent_deficit]")
    return text[:start] + text[end:]


def faster_resolution(text):
    return edit(text, "scale = { gamma_mean = 4810", "scale = { gamma_mean = 1600")


def all_accept(text):
    import re

    return re.sub(
        r'(name = "accepts_reoperation"(?:.|\n)*?)\nprobability = \{[^}]*\}',
        r"\1\nprobability = 1.0",
        text,
        count=1,
    )


def no_harm_of_delay(text):
    return edit(text, "odds_ratio_per_week = 1.05", "odds_ratio_per_week = 1.0")


def strong_harm_of_delay(text):
    return edit(text, "odds_ratio_per_week = 1.05", "odds_ratio_per_week = 1.15")


def no_discount(text):
    return edit(text, "discount_rate = 0.03 ", "discount_rate = 0.0 ")


VARIANTS = [
    ("base case", lambda t: t),
    ("S1 route-specific utility (+0.05 after an operation)", route_utilities),
    ("S7 societal perspective (productivity losses)", societal),
    ("S7 complications cost nothing; no complication or procedure loses QALYs", free_complications),
    ("S2 no spontaneous resolution", no_resolution),
    ("S2 resolution three times as fast (scale 1,600 days)", faster_resolution),
    ("S4 everyone accepts another operation", all_accept),
    ("S5 no harm of delay for a motor deficit", no_harm_of_delay),
    ("S5 strong harm of delay (odds x1.15 a week)", strong_harm_of_delay),
    ("no discounting", no_discount),
]


def verdict(run):
    rows = list(csv.DictReader(open(run / "cea.csv")))
    frontier = []
    for r in rows:
        if r["status"] == "frontier":
            icer = r["icer"]
            frontier.append(
                r["policy"] + (f" ({float(icer):,.0f})" if icer not in ("", "NaN") else "")
            )
    best = {}
    for r in csv.DictReader(open(run / "nmb.csv")):
        if r["best"] == "true":
            best[float(r["willingness_to_pay"])] = r["policy"]
    return " -> ".join(frontier), ", ".join(best[w] for w in sorted(best))


def main():
    foramen = sys.argv[1]
    patients = sys.argv[2] if len(sys.argv) > 2 else "200000"
    print("| assumption | frontier (ICER, USD per QALY) | best at $50k, $100k, $150k |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for i, (name, change) in enumerate(VARIANTS):
            scenario = Path(tmp) / f"v{i}.toml"
            scenario.write_text(change(BASE))
            out = Path(tmp) / f"run{i}"
            subprocess.run(
                [foramen, "run", str(scenario), "--patients", patients, "--out", str(out), "-q"],
                check=True,
            )
            frontier, best = verdict(out)
            print(f"| {name} | {frontier} | {best} |")


if __name__ == "__main__":
    main()
