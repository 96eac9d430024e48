//! Each policy's pathway in words, to check a scenario says what its author
//! meant (`foramen describe`).

use std::fmt::Write;

use crate::outcome::Feature;
use crate::scenario::dist::{Dist, Family};
use crate::scenario::{CovariateKind, Hazard, Intervention, OnPartial, Probability, Scenario};

/// A plain-text description of the whole scenario.
pub fn describe(s: &Scenario) -> String {
    let mut out = String::new();
    let sim = &s.simulation();
    let _ = writeln!(out, "scenario {}", s.name());
    if let Some(d) = &s.description() {
        let _ = writeln!(out, "  {}", d.trim());
    }
    let _ = writeln!(
        out,
        "  {} patients per policy, seed {}, horizon {} days, curves every {} days",
        sim.patients, sim.seed, sim.horizon_days, sim.curve_step_days
    );
    let _ = writeln!(out, "\ncohort");
    if s.covariates().is_empty() {
        let _ = writeln!(out, "  no covariates: every patient alike at presentation");
    }
    for c in s.covariates() {
        let what = match &c.kind {
            CovariateKind::Boolean { probability } => format!("true with probability {probability}"),
            CovariateKind::Categorical { levels, cumulative } => {
                let mut prev = 0.0;
                let parts: Vec<String> = levels
                    .iter()
                    .zip(cumulative)
                    .map(|(l, &c)| {
                        let share = c - prev;
                        prev = c;
                        format!("{l} {:.1}%", 100.0 * share)
                    })
                    .collect();
                parts.join(", ")
            }
            CovariateKind::Continuous { dist, breaks } if breaks.is_empty() => dist.to_string().replace(" d", ""),
            CovariateKind::Continuous { dist, .. } => format!(
                "{}; subgroups {}",
                dist.to_string().replace(" d", ""),
                c.group_values().unwrap_or_default().join(", ")
            ),
        };
        let _ = writeln!(out, "  {}: {what}", c.name);
    }
    if let Some(f) = s.frailty() {
        let _ = writeln!(
            out,
            "  frailty: one shared responsiveness u ~ normal(0, {}) per patient, added to the logit of every response times its loading",
            f.sd
        );
    }
    let nh = s.natural_history();
    if nh.progression.is_some() || nh.resolution.is_some() || nh.permanent_deficit.is_some() || nh.mortality.is_some() {
        let _ = writeln!(out, "\nnatural history");
    }
    if let Some(p) = &nh.progression {
        let _ = writeln!(
            out,
            "  progression sets {} after {} while symptomatic",
            s.covariates()[p.slot].name,
            p.time
        );
    }
    if let Some(r) = &s.natural_history().resolution {
        let _ = writeln!(out, "  spontaneous resolution after {}", r.time);
    }
    if let Some(d) = &s.natural_history().permanent_deficit {
        let _ = writeln!(
            out,
            "  {} becomes permanent with probability {} at no delay, odds x{} per week from its onset (baseline or progression) to the first minimally invasive or surgical attempt (to the horizon if none)",
            s.covariates()[d.slot].name,
            d.probability,
            d.odds_ratio_per_week
        );
    }
    if let Some(m) = &s.natural_history().mortality {
        let hazard = match &m.hazard {
            Hazard::Gompertz { rate, shape } => format!("Gompertz hazard {rate} x exp({shape} x age) a year"),
            Hazard::LifeTable { ages, .. } => {
                format!("a life table of annual probabilities in {} age bands", ages.len())
            }
        };
        let _ = writeln!(
            out,
            "  background death: {hazard}, age from {} at presentation; drawn once per patient (the same under every policy), it ends the path: the patient is dead from then to the horizon",
            s.covariates()[m.slot].name
        );
    }
    if let Some(e) = s.economics() {
        economics_words(&mut out, s, e);
    }
    if !s.beliefs().is_empty() {
        let _ = writeln!(
            out,
            "\nuncertain parameters (a plain run uses each mean; `foramen psa` draws them)"
        );
        for b in s.beliefs() {
            let _ = writeln!(out, "  {}: {}, mean {}", b.path, b.family, b.mean);
        }
    }
    for policy in s.policies() {
        let _ = writeln!(out, "\npolicy {}", policy.name);
        if let Some(d) = &policy.description {
            let _ = writeln!(out, "  {}", d.trim());
        }
        for (i, step) in policy.steps.iter().enumerate() {
            let iv = &s.interventions()[step.intervention];
            let attempts = if step.attempts == 1 {
                "1 attempt".to_string()
            } else {
                format!("up to {} attempts", step.attempts)
            };
            let _ = writeln!(
                out,
                "  {}. {} ({}, {}): {attempts}",
                i + 1,
                step.name,
                iv.label,
                iv.level.name()
            );
            if let Some((text, _)) = &step.skip_if {
                let _ = writeln!(out, "     skipped if {text}");
            }
            if let Some(w) = &step.wait {
                let _ = writeln!(out, "     wait {w}");
            }
            let partial_here = std::iter::once(step.intervention)
                .chain(step.routes.iter().map(|r| r.2))
                .any(|i| s.interventions()[i].partial > 0.0);
            if partial_here {
                let _ = writeln!(
                    out,
                    "     {}",
                    match step.on_partial {
                        OnPartial::Stay => "a partial responder stays improved: no further steps",
                        OnPartial::Continue => "a partial responder goes on as after a failure, improved meanwhile",
                    }
                );
            }
            let failure_time = step.failure_time.as_ref();
            let frailty = s.frailty().is_some();
            for (text, _, to) in &step.routes {
                let routed = &s.interventions()[*to];
                let _ = writeln!(
                    out,
                    "     if {text}: {} ({}) instead",
                    routed.label,
                    routed.level.name()
                );
                attempt_words(&mut out, routed, frailty, failure_time, "       ");
            }
            if !step.routes.is_empty() {
                let _ = writeln!(out, "     otherwise {}", iv.label);
            }
            attempt_words(&mut out, iv, frailty, failure_time, "     ");
        }
        let _ = writeln!(out, "  if every step fails: symptomatic until the horizon");
        if let Some(rf) = &policy.red_flag {
            let wait = rf
                .wait
                .as_ref()
                .map_or("no wait".to_string(), |w| format!("a wait of {w}"));
            let _ = writeln!(
                out,
                "  red flag: progression before surgery jumps to step {} after {wait}",
                policy.steps[rf.jump_to].name
            );
        }
        match policy.relapse_to {
            Some(i) => {
                let _ = writeln!(out, "  relapse: re-enter at step {}", policy.steps[i].name);
            }
            None => {
                let _ = writeln!(out, "  relapse: re-enter at the step that brought the recovery");
            }
        }
    }
    out
}

