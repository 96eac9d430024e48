//! `[natural_history]`: what happens without treatment (progression,
//! spontaneous resolution, a deficit that becomes permanent with delay,
//! background mortality): the serde mirror, the validated types and their
//! rules.

use std::fmt::Write;

use serde::Deserialize;

use super::cond::{Cond, Slot, SlotKind};
use super::dist::{Dist, RawDist};
use super::rules::*;
use super::*;
use crate::error::{Invalid, Problems, did_you_mean};

#[derive(Debug, Clone, Default)]
pub struct NaturalHistory {
    pub progression: Option<Progression>,
    pub resolution: Option<Resolution>,
    pub permanent_deficit: Option<PermanentDeficit>,
    pub mortality: Option<Mortality>,
}

/// Background mortality from the age at presentation (covariate `slot`,
/// in years) on; no slot for a constant hazard, which no age changes.
#[derive(Debug, Clone, PartialEq)]
pub struct Mortality {
    pub slot: Option<usize>,
    pub hazard: Hazard,
}

/// A hazard of death by age in years, per year.
#[derive(Debug, Clone, PartialEq)]
pub enum Hazard {
    /// `h(a) = rate e^(shape a)`. The cumulative hazard over `y` years from
    /// age `a0` is `H(y) = rate e^(shape a0) (e^(shape y) - 1) / shape`
    /// (`rate e^(shape a0) y` when shape is 0).
    Gompertz { rate: f64, shape: f64 },
    /// Constant within age bands: `-ln(1 - q_k)` from `ages[k]` to
    /// `ages[k + 1]`, `q_k` the band's annual probability of death; the
    /// first band also covers younger ages, the last all older ones.
    LifeTable { ages: Vec<f64>, rates: Vec<f64> },
}

/// Days per year of age.
pub const DAYS_PER_YEAR: f64 = 365.25;

impl Mortality {
    /// The day of death of a patient aged `age` years at presentation whose
    /// cumulative hazard at death is `e` (an Exp(1) draw): `H(y) = e`
    /// solved for `y` years. Infinity when the hazard never gets there.
    pub fn death_day(&self, age: f64, e: f64) -> f64 {
        let years = match &self.hazard {
            Hazard::Gompertz { rate, shape } => {
                let at_entry = rate * (shape * age).exp();
                if at_entry <= 0.0 {
                    return f64::INFINITY;
                }
                if *shape == 0.0 {
                    e / at_entry
                } else {
                    // y = ln(1 + e shape / (rate e^(shape a0))) / shape
                    (e * shape / at_entry).ln_1p() / shape
                }
            }
            Hazard::LifeTable { ages, rates } => {
                let mut left = e;
                let mut years = 0.0;
                let mut at = age;
                let first = ages.partition_point(|&a| a <= age).saturating_sub(1);
                let mut found = f64::INFINITY;
                for (k, &rate) in rates.iter().enumerate().skip(first) {
                    let span = ages.get(k + 1).map_or(f64::INFINITY, |&next| next - at);
                    let used = if rate > 0.0 { rate * span } else { 0.0 };
                    if rate > 0.0 && used >= left {
                        found = years + left / rate;
                        break;
                    }
                    left -= used;
                    years += span;
                    at += span;
                }
                found
            }
        };
        if years.is_nan() {
            f64::INFINITY
        } else {
            years * DAYS_PER_YEAR
        }
    }

    /// The probability of surviving `days` from presentation at age `age`:
    /// `exp(-H)` over `days / 365.25` years.
    pub fn survival(&self, age: f64, days: f64) -> f64 {
        let y = days / DAYS_PER_YEAR;
        let h = match &self.hazard {
            Hazard::Gompertz { rate, shape } => {
                let at_entry = rate * (shape * age).exp();
                if *shape == 0.0 {
                    at_entry * y
                } else {
                    at_entry * (shape * y).exp_m1() / shape
                }
            }
            Hazard::LifeTable { ages, rates } => {
                let first = ages.partition_point(|&a| a <= age).saturating_sub(1);
                let (mut h, mut at, end) = (0.0, age, age + y);
                for (k, &rate) in rates.iter().enumerate().skip(first) {
                    let next = ages.get(k + 1).copied().unwrap_or(f64::INFINITY).min(end);
                    if next > at {
                        h += rate * (next - at);
                        at = next;
                    }
                }
                h
            }
        };
        (-h).exp()
    }
}

