//! Published targets as data: what a credible scenario should reproduce,
//! each with the model quantity it corresponds to, stated precisely.
//!
//! A targets file (docs/targets.md documents every key) holds `[[target]]`
//! entries. Each names a published share with its uncertainty, its source
//! (an ID of docs/evidence.md), how comparable its population and
//! definition are, and the model quantity: under one policy, the patients
//! whose covariates at presentation satisfy `population`, followed from an
//! `origin` (presentation, or the first attempt of an intervention) for
//! `day` days; the share of them with `outcome` by then. With
//! `unit = "attempt"` the unit is each attempt of the origin intervention
//! instead (complications per procedure).
//!
//! Checked against a scenario: names of policies and interventions, and
//! the population's condition, are resolved here, so a target that cannot
//! be computed is an error naming its key path.

use serde::Deserialize;

use crate::error::{Error, Invalid, Problems, Setting, did_you_mean};
use crate::scenario::Scenario;
use crate::scenario::cond::Cond;
use crate::scenario::document::syntax_message;
use crate::stats::Z95;

/// The most targets a targets file holds.
pub const MAX_TARGETS: usize = 500;

/// The serde mirror of a targets file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTargets {
    #[serde(default)]
    description: Option<String>,
    /// The follow-up the targets need, in days.
    #[serde(default)]
    horizon_days: Option<f64>,
    target: Vec<RawTarget>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    name: String,
    #[serde(default)]
    label: Option<String>,
    source: String,
    published: f64,
    #[serde(default)]
    interval: Option<[f64; 2]>,
    #[serde(default)]
    range: Option<[f64; 2]>,
    #[serde(default)]
    n: Option<f64>,
    comparability: String,
    #[serde(default)]
    weight: Option<f64>,
    #[serde(default)]
    statistic: Option<String>,
    #[serde(default)]
    versus: Option<String>,
    #[serde(default)]
    time_unit: Option<String>,
    #[serde(default)]
    independent: Option<bool>,
    #[serde(default)]
    holdout: Option<bool>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    population: Option<String>,
    #[serde(default)]
    origin: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    day: Option<f64>,
    outcome: String,
    #[serde(default)]
    without: Option<String>,
}

/// How comparable a source's population and definition are with the
/// model quantity; sets a target's default weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparability {
    Good,
    Moderate,
    Weak,
}

impl Comparability {
    pub const ALL: [Comparability; 3] = [Comparability::Good, Comparability::Moderate, Comparability::Weak];

    pub fn name(self) -> &'static str {
        match self {
            Comparability::Good => "good",
            Comparability::Moderate => "moderate",
            Comparability::Weak => "weak",
        }
    }

    /// The default weight of a target in the calibration distance: 1,
    /// 1/2 and 1/4 (an assumption, stated in docs/targets.md).
    pub fn weight(self) -> f64 {
        match self {
            Comparability::Good => 1.0,
            Comparability::Moderate => 0.5,
            Comparability::Weak => 0.25,
        }
    }
}

/// What the published uncertainty is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum BandKind {
    /// A 95% confidence interval.
    Interval,
    /// The span of values of several sources (read as a 95% band).
    Range,
    /// A share of `n` patients: its 95% Wilson interval.
    Sample { n: f64 },
}

/// A published share's band, with the standard error it implies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub kind: BandKind,
    pub lo: f64,
    pub hi: f64,
    /// `(hi - lo) / (2 z)` for intervals and ranges; `sqrt(p (1 - p) / n)`
    /// for a sample.
    pub se: f64,
}

impl BandKind {
    pub fn name(self) -> &'static str {
        match self {
            BandKind::Interval => "interval",
            BandKind::Range => "range",
            BandKind::Sample { .. } => "n",
        }
    }
}

/// Where a target's follow-up starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Day 0, every patient.
    Presentation,
    /// The first attempt of this intervention (index in the scenario);
    /// patients who never start one are not in the population.
    FirstAttempt(usize),
}

/// What is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Each patient of the population once.
    Patient,
    /// Each attempt of the origin intervention.
    Attempt,
}

