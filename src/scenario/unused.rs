//! Parameters no path can use: what a scenario declares that changes no
//! output, found once when it is validated and said as warnings (by
//! `foramen validate`, `describe` and `run`).
//!
//! The rules are sound, not complete: every item reported is certain to
//! change nothing, and some that change nothing may go unreported. An
//! intervention counts as reachable when any policy's step or route names
//! it, whatever the conditions; a covariate counts as used when anything
//! reads it. A utility or daily cost is reported only where the scenario
//! writes it (the defaults of unwritten ones are nobody's choice).

use std::fmt;

use toml::Table;

use super::cond::Cond;
use super::economics::Economics;
use super::intervention::{Complication, Intervention, Level, Probability, Relapse};
use super::natural_history::NaturalHistory;
use super::policy::Step;
use super::{Scenario, paths};

/// A key path of the scenario that no path can use, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unused {
    /// As `[ranges]` and `sweep` write it: `economics.utility.symptom_free`.
    pub path: String,
    pub why: String,
}

impl fmt::Display for Unused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.why)
    }
}

/// Every unused parameter of `s`, whose document is `doc`: covariates,
/// interventions and the values of health states, then the `[ranges]`
/// entries and distributions of belief on them. `s` carries its ranges
/// and beliefs.
pub(super) fn find(s: &Scenario, doc: &Table) -> Vec<Unused> {
    let mut out = Vec::new();
    for (slot, c) in s.covariates().iter().enumerate() {
        if !reads_covariate(s, slot) {
            out.push(Unused {
                path: paths::named("cohort.covariates", slot, Some(&c.name)),
                why: "used by nothing in the model (no condition, odds ratio, natural history or utility adjustment reads it); fine if it is meant for subgroups or a target's population".into(),
            });
        }
    }
    let mut reachable = vec![false; s.interventions().len()];
    for step in s.policies().iter().flat_map(|p| &p.steps) {
        reachable[step.intervention] = true;
        for &(_, _, to) in &step.routes {
            reachable[to] = true;
        }
    }
    for (i, iv) in s.interventions().iter().enumerate() {
        if !reachable[i] {
            out.push(Unused {
                path: paths::named("interventions", i, Some(&iv.name)),
                why: "no policy's step or route uses this intervention".into(),
            });
        }
    }
    if s.economics().is_some() {
        let reached = || {
            s.interventions()
                .iter()
                .zip(&reachable)
                .filter(|(_, r)| **r)
                .map(|(iv, _)| iv)
        };
        let nh = s.natural_history();
        let mut state = |keys: &[&str], state: &str, why: &str| {
            for key in keys {
                let path = format!("economics.{key}.{state}");
                if paths::get_number(doc, &path).is_some() {
                    out.push(Unused { path, why: why.into() });
                }
            }
        };
        if nh.resolution.is_none() && reached().all(|iv| iv.utility.is_some()) {
            state(
                &["utility"],
                "symptom_free",
                "every intervention a policy can reach declares its own `utility` after its response, and there is no [natural_history.resolution]: no symptom-free day is valued at this one",
            );
        }
        if !reached().any(|iv| iv.partial > 0.0) {
            state(
                &["utility", "daily_cost"],
                "improved",
                "no intervention a policy can reach has partial responses (`response.partial`): no patient is ever improved",
            );
        }
        if nh.permanent_deficit.is_none() {
            state(
                &["utility", "daily_cost"],
                "residual_deficit",
                "there is no [natural_history.permanent_deficit]: no patient has a residual deficit",
            );
        }
        if !reached().any(|iv| iv.level != Level::Conservative) {
            state(
                &["utility", "daily_cost"],
                "recovering",
                "no intervention a policy can reach is minimally invasive or surgical: no patient recovers from a procedure",
            );
        }
    }
    with_ranges_and_beliefs(s, out)
}

