//! `[[interventions]]`: a treatment's level of care, response (full or
//! partial, adjusted per patient by odds ratios and frailty), recovery and
//! failure times, complications, relapse, procedural death, caps and
//! costs: the serde mirror, the validated types and their rules.

use std::fmt::Write;

use serde::Deserialize;

use super::cond::{Cond, Slot};
use super::dist::{Dist, RawDist};
use super::economics::{Prices, check_cost, check_utility, optional_cost, optional_qaly_loss};
use super::rules::*;
use super::*;
use crate::error::{Invalid, Problems, did_you_mean};
use crate::rng::name_key;

/// Level of care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Conservative = 1,
    MinimallyInvasive = 2,
    Surgical = 3,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::Conservative => "conservative",
            Level::MinimallyInvasive => "minimally_invasive",
            Level::Surgical => "surgical",
        }
    }
}

/// A cap on attempts of one intervention: an attempt is not started when
/// `count` attempts of it already started within the last `days` days of
/// the path (relapse re-entries included).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowCap {
    pub count: u32,
    pub days: f64,
}

/// `p` with `shift` added to its logit: `p e^s / (1 - p + p e^s)`, exact at
/// 0 and 1.
#[inline]
pub fn shift_logit(p: f64, shift: f64) -> f64 {
    let e = shift.exp();
    p * e / (1.0 - p + p * e)
}

/// A probability adjusted per patient by odds ratios:
/// `logit p = logit p0 + sum ln(OR_i)` over the conditions that hold,
/// computed without logarithms as odds: `o = o0 x prod OR_i`,
/// `p = 1 / (1 + 1 / o)` with `o0 = p0 / (1 - p0)`.
#[derive(Debug, Clone)]
pub struct Probability {
    pub base: f64,
    pub odds_ratios: Vec<OddsRatio>,
    /// `p0 / (1 - p0)`.
    base_odds: f64,
    /// [`Probability::varies`], kept: it is asked at every attempt.
    varies: bool,
}

/// Multiplies the odds for patients meeting `condition`.
#[derive(Debug, Clone)]
pub struct OddsRatio {
    /// The condition as written.
    pub text: String,
    pub condition: Cond,
    pub odds_ratio: f64,
}

impl Probability {
    /// A probability with its odds ratios (checked by the caller).
    pub fn new(base: f64, odds_ratios: Vec<OddsRatio>) -> Probability {
        Probability {
            base,
            varies: base > 0.0 && base < 1.0 && !odds_ratios.is_empty(),
            odds_ratios,
            base_odds: base / (1.0 - base),
        }
    }

    /// Whether the probability depends on the patient (else it is `base`).
    #[inline]
    pub fn varies(&self) -> bool {
        self.varies
    }

    /// The patient's probability.
    #[inline]
    pub fn for_patient(&self, x: &[f64]) -> f64 {
        if !self.varies() {
            return self.base;
        }
        let mut odds = self.base_odds;
        let mut adjusted = false;
        for o in &self.odds_ratios {
            if o.condition.eval(x) {
                odds *= o.odds_ratio;
                adjusted = true;
            }
        }
        if adjusted { 1.0 / (1.0 + 1.0 / odds) } else { self.base }
    }
}

#[derive(Debug, Clone)]
pub struct Intervention {
    pub name: String,
    pub label: String,
    pub level: Level,
    pub fusion: bool,
    /// The probability of any response (full or partial), adjusted per
    /// patient by odds ratios and frailty.
    pub response: Probability,
    /// The declared probabilities of a full and of a partial response (0
    /// if none).
    pub full: f64,
    pub partial: f64,
    /// The share of responses that are full: probability / (probability +
    /// partial), 1 without partial responses.
    pub full_share: f64,
    /// The weight of the patient's frailty on the logit of `response`; 0
    /// when the cohort declares no frailty.
    pub frailty_loading: f64,
    pub recovery_time: Dist,
    pub failure_time: Dist,
    pub complications: Vec<Complication>,
    pub relapse: Option<Relapse>,
    /// Death caused by an attempt, on the day it starts.
    pub death: Option<Probability>,
    /// At most this many attempts started in any window of this length.
    pub max_per_window: Option<WindowCap>,
    /// Cost per attempt (0 if none declared).
    pub cost: f64,
    /// One-off QALY loss per attempt.
    pub qaly_loss: f64,
    /// Utility while symptom-free after a recovery this intervention
    /// brought; `None`: the symptom-free state's.
    pub utility: Option<f64>,
    /// Stream key: a hash of the name.
    pub key: u64,
}