/// The event or state a target's share counts, by the end of its
/// follow-up (`origin + day`). "After the origin" leaves out the origin's
/// own attempt; at presentation, every attempt counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    /// A surgical attempt after the origin.
    Operated,
    /// A minimally invasive or surgical attempt after the origin.
    Procedure,
    /// Any attempt after the origin.
    FurtherAttempt,
    /// A complication of an attempt from the origin's on (with
    /// `unit = "attempt"`: of that attempt).
    Complication,
    /// A relapse after the origin.
    Relapsed,
    /// A recovery (the start of a symptom-free spell) after the origin.
    Recovered,
    /// Symptom-free at the end of follow-up.
    SymptomFree,
    /// Symptom-free or improved (partial relief) at the end of follow-up.
    Relieved,
    /// Died by the end of follow-up.
    Died,
}

impl Counted {
    pub const ALL: [Counted; 9] = [
        Counted::Operated,
        Counted::Procedure,
        Counted::FurtherAttempt,
        Counted::Complication,
        Counted::Relapsed,
        Counted::Recovered,
        Counted::SymptomFree,
        Counted::Relieved,
        Counted::Died,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Counted::Operated => "operated",
            Counted::Procedure => "procedure",
            Counted::FurtherAttempt => "further-attempt",
            Counted::Complication => "complication",
            Counted::Relapsed => "relapsed",
            Counted::Recovered => "recovered",
            Counted::SymptomFree => "symptom-free",
            Counted::Relieved => "relieved",
            Counted::Died => "died",
        }
    }

    /// Whether it is an event with a day (its first after the origin),
    /// not a state read at the end of follow-up.
    pub fn is_event(self) -> bool {
        match self {
            Counted::Operated
            | Counted::Procedure
            | Counted::FurtherAttempt
            | Counted::Complication
            | Counted::Relapsed
            | Counted::Recovered
            | Counted::Died => true,
            Counted::SymptomFree | Counted::Relieved => false,
        }
    }
}

/// What kind of number a target is: how it is bounded and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Measure {
    /// A share in [0, 1].
    Share,
    /// Days.
    Days,
    /// An EQ-5D utility, at most 1.
    Utility,
    /// QALYs, or a difference of QALYs.
    Qalys,
}

impl Measure {
    pub fn name(self) -> &'static str {
        match self {
            Measure::Share => "share",
            Measure::Days => "days",
            Measure::Utility => "utility",
            Measure::Qalys => "QALYs",
        }
    }

    /// `x` when it can be a value of this measure.
    fn check(self, path: &str, x: f64) -> Result<f64, Invalid> {
        let (fits, rule) = match self {
            Measure::Share => ((0.0..=1.0).contains(&x), "a share must be within [0, 1]"),
            Measure::Days => (x > 0.0 && x.is_finite(), "a time must be a positive number of days"),
            Measure::Utility => (x <= 1.0 && x.is_finite(), "a utility must be a number at most 1"),
            Measure::Qalys => (x.is_finite(), "QALYs must be a finite number"),
        };
        if fits { Ok(x) } else { Err(Invalid::new(path, x, rule)) }
    }
}

/// A target's model quantity: what is computed of its population.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quantity {
    /// The share of units with `outcome` by the end of follow-up
    /// (without it when `absent`); a unit that also has `without` counts
    /// as without the outcome.
    Share {
        outcome: Counted,
        absent: bool,
        without: Option<Counted>,
    },
    /// The Kaplan-Meier median of the days from the origin to the first
    /// `event` after it, censored at death and at the horizon.
    MedianDays { event: Counted },
    /// The mean utility at the end of follow-up of the patients alive
    /// then.
    MeanUtility,
    /// The mean QALYs from presentation to the end of follow-up (as the
    /// scenario discounts them); with `versus`, the mean of each
    /// patient's QALYs minus their QALYs under that policy (paired).
    Qalys { versus: Option<usize> },
}

impl Quantity {
    pub fn measure(self) -> Measure {
        match self {
            Quantity::Share { .. } => Measure::Share,
            Quantity::MedianDays { .. } => Measure::Days,
            Quantity::MeanUtility => Measure::Utility,
            Quantity::Qalys { .. } => Measure::Qalys,
        }
    }

