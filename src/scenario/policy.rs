//! `[[policies]]`: a pathway as ordered steps (an intervention, attempts,
//! waits, skip and route conditions, what a partial responder does), a red
//! flag and the step a relapse re-enters at: the serde mirror, the
//! validated types and their rules.

use std::fmt::Write;

use serde::Deserialize;

use super::cond::{Cond, Slot};
use super::dist::{Dist, RawDist};
use super::intervention::RawIntervention;
use super::intervention::level;
use super::rules::*;
use super::*;
use crate::error::{Invalid, Problems, did_you_mean};

#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    /// What charts and tables call it (the name unless labelled).
    pub label: String,
    pub description: Option<String>,
    pub steps: Vec<Step>,
    pub red_flag: Option<RedFlag>,
    /// Step index a relapse re-enters at; `None`: the step that brought the
    /// recovery.
    pub relapse_to: Option<usize>,
    /// The policy it was written as an extension of (`extends`), by name.
    pub extends: Option<String>,
}

impl Policy {
    /// How many leading steps a path walks alike under `self` and `other`:
    /// a path of `self` that entered none of the later steps (and was not
    /// cut short) is `other`'s path too, the same draws from the same
    /// streams. `usize::MAX` when the two walk alike throughout; 0 when
    /// their relapse rules differ or only one has a red flag. Red flags
    /// that jump to different steps count up to `self`'s (a path that
    /// jumped entered it). (Names and the texts of conditions do not
    /// count.)
    ///
    /// Every field is named, so a new one does not compile until it is
    /// classified.
    pub fn shared_steps(&self, other: &Policy) -> usize {
        let Policy {
            name: _,
            label: _,
            description: _,
            steps,
            red_flag,
            relapse_to,
            extends: _,
        } = self;
        let jumps = match (red_flag, &other.red_flag) {
            (None, None) => usize::MAX,
            (
                Some(RedFlag {
                    jump_to,
                    wait,
                    after_surgery,
                    at_presentation,
                }),
                Some(b),
            ) if *wait == b.wait
                && *after_surgery == b.after_surgery
                && at_presentation.as_ref().map(|c| &c.1) == b.at_presentation.as_ref().map(|c| &c.1) =>
            {
                if *jump_to == b.jump_to { usize::MAX } else { *jump_to }
            }
            _ => return 0,
        };
        if *relapse_to != other.relapse_to {
            return 0;
        }
        let alike = steps
            .iter()
            .zip(&other.steps)
            .take_while(|(a, b)| a.walks_like(b))
            .count();
        if alike == steps.len() && alike == other.steps.len() {
            jumps
        } else {
            alike.min(jumps)
        }
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    /// Index into `Scenario::interventions`.
    pub intervention: usize,
    pub attempts: u32,
    pub wait: Option<Dist>,
    /// Overrides the intervention's failure time at this step.
    pub failure_time: Option<Dist>,
    pub skip_if: Option<(String, Cond)>,
    /// First matching route wins: (condition text, compiled, intervention).
    pub routes: Vec<(String, Cond, usize)>,
    /// What a partial responder does.
    pub on_partial: OnPartial,
}

impl Step {
    /// Whether a patient is taken through this step as through `other`.
    ///
    /// Every field is named, so a new one does not compile until it is
    /// classified. Names and the texts of conditions do not change a walk.
    fn walks_like(&self, other: &Step) -> bool {
        let Step {
            name: _,
            intervention,
            attempts,
            wait,
            failure_time,
            skip_if,
            routes,
            on_partial,
        } = self;
        let same_routes = routes.len() == other.routes.len()
            && routes
                .iter()
                .zip(&other.routes)
                .all(|((_, a, to_a), (_, b, to_b))| a == b && to_a == to_b);
        *intervention == other.intervention
            && *attempts == other.attempts
            && *wait == other.wait
            && *failure_time == other.failure_time
            && skip_if.as_ref().map(|s| &s.1) == other.skip_if.as_ref().map(|s| &s.1)
            && same_routes
            && *on_partial == other.on_partial
    }
}

/// What a partial responder does at a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnPartial {
    /// Accepts the relief: no further steps (natural history goes on).
    Stay,
    /// Goes on as after a failure, improved meanwhile.
    Continue,
}

