"""The Python package against the command line it shares a library with.

Run by foramen-py/run-tests.sh (which .ci/run calls): it builds the
extension into a venv and points FORAMEN_BIN at the command line built by
`cargo test`.
"""

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import polars as pl
import pytest

import foramen

REPO = Path(__file__).resolve().parents[2]
PLAIN = REPO / "scenarios" / "reference" / "three-step.toml"


def cli() -> str:
    """The command line built from this checkout."""
    found = os.environ.get("FORAMEN_BIN") or shutil.which("foramen")
    if not found:
        pytest.skip("no foramen binary: set FORAMEN_BIN (run-tests.sh does)")
    return found


def same_as_the_command_line(saved: Path, args: list, tmp_path: Path) -> list:
    """Runs `foramen ARGS --out DIR -q` and checks that DIR holds the files
    of `saved`, each the same bytes but the manifest (times, argv) and the
    report that shows it; returns the files compared."""
    cli_dir = tmp_path / "cli"
    subprocess.run([cli(), *args, "--out", str(cli_dir), "-q"], check=True)
    files = sorted(p.name for p in cli_dir.iterdir())
    assert files == sorted(p.name for p in saved.iterdir())
    compared = [f for f in files if f not in ("manifest.json", "report.html")]
    for name in compared:
        assert (saved / name).read_bytes() == (cli_dir / name).read_bytes(), name
    return compared


def test_a_saved_run_is_the_command_lines_run_byte_for_byte(tmp_path):
    results = foramen.run(foramen.Scenario.default(), patients=3000, seed=7, threads=2)
    saved = results.save(tmp_path / "python")
    args = ["run", "--patients", "3000", "--seed", "7", "--threads", "2"]
    compared = same_as_the_command_line(saved, args, tmp_path)
    assert "summary.csv" in compared and "recovery_curves.png" in compared


def test_each_frame_holds_its_csvs_rows(tmp_path):
    results = foramen.run(foramen.Scenario.default(), patients=2000, seed=3)
    saved = results.save(tmp_path / "run")
    for name, frame in results.tables().items():
        written = pl.read_csv(saved / f"{name}.csv", schema=frame.schema)
        assert frame.equals(written), name
    assert set(results.tables()) >= {"summary", "curves", "at_risk", "comparison", "cea", "nmb", "subgroups"}
    assert results.summary["policy"].to_list() == foramen.Scenario.default().policies


def test_threads_do_not_change_the_results():
    scenario = foramen.Scenario.from_file(PLAIN)
    one = foramen.run(scenario, patients=20_000, seed=11, threads=1)
    two = foramen.run(scenario, patients=20_000, seed=11, threads=2)
    for name in one.tables():
        assert one.table(name).equals(two.table(name)), name
    assert one.cea is None and one.patients is None


def test_patient_records_have_a_row_per_patient_and_policy():
    scenario = foramen.Scenario.default()
    results = foramen.run(scenario, patients=500, seed=1, patients_out=True)
    patients = results.patients
    assert patients.height == 500 * len(scenario.policies)
    assert patients["policy"].unique(maintain_order=True).to_list() == scenario.policies


def test_an_edit_changes_the_scenario_and_names_itself():
    scenario = foramen.Scenario.default()
    edited = scenario.with_values({"interventions.tfesi.response.probability": 0.05})
    assert "interventions.tfesi.response.probability = 0.05" in edited.file
    base = foramen.run(scenario, patients=4000, seed=5).summary
    low = foramen.run(edited, patients=4000, seed=5).summary
    assert not base.equals(low)
    assert foramen.run(edited, patients=4000, seed=5).manifest["scenario_file"] == edited.file


def test_every_problem_of_a_scenario_is_listed():
    text = foramen.Scenario.default().text
    bad = text.replace("probability = 0.", "probability = 7.", 2)
    with pytest.raises(foramen.ScenarioError) as raised:
        foramen.Scenario.from_toml(bad, "bad.toml")
    problems = raised.value.problems
    assert len(problems) >= 2
    for p in problems:
        assert p["file"] == "bad.toml"
        assert p["path"] and p["rule"]
    assert any("7" in p["value"] for p in problems)


def test_an_unknown_key_path_names_the_closest():
    with pytest.raises(foramen.ScenarioError) as raised:
        foramen.Scenario.default().with_values({"interventions.tfesy.response.probability": 0.5})
    [problem] = raised.value.problems
    assert problem["path"] == "interventions.tfesy.response.probability"
    assert "interventions.tfesi.response.probability" in problem["rule"]


def test_bad_settings_and_files_raise_python_errors(tmp_path):
    with pytest.raises(OSError):
        foramen.Scenario.from_file(tmp_path / "missing.toml")
    with pytest.raises(foramen.ScenarioError):
        foramen.run(foramen.Scenario.default(), patients=0)
    results = foramen.run(foramen.Scenario.from_file(PLAIN), patients=100)
    results.save(tmp_path / "once")
    with pytest.raises(OSError):
        results.save(tmp_path / "once")
    results.save(tmp_path / "once", force=True)


def test_the_gil_is_released_while_simulating():
    counted = 0
    running = threading.Event()
    stop = threading.Event()

    def count():
        nonlocal counted
        running.set()
        while not stop.is_set():
            counted += 1

    thread = threading.Thread(target=count)
    thread.start()
    running.wait()
    before = counted
    started = time.perf_counter()
    foramen.run(foramen.Scenario.default(), patients=40_000, seed=1, threads=1)
    took = time.perf_counter() - started
    during = counted - before
    stop.set()
    thread.join()
    # A thread starved of the GIL counts nothing until the run returns.
    assert took > 0.05 and during > 1000, (took, during)


