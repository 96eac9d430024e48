//! `psa_partial.json`: the draws of one shard of a probabilistic analysis,
//! and the checks that the shards given to `foramen merge` are every shard
//! of one analysis once.
//!
//! Numbers are kept as the bits of their `f64` (JSON has no NaN, and a
//! median that was not reached is NaN), so a merge gives the same bytes as
//! an analysis run on one machine.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::analysis::psa::Draw;
use crate::error::Error;
use crate::outcome::N;
use crate::output::{Sealed, read_sealed, sha256_hex, write_sealed};
use crate::simulate::shard::Shard;
use crate::stats::Estimate;

/// The file name of a shard's draws.
pub const FILE: &str = "psa_partial.json";

/// What makes shards belong to one analysis, and the options the merge
/// repeats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PsaRun {
    pub foramen_version: String,
    pub scenario_text: String,
    pub scenario_file: String,
    pub scenario_sha256: String,
    pub seed: u64,
    pub draws: u64,
    pub patients: u64,
    pub reference: Option<String>,
    pub wtp_max: Option<f64>,
    pub population: Option<f64>,
    pub years: u32,
}

/// One draw as bits: its index, its parameters, per policy and outcome the
/// estimate's value, lo, hi and se, per policy its recovery curve, and its
/// stalled paths.
type DrawBits = (u64, Vec<u64>, Vec<Vec<[u64; 4]>>, Vec<Vec<u64>>, u64);

/// One shard's draws.
#[derive(Debug, Serialize, Deserialize)]
pub struct PsaPartial {
    pub run: PsaRun,
    pub shard: Shard,
    /// Per draw: its index, parameters (bits), per policy and outcome the
    /// estimate's value, lo, hi, se (bits), and stalled paths.
    pub draws: Vec<DrawBits>,
    /// The SHA-256 of this file with this field empty ([`Sealed`]).
    #[serde(default)]
    pub checksum: String,
}

impl Sealed for PsaPartial {
    fn checksum(&mut self) -> &mut String {
        &mut self.checksum
    }
}

impl PsaPartial {
    pub fn new(run: PsaRun, shard: Shard, draws: &[Draw]) -> PsaPartial {
        let bits = |e: &Estimate| [e.value.to_bits(), e.lo.to_bits(), e.hi.to_bits(), e.se.to_bits()];
        PsaPartial {
            run,
            shard,
            draws: draws
                .iter()
                .map(|d| {
                    (
                        d.draw,
                        d.parameters.iter().map(|v| v.to_bits()).collect(),
                        d.policies.iter().map(|p| p.iter().map(bits).collect()).collect(),
                        d.recovered
                            .iter()
                            .map(|c| c.iter().map(|v| v.to_bits()).collect())
                            .collect(),
                        d.stalled_paths,
                    )
                })
                .collect(),
            checksum: String::new(),
        }
    }

    /// The draws back.
    ///
    /// # Errors
    /// [`Error::Syntax`] when a draw does not have an estimate per outcome.
    pub fn draws(&self, file: &str) -> Result<Vec<Draw>, Error> {
        let estimate = |b: &[u64; 4]| Estimate {
            value: f64::from_bits(b[0]),
            lo: f64::from_bits(b[1]),
            hi: f64::from_bits(b[2]),
            se: f64::from_bits(b[3]),
        };
        self.draws
            .iter()
            .map(|(draw, parameters, policies, recovered, stalled)| {
                let policies = policies
                    .iter()
                    .map(|p| {
                        let all: Vec<Estimate> = p.iter().map(estimate).collect();
                        <[Estimate; N]>::try_from(all).map_err(|_| Error::Syntax {
                            file: file.to_string(),
                            message: format!("draw {draw} does not have {N} outcomes: written by another version"),
                        })
                    })
                    .collect::<Result<_, _>>()?;
                Ok(Draw {
                    draw: *draw,
                    parameters: parameters.iter().map(|&b| f64::from_bits(b)).collect(),
                    policies,
                    recovered: recovered
                        .iter()
                        .map(|c| c.iter().map(|&b| f64::from_bits(b)).collect())
                        .collect(),
                    stalled_paths: *stalled,
                })
            })
            .collect()
    }