    /// The statistic in a word: share, median, mean or mean difference.
    pub fn statistic(self) -> &'static str {
        match self {
            Quantity::Share { .. } => "share",
            Quantity::MedianDays { .. } => "median",
            Quantity::MeanUtility | Quantity::Qalys { versus: None } => "mean",
            Quantity::Qalys { versus: Some(_) } => "mean difference",
        }
    }
}

/// One validated target.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub name: String,
    /// For charts and tables (the name when not given).
    pub label: String,
    /// IDs of docs/evidence.md.
    pub source: String,
    /// The published value (a share, days, a utility or QALYs: see
    /// [`Quantity::measure`]), in days when published in weeks.
    pub published: f64,
    pub band: Band,
    pub comparability: Comparability,
    /// Its weight in the calibration distance.
    pub weight: f64,
    /// No source of the target also gave an input of the scenario: its
    /// agreement is validation, not an echo of the inputs.
    pub independent: bool,
    /// Left out of the calibration distance, and reported after fitting
    /// as out-of-sample validation.
    pub holdout: bool,
    /// Why it is or is not comparable.
    pub note: Option<String>,
    /// Index of the policy in the scenario.
    pub policy: usize,
    /// The population's condition on covariates at presentation, as
    /// written and compiled.
    pub population: Option<(String, Cond)>,
    pub origin: Origin,
    pub unit: Unit,
    /// Days of follow-up from the origin (0 with `unit = "attempt"` and
    /// for a median time, followed to the horizon).
    pub day: f64,
    pub quantity: Quantity,
}

impl Target {
    /// The model quantity in words: "stepwise; region == 'cervical';
    /// first tfesi + 365 d; no procedure".
    pub fn quantity(&self, scenario: &Scenario) -> String {
        let policies = scenario.policies();
        let mut parts = vec![policies[self.policy].name.clone()];
        if let Some((text, _)) = &self.population {
            parts.push(text.clone());
        }
        let origin = match self.origin {
            Origin::Presentation => "presentation".to_string(),
            Origin::FirstAttempt(iv) => format!("first {}", scenario.interventions()[iv].name),
        };
        match (self.unit, self.quantity) {
            (Unit::Attempt, _) => {
                if let Origin::FirstAttempt(iv) = self.origin {
                    parts.push(format!("per attempt of {}", scenario.interventions()[iv].name));
                }
            }
            (Unit::Patient, Quantity::MedianDays { .. }) => parts.push(format!("from {origin}")),
            (Unit::Patient, _) => parts.push(format!("{origin} + {} d", self.day)),
        }
        parts.push(match self.quantity {
            Quantity::Share {
                outcome,
                absent,
                without,
            } => {
                let no = if absent { "no " } else { "" };
                let without = without.map(|w| format!(" without {}", w.name())).unwrap_or_default();
                format!("{no}{}{without}", outcome.name())
            }
            Quantity::MedianDays { event } => format!("median days to {}", event.name()),
            Quantity::MeanUtility => "mean utility of the living".to_string(),
            Quantity::Qalys { versus: None } => "mean QALYs".to_string(),
            Quantity::Qalys { versus: Some(v) } => format!("mean QALYs minus under {}", policies[v].name),
        });
        parts.join("; ")
    }
}

/// A targets file, checked against a scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    /// Names the file in messages and the manifest.
    pub file: String,
    pub description: Option<String>,
    pub targets: Vec<Target>,
}

/// A targets file parsed, not yet checked against a scenario.
#[derive(Debug, Clone)]
pub struct ParsedTargets {
    file: String,
    raw: RawTargets,
}

impl ParsedTargets {
    /// Parses `text`; `file` names it in errors.
    ///
    /// # Errors
    /// [`Error::Syntax`] for TOML syntax, unknown keys and wrong types,
    /// with the line and column; [`Error::Invalid`] for a bad
    /// `horizon_days`.
    pub fn parse(text: &str, file: &str) -> Result<ParsedTargets, Error> {
        let raw: RawTargets = toml::from_str(text).map_err(|e| Error::Syntax {
            file: file.to_string(),
            message: syntax_message(&e, text),
        })?;
        if let Some(h) = raw.horizon_days
            && !(h > 0.0 && h.is_finite())
        {
            return Err(Error::Invalid {
                file: file.to_string(),
                problems: vec![Invalid::new(
                    "horizon_days",
                    h,
                    "the targets' follow-up must be a positive number of days",
                )],
            });
        }
        Ok(ParsedTargets {
            file: file.to_string(),
            raw,
        })
    }

