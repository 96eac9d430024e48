//! The expected value of partial perfect information of a probabilistic
//! analysis (method and formulas in `estimate::evppi` and
//! docs/economics.md): every distribution of belief alone (by the GAM and
//! by the binned cross-check) and every named group (GAM up to four
//! parameters, Gaussian process beyond), at the willingness-to-pay grid
//! and at the scenario's own values. Groups run in parallel and come back
//! in order.

use crate::error::{Error, Setting, did_you_mean};
use crate::estimate::evppi::{Evppi, Method, Sample, evppi};
use crate::estimate::psa::Matrix;
use crate::rng::name_key;

use super::psa::{PsaResults, matrix};
use crate::outcome::Id;

/// A named group of parameters (key paths of distributions of belief).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub paths: Vec<String>,
}

/// The groups a scenario names itself: each joint belief
/// (`[[joint_beliefs]]`), whose members are drawn together and so are
/// learnt about together.
pub fn joint_groups(doc: &crate::scenario::document::Document) -> Vec<Group> {
    doc.joint_beliefs()
        .iter()
        .map(|j| Group {
            name: j.name.clone(),
            paths: j.members.iter().map(|&m| doc.beliefs()[m].path.clone()).collect(),
        })
        .collect()
}

/// One group's EVPPI by one method.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupEvppi {
    /// The group's name (a single parameter's is its key path).
    pub name: String,
    /// Whether the group was named (`false`: one parameter alone).
    pub named: bool,
    /// The key paths of its parameters.
    pub parameters: Vec<String>,
    /// At the willingness-to-pay grid of the analysis, then at the
    /// scenario's values (`PsaEconomics::grid`, then `at_scenario`).
    pub grid: Evppi,
    pub at_scenario: Evppi,
}

/// The groups of an analysis as column indices: every parameter alone,
/// then each named group.
///
/// # Errors
/// [`Error::Setting`] ([`Setting::Group`]) for a group with no parameter, a
/// path that is not a distribution of belief of the scenario (with the
/// closest one), a path named twice in one group, or a name used twice.
pub fn resolve(parameters: &[String], named: &[Group]) -> Result<Vec<(Group, Vec<usize>)>, Error> {
    let mut out: Vec<(Group, Vec<usize>)> = parameters
        .iter()
        .enumerate()
        .map(|(j, p)| {
            (
                Group {
                    name: p.clone(),
                    paths: vec![p.clone()],
                },
                vec![j],
            )
        })
        .collect();
    let said = |g: &Group| format!("{}={}", g.name, g.paths.join(","));
    for (k, g) in named.iter().enumerate() {
        if g.name.is_empty() || g.paths.is_empty() {
            return Err(Error::setting(
                Setting::Group,
                said(g),
                "give a name and one or more key paths of distributions of belief, as NAME=PATH,PATH",
            ));
        }
        if named[..k].iter().any(|o| o.name == g.name) {
            return Err(Error::setting(
                Setting::Group,
                said(g),
                format!("the group name `{}` is used twice: give each group its own", g.name),
            ));
        }
        let mut columns = Vec::new();
        for path in &g.paths {
            let Some(j) = parameters.iter().position(|p| p == path) else {
                return Err(Error::setting(
                    Setting::Group,
                    said(g),
                    format!(
                        "`{path}` is not a distribution of belief of the scenario{}; they are: {}",
                        did_you_mean(path, parameters.iter().map(String::as_str)),
                        parameters.join(", ")
                    ),
                ));
            };
            if columns.contains(&j) {
                return Err(Error::setting(
                    Setting::Group,
                    said(g),
                    format!("`{path}` is named twice in the group"),
                ));
            }
            columns.push(j);
        }
        out.push((g.clone(), columns));
    }
    Ok(out)
}