    /// Writes `psa_partial.json` into `dir`; returns the file name.
    ///
    /// # Errors
    /// [`Error::Output`] naming the file.
    pub fn write(&mut self, dir: &Path) -> Result<String, Error> {
        write_sealed(self, &dir.join(FILE))?;
        Ok(FILE.to_string())
    }

    fn read(dir: &Path) -> Result<PsaPartial, Error> {
        let path = dir.join(FILE);
        let partial: PsaPartial = read_sealed(&path, "a foramen PSA shard")?;
        if sha256_hex(&partial.run.scenario_text) != partial.run.scenario_sha256 {
            return Err(Error::Syntax {
                file: path.display().to_string(),
                message: "its scenario text does not match the scenario's SHA-256 it records: the file was changed; run the shard again".into(),
            });
        }
        Ok(partial)
    }
}

/// Whether `dir` holds a PSA shard.
pub fn is_psa_shard(dir: &Path) -> bool {
    dir.join(FILE).is_file()
}

/// Reads the PSA shards in `dirs`, checks that they are every shard of one
/// analysis once, and returns the analysis and all its draws in order.
///
/// # Errors
/// [`Error::Usage`] for shards of different analyses, missing or repeated
/// shards; read failures.
pub fn merge(dirs: &[PathBuf]) -> Result<(PsaRun, Vec<Draw>), Error> {
    let parts = dirs
        .iter()
        .map(|d| PsaPartial::read(d))
        .collect::<Result<Vec<_>, _>>()?;
    let Some(first) = parts.first() else {
        return Err(Error::Usage("merge needs at least one shard directory".into()));
    };
    for (d, p) in dirs.iter().zip(&parts) {
        if p.run != first.run || p.shard.count != first.shard.count {
            return Err(Error::Usage(format!(
                "{} comes from a different analysis (scenario, seed, draws, patients, options or shard count) than {}; merge only the shards of one `foramen psa`",
                d.display(),
                dirs[0].display()
            )));
        }
    }
    let count = first.shard.count;
    let mut by_index: Vec<Option<&PsaPartial>> = vec![None; count as usize];
    for (d, p) in dirs.iter().zip(&parts) {
        match by_index.get_mut(p.shard.index as usize) {
            Some(slot @ None) => *slot = Some(p),
            Some(Some(_)) => {
                return Err(Error::Usage(format!(
                    "shard {} is given twice ({})",
                    p.shard,
                    d.display()
                )));
            }
            None => {
                return Err(Error::Usage(format!(
                    "{} says it is shard {} of {count}",
                    d.display(),
                    p.shard.number()
                )));
            }
        }
    }
    let mut draws = Vec::new();
    for (k, part) in by_index.iter().enumerate() {
        let Some(part) = part else {
            return Err(Error::Usage(format!(
                "shard {}/{count} is missing; merge needs all {count} shards",
                k + 1
            )));
        };
        draws.extend(part.draws(FILE)?);
    }
    let mut seen = vec![false; usize::try_from(first.run.draws).unwrap_or(0)];
    for d in &draws {
        match seen.get_mut(usize::try_from(d.draw).unwrap_or(usize::MAX)) {
            Some(slot) if !*slot => *slot = true,
            Some(_) => {
                return Err(Error::Usage(format!(
                    "draw {} is in two shards: merge the shards of one analysis, as written",
                    d.draw
                )));
            }
            None => {
                return Err(Error::Usage(format!(
                    "draw {} is outside the analysis's {} draws: merge the shards of one analysis, as written",
                    d.draw, first.run.draws
                )));
            }
        }
    }
    if let Some(missing) = seen.iter().position(|s| !s) {
        return Err(Error::Usage(format!(
            "draw {missing} of {} is in no shard: merge the shards of one analysis, as written",
            first.run.draws
        )));
    }
    Ok((first.run.clone(), draws))
}