/// Harm of delay: the deficit covariate at `slot` becomes permanent with
/// probability `logit p = logit p0 + (d / 7) ln(OR per week)`, d the days
/// from its onset to the start of decompression (the horizon if none).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PermanentDeficit {
    pub slot: usize,
    /// p0: the probability at zero delay.
    pub probability: f64,
    pub odds_ratio_per_week: f64,
}

impl PermanentDeficit {
    /// The probability after `days` of delay.
    pub fn probability_after(&self, days: f64) -> f64 {
        shift_logit(self.probability, days / 7.0 * self.odds_ratio_per_week.ln())
    }
}

#[derive(Debug, Clone)]
pub struct Progression {
    /// Boolean covariate slot set on progression.
    pub slot: usize,
    pub time: Dist,
    pub condition: Option<Cond>,
}

#[derive(Debug, Clone)]
pub struct Resolution {
    pub time: Dist,
    pub condition: Option<Cond>,
}

// The serde mirror: the section as written.

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNaturalHistory {
    #[serde(default)]
    pub progression: Option<RawProgression>,
    #[serde(default)]
    pub resolution: Option<RawResolution>,
    #[serde(default)]
    pub permanent_deficit: Option<RawPermanentDeficit>,
    #[serde(default)]
    pub mortality: Option<RawMortality>,
}

/// Background mortality from the age covariate at presentation on: a
/// Gompertz hazard in years of age, `h(a) = rate x exp(shape x a)` per
/// year, or a life table of annual probabilities of death by age band.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMortality {
    /// The continuous covariate that is the age in years at presentation
    /// (not needed for a constant hazard, `shape = 0`).
    #[serde(default)]
    pub age: Option<String>,
    /// Gompertz: the hazard per year at age 0.
    #[serde(default)]
    pub rate: Option<f64>,
    /// Gompertz: its growth per year of age (0: a constant hazard).
    #[serde(default)]
    pub shape: Option<f64>,
    /// A life table instead of `rate` and `shape`.
    #[serde(default)]
    pub life_table: Option<RawLifeTable>,
    #[serde(default)]
    pub source: Option<String>,
}

/// `life_table = { ages = [0, 60, 70, 80], annual = [...] }`: the annual
/// probability of death from each age on (the first band also covers
/// younger ages, the last every older one).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLifeTable {
    pub ages: Vec<f64>,
    pub annual: Vec<f64>,
}

/// Harm of delay: a deficit (a boolean covariate) becomes permanent with a
/// probability that grows with the weeks from its onset to the start of
/// decompression.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPermanentDeficit {
    /// The boolean covariate that is the deficit (true at baseline, or set
    /// by progression).
    pub covariate: String,
    /// The probability at zero delay.
    pub probability: f64,
    /// The odds ratio of each week of delay.
    pub odds_ratio_per_week: f64,
    #[serde(default)]
    pub source: Option<String>,
}

/// Neurological progression: a boolean covariate becomes true at a random
/// time while the patient is symptomatic; this is the red flag.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProgression {
    /// Boolean covariate set to true on progression.
    pub sets: String,
    pub time: RawDist,
    /// Only patients meeting this condition can progress.
    #[serde(default, rename = "if")]
    pub condition: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}

/// Spontaneous resolution of symptoms, competing with treatment.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResolution {
    pub time: RawDist,
    #[serde(default, rename = "if")]
    pub condition: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
}

// The rules: the mirror to the validated types, every problem named.

pub(super) fn natural_history(raw: &RawNaturalHistory, slots: &[Slot], p: &mut Problems) -> Option<NaturalHistory> {
    let progression = p.take(raw.progression.as_ref().map(|r| progression(r, slots)).transpose());
    let resolution = p.take(
        raw.resolution
            .as_ref()
            .map(|r| {
                let path = "natural_history.resolution";
                Ok(Resolution {
                    time: duration(&format!("{path}.time"), &r.time)?,
                    condition: optional_condition(&format!("{path}.if"), r.condition.as_deref(), slots)?,
                })
            })
            .transpose(),
    );
    let permanent_deficit = p.take(
        raw.permanent_deficit
            .as_ref()
            .map(|d| permanent_deficit(d, slots))
            .transpose(),
    );
    let mortality = p.take(raw.mortality.as_ref().map(|m| mortality(m, slots)).transpose());
    Some(NaturalHistory {
        progression: progression?,
        resolution: resolution?,
        permanent_deficit: permanent_deficit?,
        mortality: mortality?,
    })
}