/// `out` and, after it, the `[ranges]` entries and distributions of belief
/// on its parameters (a belief on an unused parameter itself is said with
/// it).
fn with_ranges_and_beliefs(s: &Scenario, mut out: Vec<Unused>) -> Vec<Unused> {
    let under = |out: &[Unused], key: &str| {
        out.iter().position(|u| {
            key.strip_prefix(u.path.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
    };
    let mut more = Vec::new();
    for (key, _, _) in s.ranges() {
        if let Some(i) = under(&out, key) {
            more.push(Unused {
                path: format!("ranges.\"{key}\""),
                why: format!("a sensitivity range on a parameter no path uses ({})", out[i].path),
            });
        }
    }
    for b in s.beliefs() {
        match under(&out, &b.path) {
            Some(i) if out[i].path == b.path => {
                out[i]
                    .why
                    .push_str("; psa draws its distribution of belief to no effect");
            }
            Some(i) => more.push(Unused {
                path: b.path.clone(),
                why: format!(
                    "a distribution of belief inside {}, which no path uses: psa draws it to no effect",
                    out[i].path
                ),
            }),
            None => {}
        }
    }
    out.extend(more);
    out
}

/// Whether anything in the model reads the covariate at `slot`: a
/// condition (a step's skip or route, an odds ratio, natural history, a
/// utility adjustment), natural history's own covariates (the one
/// progression sets, the deficit's, mortality's age) or the subgroups.
///
/// Every field that could hold a condition is named, so a new one does
/// not compile until it is classified.
fn reads_covariate(s: &Scenario, slot: usize) -> bool {
    let reads = |c: &Cond| c.reads(slot);
    let by_odds = |p: &Probability| p.odds_ratios.iter().any(|o| reads(&o.condition));
    let NaturalHistory {
        progression,
        resolution,
        permanent_deficit,
        mortality,
    } = s.natural_history();
    let natural = progression
        .as_ref()
        .is_some_and(|p| p.slot == slot || p.condition.as_ref().is_some_and(reads))
        || resolution
            .as_ref()
            .is_some_and(|r| r.condition.as_ref().is_some_and(reads))
        || permanent_deficit.is_some_and(|d| d.slot == slot)
        || mortality.as_ref().is_some_and(|m| m.slot == Some(slot));
    let complication = |c: &Complication| {
        let Complication {
            probability,
            name: _,
            delay: _,
            fails_attempt: _,
            cost: _,
            qaly_loss: _,
        } = c;
        by_odds(probability)
    };
    let relapse = |r: &Relapse| {
        let Relapse { probability, time: _ } = r;
        by_odds(probability)
    };
    let intervention = |iv: &Intervention| {
        let Intervention {
            response,
            complications,
            relapse: relapses,
            death,
            name: _,
            label: _,
            level: _,
            fusion: _,
            full: _,
            partial: _,
            full_share: _,
            frailty_loading: _,
            recovery_time: _,
            failure_time: _,
            max_per_window: _,
            cost: _,
            qaly_loss: _,
            utility: _,
            key: _,
        } = iv;
        by_odds(response)
            || complications.iter().any(complication)
            || relapses.as_ref().is_some_and(relapse)
            || death.as_ref().is_some_and(by_odds)
    };
    let step = |st: &Step| {
        let Step {
            skip_if,
            routes,
            name: _,
            intervention: _,
            attempts: _,
            wait: _,
            failure_time: _,
            on_partial: _,
        } = st;
        skip_if.as_ref().is_some_and(|(_, c)| reads(c)) || routes.iter().any(|(_, c, _)| reads(c))
    };
    let adjusted = s.economics().is_some_and(|e| {
        let Economics {
            adjustments,
            currency: _,
            perspective: _,
            discount_costs: _,
            discount_effects: _,
            utility: _,
            daily_cost: _,
            death_cost: _,
            willingness_to_pay: _,
            prices: _,
        } = e;
        adjustments.iter().any(|a| reads(&a.condition))
    });
    natural
        || adjusted
        || s.simulation().subgroups.contains(&s.covariates()[slot].name)
        || s.interventions().iter().any(intervention)
        || s.policies().iter().flat_map(|p| &p.steps).any(step)
        || s.policies()
            .iter()
            .filter_map(|p| p.red_flag.as_ref()?.at_presentation.as_ref())
            .any(|(_, c)| reads(c))
}

#[cfg(test)]
mod tests {
    use crate::scenario::document::{Document, Overrides};

    /// A scenario in which every parameter is used: a covariate read by a
    /// skip condition, a conservative step and a surgical one, utilities of
    /// the states a path can reach.
    const BASE: &str = r#"
        name = "base"
        [simulation]
        patients = 100
        seed = 1
        horizon_days = 365
        [[cohort.covariates]]
        name = "deficit"
        probability = 0.2
        [[interventions]]
        name = "pt"
        level = "conservative"
        response = { probability = 0.4 }
        recovery_time = { family = "fixed", value = 30 }
        failure_time = { family = "fixed", value = 60 }
        [[interventions]]
        name = "surgery"
        level = "surgical"
        utility = 0.8
        response = { probability = 0.9 }
        recovery_time = { family = "fixed", value = 60 }
        failure_time = { family = "fixed", value = 90 }
        [[policies]]
        name = "stepwise"
        steps = [{ intervention = "pt", skip_if = "deficit" }, { intervention = "surgery" }]
        [economics]
        utility = { symptomatic = 0.5, symptom_free = 0.85, recovering = 0.45 }
    "#;

    /// The warnings of `BASE` with `edit` applied as (old text, new text)
    /// replacements and `extra` appended.
    fn unused(edits: &[(&str, &str)], extra: &str) -> Vec<String> {
        let mut text = BASE.to_string();
        for (old, new) in edits {
            assert!(text.contains(old), "`{old}` is not in the base scenario");
            text = text.replacen(old, new, 1);
        }
        text.push_str(extra);
        let s = Document::parse(&text, "test.toml")
            .and_then(|d| d.scenario(&Overrides::default()))
            .expect("a valid scenario");
        s.unused().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn the_base_scenario_uses_everything() {
        assert_eq!(unused(&[], ""), Vec::<String>::new());
    }

    /// What a case says, the edits and text it makes, the warnings.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a [&'a str]);

    /// Each rule: a scenario edited to break it, and the exact warnings.
    #[test]
    fn each_rule_names_the_key_path_and_why() {
        const UTILITY: &str = "economics.utility.symptom_free: every intervention a policy can reach declares its own `utility` after its response, and there is no [natural_history.resolution]: no symptom-free day is valued at this one";
        let cases: [Case; 8] = [
            (
                "every reachable intervention has its own utility",
                &[(
                    "level = \"conservative\"",
                    "level = \"conservative\"\n        utility = 0.7",
                )],
                "",
                &[UTILITY],
            ),
            (
                "... unless resolution values some days at the state's",
                &[(
                    "level = \"conservative\"",
                    "level = \"conservative\"\n        utility = 0.7",
                )],
                "[natural_history.resolution]\ntime = { family = \"exponential\", mean = 400 }\n",
                &[],
            ),
            (
                "improved without partial responses",
                &[("recovering = 0.45", "recovering = 0.45, improved = 0.6")],
                "daily_cost = { improved = 3 }\n",
                &[
                    "economics.utility.improved: no intervention a policy can reach has partial responses (`response.partial`): no patient is ever improved",
                    "economics.daily_cost.improved: no intervention a policy can reach has partial responses (`response.partial`): no patient is ever improved",
                ],
            ),
            (
                "a residual deficit without a permanent deficit",
                &[("recovering = 0.45", "recovering = 0.45, residual_deficit = 0.6")],
                "",
                &[
                    "economics.utility.residual_deficit: there is no [natural_history.permanent_deficit]: no patient has a residual deficit",
                ],
            ),
            (
                "recovering without procedures",
                &[(
                    "steps = [{ intervention = \"pt\", skip_if = \"deficit\" }, { intervention = \"surgery\" }]",
                    "steps = [{ intervention = \"pt\", skip_if = \"deficit\" }]",
                )],
                "",
                &[
                    "interventions.surgery: no policy's step or route uses this intervention",
                    "economics.utility.recovering: no intervention a policy can reach is minimally invasive or surgical: no patient recovers from a procedure",
                ],
            ),
            (
                "an intervention only a route reaches is used",
                &[
                    (
                        "{ intervention = \"surgery\" }",
                        "{ intervention = \"surgery\", route = [{ if = \"deficit\", to = \"pt\" }] }",
                    ),
                    ("skip_if = \"deficit\" ", ""),
                ],
                "",
                &[],
            ),
            (
                "a covariate nothing reads",
                &[("skip_if = \"deficit\" ", "")],
                "",
                &[
                    "cohort.covariates.deficit: used by nothing in the model (no condition, odds ratio, natural history or utility adjustment reads it); fine if it is meant for subgroups or a target's population",
                ],
            ),
            (
                "a range and a belief on an unused intervention and utility",
                &[
                    (
                        "level = \"conservative\"",
                        "level = \"conservative\"\n        utility = 0.7",
                    ),
                    (
                        "steps = [{ intervention = \"pt\", skip_if = \"deficit\" }, { intervention = \"surgery\" }]",
                        "steps = [{ intervention = \"pt\", skip_if = \"deficit\" }]",
                    ),
                    ("probability = 0.9", "probability = { beta_mean = 0.9, sd = 0.05 }"),
                    ("symptom_free = 0.85", "symptom_free = { beta_mean = 0.85, sd = 0.05 }"),
                ],
                "[ranges]\n\"interventions.surgery.response.probability\" = [0.8, 0.95]\n\"interventions.pt.response.probability\" = [0.3, 0.5]\n",
                &[
                    "interventions.surgery: no policy's step or route uses this intervention",
                    "economics.utility.symptom_free: every intervention a policy can reach declares its own `utility` after its response, and there is no [natural_history.resolution]: no symptom-free day is valued at this one; psa draws its distribution of belief to no effect",
                    "economics.utility.recovering: no intervention a policy can reach is minimally invasive or surgical: no patient recovers from a procedure",
                    "ranges.\"interventions.surgery.response.probability\": a sensitivity range on a parameter no path uses (interventions.surgery)",
                    "interventions.surgery.response.probability: a distribution of belief inside interventions.surgery, which no path uses: psa draws it to no effect",
                ],
            ),
        ];
        for (what, edits, extra, expected) in cases {
            assert_eq!(unused(edits, extra), expected, "{what}");
        }
    }

    /// A covariate read only as a subgroup, by natural history or by a
    /// utility adjustment is used.
    #[test]
    fn a_covariate_is_used_by_subgroups_natural_history_and_adjustments() {
        let unread = ("skip_if = \"deficit\" ", "");
        for (edit, extra) in [
            (("seed = 1", "seed = 1\n        subgroups = [\"deficit\"]"), ""),
            (
                ("seed = 1", "seed = 1"),
                "[natural_history.resolution]\ntime = { family = \"exponential\", mean = 400 }\nif = \"not deficit\"\n",
            ),
            (
                (
                    "recovering = 0.45 }",
                    "recovering = 0.45 }\n        utility_adjustments = [{ if = \"deficit\", add = -0.1 }]",
                ),
                "",
            ),
            (
                (
                    "probability = 0.4 }",
                    "probability = 0.4, odds_ratios = [{ if = \"deficit\", or = 0.5 }] }",
                ),
                "",
            ),
        ] {
            assert_eq!(unused(&[unread, edit], extra), Vec::<String>::new(), "{edit:?} {extra}");
        }
    }
}