/// The EVPPI of `groups` (from [`resolve`]) over the analysis's grid and
/// scenario values, on `threads` threads (0: one per core): a single
/// parameter by the GAM and by the binned cross-check, a named group by
/// [`Method::for_group`]. The standard errors' draws are keyed by the
/// scenario's seed and the group's name. Empty without economics.
///
/// # Errors
/// None yet: the result is a `Result` for [`super::in_order`].
pub fn compute(
    r: &PsaResults,
    groups: &[(Group, Vec<usize>)],
    seed: u64,
    threads: usize,
) -> Result<Vec<GroupEvppi>, Error> {
    let Some(e) = &r.economics else { return Ok(Vec::new()) };
    if r.draws.len() < 3 {
        return Ok(Vec::new());
    }
    let (costs, effects) = (matrix(&r.draws, Id::Cost), matrix(&r.draws, Id::Qalys));
    let parameters: Matrix = r.draws.iter().map(|d| d.parameters.clone()).collect();
    let sample = Sample {
        parameters: &parameters,
        costs: &costs,
        effects: &effects,
        reference: e.reference,
    };
    let wtp: Vec<f64> = e.grid.iter().chain(&e.at_scenario).map(|a| a.wtp).collect();
    let split = |v: Evppi| {
        let at = e.grid.len();
        let head = Evppi {
            method: v.method,
            value: v.value[..at].to_vec(),
            se: v.se[..at].to_vec(),
        };
        let tail = Evppi {
            method: v.method,
            value: v.value[at..].to_vec(),
            se: v.se[at..].to_vec(),
        };
        (head, tail)
    };
    // One task per (group, method).
    let tasks: Vec<(usize, Method)> = groups
        .iter()
        .enumerate()
        .flat_map(|(i, (_, columns))| {
            let named = i >= r.parameters.len();
            let first = Method::for_group(columns.len());
            let cross = (!named).then_some(Method::Binned);
            std::iter::once((i, first)).chain(cross.map(|m| (i, m)))
        })
        .collect();
    super::in_order(tasks.len(), threads, |t| {
        let (i, method) = tasks[t];
        let (g, columns) = &groups[i];
        let v = evppi(&sample, columns, method, &wtp, seed, name_key(&g.name));
        let (grid, at_scenario) = split(v);
        Ok(GroupEvppi {
            name: g.name.clone(),
            named: i >= r.parameters.len(),
            parameters: g.paths.clone(),
            grid,
            at_scenario,
        })
    })
}

/// Parses `NAME=PATH,PATH,...` (the form of a group on the command line).
///
/// # Errors
/// A message saying the form, when there is no `=` or nothing after it.
pub fn parse_group(text: &str) -> Result<Group, String> {
    let Some((name, paths)) = text.split_once('=') else {
        return Err(format!(
            "`{text}` is not a group: write NAME=PATH,PATH (key paths of distributions of belief)"
        ));
    };
    let paths: Vec<String> = paths
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect();
    if name.trim().is_empty() || paths.is_empty() {
        return Err(format!(
            "`{text}` needs a name before `=` and one or more key paths after it"
        ));
    }
    Ok(Group {
        name: name.trim().to_string(),
        paths,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(name: &str, paths: &[&str]) -> Group {
        Group {
            name: name.into(),
            paths: paths.iter().map(|p| p.to_string()).collect(),
        }
    }

    #[test]
    fn groups_resolve_to_columns_after_every_single_parameter() {
        let parameters: Vec<String> = ["a.cost", "b.cost", "a.response.probability"]
            .iter()
            .map(|p| p.to_string())
            .collect();
        let got = resolve(&parameters, &[group("costs", &["a.cost", "b.cost"])]).unwrap();
        let names: Vec<&str> = got.iter().map(|(g, _)| g.name.as_str()).collect();
        assert_eq!(names, ["a.cost", "b.cost", "a.response.probability", "costs"]);
        assert_eq!(got[3].1, [0, 1]);
    }

    /// Table-driven: each bad group and the exact message it gets.
    #[test]
    fn bad_groups_are_named_with_what_is_allowed() {
        let parameters: Vec<String> = ["a.cost", "b.cost"].iter().map(|p| p.to_string()).collect();
        let cases = [
            (
                vec![group("costs", &["a.cots"])],
                "group costs=a.cots: `a.cots` is not a distribution of belief of the scenario (did you mean `a.cost`?); they are: a.cost, b.cost",
            ),
            (
                vec![group("costs", &["a.cost", "a.cost"])],
                "group costs=a.cost,a.cost: `a.cost` is named twice in the group",
            ),
            (
                vec![group("x", &["a.cost"]), group("x", &["b.cost"])],
                "group x=b.cost: the group name `x` is used twice: give each group its own",
            ),
        ];
        for (groups, want) in cases {
            let got = match resolve(&parameters, &groups) {
                Err(Error::Setting { setting, value, rule }) => format!("{} {value}: {rule}", setting.name()),
                other => panic!("{other:?}"),
            };
            assert_eq!(got, want);
        }
        assert_eq!(
            parse_group("costs=a.cost, b.cost").unwrap(),
            group("costs", &["a.cost", "b.cost"])
        );
        assert!(parse_group("costs").unwrap_err().contains("NAME=PATH,PATH"));
        assert!(parse_group("=a").is_err());
    }
}
