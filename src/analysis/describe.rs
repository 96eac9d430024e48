//! A scenario in words, to check it says what its author meant (`foramen
//! describe`), and a methods paragraph for a report. Each concept's words
//! are its module's (`scenario::cohort::words`, `NaturalHistory::words`,
//! `Intervention::words`, `Economics::words`, `Policy::words` and
//! `Policy::difference_words`); here they are put in order: the shared
//! blocks once, the reference (first) policy in full and each other policy
//! as what differs from it (a policy that `extends` another, from that
//! one), then what no path can use.

use std::fmt::Write;

use crate::outcome::Feature;
use crate::scenario::Scenario;
use crate::scenario::dist::Family;

/// A plain-text description of the whole scenario.
pub fn describe(s: &Scenario) -> String {
    let mut out = String::new();
    let sim = &s.simulation();
    let _ = writeln!(out, "scenario {}", s.name());
    if let Some(d) = &s.description() {
        let _ = writeln!(out, "  {}", d.trim());
    }
    // Which core walks it: the batched core covers plain scenarios only
    // (docs/performance.md).
    let core = match crate::simulate::engine::Core::Batched.for_run(s, false) {
        crate::simulate::engine::Core::Batched => "batched core",
        crate::simulate::engine::Core::Scalar => "per-patient walk",
    };
    let _ = writeln!(
        out,
        "  {} patients per policy, seed {}, horizon {} days, curves every {} days; walked by the {core}",
        sim.patients, sim.seed, sim.horizon_days, sim.curve_step_days
    );
    crate::scenario::cohort::words(&mut out, s.covariates(), s.frailty());
    s.natural_history().words(&mut out, s.covariates());
    let _ = writeln!(out, "\ninterventions (what one attempt does)");
    for iv in s.interventions() {
        iv.words(&mut out, s.frailty().is_some());
    }
    if let Some(e) = s.economics() {
        e.words(
            &mut out,
            s.provides(Feature::PartialRelief),
            s.provides(Feature::PermanentDeficit),
            s.interventions()
                .iter()
                .filter_map(|iv| iv.utility.map(|u| (iv.label.as_str(), u))),
        );
        unvalued_words(&mut out, s);
    }
    beliefs_words(&mut out, s);
    if let [reference, others @ ..] = s.policies() {
        let after = if others.is_empty() { "" } else { ", the reference" };
        reference.words(&mut out, s.interventions(), after);
        for policy in others {
            // A policy written as an extension is said as what it changes.
            match policy
                .extends
                .as_ref()
                .and_then(|parent| s.policies().iter().find(|p| &p.name == parent))
            {
                Some(parent) => policy.extension_words(&mut out, parent, s.interventions()),
                None => policy.difference_words(&mut out, reference, s.interventions()),
            }
        }
    }
    if !s.unused().is_empty() {
        let _ = writeln!(out, "\nwarnings: parameters no path can use");
        for u in s.unused() {
            let _ = writeln!(out, "  {u}");
        }
    }
    out
}

/// With `[economics]`: the complications that carry no cost and no QALY
/// loss, and the procedures (minimally invasive or surgical) without a
/// one-off `qaly_loss`, so that a reader sees what is left unvalued.
fn unvalued_words(out: &mut String, s: &Scenario) {
    let free: Vec<String> = s
        .interventions()
        .iter()
        .filter_map(|iv| {
            let names: Vec<&str> = iv
                .complications
                .iter()
                .filter(|c| c.cost == 0.0 && c.qaly_loss == 0.0)
                .map(|c| c.name.as_str())
                .collect();
            (!names.is_empty()).then(|| format!("{} {}", iv.name, names.join(", ")))
        })
        .collect();
    if !free.is_empty() {
        let _ = writeln!(
            out,
            "  complications with no cost and no QALY loss: {}",
            free.join("; ")
        );
    }
    let no_loss: Vec<&str> = s
        .interventions()
        .iter()
        .filter(|iv| iv.level != crate::scenario::Level::Conservative && iv.qaly_loss == 0.0)
        .map(|iv| iv.name.as_str())
        .collect();
    if !no_loss.is_empty() {
        let _ = writeln!(
            out,
            "  procedures with no one-off QALY loss (qaly_loss): {}",
            no_loss.join(", ")
        );
    }
}

/// The distributions of belief, one line per entry of the document (an
/// intervention, a covariate, a table of economics): `interventions.tlif:
/// cost gamma(...), mean 27000; response.probability ...`.
fn beliefs_words(out: &mut String, s: &Scenario) {
    if s.beliefs().is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nuncertain parameters (a plain run uses each mean; `foramen psa` draws them)"
    );
    let mut lines: Vec<(String, Vec<String>)> = Vec::new();
    for b in s.beliefs() {
        let mut parts = b.path.splitn(3, '.');
        let (first, second, rest) = (parts.next(), parts.next(), parts.next());
        let (entry, key) = match (first, second, rest) {
            (Some(a), Some(b), Some(rest)) => (format!("{a}.{b}"), rest.to_string()),
            _ => (String::new(), b.path.clone()),
        };
        let item = format!("{key} {}, mean {}", b.prior, b.mean);
        match lines.last_mut() {
            Some((last, items)) if *last == entry && !entry.is_empty() => items.push(item),
            _ => lines.push((entry, vec![item])),
        }
    }
    for (entry, items) in lines {
        if entry.is_empty() {
            let _ = writeln!(out, "  {}", items.join("; "));
        } else {
            let _ = writeln!(out, "  {entry}: {}", items.join("; "));
        }
    }
    for j in s.joint_beliefs() {
        let _ = writeln!(out, "  drawn together, {}", j.words());
    }
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
                Family::LogLogistic { .. } => "log-logistic",
                Family::Gompertz { .. } => "Gompertz",
                Family::GenGamma { .. } => "generalised gamma",
                Family::Beta { .. } => "beta",
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
            "the 6 policies (Stepwise care (stepwise), Open surgery first (open-first), ",
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