    /// The follow-up the targets need (`horizon_days`), if the file says.
    pub fn horizon_days(&self) -> Option<f64> {
        self.raw.horizon_days
    }

    /// Checks every target against `scenario` (at most [`MAX_TARGETS`]).
    ///
    /// # Errors
    /// [`Error::Invalid`] naming every target that breaks a rule.
    pub fn check(&self, scenario: &Scenario) -> Result<Targets, Error> {
        let raw = &self.raw;
        let mut problems = Problems::default();
        if raw.target.is_empty() {
            problems.push(Invalid::new("target", "", "no targets: add at least one [[target]]"));
        }
        if raw.target.len() > MAX_TARGETS {
            return Err(Error::Invalid {
                file: self.file.clone(),
                problems: vec![Invalid::new(
                    "target",
                    format!("{} targets", raw.target.len()),
                    format!("a targets file holds at most {MAX_TARGETS} targets (each is a row of the targets chart)"),
                )],
            });
        }
        let mut targets = Vec::new();
        for (i, t) in raw.target.iter().enumerate() {
            if raw.target[..i].iter().any(|o| o.name == t.name) {
                problems.push(Invalid::new(
                    format!("target[{i}].name"),
                    format!("\"{}\"", t.name),
                    "another target has this name; names must be unique",
                ));
            }
            if let Some(target) = validate(t, &format!("target.{}", t.name), scenario, &mut problems) {
                targets.push(target);
            }
        }
        if !problems.is_empty() {
            return Err(Error::Invalid {
                file: self.file.clone(),
                problems: problems.into_vec(),
            });
        }
        Ok(Targets {
            file: self.file.clone(),
            description: raw.description.clone(),
            targets,
        })
    }
}

impl Targets {
    /// Parses `text` (named `file` in errors) and checks every target
    /// against `scenario`.
    ///
    /// # Errors
    /// As [`ParsedTargets::parse`] and [`ParsedTargets::check`].
    pub fn from_toml(text: &str, file: &str, scenario: &Scenario) -> Result<Targets, Error> {
        ParsedTargets::parse(text, file)?.check(scenario)
    }

    /// Holds out the targets `names` names, besides those the file holds
    /// out (`holdout = true`).
    ///
    /// # Errors
    /// [`Error::Setting`] ([`Setting::Holdout`]) for a name that is not a
    /// target of the file, listing its targets.
    pub fn hold_out(&mut self, names: &[String]) -> Result<(), Error> {
        for name in names {
            let Some(target) = self.targets.iter_mut().find(|t| &t.name == name) else {
                let all: Vec<&str> = self.targets.iter().map(|t| t.name.as_str()).collect();
                return Err(Error::setting(
                    Setting::Holdout,
                    name,
                    format!(
                        "not a target of {}{}; its targets: {}",
                        self.file,
                        did_you_mean(name, all.iter().copied()),
                        all.join(", ")
                    ),
                ));
            };
            target.holdout = true;
        }
        Ok(())
    }
}

/// The band of a published value of `measure`, `scale` days per unit
/// written (all 1 but a time in weeks); `published` is already in days.
fn band(t: &RawTarget, path: &str, published: f64, measure: Measure, scale: f64) -> Result<Band, Invalid> {
    let ordered = |key: &str, [lo, hi]: [f64; 2]| -> Result<(f64, f64), Invalid> {
        let at = format!("{path}.{key}");
        let (lo, hi) = (measure.check(&at, lo)? * scale, measure.check(&at, hi)? * scale);
        if lo >= hi || !(lo..=hi).contains(&published) {
            return Err(Invalid::new(
                at,
                format!("[{lo}, {hi}]"),
                format!(
                    "must be [low, high] with low <= published ({published}) <= high and low < high (a band of no width gives no standard error)"
                ),
            ));
        }
        Ok((lo, hi))
    };
    let from_width = |kind, (lo, hi): (f64, f64)| Band {
        kind,
        lo,
        hi,
        se: (hi - lo) / (2.0 * Z95),
    };
    match (t.interval, t.range, t.n) {
        (Some(i), None, None) => Ok(from_width(BandKind::Interval, ordered("interval", i)?)),
        (None, Some(r), None) => Ok(from_width(BandKind::Range, ordered("range", r)?)),
        (None, None, Some(n)) if measure != Measure::Share => Err(Invalid::new(
            format!("{path}.n"),
            n,
            "a sample size gives the Wilson interval of a share: give interval = [low, high] or range = [low, high] for a time, a utility or QALYs",
        )),
        (None, None, Some(n)) => {
            if !(n >= 1.0 && n.is_finite()) {
                return Err(Invalid::new(
                    format!("{path}.n"),
                    n,
                    "the number of patients behind the share must be at least 1",
                ));
            }
            let w = crate::stats::wilson(published, n);
            Ok(Band {
                kind: BandKind::Sample { n },
                lo: w.lo,
                hi: w.hi,
                se: w.se,
            })
        }
        _ => Err(Invalid::new(
            path,
            "",
            "give exactly one of interval = [low, high] (a 95% confidence interval), range = [low, high] (the span of several sources) or n = <patients> (the share's sample size)",
        )),
    }
}

