//! A scenario's TOML parsed once, and the validated scenarios made from it:
//! as written, with command-line overrides, or with one number edited (a
//! sweep point, the end of a sensitivity range). Every variant is validated
//! in full before anyone sees it; a [`Scenario`] never changes afterwards.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;

use crate::error::{Error, Invalid, Problems, Setting, did_you_mean};
use crate::outcome::BINS_PER_DAY;
use crate::scenario::belief::{self, Belief};
use crate::scenario::extends::{self, Derived};
use crate::scenario::joint::{self, JointBelief};
use crate::scenario::raw::{RawScenario, RawVariant};
use crate::scenario::variants::{self, Variant};
use crate::scenario::{
    DEFAULT_CURVE_STEP_DAYS, DEFAULT_FILE, DEFAULT_TOML, Scenario, check_horizon, check_patients, covariates, label,
    paths, ranges, subgroup_covariate,
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
    /// The document's key-path tree, each distribution of belief replaced
    /// by its mean.
    table: toml::Table,
    /// The distributions of belief, in document order, then the members
    /// of `normal` and `dirichlet` joint beliefs in the order written.
    beliefs: Vec<Belief>,
    /// `[[joint_beliefs]]`: beliefs drawn together.
    joint: Vec<JointBelief>,
    /// Made from another document by an edit (a sweep point, a range end,
    /// a draw of a probabilistic analysis or a calibration point): its
    /// `[ranges]` are that document's, whose range ends were checked when
    /// it was validated (every job validates the document it reads first).
    edited: bool,
    /// The tree as written (distributions of belief in place, without
    /// `[[variants]]`), which variants edit; only when there are some.
    written: Option<Arc<toml::Table>>,
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
        let mut table = toml::Table::deserialize(toml::de::Deserializer::from(tree.clone())).map_err(syntax)?;
        // Policies that extend others: their keys checked as written (with
        // line and column), then made into the policies they describe.
        check_extensions(&tree, file, text)?;
        let derived = extends::expand(&mut table).map_err(|problems| Error::Invalid {
            file: file.to_string(),
            problems,
        })?;
        // Variants edit the document as written: kept apart from the tree
        // whose distributions of belief are replaced by their means.
        let variants = table.remove("variants");
        let written = variants.is_some().then(|| Arc::new(table.clone()));
        let mut beliefs = belief::extract(&mut table).map_err(|problems| Error::Invalid {
            file: file.to_string(),
            problems,
        })?;
        // Without beliefs, from the spanned tree: errors give line and
        // column. With them, from the tree with their means in place.
        let from_table = |table: &toml::Table, beliefs: &[Belief]| -> Result<RawScenario, Error> {
            let mut raw: RawScenario = serde_path_to_error::deserialize(table.clone()).map_err(|e| Error::Syntax {
                file: file.to_string(),
                message: belief_syntax_message(&e, tree.get_ref(), table, beliefs, text),
            })?;
            if let Some(variants) = &variants {
                raw.variants =
                    serde_path_to_error::deserialize::<_, Vec<RawVariant>>(variants.clone()).map_err(|e| {
                        let message = e.inner().message();
                        Error::Syntax {
                            file: file.to_string(),
                            message: format!(
                                "variants{}: {}{}",
                                e.path(),
                                plain_types(message.trim_end()),
                                unknown_field_hint(message)
                            ),
                        }
                    })?;
            }
            Ok(raw)
        };
        // The spanned tree has the policies as written, not as extended.
        let mut raw = if beliefs.is_empty() && derived.is_empty() {
            RawScenario::deserialize(toml::de::Deserializer::from(tree.clone())).map_err(syntax)?
        } else {
            from_table(&table, &beliefs)?
        };
        inherited_beliefs(&derived, &beliefs).map_err(|problems| Error::Invalid {
            file: file.to_string(),
            problems,
        })?;
        let written_beliefs = beliefs.len();
        let joint = joint::read(&raw.joint_beliefs, &mut table, &mut beliefs).map_err(|problems| Error::Invalid {
            file: file.to_string(),
            problems,
        })?;
        if beliefs.len() > belief::MAX_BELIEFS {
            return Err(Error::Invalid {
                file: file.to_string(),
                problems: vec![Invalid::new(
                    "joint_beliefs",
                    format!(
                        "{} distributions of belief with the joint beliefs' members",
                        beliefs.len()
                    ),
                    format!("a scenario has at most {} distributions of belief", belief::MAX_BELIEFS),
                )],
            });
        }
        // The members of `normal` and `dirichlet` joint beliefs now hold
        // their means.
        if beliefs.len() > written_beliefs {
            raw = from_table(&table, &beliefs)?;
        }
        Ok(Document {
            file: file.to_string(),
            raw,
            table,
            beliefs,
            joint,
            edited: false,
            written,
        })
    }

    /// What names the document in errors.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The validated scenario, with `overrides` applied before validation.
    ///
    /// # Errors
    /// [`Error::Setting`] for an override out of range;
    /// [`Error::Invalid`] with every rule the document breaks.
    pub fn scenario(&self, overrides: &Overrides) -> Result<Scenario, Error> {
        let usage = |setting: Setting| move |invalid: Invalid| Error::setting(setting, invalid.value, invalid.problem);
        let mut raw = self.raw.clone();
        let sim = &mut raw.simulation;
        if let Some(n) = overrides.patients {
            sim.patients = check_patients("patients", n).map_err(usage(Setting::Patients))?;
        }
        if let Some(seed) = overrides.seed {
            sim.seed = seed;
        }
        if let Some(h) = overrides.horizon_days {
            sim.horizon_days = check_horizon("horizon", h).map_err(usage(Setting::Horizon))?;
            // A step longer than the horizon shrinks to the last 1/8 day
            // at or before it (h >= 1).
            let step = sim.curve_step_days.unwrap_or(DEFAULT_CURVE_STEP_DAYS);
            sim.curve_step_days = Some(step.min((h * BINS_PER_DAY).floor() / BINS_PER_DAY));
        }
        if let Some(by) = &overrides.by {
            // Broken covariates are reported by validation below.
            if let Some(covariates) = covariates(&raw.cohort, &mut Problems::default()) {
                for (i, name) in by.iter().enumerate() {
                    subgroup_covariate("by", name, &covariates).map_err(usage(Setting::By))?;
                    if by[..i].contains(name) {
                        return Err(Error::setting(
                            Setting::By,
                            by.join(","),
                            format!("{name} is listed twice; name each covariate once"),
                        ));
                    }
                }
            }
            raw.simulation.subgroups = by.clone();
        }
        let mut problems = Problems::default();
        let scenario = Scenario::from_raw(&raw);
        let ranges = ranges(&raw, &self.table, &mut problems);
        let parameters = self.parameter_labels(&raw, &mut problems);
        let invalid = |problems: Vec<Invalid>| Error::Invalid {
            file: self.file.clone(),
            problems,
        };
        match scenario {
            Err(mut found) => {
                found.extend(problems.into_vec());
                Err(invalid(found))
            }
            Ok(mut scenario) => {
                // (Each end is a whole validation: twice per range, for
                // every draw of an analysis, cost more than the draw's
                // cohort of 10,000.)
                if !self.edited {
                    self.check_range_ends(&ranges, &mut problems);
                    self.check_variants(&mut problems);
                    self.check_joint_ends(&mut problems);
                }
                if !problems.is_empty() {
                    return Err(invalid(problems.into_vec()));
                }
                scenario.ranges = ranges;
                scenario.beliefs = self.beliefs.clone();
                scenario.joint_beliefs = self.joint.clone();
                scenario.labels.parameters = parameters;
                scenario.unused = super::unused::find(&scenario, &self.table);
                Ok(scenario)
            }
        }
    }

    /// The parameter labels of `[labels]`: each names the key path of a
    /// `[ranges]` entry or of a distribution of belief.
    fn parameter_labels(&self, raw: &RawScenario, p: &mut Problems) -> BTreeMap<String, String> {
        // Every spelling of a path the path parser takes names its
        // parameter: compared, and kept, as `paths::canonical` spells it.
        let ranges: Vec<String> = raw.ranges.keys().map(|k| paths::canonical(&self.table, k)).collect();
        let known = || {
            ranges
                .iter()
                .map(String::as_str)
                .chain(self.beliefs.iter().map(|b| b.path.as_str()))
        };
        let mut out = BTreeMap::new();
        for (written, text) in &raw.labels.parameters {
            let key = format!("labels.parameters.\"{written}\"");
            let path = &paths::canonical(&self.table, written);
            if !known().any(|k| k == path) {
                let listed: Vec<&str> = known().collect();
                p.push(Invalid::new(
                    key,
                    format!("\"{written}\""),
                    if listed.is_empty() {
                        "a parameter label names a key path of [ranges] or of a distribution of belief; this scenario has neither".to_string()
                    } else {
                        format!(
                            "no [ranges] entry or distribution of belief has this key path{}; they are {}",
                            did_you_mean(path, known()),
                            listed.join(", ")
                        )
                    },
                ));
            } else if let Some(text) = p.take(label(&key, Some(text))).flatten() {
                out.insert(path.clone(), text);
            }
        }
        out
    }

    /// Every range end obeys the rules of its key: the document with the
    /// number at a range's path set to either end validates.
    fn check_range_ends(&self, ranges: &[(String, f64, f64)], p: &mut Problems) {
        for (path, low, high) in ranges {
            // The key as the file writes it, to be found there.
            let written = (self.raw.ranges.keys())
                .find(|k| paths::canonical(&self.table, k) == *path)
                .unwrap_or(path);
            for end in [*low, *high] {
                let mut table = self.table.clone();
                let broken = |problem: String| {
                    Invalid::new(
                        format!("ranges.\"{written}\""),
                        format!("[{low}, {high}]"),
                        format!("the range end {end} breaks a rule: {problem}"),
                    )
                };
                let checked = paths::set_number(&mut table, path, end).and_then(|()| {
                    let raw = RawScenario::deserialize(table).map_err(|e| e.to_string())?;
                    Scenario::from_raw(&raw)
                        .map_err(|found| found.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
                });
                p.take(checked.map_err(broken));
            }
        }
    }

    /// Every variant's edited document validates ([`variants`]); its
    /// problems are named at the edit that causes them.
    fn check_variants(&self, p: &mut Problems) {
        for v in variants::variants(&self.raw.variants, p) {
            if let Err(found) = self.variant_scenario(&v, &Overrides::default()) {
                for invalid in found {
                    p.push(invalid);
                }
            }
        }
    }

    /// The members of `normal` and `dirichlet` joint beliefs (whose
    /// marginals the joint belief gives) obey the rules of their keys: the
    /// document with a member at its marginal's 0.1% or 99.9% quantile
    /// validates.
    fn check_joint_ends(&self, p: &mut Problems) {
        for j in &self.joint {
            if matches!(j.kind, joint::Kind::Shared { .. }) {
                continue;
            }
            for (i, &m) in j.members.iter().enumerate() {
                let b = &self.beliefs[m];
                for q in [0.001, 0.999] {
                    let end = b.prior.quantile(q);
                    let mut table = self.table.clone();
                    let checked = paths::set_number(&mut table, &b.path, end).and_then(|()| {
                        let raw = RawScenario::deserialize(table).map_err(|e| e.to_string())?;
                        Scenario::from_raw(&raw)
                            .map_err(|found| found.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))
                    });
                    p.take(checked.map_err(|problem| {
                        Invalid::new(
                            format!("{}.{}[{i}]", j.key, joint::kind_name(&j.kind)),
                            format!("\"{}\"", b.path),
                            format!(
                                "its marginal {} puts 0.1% of draws {} {end}, which breaks a rule: {problem}",
                                b.prior,
                                if q < 0.5 { "below" } else { "above" }
                            ),
                        )
                    }));
                }
            }
        }
    }

    /// The structural variants (`[[variants]]`), each with its scenario:
    /// this document with the variant's edits, validated with `overrides`
    /// (except `--horizon` for a variant that sets the horizon, which keeps
    /// its own).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming the variant and the edit; [`Error::Setting`]
    /// for an override out of range.
    pub fn variants(&self, overrides: &Overrides) -> Result<Vec<(Variant, Scenario)>, Error> {
        let invalid = |problems: Vec<Invalid>| Error::Invalid {
            file: self.file.clone(),
            problems,
        };
        let mut p = Problems::default();
        let found = variants::variants(&self.raw.variants, &mut p);
        if !p.is_empty() {
            return Err(invalid(p.into_vec()));
        }
        found
            .into_iter()
            .map(|v| {
                let mut overrides = overrides.clone();
                if v.edits("simulation.horizon_days") {
                    overrides.horizon_days = None;
                }
                let scenario = self.variant_scenario(&v, &overrides).map_err(invalid)?;
                Ok((v, scenario))
            })
            .collect()
    }

    /// The scenario of variant `v`, its problems named at its edits.
    fn variant_scenario(&self, v: &Variant, overrides: &Overrides) -> Result<Scenario, Vec<Invalid>> {
        let base = self.written.as_deref().cloned().unwrap_or_default();
        let found = match self.variant(v, base.clone()) {
            Err(found) => found,
            Ok(doc) => match doc.scenario(overrides) {
                Ok(scenario) => return Ok(scenario),
                Err(Error::Invalid { problems, .. }) => problems,
                Err(other) => vec![Invalid::new(format!("variants[{}]", v.name), "", other.to_string())],
            },
        };
        Err(v.attribute(&base, found))
    }

    /// The document of variant `v`: `table` (the document as written)
    /// with its edits, without `[ranges]` (a variant is not a sensitivity
    /// analysis), without the joint beliefs whose members it sets (it
    /// fixes those numbers) and the labels of parameters it no longer has.
    fn variant(&self, v: &Variant, mut table: toml::Table) -> Result<Document, Vec<Invalid>> {
        v.apply(&mut table)?;
        table.remove("ranges");
        if let Some(toml::Value::Array(joints)) = table.get_mut("joint_beliefs") {
            joints.retain(|j| {
                let members = ["shared", "normal", "dirichlet"]
                    .iter()
                    .filter_map(|k| j.get(*k).and_then(toml::Value::as_array))
                    .flatten()
                    .filter_map(toml::Value::as_str);
                !members.into_iter().any(|path| v.edits(path))
            });
        }
        let mut beliefs = belief::extract(&mut table)?;
        let deserialize = |table: &toml::Table| -> Result<RawScenario, Vec<Invalid>> {
            serde_path_to_error::deserialize(table.clone()).map_err(|e| {
                let path = e.path().to_string();
                let message = e.inner().message();
                vec![Invalid::new(
                    if path == "." {
                        String::new()
                    } else {
                        paths::canonical(table, &path)
                    },
                    "",
                    format!("{}{}", plain_types(message.trim_end()), unknown_field_hint(message)),
                )]
            })
        };
        let raw = deserialize(&table)?;
        let joint = joint::read(&raw.joint_beliefs, &mut table, &mut beliefs)?;
        if let Some(toml::Value::Table(labels)) = table.get_mut("labels")
            && let Some(toml::Value::Table(parameters)) = labels.get_mut("parameters")
        {
            parameters.retain(|path, _| beliefs.iter().any(|b| b.path == *path));
        }
        // Read again: the members of `normal` and `dirichlet` joint
        // beliefs now hold their means, and labels were dropped.
        let raw = deserialize(&table)?;
        Ok(Document {
            file: format!("{} (variant {})", self.file, v.name),
            raw,
            table,
            beliefs,
            joint,
            edited: true,
            written: None,
        })
    }

    /// `path` as every message spells it: elements of arrays of named
    /// tables by their name, others by `[index]` ([`paths::canonical`]).
    pub fn canonical(&self, path: &str) -> String {
        paths::canonical(&self.table, path)
    }

    /// The number at a dotted key path, if it names one.
    pub fn number(&self, path: &str) -> Option<f64> {
        paths::get_number(&self.table, path)
    }

    /// The unit written beside the number at `path` ([`paths::unit_of`]).
    pub fn unit(&self, path: &str) -> Option<String> {
        paths::unit_of(&self.table, path)
    }

    /// Whether the number at `path` is written as a whole number.
    pub fn is_whole(&self, path: &str) -> bool {
        paths::is_whole(&self.table, path)
    }

    /// The document with the number at `path` set to `value`.
    ///
    /// # Errors
    /// [`Error::Setting`] naming the path (and the closest valid ones) when
    /// it does not lead to a number; [`Error::Syntax`] when the edit gives
    /// a value of the wrong type.
    pub fn with_number(&self, path: &str, value: f64) -> Result<Document, Error> {
        let mut table = self.table.clone();
        paths::set_number(&mut table, path, value).map_err(|problem| Error::setting(Setting::Param, path, problem))?;
        self.edited(table, format!("{} with {path} = {value}", self.file))
    }

    /// This document with its tree replaced by an edited `table`, named
    /// `file` in errors.
    fn edited(&self, table: toml::Table, file: String) -> Result<Document, Error> {
        let raw = RawScenario::deserialize(table.clone()).map_err(|e| Error::Syntax {
            file: file.clone(),
            message: e.to_string(),
        })?;
        Ok(Document {
            file,
            raw,
            table,
            beliefs: self.beliefs.clone(),
            joint: self.joint.clone(),
            edited: true,
            written: None,
        })
    }

    /// The distributions of belief, in document order.
    pub fn beliefs(&self) -> &[Belief] {
        &self.beliefs
    }

    /// The beliefs drawn together (`[[joint_beliefs]]`): each one's name,
    /// member key paths and indices into [`Document::beliefs`].
    pub fn joint_beliefs(&self) -> &[JointBelief] {
        &self.joint
    }

    /// The document with each distribution of belief set to a value (one
    /// draw of a probabilistic analysis), named `label` in errors.
    ///
    /// # Errors
    /// [`Error::Syntax`] when a value does not fit its key (a whole number
    /// expected).
    pub fn with_beliefs(&self, values: &[f64], label: &str) -> Result<Document, Error> {
        let mut table = self.table.clone();
        let file = format!("{} ({label})", self.file);
        for (b, &v) in self.beliefs.iter().zip(values) {
            paths::set_number(&mut table, &b.path, v).map_err(|message| Error::Syntax {
                file: file.clone(),
                message,
            })?;
        }
        self.edited(table, file)
    }
}

