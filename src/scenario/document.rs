//! A scenario's TOML parsed once, and the validated scenarios made from it:
//! as written, with command-line overrides, or with one number edited (a
//! sweep point, the end of a sensitivity range). Every variant is validated
//! in full before anyone sees it; a [`Scenario`] never changes afterwards.

use serde::Deserialize;

use crate::error::{Error, Invalid};
use crate::scenario::raw::RawScenario;
use crate::scenario::{
    DEFAULT_CURVE_STEP_DAYS, DEFAULT_FILE, DEFAULT_TOML, Scenario, check_horizon, check_patients, covariates, paths,
    ranges, subgroup_covariate, syntax_message,
};

impl Scenario {
    /// The embedded default scenario.
    ///
    /// # Errors
    /// Only if the embedded file is broken (a test keeps it valid).
    pub fn default_scenario() -> Result<Scenario, Error> {
        Scenario::from_toml(DEFAULT_TOML, DEFAULT_FILE)
    }

    /// Parses and validates TOML text; `file` names it in errors.
    ///
    /// # Errors
    /// As [`Document::parse`] and [`Document::scenario`].
    pub fn from_toml(text: &str, file: &str) -> Result<Scenario, Error> {
        Document::parse(text, file)?.scenario(&Overrides::default())
    }
}

/// Settings given on the command line, applied before validation. `None`
/// keeps the scenario's value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `--patients`: patients per policy.
    pub patients: Option<u64>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--horizon`, in days (the curve step shrinks to it if longer).
    pub horizon_days: Option<f64>,
    /// `--by`: the covariates subgroups are split by.
    pub by: Option<Vec<String>>,
}

/// A scenario document: its serde mirror and its key-path tree, both from
/// one parse of the text.
#[derive(Debug, Clone)]
pub struct Document {
    /// Names the document in errors (a file, or a file with an edit).
    file: String,
    raw: RawScenario,
    table: toml::Table,
}

impl Document {
    /// Parses TOML text; `file` names it in errors.
    ///
    /// # Errors
    /// [`Error::Syntax`]: TOML syntax, unknown keys, wrong types, with the
    /// line, the column and the line itself.
    pub fn parse(text: &str, file: &str) -> Result<Document, Error> {
        let syntax = |e: toml::de::Error| Error::Syntax {
            file: file.to_string(),
            message: syntax_message(&e, text),
        };
        let tree = toml::de::DeTable::parse(text).map_err(syntax)?;
        let raw = RawScenario::deserialize(toml::de::Deserializer::from(tree.clone())).map_err(syntax)?;
        let table = toml::Table::deserialize(toml::de::Deserializer::from(tree)).map_err(syntax)?;
        Ok(Document {
            file: file.to_string(),
            raw,
            table,
        })
    }

    /// What names the document in errors.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The validated scenario, with `overrides` applied before validation.
    ///
    /// # Errors
    /// [`Error::Usage`] for an override out of range (naming the flag);
    /// [`Error::Invalid`] for the first rule the document breaks.
    pub fn scenario(&self, overrides: &Overrides) -> Result<Scenario, Error> {
        let usage = |invalid: Invalid| Error::Usage(invalid.to_string());
        let invalid = |invalid| Error::Invalid {
            file: self.file.clone(),
            invalid,
        };
        let mut raw = self.raw.clone();
        let sim = &mut raw.simulation;
        if let Some(n) = overrides.patients {
            sim.patients = check_patients("--patients", n).map_err(usage)?;
        }
        if let Some(seed) = overrides.seed {
            sim.seed = seed;
        }
        if let Some(h) = overrides.horizon_days {
            sim.horizon_days = check_horizon("--horizon", h).map_err(usage)?;
            let step = sim.curve_step_days.unwrap_or(DEFAULT_CURVE_STEP_DAYS);
            sim.curve_step_days = Some(step.min(h));
        }
        if let Some(by) = &overrides.by {
            let covariates = covariates(&raw.cohort).map_err(invalid)?;
            for name in by {
                subgroup_covariate("--by", name, &covariates).map_err(usage)?;
            }
            raw.simulation.subgroups = by.clone();
        }
        let mut scenario = Scenario::from_raw(&raw).map_err(invalid)?;
        scenario.ranges = ranges(&raw, &self.table).map_err(invalid)?;
        self.check_range_ends(&scenario.ranges).map_err(invalid)?;
        Ok(scenario)
    }

    /// Every range end obeys the rules of its key: the document with the
    /// number at a range's path set to either end validates.
    fn check_range_ends(&self, ranges: &[(String, f64, f64)]) -> Result<(), Invalid> {
        for (path, low, high) in ranges {
            for end in [*low, *high] {
                let mut table = self.table.clone();
                let broken = |problem: String| {
                    Invalid::new(
                        format!("ranges.\"{path}\""),
                        format!("[{low}, {high}]"),
                        format!("the range end {end} breaks a rule: {problem}"),
                    )
                };
                paths::set_number(&mut table, path, end).map_err(broken)?;
                let raw = RawScenario::deserialize(table).map_err(|e| broken(e.to_string()))?;
                Scenario::from_raw(&raw).map_err(|e| broken(e.to_string()))?;
            }
        }
        Ok(())
    }

    /// The number at a dotted key path, if it names one.
    pub fn number(&self, path: &str) -> Option<f64> {
        paths::get_number(&self.table, path)
    }

    /// The document with the number at `path` set to `value`.
    ///
    /// # Errors
    /// [`Error::Usage`] naming the path (and the closest valid ones) when
    /// it does not lead to a number; [`Error::Syntax`] when the edit gives
    /// a value of the wrong type.
    pub fn with_number(&self, path: &str, value: f64) -> Result<Document, Error> {
        let mut table = self.table.clone();
        paths::set_number(&mut table, path, value)
            .map_err(|problem| Error::Usage(format!("--param {path}: {problem}")))?;
        let file = format!("{} with {path} = {value}", self.file);
        let raw = RawScenario::deserialize(table.clone()).map_err(|e| Error::Syntax {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Ok(Document { file, raw, table })
    }
}