#[derive(Debug, Clone)]
pub struct Complication {
    pub name: String,
    pub probability: Probability,
    pub delay: Option<Dist>,
    pub fails_attempt: bool,
    /// Cost and one-off QALY loss (0 if none declared).
    pub cost: f64,
    pub qaly_loss: f64,
}

#[derive(Debug, Clone)]
pub struct Relapse {
    pub probability: Probability,
    pub time: Dist,
}

// The serde mirror: the section as written.

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawIntervention {
    pub name: String,
    #[serde(default)]
    pub label: Option<String>,
    /// `"conservative"`, `"minimally_invasive"` or `"surgical"`.
    pub level: String,
    #[serde(default)]
    pub fusion: bool,
    pub response: RawResponse,
    /// Days from the start of the attempt to recovery, for responders.
    pub recovery_time: RawDist,
    /// Days from the start of the attempt to the declaration of failure.
    pub failure_time: RawDist,
    #[serde(default)]
    pub complications: Vec<RawComplication>,
    #[serde(default)]
    pub relapse: Option<RawRelapse>,
    /// Death caused by an attempt (on the day it starts).
    #[serde(default)]
    pub death: Option<RawEventChance>,
    /// At most `count` attempts started in any `days` days of a path.
    #[serde(default)]
    pub max_per_window: Option<RawWindowCap>,
    /// Cost per attempt, charged on the day it starts.
    #[serde(default)]
    pub cost: Option<f64>,
    /// The year whose prices `cost` (and the complications' costs) are in;
    /// default `economics.price_year`.
    #[serde(default)]
    pub cost_year: Option<u32>,
    /// One-off QALY loss per attempt (the procedure's disutility).
    #[serde(default)]
    pub qaly_loss: Option<f64>,
    /// Utility while symptom-free after a recovery this intervention
    /// brought (instead of `economics.utility.symptom_free`).
    #[serde(default)]
    pub utility: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
}

/// `max_per_window = { count = 3, days = 365 }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWindowCap {
    pub count: u32,
    pub days: f64,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawResponse {
    /// The probability of a full response.
    pub probability: f64,
    /// The probability of a partial response (relief short of recovery).
    #[serde(default)]
    pub partial: Option<f64>,
    /// Instead of `partial`: the share of those without a full response
    /// who respond partially, so that `partial = (1 - probability) ×
    /// partial_of_rest` (valid whatever the full response's value).
    #[serde(default)]
    pub partial_of_rest: Option<f64>,
    #[serde(default)]
    pub odds_ratios: Vec<RawOddsRatio>,
    /// How strongly the patient's frailty moves this response's logit
    /// (default 1 when `[cohort.frailty]` is declared).
    #[serde(default)]
    pub frailty_loading: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
}

/// Multiplies the odds of an event for patients meeting a condition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOddsRatio {
    #[serde(rename = "if")]
    pub condition: String,
    #[serde(rename = "or")]
    pub odds_ratio: f64,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawComplication {
    pub name: String,
    pub probability: f64,
    #[serde(default)]
    pub odds_ratios: Vec<RawOddsRatio>,
    /// Extra days added to the end of the attempt.
    #[serde(default)]
    pub delay: Option<RawDist>,
    /// Whether the complication makes the attempt fail.
    #[serde(default)]
    pub fails_attempt: bool,
    /// Cost of the complication, charged on the day the attempt starts.
    #[serde(default)]
    pub cost: Option<f64>,
    /// The year whose prices `cost` is in; default the intervention's.
    #[serde(default)]
    pub cost_year: Option<u32>,
    /// One-off QALY loss of the complication.
    #[serde(default)]
    pub qaly_loss: Option<f64>,
    #[serde(default)]
    pub source: Option<String>,
}