/// Each `[[policies]]` entry with `extends` has only the keys of an
/// extension, of the right types ([`extends::RawExtension`]): checked on
/// the tree as written, so that a problem is shown at its line and column.
fn check_extensions(tree: &toml::Spanned<toml::de::DeTable<'_>>, file: &str, text: &str) -> Result<(), Error> {
    use toml::de::DeValue;
    let Some((_, policies)) = tree.get_ref().iter().find(|(k, _)| k.get_ref() == "policies") else {
        return Ok(());
    };
    let DeValue::Array(policies) = policies.get_ref() else {
        return Ok(());
    };
    for (i, entry) in policies.iter().enumerate() {
        let DeValue::Table(t) = entry.get_ref() else { continue };
        if !t.iter().any(|(k, _)| k.get_ref() == "extends") {
            continue;
        }
        let name = t
            .iter()
            .find(|(k, _)| k.get_ref() == "name")
            .and_then(|(_, v)| match v.get_ref() {
                DeValue::String(s) => Some(s.to_string()),
                _ => None,
            });
        let spanned = toml::Spanned::new(entry.span(), t.clone());
        let checked: Result<extends::RawExtension, _> =
            serde_path_to_error::deserialize(toml::de::Deserializer::from(spanned));
        if let Err(e) = checked {
            let inner = e.inner();
            let at = e.path().to_string();
            let path = crate::scenario::paths::named("policies", i, name.as_deref());
            let path = if at == "." { path } else { format!("{path}.{at}") };
            let message = format!("{path}: {}", inner.message());
            return Err(Error::Syntax {
                file: file.to_string(),
                message: match inner.span() {
                    Some(span) => located(&message, span.start, text),
                    None => plain_types(&message),
                },
            });
        }
    }
    Ok(())
}

