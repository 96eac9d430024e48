//! Helpers shared by the integration tests (tests/fuzz.rs includes this
//! file too, with `#[path]`).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use foramen::scenario::Scenario;
use foramen::simulate::engine::RunSpec;
use foramen::simulate::pathway::{Event, PathOutcome, Spells};
use foramen::simulate::patient::{Scratch, simulate_patient};
use foramen::simulate::tally::Untallied;

/// The small test scenario, relative to the package root (the working
/// directory of `cargo test`).
pub const SMALL: &str = "tests/data/small.toml";

/// The small test scenario's text.
pub const SMALL_TEXT: &str = include_str!("../data/small.toml");

/// The real `foramen` binary.
pub fn foramen() -> Command {
    Command::cargo_bin("foramen").unwrap()
}

/// The small scenario's text with the first `from` replaced by `to`; panics
/// if it has no `from`.
pub fn edited(from: &str, to: &str) -> String {
    assert!(SMALL_TEXT.contains(from), "small.toml has no `{from}`");
    SMALL_TEXT.replacen(from, to, 1)
}

/// A run of `patients` per policy on the scenario's seed: one thread, no
/// subgroups, no patient records, common random numbers, the first policy as
/// reference, the whole cohort. Override fields with struct update syntax.
pub fn spec(s: &Scenario, patients: u64) -> RunSpec {
    RunSpec {
        threads: 1,
        ..RunSpec::new(patients, s.simulation().seed)
    }
}

/// `foramen validate` on the small scenario with `from` replaced by `to`.
pub fn validate_edit(from: &str, to: &str) -> assert_cmd::assert::Assert {
    validate_text(&edited(from, to))
}

/// `foramen validate` on scenario text.
pub fn validate_text(text: &str) -> assert_cmd::assert::Assert {
    let tmp = tempfile::TempDir::new().unwrap();
    let path = tmp.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    foramen().arg("validate").arg(&path).assert()
}

/// The small scenario with `from` replaced by `to` is refused (exit 2) with
/// every one of `expected` in the message.
pub fn refused(from: &str, to: &str, expected: &[&str]) {
    stderr_has(validate_edit(from, to).code(2), expected);
}

/// Every one of `expected` is in the command's stderr.
pub fn stderr_has(assert: assert_cmd::assert::Assert, expected: &[&str]) {
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    for e in expected {
        assert!(stderr.contains(e), "no `{e}` in:\n{stderr}");
    }
}

/// `foramen plot RUN ARGS... --out OUT`, run (assert its outcome).
pub fn plot(run: &Path, out: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    foramen().arg("plot").arg(run).args(args).arg("--out").arg(out).assert()
}

/// `foramen run SCENARIO --quiet --out DIR ARGS...`, asserted to succeed;
/// DIR is `dir/name`, returned.
pub fn run_quiet(dir: &Path, name: &str, scenario: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    foramen()
        .arg("run")
        .arg(scenario)
        .args(args)
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    out
}

/// [`run_quiet`] on scenario text, written to `dir/name.toml`.
pub fn run_text(dir: &Path, name: &str, text: &str, args: &[&str]) -> PathBuf {
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, text).unwrap();
    run_quiet(dir, name, &file, args)
}

/// The column called `name` of CSV text (cells as written).
pub fn csv_column(text: &str, name: &str) -> Vec<String> {
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let i = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name}"));
    text.lines()
        .skip(1)
        .map(|l| l.split(',').nth(i).unwrap().to_string())
        .collect()
}

/// The patients.parquet of run directory `out`.
pub fn patients(out: &Path) -> polars::prelude::DataFrame {
    use polars::prelude::SerReader;
    let file = std::fs::File::open(out.join("patients.parquet")).unwrap();
    polars::prelude::ParquetReader::new(file).finish().unwrap()
}

/// Every scenario file under scenarios/ but the targets' (which are not
/// scenarios), read and validated: (its path, the scenario).
pub fn scenario_files() -> Vec<(String, Scenario)> {
    let mut found = Vec::new();
    let mut files = vec![Path::new("scenarios").to_path_buf()];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        if path.extension().is_none_or(|e| e != "toml") || path.starts_with("scenarios/targets") {
            continue;
        }
        let name = path.display().to_string();
        let scenario = Scenario::from_toml(&std::fs::read_to_string(&path).unwrap(), &name).unwrap();
        found.push((name, scenario));
    }
    found
}

/// A path as [`walk`] collects it: policy, outcome, spells and events.
pub type Walked = (usize, PathOutcome, Spells, Vec<Event>);

/// Every path of patients `0..patients` of `scenario` (seed 11) under the
/// policies `only` marks (all when empty), walked with `scratch`.
pub fn walk(scenario: &Scenario, scratch: &mut Scratch, only: &[bool], patients: u64) -> Vec<Walked> {
    let mut out = Vec::new();
    for patient in 0..patients {
        simulate_patient(scenario, 11, false, only, patient, scratch, &mut Untallied, |path| {
            out.push((path.policy, *path.outcome, path.spells.clone(), path.events.to_vec()));
        });
    }
    out
}

/// `text`, a shard's partial.json or psa_partial.json, with its checksum made again for its content
/// (the SHA-256 of the file with the checksum empty), as a deliberate
/// editor would.
pub fn resealed(text: &str) -> String {
    let at = text.find(r#""checksum":""#).expect("a checksum") + r#""checksum":""#.len();
    let end = at + text[at..].find('"').unwrap();
    let empty = format!("{}{}", &text[..at], &text[end..]);
    format!("{}{}{}", &text[..at], foramen::output::sha256_hex(&empty), &text[end..])
}

/// Whether R runs with `packages` (R code that loads them, e.g.
/// `suppressMessages(library(mgcv))`; empty for R alone). Without it the
/// caller skips, and this says so (`what` was not checked, `install` is
/// the Debian packages to install); under CI (CI set), where .ci/run
/// installs them, a missing R fails.
pub fn r_or_skip(packages: &str, what: &str, install: &str) -> bool {
    let check = if packages.is_empty() { "invisible(0)" } else { packages };
    let found = std::process::Command::new("Rscript")
        .args(["-e", check])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but R is not installed with what {what} needs (.ci/run installs {install})"
        );
        eprintln!("skipped: R is not installed (apt-get install {install}), so {what} was not checked");
    }
    found
}