/// The chance of an event per attempt, with odds ratios.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEventChance {
    pub probability: f64,
    #[serde(default)]
    pub odds_ratios: Vec<RawOddsRatio>,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRelapse {
    pub probability: f64,
    #[serde(default)]
    pub odds_ratios: Vec<RawOddsRatio>,
    /// Days from recovery to relapse.
    pub time: RawDist,
    #[serde(default)]
    pub source: Option<String>,
}

// The rules: the mirror to the validated types, every problem named.

pub(super) fn level(path: &str, text: &str) -> Result<Level, Invalid> {
    match text {
        "conservative" => Ok(Level::Conservative),
        "minimally_invasive" => Ok(Level::MinimallyInvasive),
        "surgical" => Ok(Level::Surgical),
        other => {
            let allowed = ["conservative", "minimally_invasive", "surgical"];
            Err(Invalid::new(
                format!("{path}.level"),
                format!("\"{other}\""),
                format!(
                    "allowed levels are \"conservative\", \"minimally_invasive\" and \"surgical\"{}",
                    did_you_mean(other, allowed)
                ),
            ))
        }
    }
}

/// A probability with its odds ratios, each checked on its own.
fn probability(path: &str, base: f64, odds: &[RawOddsRatio], slots: &[Slot], p: &mut Problems) -> Option<Probability> {
    let base = p.take(check_probability(path, base));
    let parent = path.rsplit_once('.').map_or(path, |(p, _)| p);
    let odds_ratios: Vec<Option<OddsRatio>> = odds
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let at = format!("{parent}.odds_ratios[{i}]");
            let condition = p.take(condition(&format!("{at}.if"), &o.condition, slots));
            let odds_ratio = p.take(if o.odds_ratio.is_finite() && o.odds_ratio > 0.0 {
                Ok(o.odds_ratio)
            } else {
                Err(Invalid::new(
                    format!("{at}.or"),
                    o.odds_ratio,
                    "an odds ratio must be a finite number > 0",
                ))
            });
            Some(OddsRatio {
                text: o.condition.clone(),
                condition: condition?,
                odds_ratio: odds_ratio?,
            })
        })
        .collect();
    Some(Probability::new(base?, odds_ratios.into_iter().collect::<Option<_>>()?))
}

pub(super) fn interventions(
    raw: &[RawIntervention],
    slots: &[Slot],
    frailty: bool,
    p: &mut Problems,
) -> Option<Vec<Intervention>> {
    if raw.is_empty() {
        p.push(Invalid::new("interventions", "[]", "declare at least one intervention"));
        return None;
    }
    if raw.len() > super::MAX_INTERVENTIONS {
        p.push(Invalid::new(
            "interventions",
            format!("{} interventions", raw.len()),
            format!("a scenario declares at most {} interventions", super::MAX_INTERVENTIONS),
        ));
        return None;
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let named = p.take(unique_name(&format!("interventions[{i}]"), &r.name, &mut seen));
        let intervention = intervention(i, r, slots, frailty, p);
        out.push(named.and(intervention));
    }
    out.into_iter().collect()
}