/// The policy `name` names, at key `path`.
fn policy_named(scenario: &Scenario, path: String, name: &str) -> Result<usize, Invalid> {
    let policies = scenario.policies();
    policies.iter().position(|p| p.name == name).ok_or_else(|| {
        Invalid::new(
            path,
            format!("\"{name}\""),
            format!(
                "no such policy in scenario {}{}",
                scenario.name(),
                did_you_mean(name, policies.iter().map(|p| p.name.as_str()))
            ),
        )
    })
}

/// The outcomes a share or a median counts, and the two means.
const MEANS: [&str; 2] = ["utility", "qalys"];

/// A target's quantity, unit, days of follow-up and days per unit its
/// published value is written in (7 for weeks, else 1), or `None` with
/// its problems recorded.
fn shape(
    t: &RawTarget,
    path: &str,
    scenario: &Scenario,
    origin: Option<Origin>,
    policy: Option<usize>,
    problems: &mut Problems,
) -> Option<(Quantity, Unit, f64, f64)> {
    let at = |key: &str| format!("{path}.{key}");
    let horizon = scenario.simulation().horizon_days;
    // A key this kind of target does not use.
    let unused = |problems: &mut Problems, key: &str, given: Option<String>, why: &str| {
        if let Some(v) = given {
            problems.push(Invalid::new(at(key), v, format!("not used {why}: remove it")));
        }
    };
    let quoted = |v: &Option<String>| v.as_ref().map(|v| format!("\"{v}\""));
    let day = |problems: &mut Problems| match t.day {
        Some(day) if day > 0.0 && day <= horizon => Some(day),
        Some(day) => {
            problems.push(Invalid::new(
                at("day"),
                day,
                format!(
                    "follow-up must be more than 0 days and at most the horizon simulated ({horizon} days): set a longer horizon_days in the targets file or the scenario"
                ),
            ));
            None
        }
        None => {
            problems.push(Invalid::new(
                at("day"),
                "",
                "missing: the days of follow-up from the origin",
            ));
            None
        }
    };
    if MEANS.contains(&t.outcome.as_str()) {
        let what = "with a mean utility or QALYs";
        if scenario.economics().is_none() {
            problems.push(Invalid::new(
                at("outcome"),
                format!("\"{}\"", t.outcome),
                "needs utilities: the scenario has no [economics] section (docs/economics.md)",
            ));
        }
        if let Some(s) = t.statistic.as_deref().filter(|&s| s != "mean") {
            problems.push(Invalid::new(
                at("statistic"),
                format!("\"{s}\""),
                format!(
                    "\"{}\" is a mean: write statistic = \"mean\" or leave it out",
                    t.outcome
                ),
            ));
        }
        unused(problems, "unit", quoted(&t.unit).filter(|u| u != "\"patient\""), what);
        unused(problems, "without", quoted(&t.without), what);
        unused(problems, "time_unit", quoted(&t.time_unit), what);
        let day = day(problems);
        let quantity = if t.outcome == "utility" {
            unused(problems, "versus", quoted(&t.versus), "with a mean utility");
            Some(Quantity::MeanUtility)
        } else {
            if origin.is_some_and(|o| o != Origin::Presentation) {
                problems.push(Invalid::new(
                    at("origin"),
                    format!("\"{}\"", t.origin.as_deref().unwrap_or_default()),
                    "QALYs are counted from presentation: leave origin out",
                ));
            }
            match &t.versus {
                None => Some(Quantity::Qalys { versus: None }),
                Some(name) => match problems.take(policy_named(scenario, at("versus"), name)) {
                    Some(v) if Some(v) == policy => {
                        problems.push(Invalid::new(
                            at("versus"),
                            format!("\"{name}\""),
                            "the policy the gain is over must differ from the target's policy",
                        ));
                        None
                    }
                    v => v.map(|v| Quantity::Qalys { versus: Some(v) }),
                },
            }
        };
        return Some((quantity?, Unit::Patient, day?, 1.0));
    }
    let (absent, outcome_name) = match t.outcome.strip_prefix("no ") {
        Some(rest) => (true, rest.trim()),
        None => (false, t.outcome.as_str()),
    };
    let named = |key: &str, name: &str| {
        Counted::ALL.into_iter().find(|o| o.name() == name).ok_or_else(|| {
            let names: Vec<String> = Counted::ALL.iter().map(|o| format!("\"{}\"", o.name())).collect();
            Invalid::new(
                at(key),
                format!("\"{name}\""),
                format!(
                    "allowed: {}, each optionally after \"no \" (the share without it), or \"utility\" or \"qalys\" (a mean){}",
                    names.join(", "),
                    did_you_mean(name, Counted::ALL.iter().map(|o| o.name()).chain(MEANS))
                ),
            )
        })
    };
    let outcome = problems.take(
        named("outcome", outcome_name)
            .map_err(|e| Invalid::new(at("outcome"), format!("\"{}\"", t.outcome), e.problem)),
    );
    let without = match &t.without {
        None => Some(None),
        Some(name) => problems.take(named("without", name).map(Some)),
    };
    unused(
        problems,
        "versus",
        quoted(&t.versus),
        "with a share or a median time (only with outcome = \"qalys\")",
    );
    match t.statistic.as_deref() {
        None | Some("share") => {
            unused(problems, "time_unit", quoted(&t.time_unit), "with a share");
            let unit_and_day = match t.unit.as_deref() {
                None | Some("patient") => day(problems).map(|d| (Unit::Patient, d)),
                Some("attempt") => {
                    let fits = matches!(origin, Some(Origin::FirstAttempt(_)) | None)
                        && matches!(outcome, Some(Counted::Complication) | None)
                        && t.without.is_none();
                    if !fits {
                        problems.push(Invalid::new(
                            at("unit"),
                            "\"attempt\"",
                            "counts each attempt of the origin intervention: needs origin = an intervention, outcome = \"complication\" and no `without`",
                        ));
                    }
                    unused(
                        problems,
                        "day",
                        t.day.map(|d| d.to_string()),
                        "with unit = \"attempt\" (a complication belongs to its attempt)",
                    );
                    (fits && t.day.is_none()).then_some((Unit::Attempt, 0.0))
                }
                Some(other) => {
                    problems.push(Invalid::new(
                        at("unit"),
                        format!("\"{other}\""),
                        "allowed: \"patient\" (the default) or \"attempt\"",
                    ));
                    None
                }
            };
            let (unit, day) = unit_and_day?;
            Some((
                Quantity::Share {
                    outcome: outcome?,
                    absent,
                    without: without?,
                },
                unit,
                day,
                1.0,
            ))
        }
        Some("median") => {
            let what = "with a median time (followed to the horizon)";
            unused(problems, "day", t.day.map(|d| d.to_string()), what);
            unused(problems, "without", quoted(&t.without), what);
            unused(problems, "unit", quoted(&t.unit).filter(|u| u != "\"patient\""), what);
            let event = match outcome {
                Some(o) if o.is_event() && !absent => Some(o),
                Some(_) => {
                    let events: Vec<String> = Counted::ALL
                        .iter()
                        .filter(|o| o.is_event())
                        .map(|o| format!("\"{}\"", o.name()))
                        .collect();
                    problems.push(Invalid::new(
                        at("outcome"),
                        format!("\"{}\"", t.outcome),
                        format!("a median time is to an event: allowed {}", events.join(", ")),
                    ));
                    None
                }
                None => None,
            };
            let scale = match t.time_unit.as_deref() {
                None | Some("days") => Some(1.0),
                Some("weeks") => Some(7.0),
                Some(other) => {
                    problems.push(Invalid::new(
                        at("time_unit"),
                        format!("\"{other}\""),
                        "allowed: \"days\" (the default) or \"weeks\"",
                    ));
                    None
                }
            };
            (t.day.is_none() && t.without.is_none()).then_some(())?;
            Some((Quantity::MedianDays { event: event? }, Unit::Patient, 0.0, scale?))
        }
        Some(other) => {
            problems.push(Invalid::new(
                at("statistic"),
                format!("\"{other}\""),
                if other == "mean" {
                    "a mean time is not estimable when follow-up is censored (by death or the horizon): use \"median\" (Kaplan-Meier); \"mean\" is for outcome = \"utility\" or \"qalys\""
                } else {
                    "allowed: \"share\" (the default), \"median\" (days to an event) or \"mean\" (with outcome = \"utility\" or \"qalys\")"
                },
            ));
            None
        }
    }
}

