//! `foramen diff RUN_A RUN_B`: two run directories side by side.

use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::estimate::diff::{RunDifference, unpaired};
use crate::output::{RunFacts, run_facts};
use crate::report::{tables, terminal};

/// What `foramen diff` found.
#[derive(Debug, Clone)]
pub struct DiffReport {
    pub a_dir: PathBuf,
    pub b_dir: PathBuf,
    pub a: RunFacts,
    pub b: RunFacts,
    pub differences: Vec<RunDifference>,
    /// What differs between the runs besides their results (scenario
    /// text, foramen version, seed, patients, horizon).
    pub notes: Vec<String>,
}

impl std::fmt::Display for DiffReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (a, b) = (&self.a, &self.b);
        writeln!(f, "A: {} ({}, seed {})", self.a_dir.display(), a.scenario, a.seed)?;
        writeln!(f, "B: {} ({}, seed {})\n", self.b_dir.display(), b.scenario, b.seed)?;
        write!(f, "{}", terminal::format_diff(&self.differences))?;
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        Ok(())
    }
}

/// Reads both run directories and takes the unpaired differences of
/// their summary.csv estimates, A minus B.
///
/// # Errors
/// A directory without a finished run's manifest.json or summary.csv.
pub fn diff(a: &Path, b: &Path) -> Result<DiffReport, Error> {
    let (fa, fb) = (run_facts(a)?, run_facts(b)?);
    let (sa, sb) = (
        tables::read_summary(&a.join(tables::run::SUMMARY.file))?,
        tables::read_summary(&b.join(tables::run::SUMMARY.file))?,
    );
    let mut notes = Vec::new();
    if fa.scenario_sha256 != fb.scenario_sha256 {
        notes.push(format!(
            "the scenarios differ: {} ({}) against {} ({}); differences mix the change of scenario with Monte Carlo error",
            fa.scenario,
            &fa.scenario_sha256[..12.min(fa.scenario_sha256.len())],
            fb.scenario,
            &fb.scenario_sha256[..12.min(fb.scenario_sha256.len())]
        ));
    }
    if fa.foramen_version != fb.foramen_version {
        notes.push(format!(
            "made by different foramen versions: {} against {} (see CHANGELOG.md for changes that move results)",
            fa.foramen_version, fb.foramen_version
        ));
    }
    let differences = unpaired(&sa, &sb);
    let policies = |s: &[crate::estimate::diff::PolicyEstimates]| s.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    let (pa, pb) = (policies(&sa), policies(&sb));
    let only = |x: &[String], y: &[String]| x.iter().filter(|p| !y.contains(p)).cloned().collect::<Vec<_>>();
    for (dir, missing) in [("A", only(&pb, &pa)), ("B", only(&pa, &pb))] {
        if !missing.is_empty() {
            notes.push(format!(
                "not in {dir}'s summary.csv, so not compared: {}",
                missing.join(", ")
            ));
        }
    }
    // Outcomes of a policy in both runs that only one of them reports (a
    // feature one scenario has and the other lacks).
    let outcomes = |s: &[crate::estimate::diff::PolicyEstimates]| {
        let mut names: Vec<String> = Vec::new();
        for (_, rows) in s {
            for (o, _, _) in rows {
                if !names.contains(o) {
                    names.push(o.clone());
                }
            }
        }
        names
    };
    let (oa, ob) = (outcomes(&sa), outcomes(&sb));
    for (dir, missing) in [("A", only(&ob, &oa)), ("B", only(&oa, &ob))] {
        if !missing.is_empty() {
            notes.push(format!(
                "outcomes not in {dir}'s summary.csv, so not compared: {}",
                missing.join(", ")
            ));
        }
    }
    if fa.seed == fb.seed
        && fa.scenario_sha256 == fb.scenario_sha256
        && fa.patients_per_policy == fb.patients_per_policy
    {
        let equal = pa == pb && differences.iter().all(|d| d.a.to_bits() == d.b.to_bits());
        notes.push(if equal {
            "same scenario, seed and patients: the runs are identical, as they should be".to_string()
        } else {
            "same scenario, seed and patients, yet the summaries differ: a directory was changed after its run"
                .to_string()
        });
    } else if fa.seed == fb.seed {
        notes.push(
            "the same seed: the cohorts share random numbers, so the unpaired intervals are conservative".to_string(),
        );
    }
    for (what, x, y) in [
        (
            "patients per policy",
            fa.patients_per_policy as f64,
            fb.patients_per_policy as f64,
        ),
        ("horizon (days)", fa.horizon_days, fb.horizon_days),
    ] {
        if x != y {
            notes.push(format!("{what}: {x} against {y}"));
        }
    }
    Ok(DiffReport {
        a_dir: a.to_path_buf(),
        b_dir: b.to_path_buf(),
        differences,
        a: fa,
        b: fb,
        notes,
    })
}