fn mortality(raw: &RawMortality, slots: &[Slot]) -> Result<Mortality, Invalid> {
    let path = "natural_history.mortality";
    let constant = raw.shape == Some(0.0) && raw.life_table.is_none();
    let slot = match &raw.age {
        Some(age) => Some(covariate_of_kind(
            &format!("{path}.age"),
            age,
            SlotKind::Continuous,
            "the age is a continuous covariate in years at presentation",
            slots,
        )?),
        None if constant => None,
        None => {
            return Err(Invalid::new(
                format!("{path}.age"),
                "",
                "name the age covariate (continuous, in years at presentation); only a constant hazard (shape = 0) may leave it out",
            ));
        }
    };
    let hazard = match (raw.rate, raw.shape, &raw.life_table) {
        (Some(rate), Some(shape), None) => gompertz(path, rate, shape)?,
        (None, None, Some(table)) => life_table(path, table)?,
        _ => {
            return Err(Invalid::new(
                path,
                "the hazard",
                "give either a Gompertz hazard (`rate` and `shape`) or a `life_table`, not both and not part of one",
            ));
        }
    };
    Ok(Mortality { slot, hazard })
}

fn gompertz(path: &str, rate: f64, shape: f64) -> Result<Hazard, Invalid> {
    if !(rate.is_finite() && rate >= 0.0) {
        return Err(Invalid::new(
            format!("{path}.rate"),
            rate,
            "the Gompertz rate is the hazard per year at age 0: a finite number >= 0 (e.g. 2e-5)",
        ));
    }
    if !(shape.is_finite() && (0.0..=1.0).contains(&shape)) {
        return Err(Invalid::new(
            format!("{path}.shape"),
            shape,
            "the Gompertz shape is the hazard's growth per year of age: a number from 0 (constant hazard) to 1 (human mortality is near 0.09)",
        ));
    }
    Ok(Hazard::Gompertz { rate, shape })
}

fn life_table(path: &str, table: &RawLifeTable) -> Result<Hazard, Invalid> {
    let at = format!("{path}.life_table");
    if table.ages.is_empty() || table.ages.len() != table.annual.len() {
        return Err(Invalid::new(
            format!("{at}.annual"),
            format!("{} values for {} ages", table.annual.len(), table.ages.len()),
            "one annual probability of death per age band, as many as `ages` (at least one)",
        ));
    }
    if let Some(w) = table
        .ages
        .windows(2)
        .find(|w| w[1].partial_cmp(&w[0]) != Some(std::cmp::Ordering::Greater))
    {
        return Err(Invalid::new(
            format!("{at}.ages"),
            format!("{} then {}", w[0], w[1]),
            "the ages where bands start increase strictly",
        ));
    }
    if let Some(a) = table.ages.iter().find(|a| !a.is_finite()) {
        return Err(Invalid::new(
            format!("{at}.ages"),
            a,
            "ages are finite numbers of years",
        ));
    }
    let mut rates = Vec::with_capacity(table.annual.len());
    for (k, &q) in table.annual.iter().enumerate() {
        check_probability(&format!("{at}.annual[{k}]"), q)?;
        // q = 1: an infinite hazard, death on entering the band.
        rates.push(-(-q).ln_1p());
    }
    Ok(Hazard::LifeTable {
        ages: table.ages.clone(),
        rates,
    })
}