/// The fast track of a neurological red flag (a motor deficit).
#[derive(Debug, Clone)]
pub struct RedFlag {
    /// The step progression jumps to, before any surgical attempt.
    pub jump_to: usize,
    /// The fast track's wait before that step (instead of the step's own).
    pub wait: Option<Dist>,
    /// The step progression jumps to once a surgical attempt has started;
    /// `None`: the flag is disarmed by the first surgical attempt.
    pub after_surgery: Option<usize>,
    /// Patients meeting this condition at presentation are fast-tracked at
    /// once: they start at `jump_to` after `wait`.
    pub at_presentation: Option<(String, Cond)>,
}

impl RedFlag {
    /// The step a red flag jumps to, after a surgical attempt or before.
    pub fn target(&self, operated: bool) -> Option<usize> {
        if operated {
            self.after_surgery
        } else {
            Some(self.jump_to)
        }
    }
}

// The serde mirror: the section as written.

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub name: String,
    /// What charts and tables call it (default: the name).
    #[serde(default)]
    pub label: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    pub steps: Vec<RawStep>,
    #[serde(default)]
    pub red_flag: Option<RawRedFlag>,
    /// Step a relapsed patient re-enters at; by default the step that
    /// brought the recovery.
    #[serde(default)]
    pub relapse_to: Option<String>,
    /// The policy this one was written as an extension of: its steps are
    /// already expanded ([`super::extends`]); kept for `describe`.
    #[serde(default)]
    pub extends: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// Step name (defaults to the intervention name).
    #[serde(default)]
    pub name: Option<String>,
    pub intervention: String,
    #[serde(default = "one")]
    pub attempts: u32,
    /// Waiting time before the step starts.
    #[serde(default)]
    pub wait: Option<RawDist>,
    /// How long this step waits for a response before declaring failure;
    /// overrides the intervention's `failure_time` (e.g. a longer trial).
    #[serde(default)]
    pub failure_time: Option<RawDist>,
    /// Patients meeting this condition skip the step.
    #[serde(default)]
    pub skip_if: Option<String>,
    #[serde(default)]
    pub route: Vec<RawRoute>,
    /// What a partial responder does: `"stay"` (default) or `"continue"`.
    #[serde(default)]
    pub on_partial: Option<String>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    #[serde(rename = "if")]
    pub condition: String,
    pub to: String,
}

/// Progression while symptomatic in a non-surgical step interrupts it and
/// jumps to `jump_to` after `wait`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRedFlag {
    pub jump_to: String,
    #[serde(default)]
    pub wait: Option<RawDist>,
    /// The step progression after a surgical attempt jumps to (default:
    /// none, the flag is disarmed by surgery).
    #[serde(default)]
    pub after_surgery: Option<String>,
    /// Who is fast-tracked at presentation (a condition).
    #[serde(default)]
    pub at_presentation: Option<String>,
}

// The rules: the mirror to the validated types, every problem named.

/// The interventions as declared: each name, and its level when valid.
struct Declared<'a>(Vec<(&'a str, Option<Level>)>);