/// One intervention, every field checked.
/// One intervention (the `i`th), every field checked; key paths name it
/// as [`paths::named`] does.
fn intervention(
    i: usize,
    r: &RawIntervention,
    slots: &[Slot],
    frailty: bool,
    p: &mut Problems,
) -> Option<Intervention> {
    let path = paths::named("interventions", i, Some(&r.name));
    let level = p.take(level(&path, &r.level));
    let response = probability(
        &format!("{path}.response.probability"),
        r.response.probability,
        &r.response.odds_ratios,
        slots,
        p,
    );
    let partial = p.take(partial_response(&path, &r.response));
    let frailty_loading = p.take(frailty_loading(&path, r.response.frailty_loading, frailty));
    let recovery_time = p.take(duration(&format!("{path}.recovery_time"), &r.recovery_time));
    let failure_time = p.take(duration(&format!("{path}.failure_time"), &r.failure_time));
    let complications: Vec<Option<Complication>> = r
        .complications
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let at = paths::named(&format!("{path}.complications"), j, Some(&c.name));
            p.take(super::rules::plain_text(&format!("{at}.name"), &c.name));
            let probability = probability(&format!("{at}.probability"), c.probability, &c.odds_ratios, slots, p);
            let delay = p.take(optional_duration(&format!("{at}.delay"), c.delay.as_ref()));
            let cost = p.take(optional_cost(&format!("{at}.cost"), c.cost));
            let qaly_loss = p.take(optional_qaly_loss(&format!("{at}.qaly_loss"), c.qaly_loss));
            Some(Complication {
                name: c.name.clone(),
                probability: probability?,
                delay: delay?,
                fails_attempt: c.fails_attempt,
                cost: cost?,
                qaly_loss: qaly_loss?,
            })
        })
        .collect();
    let relapse = match &r.relapse {
        None => Some(None),
        Some(rel) => {
            let probability = probability(
                &format!("{path}.relapse.probability"),
                rel.probability,
                &rel.odds_ratios,
                slots,
                p,
            );
            let time = p.take(duration(&format!("{path}.relapse.time"), &rel.time).and_then(|time| {
                zero_cycle(&format!("{path}.relapse.time"), &r.recovery_time, &time)?;
                Ok(time)
            }));
            probability
                .zip(time)
                .map(|(probability, time)| Some(Relapse { probability, time }))
        }
    };
    let death = match &r.death {
        None => Some(None),
        Some(d) => probability(
            &format!("{path}.death.probability"),
            d.probability,
            &d.odds_ratios,
            slots,
            p,
        )
        .map(Some),
    };
    let max_per_window = p.take(r.max_per_window.as_ref().map(|c| window_cap(&path, c)).transpose());
    let cost = p.take(optional_cost(&format!("{path}.cost"), r.cost));
    let qaly_loss = p.take(optional_qaly_loss(&format!("{path}.qaly_loss"), r.qaly_loss));
    let utility = p.take(
        r.utility
            .map(|u| check_utility(&format!("{path}.utility"), u))
            .transpose(),
    );
    Some(Intervention {
        name: r.name.clone(),
        label: r.label.clone().unwrap_or_else(|| r.name.clone()),
        level: level?,
        fusion: r.fusion,
        full: r.response.probability,
        full_share: full_share(r.response.probability, partial?),
        partial: partial?,
        // Odds ratios and frailty act on the chance of any response.
        response: response.map(|full| Probability::new(full.base + partial.unwrap_or(0.0), full.odds_ratios))?,
        frailty_loading: frailty_loading?,
        recovery_time: recovery_time?,
        failure_time: failure_time?,
        complications: complications.into_iter().collect::<Option<_>>()?,
        relapse: relapse?,
        death: death?,
        max_per_window: max_per_window?,
        cost: cost?,
        qaly_loss: qaly_loss?,
        utility: utility?,
        key: name_key(&r.name),
    })
}

/// Refuses a relapse that can only come 0 days after a recovery that can
/// only take 0 days: a cycle of no length, which would repeat until the step
/// guard cut the path.
fn zero_cycle(path: &str, recovery: &RawDist, relapse: &Dist) -> Result<(), Invalid> {
    let recovery_is_zero = Dist::from_raw(recovery, "").is_ok_and(|d| d.support_max() <= 0.0);
    if recovery_is_zero && relapse.support_max() <= 0.0 {
        return Err(Invalid::new(
            path,
            "0 days",
            "a relapse 0 days after a recovery that takes 0 days is a cycle of no length (the patient is never symptom-free): give the recovery or the relapse a positive time, or lower the response probability instead",
        ));
    }
    Ok(())
}