/// One target, or `None` with its problems recorded.
fn validate(t: &RawTarget, path: &str, scenario: &Scenario, problems: &mut Problems) -> Option<Target> {
    let comparability = problems.take(
        Comparability::ALL
            .into_iter()
            .find(|c| c.name() == t.comparability)
            .ok_or_else(|| {
                Invalid::new(
                    format!("{path}.comparability"),
                    format!("\"{}\"", t.comparability),
                    "allowed: \"good\", \"moderate\", \"weak\"",
                )
            }),
    );
    let weight = match t.weight {
        Some(w) if !(w >= 0.0 && w.is_finite()) => {
            problems.push(Invalid::new(
                format!("{path}.weight"),
                w,
                "a weight must be finite and >= 0",
            ));
            None
        }
        w => comparability.map(|c| w.unwrap_or(c.weight())),
    };
    let policy = match &t.policy {
        None => Some(0),
        Some(name) => problems.take(policy_named(scenario, format!("{path}.policy"), name)),
    };
    let population = match &t.population {
        None => Some(None),
        Some(text) => problems.take(
            Cond::compile(text, &scenario.slots())
                .map(|c| Some((text.clone(), c)))
                .map_err(|problem| Invalid::new(format!("{path}.population"), format!("\"{text}\""), problem)),
        ),
    };
    let interventions = scenario.interventions();
    let origin = match t.origin.as_deref() {
        None | Some("presentation") => Some(Origin::Presentation),
        Some(name) => problems.take(
            interventions
                .iter()
                .position(|iv| iv.name == name)
                .map(Origin::FirstAttempt)
                .ok_or_else(|| {
                    Invalid::new(
                        format!("{path}.origin"),
                        format!("\"{name}\""),
                        format!(
                            "allowed: \"presentation\" or the name of an intervention (its first attempt){}",
                            did_you_mean(name, interventions.iter().map(|iv| iv.name.as_str()))
                        ),
                    )
                }),
        ),
    };
    let shape = shape(t, path, scenario, origin, policy, problems);
    let measured = shape.and_then(|(quantity, _, _, scale)| {
        let measure = quantity.measure();
        let published = problems.take(measure.check(&format!("{path}.published"), t.published))? * scale;
        problems
            .take(band(t, path, published, measure, scale))
            .map(|b| (published, b))
    });
    let independent = t.independent.or_else(|| {
        problems.push(Invalid::new(
            format!("{path}.independent"),
            "",
            "missing: write independent = false when a source of the target also gave an input of the scenario (the target then partly echoes it), true when none did",
        ));
        None
    });
    let (quantity, unit, day, _) = shape?;
    let (published, band) = measured?;
    Some(Target {
        name: t.name.clone(),
        label: t.label.clone().unwrap_or_else(|| t.name.clone()),
        source: t.source.clone(),
        published,
        band,
        comparability: comparability?,
        weight: weight?,
        independent: independent?,
        holdout: t.holdout.unwrap_or(false),
        note: t.note.clone(),
        policy: policy?,
        population: population?,
        origin: origin?,
        unit,
        day,
        quantity,
    })
}