def test_ctrl_c_stops_a_run():
    import _thread

    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        foramen.run(foramen.Scenario.default(), patients=50_000_000, threads=2)
    assert time.perf_counter() - started < 30
    timer.cancel()


def test_the_example_notebook_runs(tmp_path):
    notebook = REPO / "docs" / "notebook" / "first_run.py"
    env = dict(
        os.environ,
        FORAMEN_PATIENTS="3000",
        FORAMEN_DRAWS="8",
        FORAMEN_PSA_PATIENTS="200",
        FORAMEN_FIGURES=str(tmp_path),
    )
    subprocess.run([sys.executable, str(notebook)], check=True, env=env, cwd=tmp_path)
    assert (tmp_path / "recovery_two_policies.png").stat().st_size > 10_000
    assert (tmp_path / "ceac.png").stat().st_size > 10_000


def test_a_psa_is_the_command_lines_psa(tmp_path):
    results = foramen.psa(foramen.Scenario.default(), draws=12, patients=300, threads=2)
    saved = results.save(tmp_path / "python")
    args = ["psa", "--draws", "12", "--patients", "300", "--threads", "2"]
    assert "evppi.csv" in same_as_the_command_line(saved, args, tmp_path)
    policies = foramen.Scenario.default().policies
    assert results.psa.height == 12 * len(policies)
    assert results.psa_parameters.height == 12
    assert results.psa_cost.columns == ["draw", *policies]
    assert set(results.names()) >= {"ceac", "evpi", "evppi"}
    assert results.manifest["command"].startswith("psa")
    with pytest.raises(FileExistsError):
        results.save(tmp_path / "python")


def test_a_sweep_is_the_command_lines_sweep(tmp_path):
    param = "interventions.tfesi.response.probability"
    analysis = foramen.sweep(foramen.Scenario.default(), param, [0.3, 0.6], patients=500, threads=2)
    saved = analysis.save(tmp_path / "python")
    args = ["sweep", "--param", param, "--values", "0.3,0.6", "--patients", "500", "--threads", "2"]
    assert "sweep.csv" in same_as_the_command_line(saved, args, tmp_path)
    assert analysis.sweep["value"].unique().sort().to_list() == [0.3, 0.6]


def test_a_sensitivity_analysis_is_the_command_lines(tmp_path):
    scenario = foramen.Scenario.default()
    analysis = foramen.sensitivity(scenario, outcome="recovered", policy="stepwise", patients=200)
    saved = analysis.save(tmp_path / "python")
    args = ["sensitivity", "--outcome", "recovered", "--policy", "stepwise", "--patients", "200"]
    assert "sensitivity.csv" in same_as_the_command_line(saved, args, tmp_path)
    assert analysis.sensitivity.height > 0
    with pytest.raises(AttributeError):
        analysis.ceac


def test_targets_are_the_command_lines(tmp_path):
    analysis = foramen.targets(foramen.Scenario.default(), patients=500)
    saved = analysis.save(tmp_path / "python")
    assert "targets.csv" in same_as_the_command_line(saved, ["targets", "--patients", "500"], tmp_path)
    assert analysis.targets.height > 0


def test_a_calibration_is_the_command_lines(tmp_path):
    small = dict(patients=500, prior_points=20, batch=10, rounds=1, posterior=20, iterations=5)
    analysis = foramen.calibrate(foramen.Scenario.default(), holdout=["cervical-endoscopic-2y"], **small)
    saved = analysis.save(tmp_path / "python")
    args = ["calibrate", "--holdout", "cervical-endoscopic-2y"]
    for key, value in small.items():
        args += ["--" + key.replace("_", "-"), str(value)]
    compared = same_as_the_command_line(saved, args, tmp_path)
    assert {"calibration.csv", "posterior.csv", "targets_after.csv"} <= set(compared)
    assert analysis.posterior.height == 20
    with pytest.raises(foramen.ScenarioError) as raised:
        foramen.calibrate(foramen.Scenario.default(), prior_points=1)
    assert raised.value.problems[0]["path"] == "prior_points"


def test_frames_go_to_pandas_through_polars():
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    results = foramen.run(foramen.Scenario.from_file(PLAIN), patients=1000)
    frame = results.summary.to_pandas()
    assert list(frame.columns) == results.summary.columns
    assert frame["recovered"].tolist() == results.summary["recovered"].to_list()


RECOVERY = REPO / "docs" / "data" / "endoscopic-recovery.csv"


def test_a_fit_is_the_command_lines(tmp_path):
    columns = dict(time="days", event="recovered", entry="entered")
    result = foramen.fit(RECOVERY, by=["region"], key="interventions.endoscopic.recovery_time", **columns)
    saved = result.save(tmp_path / "python")
    args = ["fit", str(RECOVERY), "--time", "days", "--event", "recovered", "--entry", "entered"]
    args += ["--by", "region", "--key", "interventions.endoscopic.recovery_time"]
    compared = same_as_the_command_line(saved, args, tmp_path)
    assert {"fits.csv", "covariance.csv", "km.csv", "fit.toml", "fits.png"} <= set(compared)
    assert result.fits["family"].n_unique() == 7
    assert result.fragment.startswith("# foramen fit: ")
    probability = foramen.fit(REPO / "docs" / "data" / "endoscopic-response.csv", response="responded")
    assert "probability = { beta = [" in probability.fragment
    assert probability.response["term"].to_list() == ["probability"]


def test_bad_data_raise_every_problem(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("t,d\n5,1\n-1,2\n")
    with pytest.raises(foramen.ScenarioError) as raised:
        foramen.fit(data, time="t", event="d")
    paths = [p["path"] for p in raised.value.problems]
    assert paths == ["column t, line 3", "column d, line 3"]
    with pytest.raises(ValueError):
        foramen.fit(data, time="t")