impl Declared<'_> {
    fn index(&self, path: &str, name: &str) -> Result<usize, Invalid> {
        let names = || self.0.iter().map(|(n, _)| *n);
        names().position(|n| n == name).ok_or_else(|| {
            Invalid::new(
                path,
                format!("\"{name}\""),
                format!(
                    "no intervention has this name{}; declared: {}",
                    did_you_mean(name, names()),
                    names().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }

    fn is_surgical(&self, index: usize) -> bool {
        self.0[index].1 == Some(Level::Surgical)
    }
}

pub(super) fn policies(
    raw: &[RawPolicy],
    interventions: &[RawIntervention],
    slots: &[Slot],
    p: &mut Problems,
) -> Option<Vec<Policy>> {
    if raw.is_empty() {
        p.push(Invalid::new("policies", "[]", "declare at least one policy"));
        return None;
    }
    if raw.len() > super::MAX_POLICIES {
        p.push(Invalid::new(
            "policies",
            format!("{} policies", raw.len()),
            format!(
                "a scenario compares at most {} policies (each is a row of every table and chart); to vary a number over many values use `foramen sweep`",
                super::MAX_POLICIES
            ),
        ));
        return None;
    }
    let declared = Declared(
        interventions
            .iter()
            .map(|r| (r.name.as_str(), level("", &r.level).ok()))
            .collect(),
    );
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, raw_policy) in raw.iter().enumerate() {
        let named = p.take(unique_name(&format!("policies[{i}]"), &raw_policy.name, &mut seen));
        let no_comma = p.take(if raw_policy.name.contains(',') {
            Err(Invalid::new(
                format!("policies[{i}].name"),
                format!("\"{}\"", raw_policy.name),
                "a policy name cannot contain ','",
            ))
        } else {
            Ok(())
        });
        let policy = policy(i, raw_policy, &declared, slots, p);
        // Expanded when the document was read: an edit of `extends` (a
        // variant's) can only name another policy.
        let parent = p.take(match &raw_policy.extends {
            Some(parent) if parent == &raw_policy.name || !raw.iter().any(|q| &q.name == parent) => Err(Invalid::new(
                format!("{}.extends", paths::named("policies", i, Some(&raw_policy.name))),
                format!("\"{parent}\""),
                format!(
                    "a policy extends one of the others{}",
                    did_you_mean(
                        parent,
                        raw.iter().map(|q| q.name.as_str()).filter(|n| *n != raw_policy.name)
                    )
                ),
            )),
            _ => Ok(()),
        });
        out.push(named.and(no_comma).and(parent).and(policy));
    }
    out.into_iter().collect()
}

/// One policy (the `i`th), every step and field checked; key paths name
/// it and its steps as [`paths::named`] does.
fn policy(i: usize, raw: &RawPolicy, declared: &Declared, slots: &[Slot], p: &mut Problems) -> Option<Policy> {
    let path = paths::named("policies", i, Some(&raw.name));
    if raw.steps.is_empty() {
        p.push(Invalid::new(
            format!("{path}.steps"),
            "[]",
            "a policy needs at least one step",
        ));
        return None;
    }
    let names: Vec<String> = raw
        .steps
        .iter()
        .map(|s| s.name.clone().unwrap_or_else(|| s.intervention.clone()))
        .collect();
    let steps: Vec<Option<Step>> = raw
        .steps
        .iter()
        .enumerate()
        .map(|(j, s)| {
            step(
                &paths::named(&format!("{path}.steps"), j, s.name.as_deref()),
                s,
                &names[..j],
                &names[j],
                declared,
                slots,
                p,
            )
        })
        .collect();
    let step_index = |key: &str, name: &str| {
        names.iter().position(|s| s == name).ok_or_else(|| {
            Invalid::new(
                format!("{path}.{key}"),
                format!("\"{name}\""),
                format!(
                    "no step of this policy has this name{}; its steps are {}",
                    did_you_mean(name, names.iter().map(String::as_str)),
                    names.join(", ")
                ),
            )
        })
    };
    let reaches_surgery = |key: &str, name: &str, p: &mut Problems| -> Option<usize> {
        let j = p.take(step_index(key, name))?;
        let target = steps[j].as_ref()?;
        let surgical =
            declared.is_surgical(target.intervention) || target.routes.iter().any(|r| declared.is_surgical(r.2));
        if !surgical {
            p.push(Invalid::new(
                format!("{path}.{key}"),
                format!("\"{name}\""),
                "a red flag must jump to a surgical step: a jump to a non-surgical step could fire again on itself",
            ));
        }
        Some(j)
    };
    let red_flag = match &raw.red_flag {
        None => Some(None),
        Some(rf) => {
            let jump_to = reaches_surgery("red_flag.jump_to", &rf.jump_to, p);
            let after_surgery = match &rf.after_surgery {
                None => Some(None),
                Some(name) => reaches_surgery("red_flag.after_surgery", name, p).map(Some),
            };
            let at_presentation = p.take(
                rf.at_presentation
                    .as_ref()
                    .map(|c| {
                        condition(&format!("{path}.red_flag.at_presentation"), c, slots).map(|cond| (c.clone(), cond))
                    })
                    .transpose(),
            );
            let wait = p.take(optional_duration(&format!("{path}.red_flag.wait"), rf.wait.as_ref()));
            Some(Some(RedFlag {
                jump_to: jump_to?,
                wait: wait?,
                after_surgery: after_surgery?,
                at_presentation: at_presentation?,
            }))
        }
    };
    let relapse_to = p.take(
        raw.relapse_to
            .as_deref()
            .map(|name| step_index("relapse_to", name))
            .transpose(),
    );
    let label = p.take(label(&format!("{path}.label"), raw.label.as_deref()))?;
    Some(Policy {
        name: raw.name.clone(),
        label: label.unwrap_or_else(|| raw.name.clone()),
        description: raw.description.clone(),
        steps: steps.into_iter().collect::<Option<_>>()?,
        red_flag: red_flag?,
        relapse_to: relapse_to?,
        extends: raw.extends.clone(),
    })
}

/// One step; `before` are the names of the steps before it.
fn step(
    path: &str,
    s: &RawStep,
    before: &[String],
    name: &str,
    declared: &Declared,
    slots: &[Slot],
    p: &mut Problems,
) -> Option<Step> {
    let intervention = p.take(declared.index(&format!("{path}.intervention"), &s.intervention));
    let unique = p.take(if before.iter().any(|b| b == name) {
        Err(Invalid::new(
            format!("{path}.name"),
            format!("\"{name}\""),
            "two steps of this policy have this name; give each step a unique `name`",
        ))
    } else {
        Ok(())
    });
    let attempts = p.take(if s.attempts == 0 || s.attempts > 1000 {
        Err(Invalid::new(
            format!("{path}.attempts"),
            s.attempts,
            "attempts must be between 1 and 1000",
        ))
    } else {
        Ok(s.attempts)
    });
    let routes: Vec<Option<(String, Cond, usize)>> = s
        .route
        .iter()
        .enumerate()
        .map(|(k, r)| {
            let at = format!("{path}.route[{k}]");
            let cond = p.take(condition(&format!("{at}.if"), &r.condition, slots));
            let to = p.take(declared.index(&format!("{at}.to"), &r.to));
            Some((r.condition.clone(), cond?, to?))
        })
        .collect();
    let wait = p.take(optional_duration(&format!("{path}.wait"), s.wait.as_ref()));
    let failure_time = p.take(optional_duration(
        &format!("{path}.failure_time"),
        s.failure_time.as_ref(),
    ));
    let skip_if = p.take(
        s.skip_if
            .as_ref()
            .map(|c| condition(&format!("{path}.skip_if"), c, slots).map(|cond| (c.clone(), cond)))
            .transpose(),
    );
    let on_partial = p.take(match s.on_partial.as_deref() {
        None | Some("stay") => Ok(OnPartial::Stay),
        Some("continue") => Ok(OnPartial::Continue),
        Some(other) => Err(Invalid::new(
            format!("{path}.on_partial"),
            format!("\"{other}\""),
            format!(
                "a partial responder either stays (\"stay\", the default) or goes on as after a failure (\"continue\"){}",
                did_you_mean(other, ["stay", "continue"])
            ),
        )),
    });
    unique?;
    Some(Step {
        on_partial: on_partial?,
        name: name.to_string(),
        intervention: intervention?,
        attempts: attempts?,
        wait: wait?,
        failure_time: failure_time?,
        skip_if: skip_if?,
        routes: routes.into_iter().collect::<Option<_>>()?,
    })
}

// Words: the section in `foramen describe`.

impl Step {
    /// What the step does, aspect by aspect, in words: the intervention
    /// and attempts (its heading), then what is worth saying: skip, wait,
    /// routes, this step's own failure time, what a partial responder does
    /// (only where a response can be partial). Two steps are compared
    /// aspect by aspect.
    ///
    /// Every field is named, so a new one does not compile until it is
    /// said.
    fn aspects(&self, interventions: &[Intervention]) -> Vec<String> {
        let Step {
            name: _,
            intervention,
            attempts,
            wait,
            failure_time,
            skip_if,
            routes,
            on_partial,
        } = self;
        let named = |i: usize| format!("{} ({})", interventions[i].name, interventions[i].level.name());
        let mut out = vec![format!(
            "{}, {}",
            named(*intervention),
            if *attempts == 1 {
                "1 attempt".to_string()
            } else {
                format!("up to {attempts} attempts")
            }
        )];
        out.push(
            skip_if
                .as_ref()
                .map_or("never skipped".into(), |(text, _)| format!("skipped if {text}")),
        );
        out.push(wait.as_ref().map_or("no wait".into(), |w| format!("wait {w}")));
        out.push(if routes.is_empty() {
            "no routes".into()
        } else {
            let routes: Vec<String> = routes
                .iter()
                .map(|(text, _, to)| format!("if {text}: {} instead", named(*to)))
                .collect();
            routes.join("; ")
        });
        out.push(
            failure_time
                .as_ref()
                .map_or("the intervention's failure time".into(), |d| {
                    format!("failure declared after {d} (this step's own)")
                }),
        );
        let partial_here = std::iter::once(*intervention)
            .chain(routes.iter().map(|r| r.2))
            .any(|i| interventions[i].partial > 0.0);
        out.push(match (partial_here, on_partial) {
            (false, _) => String::new(),
            (true, OnPartial::Stay) => "a partial responder stays improved: no further steps".into(),
            (true, OnPartial::Continue) => "a partial responder goes on as after a failure, improved meanwhile".into(),
        });
        out
    }
}

/// Whether an aspect is worth a line in a full description (not one of
/// the defaults: never skipped, no wait, no routes, the intervention's
/// failure time; nor empty).
fn worth_a_line(aspect: &str) -> bool {
    !aspect.is_empty()
        && ![
            "never skipped",
            "no wait",
            "no routes",
            "the intervention's failure time",
        ]
        .contains(&aspect)
}

impl Policy {
    /// The heading: name, label when it differs, description.
    fn heading(&self, out: &mut String, after: &str) {
        let label = if self.label == self.name {
            String::new()
        } else {
            format!(" ({})", self.label)
        };
        let _ = writeln!(out, "\npolicy {}{label}{after}", self.name);
        if let Some(d) = &self.description {
            let _ = writeln!(out, "  {}", d.trim());
        }
    }

    /// The red flag and where a relapse re-enters, in words.
    fn rules(&self) -> [String; 2] {
        let red_flag = match &self.red_flag {
            None => "no red flag".to_string(),
            Some(rf) => format!(
                "red flag: progression before surgery jumps to step {} after {}{}{}",
                self.steps[rf.jump_to].name,
                rf.wait
                    .as_ref()
                    .map_or("no wait".to_string(), |w| format!("a wait of {w}")),
                match rf.after_surgery {
                    Some(i) => format!("; after a surgical attempt, to step {}", self.steps[i].name),
                    None => "; none after a surgical attempt".to_string(),
                },
                rf.at_presentation
                    .as_ref()
                    .map_or(String::new(), |(text, _)| format!("; at presentation if {text}")),
            ),
        };
        let relapse = match self.relapse_to {
            Some(i) => format!("relapse: re-enter at step {}", self.steps[i].name),
            None => "relapse: re-enter at the step that brought the recovery".to_string(),
        };
        [red_flag, relapse]
    }

    /// The pathway in full (`foramen describe`): each step with its
    /// intervention, attempts, skip, wait, routes and own failure time; the
    /// red flag and where a relapse re-enters. The interventions are
    /// described once, elsewhere.
    pub fn words(&self, out: &mut String, interventions: &[Intervention], after: &str) {
        self.heading(out, after);
        for (i, step) in self.steps.iter().enumerate() {
            let aspects = step.aspects(interventions);
            if step.name == interventions[step.intervention].name {
                let _ = writeln!(out, "  {}. {}", i + 1, aspects[0]);
            } else {
                let _ = writeln!(out, "  {}. {}: {}", i + 1, step.name, aspects[0]);
            }
            for line in aspects[1..].iter().filter(|a| worth_a_line(a)) {
                let _ = writeln!(out, "     {line}");
            }
        }
        let _ = writeln!(out, "  if every step fails: symptomatic until the horizon");
        for line in self.rules() {
            let _ = writeln!(out, "  {line}");
        }
    }

    /// What differs from `reference`, in words: steps removed and added
    /// (steps are matched by name), steps in another order, each aspect of
    /// a shared step, the red flag and the relapse rule that differ, with
    /// the reference's words beside.
    pub fn differences(&self, reference: &Policy, interventions: &[Intervention]) -> Vec<Difference> {
        let mut out = Vec::new();
        let index = |p: &Policy, name: &str| p.steps.iter().position(|s| s.name == name);
        let said = |step: &Step, text: String| Difference {
            step: Some(step.name.clone()),
            text,
        };
        for step in &reference.steps {
            if index(self, &step.name).is_none() {
                out.push(said(step, format!("no step {}", step.name)));
            }
        }
        let shared = |p: &Policy| -> Vec<String> {
            p.steps
                .iter()
                .map(|s| s.name.clone())
                .filter(|name| index(self, name).is_some() && index(reference, name).is_some())
                .collect()
        };
        if shared(self) != shared(reference) {
            let order: Vec<&str> = self.steps.iter().map(|s| s.name.as_str()).collect();
            out.push(Difference {
                step: None,
                text: format!("steps in the order {}", order.join(", ")),
            });
        }
        for (i, step) in self.steps.iter().enumerate() {
            let aspects = step.aspects(interventions);
            match index(reference, &step.name) {
                None => {
                    let said_too: Vec<&str> = aspects[1..]
                        .iter()
                        .map(String::as_str)
                        .filter(|a| worth_a_line(a))
                        .collect();
                    let mut text = format!("adds step {}. {}: {}", i + 1, step.name, aspects[0]);
                    for a in said_too {
                        let _ = write!(text, "; {a}");
                    }
                    out.push(said(step, text));
                }
                Some(j) => {
                    let theirs = reference.steps[j].aspects(interventions);
                    for (mine, theirs) in aspects.iter().zip(&theirs).filter(|(a, b)| a != b) {
                        let mine = if mine.is_empty() {
                            "no partial responses"
                        } else {
                            mine.as_str()
                        };
                        out.push(said(
                            step,
                            format!("{}: {mine} ({}: {theirs})", step.name, reference.name),
                        ));
                    }
                }
            }
        }
        for (mine, theirs) in self.rules().iter().zip(reference.rules()) {
            if *mine != theirs {
                out.push(Difference {
                    step: None,
                    text: format!("{mine} ({}: {theirs})", reference.name),
                });
            }
        }
        out
    }

    /// The pathway as what differs from `reference` (`foramen describe`),
    /// under the heading.
    pub fn difference_words(&self, out: &mut String, reference: &Policy, interventions: &[Intervention]) {
        let differences = self.differences(reference, interventions);
        if differences.is_empty() {
            self.heading(out, &format!(": the same pathway as {}", reference.name));
        } else {
            self.heading(out, &format!(": as {}, except", reference.name));
        }
        for d in differences {
            let _ = writeln!(out, "  {}", d.text);
        }
    }
}

impl Policy {
    /// This policy, written as `extends` of `parent`, as what it changes.
    pub fn extension_words(&self, out: &mut String, parent: &Policy, interventions: &[Intervention]) {
        let differences = self.differences(parent, interventions);
        if differences.is_empty() {
            self.heading(out, &format!(": extends {}, the same pathway", parent.name));
        } else {
            self.heading(out, &format!(": extends {}: changes", parent.name));
        }
        for d in differences {
            let _ = writeln!(out, "  {}", d.text);
        }
    }
}

/// One way a policy differs from the reference, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The step it concerns (by name), if one.
    pub step: Option<String>,
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const INTERVENTIONS: &str = r#"
        [[interventions]]
        name = "pt"
        level = "conservative"
        response = { probability = 0.3 }
        recovery_time = { family = "fixed", value = 10 }
        failure_time = { family = "fixed", value = 28 }
        [[interventions]]
        name = "endoscopy"
        level = "minimally_invasive"
        response = { probability = 0.7 }
        recovery_time = { family = "fixed", value = 10 }
        failure_time = { family = "fixed", value = 28 }
        [[interventions]]
        name = "fusion"
        level = "surgical"
        response = { probability = 0.9 }
        recovery_time = { family = "fixed", value = 10 }
        failure_time = { family = "fixed", value = 28 }
    "#;

    #[derive(Deserialize)]
    struct Parts {
        interventions: Vec<RawIntervention>,
        policies: Vec<RawPolicy>,
    }

    fn check(policies_toml: &str) -> Result<Vec<Policy>, Vec<Invalid>> {
        let parts: Parts = toml::from_str(&format!("{INTERVENTIONS}\n{policies_toml}")).expect("as written");
        let mut p = Problems::default();
        match policies(&parts.policies, &parts.interventions, &[], &mut p) {
            Some(out) if p.is_empty() => Ok(out),
            _ => Err(p.into_vec()),
        }
    }

    #[test]
    fn a_red_flag_jumps_to_a_surgical_step_of_its_policy() {
        let ok = check(
            "[[policies]]\nname = \"a\"\nsteps = [{ intervention = \"pt\" }, { intervention = \"fusion\" }]\n\
             red_flag = { jump_to = \"fusion\" }",
        )
        .expect("valid");
        assert_eq!(ok[0].red_flag.as_ref().map(|r| r.jump_to), Some(1));
        let e = check(
            "[[policies]]\nname = \"a\"\nsteps = [{ intervention = \"pt\" }, { intervention = \"endoscopy\" }]\n\
             red_flag = { jump_to = \"endoscopy\" }",
        )
        .unwrap_err();
        assert_eq!(e[0].path, "policies.a.red_flag.jump_to");
        let e = check(
            "[[policies]]\nname = \"a\"\nsteps = [{ intervention = \"pt\" }, { intervention = \"fusion\" }]\n\
             red_flag = { jump_to = \"fusion\", after_surgery = \"pt\", at_presentation = \"nope\" }",
        )
        .unwrap_err();
        let paths: Vec<&str> = e.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "policies.a.red_flag.after_surgery",
                "policies.a.red_flag.at_presentation"
            ]
        );
    }

    #[test]
    fn every_broken_step_is_named_at_once() {
        let e = check(
            "[[policies]]\nname = \"a\"\nsteps = [{ intervention = \"pt\", attempts = 0 }, \
             { intervention = \"surgery\" }, { intervention = \"pt\", on_partial = \"stey\" }]",
        )
        .unwrap_err();
        let paths: Vec<&str> = e.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "policies.a.steps[0].attempts",
                "policies.a.steps[1].intervention",
                "policies.a.steps[2].name",
                "policies.a.steps[2].on_partial",
            ]
        );
        assert!(e[3].problem.contains("did you mean `stay`?"), "{}", e[2].problem);
    }

    /// Each policy said as what differs from the first, exactly.
    #[test]
    fn a_policy_is_said_as_what_differs_from_the_reference() {
        let p = check(
            "[[policies]]\nname = \"a\"\nsteps = [{ intervention = \"pt\" }, { intervention = \"endoscopy\" }, { intervention = \"fusion\" }]\n\
             [[policies]]\nname = \"same\"\nsteps = [{ intervention = \"pt\" }, { intervention = \"endoscopy\" }, { intervention = \"fusion\" }]\n\
             [[policies]]\nname = \"fewer\"\nsteps = [{ intervention = \"pt\", attempts = 2 }, { intervention = \"fusion\" }]\n\
             [[policies]]\nname = \"reordered\"\nsteps = [{ intervention = \"fusion\" }, { intervention = \"endoscopy\" }, { intervention = \"pt\" }]\n\
             [[policies]]\nname = \"more\"\nrelapse_to = \"pt\"\nsteps = [{ intervention = \"pt\" }, { intervention = \"endoscopy\" }, { intervention = \"fusion\" }, { name = \"again\", intervention = \"pt\", attempts = 3 }]",
        )
        .expect("valid");
        let parts: Parts = toml::from_str(&format!("policies = []\n{INTERVENTIONS}")).expect("as written");
        let ivs = super::super::intervention::interventions(&parts.interventions, &[], false, &mut Problems::default())
            .expect("valid");
        let said = |i: usize| -> Vec<String> { p[i].differences(&p[0], &ivs).into_iter().map(|d| d.text).collect() };
        assert_eq!(said(1), Vec::<String>::new());
        assert_eq!(
            said(2),
            [
                "no step endoscopy",
                "pt: pt (conservative), up to 2 attempts (a: pt (conservative), 1 attempt)"
            ]
        );
        assert_eq!(said(3), ["steps in the order fusion, endoscopy, pt"]);
        assert_eq!(
            said(4),
            [
                "adds step 4. again: pt (conservative), up to 3 attempts",
                "relapse: re-enter at step pt (a: relapse: re-enter at the step that brought the recovery)"
            ]
        );
        let mut words = String::new();
        p[2].difference_words(&mut words, &p[0], &ivs);
        assert_eq!(
            words,
            "\npolicy fewer: as a, except\n  no step endoscopy\n  pt: pt (conservative), up to 2 attempts (a: pt (conservative), 1 attempt)\n"
        );
    }

    #[test]
    fn policies_share_the_steps_they_walk_alike() {
        let p = check(
            "[[policies]]\nname = \"a\"\nsteps = [{ intervention = \"pt\" }, { intervention = \"endoscopy\" }]\n\
             [[policies]]\nname = \"b\"\nsteps = [{ name = \"physio\", intervention = \"pt\" }, { intervention = \"fusion\" }]\n\
             [[policies]]\nname = \"c\"\nsteps = [{ intervention = \"pt\", attempts = 2 }]",
        )
        .expect("valid");
        // A step's name does not change the walk; its attempts do.
        assert_eq!(p[0].shared_steps(&p[1]), 1);
        assert_eq!(p[0].shared_steps(&p[2]), 0);
        assert_eq!(p[0].shared_steps(&p[0]), usize::MAX);
    }
}