fn permanent_deficit(raw: &RawPermanentDeficit, slots: &[Slot]) -> Result<PermanentDeficit, Invalid> {
    let path = "natural_history.permanent_deficit";
    let slot = covariate_of_kind(
        &format!("{path}.covariate"),
        &raw.covariate,
        SlotKind::Boolean,
        "the deficit is a boolean covariate",
        slots,
    )?;
    let probability = check_probability(&format!("{path}.probability"), raw.probability)?;
    let or = raw.odds_ratio_per_week;
    if !(or.is_finite() && or > 0.0) {
        return Err(Invalid::new(
            format!("{path}.odds_ratio_per_week"),
            or,
            "an odds ratio per week of delay is a finite number > 0 (1: delay does no harm)",
        ));
    }
    Ok(PermanentDeficit {
        slot,
        probability,
        odds_ratio_per_week: or,
    })
}

/// The slot of the covariate `name` (given at `key`), which must be of
/// `kind`; the error says `what` and suggests a covariate of that kind.
fn covariate_of_kind(key: &str, name: &str, kind: SlotKind, what: &str, slots: &[Slot]) -> Result<usize, Invalid> {
    slots
        .iter()
        .position(|s| s.name == name && s.kind == kind)
        .ok_or_else(|| {
            let candidates = slots.iter().filter(|s| s.kind == kind).map(|s| s.name.as_str());
            Invalid::new(
                key,
                format!("\"{name}\""),
                format!("{what}{}", did_you_mean(name, candidates)),
            )
        })
}

fn progression(raw: &RawProgression, slots: &[Slot]) -> Result<Progression, Invalid> {
    let path = "natural_history.progression";
    let slot = covariate_of_kind(
        &format!("{path}.sets"),
        &raw.sets,
        SlotKind::Boolean,
        "progression sets a boolean covariate",
        slots,
    )?;
    Ok(Progression {
        slot,
        time: duration(&format!("{path}.time"), &raw.time)?,
        condition: optional_condition(&format!("{path}.if"), raw.condition.as_deref(), slots)?,
    })
}

// Words: the section in `foramen describe`.