/// The probability of a partial response: 0 if none; with the full
/// response's, at most 1. Given as `partial`, or as `partial_of_rest`, a
/// share of the rest: `(1 - probability) × partial_of_rest`.
fn partial_response(path: &str, raw: &RawResponse) -> Result<f64, Invalid> {
    match (raw.partial, raw.partial_of_rest) {
        (None, None) => Ok(0.0),
        (Some(_), Some(share)) => Err(Invalid::new(
            format!("{path}.response.partial_of_rest"),
            share,
            "give the partial response either as `partial` (a probability) or as `partial_of_rest` (a share of those without a full response), not both",
        )),
        (None, Some(share)) => {
            let share = check_probability(&format!("{path}.response.partial_of_rest"), share)?;
            Ok((1.0 - raw.probability.clamp(0.0, 1.0)) * share)
        }
        (Some(partial), None) => {
            let at = format!("{path}.response.partial");
            let partial = check_probability(&at, partial)?;
            if raw.probability + partial > 1.0 {
                return Err(Invalid::new(
                    at,
                    partial,
                    format!(
                        "a full ({}) and a partial response together have a probability of at most 1; `partial_of_rest` gives it as a share of the rest",
                        raw.probability
                    ),
                ));
            }
            Ok(partial)
        }
    }
}

impl RawResponse {
    /// Whether a partial response is declared with a chance above 0.
    pub fn declares_partial(&self) -> bool {
        self.partial.is_some_and(|q| q > 0.0)
            || (self.partial_of_rest.is_some_and(|q| q > 0.0) && self.probability < 1.0)
    }
}

/// The share of responses that are full.
fn full_share(full: f64, partial: f64) -> f64 {
    if partial > 0.0 { full / (full + partial) } else { 1.0 }
}

/// The loading of the frailty on a response: 1 by default when the cohort
/// declares a frailty, 0 without one (where giving one is an error).
fn frailty_loading(path: &str, loading: Option<f64>, frailty: bool) -> Result<f64, Invalid> {
    let at = format!("{path}.response.frailty_loading");
    match (loading, frailty) {
        (None, true) => Ok(1.0),
        (None, false) => Ok(0.0),
        (Some(l), false) => Err(Invalid::new(
            at,
            l,
            "a frailty loading needs a frailty: declare [cohort.frailty] with its sd, or remove the loading",
        )),
        (Some(l), true) if l.is_finite() && (-10.0..=10.0).contains(&l) => Ok(l),
        (Some(l), true) => Err(Invalid::new(
            at,
            l,
            "a frailty loading is a number from -10 to 10 (1: the frailty as is, 0: none)",
        )),
    }
}

fn window_cap(path: &str, raw: &RawWindowCap) -> Result<WindowCap, Invalid> {
    let at = format!("{path}.max_per_window");
    if !(1..=1000).contains(&raw.count) {
        return Err(Invalid::new(
            format!("{at}.count"),
            raw.count,
            "a cap allows from 1 to 1000 attempts per window",
        ));
    }
    if !(raw.days.is_finite() && raw.days > 0.0 && raw.days <= MAX_HORIZON_DAYS) {
        return Err(Invalid::new(
            format!("{at}.days"),
            raw.days,
            format!("a cap's window is a number of days above 0 and at most {MAX_HORIZON_DAYS}"),
        ));
    }
    Ok(WindowCap {
        count: raw.count,
        days: raw.days,
    })
}

// Words: the section in `foramen describe`.