/// What one attempt of `iv` does: response, times (the step's own failure
/// time when it has one), relapse and complications.
fn attempt_words(out: &mut String, iv: &Intervention, frailty: bool, step_failure_time: Option<&Dist>, indent: &str) {
    let failure = match step_failure_time {
        Some(d) => format!("{d} (this step's own)"),
        None => iv.failure_time.to_string(),
    };
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
            iv.full,
            iv.partial,
            probability_words(&iv.response),
        );
    } else {
        let _ = writeln!(out, "{indent}response {}{loading}", probability_words(&iv.response));
    }
    let _ = writeln!(
        out,
        "{indent}responders recover after {}; failure declared after {failure}",
        iv.recovery_time
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
    let charge = charge_words(iv.cost, iv.qaly_loss);
    if !charge.is_empty() {
        let _ = writeln!(out, "{indent}each attempt{}", charge.trim_start_matches(','));
    }
    if let Some(u) = iv.utility {
        let _ = writeln!(out, "{indent}symptom-free after its response: utility {u}");
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

/// `[economics]` in words: what each state is worth and costs, discounting,
/// willingness to pay.
fn economics_words(out: &mut String, s: &Scenario, e: &crate::scenario::Economics) {
    let _ = writeln!(out, "\neconomics ({})", e.currency);
    if let Some(p) = &e.perspective {
        let _ = writeln!(out, "  perspective: {p}");
    }
    let states: Vec<String> = e
        .utility
        .named()
        .iter()
        .zip(e.daily_cost.named())
        .filter(|((name, _), _)| match *name {
            "improved" => s.provides(Feature::PartialRelief),
            "residual_deficit" => s.provides(Feature::PermanentDeficit),
            _ => true,
        })
        .map(|((name, u), (_, c))| {
            let cost = if c > 0.0 {
                format!(" and costs {c} a day")
            } else {
                String::new()
            };
            format!("{} {u}{cost}", name.replace('_', " "))
        })
        .collect();
    let _ = writeln!(out, "  utility per state alive: {}; dead 0", states.join(", "));
    let own: Vec<String> = s
        .interventions()
        .iter()
        .filter_map(|iv| iv.utility.map(|u| format!("{} {u}", iv.label)))
        .collect();
    if !own.is_empty() {
        let _ = writeln!(
            out,
            "  symptom-free after a response to: {} (the intervention's own utility)",
            own.join(", ")
        );
    }
    for a in &e.adjustments {
        let _ = writeln!(
            out,
            "  utility {:+} in every state alive if {} (at presentation)",
            a.add, a.text
        );
    }
    if e.death_cost > 0.0 {
        let _ = writeln!(out, "  a death costs {}", e.death_cost);
    }
    let _ = writeln!(
        out,
        "  discounted in continuous time at {} a year (costs) and {} a year (effects): a value on day t weighs (1 + r)^(-t / 365.25)",
        e.discount_costs.annual, e.discount_effects.annual
    );
    if !e.willingness_to_pay.is_empty() {
        let wtp: Vec<String> = e.willingness_to_pay.iter().map(f64::to_string).collect();
        let _ = writeln!(
            out,
            "  net monetary benefit at {} {} per QALY",
            wtp.join(", "),
            e.currency
        );
    }
}

fn probability_words(p: &Probability) -> String {
    let mut text = format!("{}", p.base);
    for o in &p.odds_ratios {
        let _ = write!(text, ", odds x{} if {}", o.odds_ratio, o.text);
    }
    text
}

/// What a methods paragraph says beyond the scenario: the run's facts.
#[derive(Debug, Clone)]
pub struct RunFacts<'a> {
    /// The foramen version that made the run.
    pub version: &'a str,
    /// The policy the others are compared with.
    pub reference: &'a str,
    /// Whether each policy had its own random streams (`--independent`).
    pub independent: bool,
}

/// A label as a word inside a sentence: `Stenosis grade` as `stenosis
/// grade`, but `ASA class` kept.
fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => {
            first.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_string(),
    }
}