impl NaturalHistory {
    /// What happens without treatment, in words (`foramen describe`);
    /// `covariates` name the slots.
    pub fn words(&self, out: &mut String, covariates: &[Covariate]) {
        let nh = self;
        if nh.progression.is_some()
            || nh.resolution.is_some()
            || nh.permanent_deficit.is_some()
            || nh.mortality.is_some()
        {
            let _ = writeln!(out, "\nnatural history");
        }
        if let Some(p) = &nh.progression {
            let _ = writeln!(
                out,
                "  progression sets {} after {} while symptomatic",
                covariates[p.slot].name, p.time
            );
        }
        if let Some(r) = &self.resolution {
            let _ = writeln!(out, "  spontaneous resolution after {}", r.time);
        }
        if let Some(d) = &self.permanent_deficit {
            let _ = writeln!(
                out,
                "  {} becomes permanent with probability {} at no delay, odds x{} per week from its onset (baseline or progression) to the first minimally invasive or surgical attempt (to the horizon if none)",
                covariates[d.slot].name, d.probability, d.odds_ratio_per_week
            );
        }
        if let Some(m) = &self.mortality {
            let hazard = match &m.hazard {
                Hazard::Gompertz { rate, shape } => format!("Gompertz hazard {rate} x exp({shape} x age) a year"),
                Hazard::LifeTable { ages, .. } => {
                    format!("a life table of annual probabilities in {} age bands", ages.len())
                }
            };
            let age = m.slot.map_or_else(
                || "whatever the age".to_string(),
                |s| format!("age from {} at presentation", covariates[s].name),
            );
            let _ = writeln!(
                out,
                "  background death: {hazard}, {age}; drawn once per patient (the same under every policy), it ends the path: the patient is dead from then to the horizon"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots() -> Vec<Slot> {
        vec![
            Slot {
                name: "age".into(),
                kind: SlotKind::Continuous,
            },
            Slot {
                name: "deficit".into(),
                kind: SlotKind::Boolean,
            },
        ]
    }

    fn raw_mortality(text: &str) -> RawMortality {
        toml::from_str(text).expect("mortality as written")
    }

    #[test]
    fn mortality_is_a_gompertz_hazard_or_a_life_table_on_a_continuous_age() {
        let table = mortality(
            &raw_mortality("age = \"age\"\nlife_table = { ages = [0, 70], annual = [0.01, 1] }"),
            &slots(),
        )
        .expect("valid");
        let Hazard::LifeTable { rates, .. } = table.hazard else {
            panic!("a life table expected")
        };
        assert_eq!(rates, vec![-(-0.01f64).ln_1p(), f64::INFINITY]);
        let both = mortality(&raw_mortality("age = \"age\"\nrate = 1e-5"), &slots()).unwrap_err();
        assert_eq!(both.path, "natural_history.mortality");
        let boolean = mortality(&raw_mortality("age = \"deficit\"\nrate = 1e-5\nshape = 0.09"), &slots()).unwrap_err();
        assert_eq!(boolean.path, "natural_history.mortality.age");
        let unordered = mortality(
            &raw_mortality("age = \"age\"\nlife_table = { ages = [0, 70, 70], annual = [0.1, 0.2, 0.3] }"),
            &slots(),
        )
        .unwrap_err();
        assert_eq!(unordered.path, "natural_history.mortality.life_table.ages");
        // A constant hazard needs no age; any other hazard does.
        let constant = mortality(&raw_mortality("rate = 0.2\nshape = 0"), &slots()).expect("valid");
        assert_eq!(constant.slot, None);
        assert_eq!(constant.death_day(70.0, 1.0), constant.death_day(20.0, 1.0));
        let ageless = mortality(&raw_mortality("rate = 1e-5\nshape = 0.09"), &slots()).unwrap_err();
        assert_eq!(ageless.path, "natural_history.mortality.age");
        assert!(
            ageless.problem.contains("only a constant hazard"),
            "{}",
            ageless.problem
        );
    }

    #[test]
    fn delay_raises_the_chance_of_a_permanent_deficit_on_the_logit_scale() {
        let raw: RawPermanentDeficit =
            toml::from_str("covariate = \"deficit\"\nprobability = 0.2\nodds_ratio_per_week = 2").expect("as written");
        let d = permanent_deficit(&raw, &slots()).expect("valid");
        assert_eq!(d.probability_after(0.0), 0.2);
        // Odds 0.25 x 2^2 = 1 after two weeks.
        assert!((d.probability_after(14.0) - 0.5).abs() < 1e-15);
        let age: RawPermanentDeficit =
            toml::from_str("covariate = \"age\"\nprobability = 0.2\nodds_ratio_per_week = 2").expect("as written");
        assert_eq!(
            permanent_deficit(&age, &slots()).unwrap_err().path,
            "natural_history.permanent_deficit.covariate"
        );
    }

    /// The day of death inverts the survival function: a patient whose
    /// cumulative hazard at death is `e` survives to the day before with
    /// probability exp(-e).
    #[test]
    fn death_day_inverts_survival() {
        let hazards = [
            Hazard::Gompertz {
                rate: 2e-5,
                shape: 0.09,
            },
            Hazard::Gompertz { rate: 0.2, shape: 0.0 },
            Hazard::LifeTable {
                ages: vec![0.0, 70.0, 80.0],
                rates: [0.01f64, 0.05, 0.2].iter().map(|q| -(-q).ln_1p()).collect(),
            },
        ];
        for hazard in hazards {
            let m = Mortality { slot: Some(0), hazard };
            for age in [45.0, 69.5, 79.9, 85.0] {
                for e in [1e-4, 0.05, 0.7, 3.0] {
                    let day = m.death_day(age, e);
                    assert!(day.is_finite() && day > 0.0, "{m:?} {age} {e}");
                    let s = m.survival(age, day);
                    assert!((s - (-e).exp()).abs() < 1e-12, "{m:?} age {age} e {e}: {s}");
                }
            }
        }
        // A band with q = 1 kills on entering it; a zero hazard never.
        let certain = Mortality {
            slot: Some(0),
            hazard: Hazard::LifeTable {
                ages: vec![0.0, 70.0],
                rates: vec![0.0, f64::INFINITY],
            },
        };
        assert_eq!(certain.death_day(69.0, 5.0), DAYS_PER_YEAR);
        let never = Mortality {
            slot: Some(0),
            hazard: Hazard::LifeTable {
                ages: vec![0.0],
                rates: vec![0.0],
            },
        };
        assert_eq!(never.death_day(69.0, 0.1), f64::INFINITY);
    }
}