/// A distribution of belief in a policy that others extend would be
/// copied into each, and drawn apart for each by `foramen psa`: refused.
fn inherited_beliefs(derived: &[Derived], beliefs: &[Belief]) -> Result<(), Vec<Invalid>> {
    let problems: Vec<Invalid> = beliefs
        .iter()
        .filter_map(|b| {
            let children: Vec<&str> = derived
                .iter()
                .filter(|d| b.path.starts_with(&format!("{}.", d.parent_path)))
                .map(|d| d.name.as_str())
                .collect();
            (!children.is_empty()).then(|| {
                Invalid::new(
                    b.path.clone(),
                    "a distribution of belief",
                    format!(
                        "{} extends this policy, so the number would be copied and each copy drawn apart; write a plain number here (or the step in full in each policy)",
                        children.join(", ")
                    ),
                )
            })
        })
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

pub(crate) fn syntax_message(e: &toml::de::Error, text: &str) -> String {
    match e.span() {
        Some(span) => located(e.message(), span.start, text),
        None => e.message().to_string(),
    }
}

/// A type error in a document with distributions of belief, which is read
/// from the table with their means in place (that table has no spans):
/// the key path serde stopped at, found again in the parsed tree for its
/// line and column.
fn belief_syntax_message(
    e: &serde_path_to_error::Error<toml::de::Error>,
    tree: &toml::de::DeTable<'_>,
    table: &toml::Table,
    beliefs: &[Belief],
    text: &str,
) -> String {
    use serde_path_to_error::Segment;
    use toml::de::DeValue;
    let (mut path, mut value): (String, Option<&toml::Value>) = (String::new(), None);
    let mut spanned: Option<&toml::Spanned<DeValue<'_>>> = None;
    let mut found = true;
    for segment in e.path().iter() {
        match segment {
            Segment::Map { key } => {
                let (table_here, de_here) = match (value, spanned.map(toml::Spanned::get_ref)) {
                    (None, None) => (Some(table), Some(tree)),
                    (Some(toml::Value::Table(t)), Some(DeValue::Table(d))) => (Some(t), Some(d)),
                    _ => (None, None),
                };
                value = table_here.and_then(|t| t.get(key));
                spanned = de_here.and_then(|d| d.iter().find(|(k, _)| k.get_ref() == key).map(|(_, v)| v));
                path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
            }
            Segment::Seq { index } => {
                let item = value.and_then(toml::Value::as_array).and_then(|a| a.get(*index));
                path = match item {
                    Some(item) => crate::scenario::paths::element(&path, *index, item),
                    None => format!("{path}[{index}]"),
                };
                value = item;
                spanned = match spanned.map(toml::Spanned::get_ref) {
                    Some(DeValue::Array(a)) => a.get(*index),
                    _ => None,
                };
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
        found &= value.is_some() && spanned.is_some();
    }
    let message = if path.is_empty() {
        e.inner().message().to_string()
    } else if beliefs.iter().any(|b| b.path == path) {
        format!(
            "{path}: a distribution of belief is not allowed here, only where a number may vary (read at its mean: {})",
            e.inner().message()
        )
    } else {
        format!("{path}: {}", e.inner().message())
    };
    match spanned.filter(|_| found) {
        Some(at) => located(&message, at.span().start, text),
        // Not written there: a distribution of belief read at its mean,
        // or a policy as its `extends` makes it.
        None if beliefs.is_empty() => format!("{} (in the policy as extended)", plain_types(message.trim_end())),
        None => format!(
            "{} (read with each distribution of belief at its mean)",
            plain_types(message.trim_end())
        ),
    }
}

/// `message` at byte `start` of `text`: its line and column, the line, and
/// a caret under the column.
fn located(message: &str, start: usize, text: &str) -> String {
    let start = start.min(text.len());
    let line_no = text[..start].matches('\n').count() + 1;
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..start].chars().count() + 1;
    let line = text[line_start..].lines().next().unwrap_or("");
    format!(
        "line {line_no}, column {column}: {}{}\n  {line_no:>4} | {line}\n       | {}^",
        plain_types(message.trim_end()),
        unknown_field_hint(message),
        " ".repeat(column.saturating_sub(1))
    )
}

/// serde's message with Rust type names said in words ("expected u64" ->
/// "expected a whole number from 0 to 18446744073709551615").
fn plain_types(message: &str) -> String {
    let words = [
        ("u64", format!("a whole number from 0 to {}", u64::MAX)),
        ("u32", format!("a whole number from 0 to {}", u32::MAX)),
        ("usize", format!("a whole number from 0 to {}", usize::MAX)),
        ("i64", "a whole number".to_string()),
        ("f64", "a number".to_string()),
    ];
    words.iter().fold(message.to_string(), |m, (rust, plain)| {
        m.replace(&format!("expected {rust}"), &format!("expected {plain}"))
    })
}

/// " (did you mean `x`?)" for serde's "unknown field `y`, expected one of
/// `x`, ..." messages.
fn unknown_field_hint(message: &str) -> String {
    let Some((_, rest)) = message.split_once("unknown field `") else {
        return String::new();
    };
    let Some((field, expected)) = rest.split_once('`') else {
        return String::new();
    };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    did_you_mean(field, candidates)
}