impl Intervention {
    /// The intervention in words (`foramen describe`): its name, label and
    /// level, then what one attempt does: response, times, cap, relapse,
    /// complications, charges and its own utility.
    pub fn words(&self, out: &mut String, frailty: bool) {
        let iv = self;
        let label = if iv.label == iv.name {
            String::new()
        } else {
            format!("{}, ", iv.label)
        };
        let fusion = if iv.fusion { ", a fusion" } else { "" };
        let _ = writeln!(out, "  {} ({label}{}{fusion})", iv.name, iv.level.name());
        let indent = "    ";
        let loading = match (frailty, iv.frailty_loading) {
            (false, _) => String::new(),
            (true, 0.0) => ", ignoring the frailty".to_string(),
            (true, 1.0) => ", plus the frailty on the logit".to_string(),
            (true, l) => format!(", plus {l} x the frailty on the logit"),
        };
        if iv.partial > 0.0 {
            let _ = writeln!(
                out,
                "{indent}response: full {}, partial {}; any response {}{loading}, split full : partial as declared",
                four_places(iv.full),
                four_places(iv.partial),
                probability_words(&iv.response),
            );
        } else {
            let _ = writeln!(out, "{indent}response {}{loading}", probability_words(&iv.response));
        }
        let _ = writeln!(
            out,
            "{indent}responders recover after {}; failure declared after {}",
            iv.recovery_time, iv.failure_time
        );
        if let Some(death) = &iv.death {
            let _ = writeln!(
                out,
                "{indent}death of the attempt {} on the day it starts (the path ends)",
                probability_words(death)
            );
        }
        if let Some(cap) = &iv.max_per_window {
            let _ = writeln!(
                out,
                "{indent}at most {} attempt{} started in any {} days of the path, relapses included; an attempt past the cap is not started and the patient moves on to the next step as after a failure",
                cap.count,
                if cap.count == 1 { "" } else { "s" },
                cap.days
            );
        }
        if let Some(r) = &iv.relapse {
            let _ = writeln!(
                out,
                "{indent}relapse after {} with probability {}",
                r.time,
                probability_words(&r.probability)
            );
        }
        for c in &iv.complications {
            let delay = c
                .delay
                .as_ref()
                .map_or(String::new(), |d| format!(", delays the outcome by {d}"));
            let fails = if c.fails_attempt { ", fails the attempt" } else { "" };
            let _ = writeln!(
                out,
                "{indent}complication {}: {}{delay}{fails}{}",
                c.name,
                probability_words(&c.probability),
                charge_words(c.cost, c.qaly_loss)
            );
        }
        let mut valued: Vec<String> = Vec::new();
        let charge = charge_words(iv.cost, iv.qaly_loss);
        if !charge.is_empty() {
            valued.push(format!("each attempt{}", charge.trim_start_matches(',')));
        }
        if let Some(u) = iv.utility {
            valued.push(format!("symptom-free after its response: utility {u}"));
        }
        if !valued.is_empty() {
            let _ = writeln!(out, "{indent}{}", valued.join("; "));
        }
    }
}

/// `, costs C, loses Q QALY` (only the non-zero parts).
fn charge_words(cost: f64, qaly_loss: f64) -> String {
    let mut text = String::new();
    if cost > 0.0 {
        let _ = write!(text, ", costs {cost}");
    }
    if qaly_loss > 0.0 {
        let _ = write!(text, ", loses {qaly_loss} QALY");
    }
    text
}

fn probability_words(p: &Probability) -> String {
    let mut text = format!("{}", four_places(p.base));
    for o in &p.odds_ratios {
        let _ = write!(text, ", odds x{} if {}", o.odds_ratio, o.text);
    }
    text
}

/// A probability as words show it: to four decimals (a partial response
/// given as a share of the rest is a product).
fn four_places(p: f64) -> f64 {
    (p * 1e4).round() / 1e4
}