/// A list in words: `a`, `a and b`, `a, b and c`.
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// A methods paragraph for a report, generated from the scenario the run
/// simulated (with its overrides: patients, seed, horizon) and the run's
/// facts: the cohort, the policies, the distributions, the estimators,
/// the seed, the patients and the version. Paragraphs are separated by a
/// blank line.
pub fn methods(s: &Scenario, run: &RunFacts) -> String {
    let sim = s.simulation();
    // Policies by their label with the name the tables use; covariates by
    // their label, as words in a sentence.
    let named = |label: &str, name: &str| {
        if label == name {
            name.to_string()
        } else {
            format!("{label} ({name})")
        }
    };
    let policies: Vec<String> = s.policies().iter().map(|p| named(&p.label, &p.name)).collect();
    let covariates: Vec<String> = s
        .covariates()
        .iter()
        .map(|c| in_sentence(&c.label.replace('_', " ")))
        .collect();
    let years = sim.horizon_days / 365.25;
    let mut out = String::new();
    let _ = write!(
        out,
        "Outcomes were simulated with foramen {} (a discrete-event Monte Carlo microsimulation) for the scenario \"{}\": a synthetic cohort of {} patients per policy (random seed {}), each with {} drawn at presentation{}. ",
        run.version,
        s.name(),
        sim.patients,
        sim.seed,
        if covariates.is_empty() {
            "no covariates".to_string()
        } else {
            format!("the covariates {}", and_list(&covariates))
        },
        if s.frailty().is_some() {
            " and a shared responsiveness (frailty) that moves every response on the logit scale"
        } else {
            ""
        }
    );
    let followed = format!(
        "followed event by event over a horizon of {} days ({years:.1} years)",
        sim.horizon_days
    );
    let _ = match (policies.len(), run.independent) {
        (1, _) => write!(
            out,
            "They were treated under the policy {} and {followed}. ",
            policies[0]
        ),
        (n, true) => write!(
            out,
            "Each patient was simulated under the {n} policies ({}), each policy on random streams of its own, and {followed}. ",
            and_list(&policies)
        ),
        (n, false) => write!(
            out,
            "The same patients, on the same random streams (common random numbers), were simulated under the {n} policies ({}), so that differences between policies are paired within patients, and {followed}. ",
            and_list(&policies)
        ),
    };
    let interventions: Vec<String> = s
        .interventions()
        .iter()
        .map(|iv| format!("{} ({})", iv.label, iv.level.name().replace('_', " ")))
        .collect();
    let mut families: Vec<String> = Vec::new();
    for iv in s.interventions() {
        let mut dists = vec![&iv.recovery_time, &iv.failure_time];
        dists.extend(iv.relapse.as_ref().map(|r| &r.time));
        for d in dists {
            let family = match d.family() {
                Family::Fixed { .. } => "fixed",
                Family::Uniform { .. } => "uniform",
                Family::Normal { .. } => "normal",
                Family::LogNormal { .. } => "lognormal",
                Family::Gamma { .. } => "gamma",
                Family::Weibull { .. } => "Weibull",
                Family::Exponential { .. } => "exponential",
            }
            .to_string();
            if !families.contains(&family) {
                families.push(family);
            }
        }
    }
    let relapses = s.interventions().iter().any(|iv| iv.relapse.is_some());
    let _ = write!(
        out,
        "A policy is a sequence of steps among {} interventions ({}); an attempt responds with its probability, adjusted per patient by odds ratios on the covariates, and times to recovery, to failure{} were drawn from {} distributions. ",
        interventions.len(),
        and_list(&interventions),
        if relapses { " and to relapse" } else { "" },
        and_list(&families)
    );
    let nh = s.natural_history();
    let mut natural = Vec::new();
    if let Some(p) = &nh.progression {
        natural.push(format!(
            "progression (setting {})",
            s.covariates()[p.slot].name.replace('_', " ")
        ));
    }
    if nh.resolution.is_some() {
        natural.push("spontaneous resolution".to_string());
    }
    if nh.permanent_deficit.is_some() {
        natural.push("a deficit that becomes permanent with delay to decompression".to_string());
    }
    if nh.mortality.is_some() {
        natural.push("background mortality".to_string());
    }
    if !natural.is_empty() {
        let _ = write!(out, "The natural history includes {}. ", and_list(&natural));
    }
    let death = s.provides(Feature::Death);
    let _ = write!(
        out,
        "\n\nShares of patients are reported with Wilson score 95% intervals; cumulative recovery {} and the share not yet operated on with Kaplan-Meier curves and Greenwood bands; the median time to first recovery with the Brookmeyer-Crowley interval; mean days{} with normal intervals. {}",
        if death {
            "as the Aalen-Johansen cumulative incidence (death competing)"
        } else {
            "as 1 - Kaplan-Meier"
        },
        if s.economics().is_some() {
            ", counts, costs and QALYs"
        } else {
            " and counts"
        },
        if policies.len() > 1 {
            format!(
                "Each policy is compared with {} by the difference in each outcome, with the paired 95% interval from per-patient differences and, beside it, the unpaired interval independent cohorts would give. ",
                s.policies()
                    .iter()
                    .find(|p| p.name == run.reference)
                    .map_or(run.reference.to_string(), |p| named(&p.label, &p.name))
            )
        } else {
            String::new()
        }
    );
    if let Some(e) = s.economics() {
        let _ = write!(
            out,
            "Costs ({}{}) and quality-adjusted life-years were discounted in continuous time at {}% (costs) and {}% (effects) a year; the incremental analysis ranks the policies by cost, removes dominated and extendedly dominated ones and gives each ICER on the frontier with Fieller's interval. ",
            e.currency,
            e.perspective
                .as_ref()
                .map_or(String::new(), |p| format!(", {p} perspective")),
            100.0 * e.discount_costs.annual,
            100.0 * e.discount_effects.annual
        );
    }
    out.push_str(
        "Every interval is of Monte Carlo error alone: it narrows with more patients and says nothing of the uncertainty in the inputs (for that, foramen psa).",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::DEFAULT_TOML;
    use crate::scenario::document::{Document, Overrides};

    fn default_scenario(overrides: &Overrides) -> Scenario {
        Document::parse(DEFAULT_TOML, "default")
            .and_then(|d| d.scenario(overrides))
            .unwrap()
    }

    /// The methods paragraph says what the run did, from the scenario
    /// with the run's overrides and the run's facts.
    #[test]
    fn methods_name_cohort_policies_distributions_estimators_seed_patients_version() {
        let s = default_scenario(&Overrides {
            patients: Some(1234),
            seed: Some(99),
            ..Overrides::default()
        });
        let facts = RunFacts {
            version: "9.9.9",
            reference: "stepwise",
            independent: false,
        };
        let text = methods(&s, &facts);
        for expected in [
            "foramen 9.9.9",
            "a synthetic cohort of 1234 patients per policy (random seed 99)",
            "the covariates age, region, stenosis grade, main cause of compression, motor deficit at presentation",
            "shared responsiveness (frailty)",
            "common random numbers",
            "the 4 policies (Stepwise care (stepwise), No minimally invasive step (skip-endoscopic), ",
            "over a horizon of 1826 days (5.0 years)",
            "lognormal",
            "background mortality",
            "Wilson score 95% intervals",
            "Aalen-Johansen",
            "Brookmeyer-Crowley",
            "Each policy is compared with Stepwise care (stepwise)",
            "Costs (USD, US health care payer perspective)",
            "at 3% (costs) and 3% (effects) a year",
        ] {
            assert!(text.contains(expected), "the methods lack `{expected}`:\n{text}");
        }
        assert_eq!(text.matches("\n\n").count(), 1, "two paragraphs");
        assert_eq!(in_sentence("ASA class"), "ASA class");
        assert_eq!(in_sentence("Stenosis grade"), "stenosis grade");
        let independent = methods(
            &s,
            &RunFacts {
                independent: true,
                ..facts
            },
        );
        assert!(independent.contains("each policy on random streams of its own"));
        assert!(!independent.contains("common random numbers"));
    }
}
