//! Helpers shared by the integration tests (tests/fuzz.rs includes this
//! file too, with `#[path]`).

use assert_cmd::Command;
use foramen::scenario::Scenario;
use foramen::simulate::engine::RunSpec;

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
    let tmp = tempfile::TempDir::new().unwrap();
    let path = tmp.path().join("bad.toml");
    std::fs::write(&path, edited(from, to)).unwrap();
    foramen().arg("validate").arg(&path).assert()
}