/// Converts the costs of interventions and complications declared with a
/// `cost_year` to the price year (`interventions` validated from `raw`,
/// in order).
pub(super) fn reprice(
    raw: &[RawIntervention],
    prices: Option<&Prices>,
    interventions: &mut [Intervention],
    p: &mut Problems,
) {
    let factor = |path: String, year: u32| match prices {
        Some(prices) => prices.factor(&path, year),
        None => Err(Invalid::new(
            &path,
            year,
            "a cost year needs [economics] with price_year (and price_index to convert other years)",
        )),
    };
    for (i, (r, iv)) in raw.iter().zip(interventions.iter_mut()).enumerate() {
        let path = paths::named("interventions", i, Some(&r.name));
        let own = r
            .cost_year
            .map_or(Some(1.0), |y| p.take(factor(format!("{path}.cost_year"), y)));
        if r.cost_year.is_some() {
            iv.cost *= own.unwrap_or(1.0);
            p.take(check_cost(&format!("{path}.cost"), iv.cost));
        }
        for (k, (rc, c)) in r.complications.iter().zip(iv.complications.iter_mut()).enumerate() {
            let at = paths::named(&format!("{path}.complications"), k, Some(&rc.name));
            let f = match rc.cost_year {
                Some(y) => p.take(factor(format!("{at}.cost_year"), y)),
                None if r.cost_year.is_some() => own,
                None => continue,
            };
            c.cost *= f.unwrap_or(1.0);
            // Converted costs stay within the money range too.
            p.take(check_cost(&format!("{at}.cost"), c.cost));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::cond::SlotKind;

    /// An intervention as written, with the given response table, on a
    /// cohort with one boolean covariate `deficit`.
    fn check(response: &str, extra: &str, frailty: bool) -> Result<Intervention, Vec<Invalid>> {
        let text = format!(
            "name = \"tfesi\"\nlevel = \"conservative\"\nresponse = {{ {response} }}\n\
             recovery_time = {{ family = \"exponential\", mean = 10 }}\n\
             failure_time = {{ family = \"fixed\", value = 28 }}\n{extra}"
        );
        let raw: RawIntervention = toml::from_str(&text).expect("an intervention as written");
        let slots = [Slot {
            name: "deficit".into(),
            kind: SlotKind::Boolean,
        }];
        let mut p = Problems::default();
        match intervention(0, &raw, &slots, frailty, &mut p) {
            Some(iv) if p.is_empty() => Ok(iv),
            _ => Err(p.into_vec()),
        }
    }

    #[test]
    fn a_partial_response_splits_the_chance_of_any_response() {
        let iv = check("probability = 0.3, partial = 0.2", "", false).expect("valid");
        assert_eq!((iv.full, iv.partial), (0.3, 0.2));
        assert!((iv.response.base - 0.5).abs() < 1e-15);
        assert!((iv.full_share - 0.6).abs() < 1e-15);
        let over = check("probability = 0.7, partial = 0.4", "", false).unwrap_err();
        assert_eq!(over[0].path, "interventions.tfesi.response.partial");
        let rest = check("probability = 0.8, partial_of_rest = 0.5", "", false).expect("valid");
        assert!((rest.partial - 0.1).abs() < 1e-15);
        assert!((rest.response.base - 0.9).abs() < 1e-15);
        let both = check("probability = 0.8, partial = 0.1, partial_of_rest = 0.5", "", false).unwrap_err();
        assert_eq!(both[0].path, "interventions.tfesi.response.partial_of_rest");
    }

    #[test]
    fn a_frailty_loading_needs_a_frailty_and_defaults_to_one_with_it() {
        assert_eq!(
            check("probability = 0.3", "", true).expect("valid").frailty_loading,
            1.0
        );
        assert_eq!(
            check("probability = 0.3", "", false).expect("valid").frailty_loading,
            0.0
        );
        let e = check("probability = 0.3, frailty_loading = 2", "", false).unwrap_err();
        assert_eq!(e[0].path, "interventions.tfesi.response.frailty_loading");
    }

    #[test]
    fn every_broken_field_is_named_at_once() {
        let e = check(
            "probability = 1.5, odds_ratios = [{ if = \"deficit\", or = -1 }]",
            "max_per_window = { count = 0, days = 365 }\ncost = -5",
            false,
        )
        .unwrap_err();
        let paths: Vec<&str> = e.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "interventions.tfesi.response.probability",
                "interventions.tfesi.response.odds_ratios[0].or",
                "interventions.tfesi.max_per_window.count",
                "interventions.tfesi.cost",
            ]
        );
    }

    #[test]
    fn odds_ratios_act_on_the_odds_of_the_patients_they_name() {
        let iv = check(
            "probability = 0.5, odds_ratios = [{ if = \"deficit\", or = 3 }]",
            "",
            false,
        )
        .expect("valid");
        assert_eq!(iv.response.for_patient(&[0.0]), 0.5);
        // Odds 1 x 3 = 3: p = 3 / 4.
        assert!((iv.response.for_patient(&[1.0]) - 0.75).abs() < 1e-15);
        assert!((shift_logit(0.5, 3f64.ln()) - 0.75).abs() < 1e-15);
    }
}
