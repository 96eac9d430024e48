//! `partial.json`: the mergeable result of one shard, and the checks that
//! the shards given to `foramen merge` are all of one run.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::accumulate::PolicyAcc;
use crate::error::Error;
use crate::output::{Sealed, read_sealed, sha256_hex, write_sealed};
use crate::simulate::shard::Shard;

/// The mergeable result of one shard.
#[derive(Debug, Serialize, Deserialize)]
pub struct Partial {
    pub foramen_version: String,
    pub scenario_text: String,
    pub scenario_file: String,
    pub scenario_sha256: String,
    pub seed: u64,
    pub patients: u64,
    pub horizon_days: f64,
    pub subgroups_by: Vec<String>,
    pub independent: bool,
    pub reference: usize,
    pub shard: Shard,
    pub accs: Vec<PolicyAcc>,
    /// Paths of this shard cut short by the step guard.
    #[serde(default)]
    pub stalled_paths: u64,
    /// The SHA-256 of this file with this field empty ([`Sealed`]).
    #[serde(default)]
    pub checksum: String,
}

impl Sealed for Partial {
    fn checksum(&mut self) -> &mut String {
        &mut self.checksum
    }
}

/// The file name of a shard's partial results.
pub const FILE: &str = "partial.json";

impl Partial {
    /// Writes `partial.json` into `dir`.
    ///
    /// # Errors
    /// [`Error::Output`] naming the file.
    pub fn write(&mut self, dir: &Path) -> Result<String, Error> {
        write_sealed(self, &dir.join(FILE))?;
        Ok(FILE.to_string())
    }

    /// Reads the `partial.json` of shard directory `dir`.
    ///
    /// # Errors
    /// [`Error::Read`], or [`Error::Syntax`] when it is not a shard's.
    pub fn read(dir: &Path) -> Result<Partial, Error> {
        let path = dir.join(FILE);
        if !path.is_file() {
            return Err(Error::Usage(format!(
                "{} is not a shard directory (it has no {FILE}); merge the directories that the shards of one sharded run wrote",
                dir.display()
            )));
        }
        let partial: Partial = read_sealed(&path, "a foramen shard")?;
        if sha256_hex(&partial.scenario_text) != partial.scenario_sha256 {
            return Err(Error::Syntax {
                file: path.display().to_string(),
                message: "its scenario text does not match the scenario's SHA-256 it records: the file was changed; run the shard again".into(),
            });
        }
        Ok(partial)
    }
}

/// Reads the shards in `dirs`, checks that they are every shard of one run
/// once, and returns the first with the sums of all.
///
/// # Errors
/// [`Error::Usage`] when the shards come from different scenarios, seeds,
/// sizes or versions, or a shard is missing or repeated; read failures.
pub fn merge(dirs: &[PathBuf]) -> Result<Partial, Error> {
    let parts = dirs.iter().map(|d| Partial::read(d)).collect::<Result<Vec<_>, _>>()?;
    let Some(first) = parts.first() else {
        return Err(Error::Usage("merge needs at least one shard directory".into()));
    };
    for (d, p) in dirs.iter().zip(&parts) {
        let checks = [
            ("foramen version", &first.foramen_version, &p.foramen_version),
            ("scenario", &first.scenario_sha256, &p.scenario_sha256),
            ("seed", &first.seed.to_string(), &p.seed.to_string()),
            ("cohort size", &first.patients.to_string(), &p.patients.to_string()),
            ("horizon", &first.horizon_days.to_string(), &p.horizon_days.to_string()),
            (
                "subgroup covariates",
                &first.subgroups_by.join(","),
                &p.subgroups_by.join(","),
            ),
            (
                "pairing (independent cohorts)",
                &first.independent.to_string(),
                &p.independent.to_string(),
            ),
            (
                "reference policy",
                &first.reference.to_string(),
                &p.reference.to_string(),
            ),
            (
                "shard count",
                &first.shard.count.to_string(),
                &p.shard.count.to_string(),
            ),
        ];
        for (what, a, b) in checks {
            if a != b {
                return Err(Error::Usage(format!(
                    "{} comes from a different {what} ({b}) than {} ({a}); merge only the shards of one run",
                    d.display(),
                    dirs[0].display()
                )));
            }
        }
        for acc in &p.accs {
            acc.check_counts().map_err(|problem| Error::Syntax {
                file: d.join(FILE).display().to_string(),
                message: format!("its sums are impossible ({problem}): the file was changed; run the shard again"),
            })?;
        }
        let shapes = |p: &Partial| p.accs.iter().map(PolicyAcc::shape).collect::<Vec<_>>();
        if shapes(p) != shapes(first) {
            return Err(Error::Usage(format!(
                "{}'s sums are not shaped like {}'s (policies, subgroups, day grid): the shards are not of one run",
                d.display(),
                dirs[0].display()
            )));
        }
    }
    let count = first.shard.count;
    if count == 0 || count > 1_000_000 {
        return Err(Error::Usage(format!(
            "{} says it is one of {count} shards; a run has 1 to 1000000",
            dirs[0].display()
        )));
    }
    let mut seen = vec![false; count as usize];
    for (d, p) in dirs.iter().zip(&parts) {
        let Some(slot) = seen.get_mut(p.shard.index as usize) else {
            return Err(Error::Usage(format!(
                "{} says it is shard {} of {count}; shards are numbered 1 to {count}",
                d.display(),
                p.shard.number()
            )));
        };
        if *slot {
            return Err(Error::Usage(format!(
                "shard {} is given twice ({})",
                p.shard,
                d.display()
            )));
        }
        *slot = true;
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(Error::Usage(format!(
            "shard {}/{count} is missing; merge needs all {count} shards",
            missing + 1
        )));
    }
    let mut parts = parts.into_iter();
    let mut merged = parts.next().expect("checked non-empty");
    for p in parts {
        merged.stalled_paths += p.stalled_paths;
        for (a, b) in merged.accs.iter_mut().zip(&p.accs) {
            a.merge(b);
        }
    }
    merged.shard = Shard::default();
    for acc in &merged.accs {
        if acc.overall.patients != merged.patients {
            return Err(Error::Usage(format!(
                "the shards hold {} patients a policy between them, and their run has {}: merge every shard of one run, as written",
                acc.overall.patients, merged.patients
            )));
        }
    }
    Ok(merged)
}
