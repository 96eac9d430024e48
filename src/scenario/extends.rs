//! `extends`: a policy written as another policy with a few changes.
//!
//! ```toml
//! [[policies]]
//! name = "open-first"
//! extends = "stepwise"
//! remove = ["minimally-invasive"]
//! [policies.change.surgery]
//! skip_if = "asa >= 4"
//! ```
//!
//! The derived policy is the parent's table (itself expanded first, if it
//! extends another) with these edits, made once when the document is read,
//! before anything else sees it:
//!
//! - `label` and `description` are the derived policy's own (never
//!   inherited); `red_flag` and `relapse_to`, when given, replace the
//!   parent's;
//! - `steps`, when given, replaces every step; otherwise the parent's
//!   steps, each named by its `name` (default: its intervention), with
//!   `remove = [STEP, ...]` dropped, `change.STEP` (step keys) replacing
//!   those keys of that step, and `[[policies.insert]]` (`before` or
//!   `after` a step of the parent, plus step keys) adding a step.
//!
//! Every key path of the document (validation errors, `[ranges]`, sweeps,
//! variants, labels) then addresses the derived policy as extended:
//! `policies.open-first.steps[2].skip_if`. The expanded policy keeps its
//! `extends` (for `describe`); `change`, `remove` and `insert` are gone.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::{Table, Value};

use crate::error::{Invalid, did_you_mean};
use crate::scenario::paths;

/// The keys of a policy that extends another, checked against the spanned
/// tree before the edits (a misspelt key is named with its line).
/// Distributions are left as TOML values: they are checked, with every
/// other key of a step, when the expanded policy is read.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read for its checks only
pub(super) struct RawExtension {
    name: String,
    extends: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    steps: Option<Vec<Value>>,
    #[serde(default)]
    red_flag: Option<Value>,
    #[serde(default)]
    relapse_to: Option<String>,
    #[serde(default)]
    change: BTreeMap<String, RawStepKeys>,
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    insert: Vec<RawInsert>,
}

/// The keys a `change.STEP` table may give: those of a step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read for its checks only
pub(super) struct RawStepKeys {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    intervention: Option<String>,
    #[serde(default)]
    attempts: Option<u32>,
    #[serde(default)]
    wait: Option<Value>,
    #[serde(default)]
    failure_time: Option<Value>,
    #[serde(default)]
    skip_if: Option<String>,
    #[serde(default)]
    route: Option<Vec<Value>>,
    #[serde(default)]
    on_partial: Option<String>,
}

/// An `[[policies.insert]]` entry: where, and a step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // read for its checks only
pub(super) struct RawInsert {
    #[serde(default)]
    before: Option<String>,
    #[serde(default)]
    after: Option<String>,
    #[serde(default)]
    name: Option<String>,
    intervention: String,
    #[serde(default)]
    attempts: Option<u32>,
    #[serde(default)]
    wait: Option<Value>,
    #[serde(default)]
    failure_time: Option<Value>,
    #[serde(default)]
    skip_if: Option<String>,
    #[serde(default)]
    route: Option<Vec<Value>>,
    #[serde(default)]
    on_partial: Option<String>,
}

/// The keys only a policy that extends another has; gone once expanded.
const EDITS: [&str; 3] = ["change", "remove", "insert"];

/// One derived policy of an expanded document: its name and its parent's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    pub name: String,
    pub parent: String,
    /// The parent's key path (`policies.NAME`, or `policies[i]` for a name
    /// a path cannot hold).
    pub parent_path: String,
}

/// Whether policy `entry` (a `[[policies]]` element) extends another.
pub(super) fn extends(entry: &Value) -> bool {
    entry.get("extends").is_some()
}

/// Replaces every policy of `doc` that extends another by the policy it
/// makes (parents first, wherever they are declared). Returns the derived
/// policies with their parents.
///
/// # Errors
/// Every unknown parent (with the closest policy name), cycle of
/// `extends`, and `change`, `remove` or `insert` naming a step the parent
/// does not have, each at its key path.
pub(super) fn expand(doc: &mut Table) -> Result<Vec<Derived>, Vec<Invalid>> {
    let Some(Value::Array(policies)) = doc.get("policies") else {
        return Ok(Vec::new());
    };
    if !policies.iter().any(extends) {
        return Ok(Vec::new());
    }
    let names: Vec<Option<&str>> = policies.iter().map(|p| p.get("name").and_then(Value::as_str)).collect();
    let mut state = vec![State::Pending; policies.len()];
    let mut problems = Vec::new();
    for i in 0..policies.len() {
        resolve(i, policies, &names, &mut state, &mut Vec::new(), &mut problems);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let derived = policies
        .iter()
        .filter_map(|p| {
            let parent = p.get("extends")?.as_str()?;
            let j = names.iter().position(|n| *n == Some(parent))?;
            Some(Derived {
                name: p.get("name")?.as_str()?.to_string(),
                parent: parent.to_string(),
                parent_path: policy_path(j, Some(parent)),
            })
        })
        .collect();
    let expanded = state
        .into_iter()
        .zip(policies)
        .map(|(s, p)| match s {
            State::Done(t) => Value::Table(t),
            _ => p.clone(),
        })
        .collect();
    doc.insert("policies".to_string(), Value::Array(expanded));
    Ok(derived)
}

#[derive(Debug, Clone)]
enum State {
    Pending,
    Done(Table),
    Failed,
}

/// The key path of policy `i`: by its name when plain, else by index.
fn policy_path(i: usize, name: Option<&str>) -> String {
    paths::named("policies", i, name)
}

/// Policy `i` expanded, its parents first; `chain` the policies being
/// expanded that lead to it.
fn resolve(
    i: usize,
    policies: &[Value],
    names: &[Option<&str>],
    state: &mut [State],
    chain: &mut Vec<usize>,
    problems: &mut Vec<Invalid>,
) -> Option<Table> {
    match &state[i] {
        State::Done(t) => return Some(t.clone()),
        State::Failed => return None,
        State::Pending => {}
    }
    // Not a table, or without a name: reading the document says so.
    let entry = policies[i].as_table()?;
    let path = policy_path(i, names[i]);
    let Some(parent) = entry.get("extends") else {
        state[i] = State::Done(entry.clone());
        return Some(entry.clone());
    };
    let Some(parent) = parent.as_str() else {
        state[i] = State::Failed;
        return None;
    };
    let fail = |state: &mut [State], problems: &mut Vec<Invalid>, invalid: Invalid| {
        problems.push(invalid);
        state[i] = State::Failed;
        None
    };
    let Some(j) = names.iter().position(|n| *n == Some(parent)) else {
        let known = names.iter().flatten().copied().filter(|n| *n != names[i].unwrap_or(""));
        let listed: Vec<&str> = known.clone().collect();
        return fail(
            state,
            problems,
            Invalid::new(
                format!("{path}.extends"),
                format!("\"{parent}\""),
                format!(
                    "no policy has this name{}; a policy extends one of the others: {}",
                    did_you_mean(parent, known),
                    listed.join(", ")
                ),
            ),
        );
    };
    if j == i || chain.contains(&j) {
        let start = chain.iter().position(|&c| c == j).unwrap_or(chain.len());
        let mut cycle: Vec<&str> = chain[start..].iter().map(|&c| names[c].unwrap_or("?")).collect();
        cycle.push(names[i].unwrap_or("?"));
        cycle.push(parent);
        for &c in &chain[start..] {
            state[c] = State::Failed;
        }
        return fail(
            state,
            problems,
            Invalid::new(
                format!("{path}.extends"),
                format!("\"{parent}\""),
                format!(
                    "a cycle of `extends`: {}; a policy cannot extend itself, directly or through others",
                    cycle.join(" extends ")
                ),
            ),
        );
    }
    chain.push(i);
    let base = resolve(j, policies, names, state, chain, problems);
    chain.pop();
    if matches!(state[i], State::Failed) {
        return None;
    }
    let Some(base) = base else {
        // The parent's own problem is reported where it is.
        state[i] = State::Failed;
        return None;
    };
    match apply(&path, parent, &base, entry) {
        Ok(t) => {
            state[i] = State::Done(t.clone());
            Some(t)
        }
        Err(found) => {
            problems.extend(found);
            state[i] = State::Failed;
            None
        }
    }
}

/// The name a step is matched by: its `name`, else its intervention.
fn step_name(step: &Value) -> Option<&str> {
    step.get("name")
        .or_else(|| step.get("intervention"))
        .and_then(Value::as_str)
}

/// `entry` (at `path`, extending `parent`) applied to its parent `base`.
fn apply(path: &str, parent: &str, base: &Table, entry: &Table) -> Result<Table, Vec<Invalid>> {
    let mut out = base.clone();
    out.remove("label");
    out.remove("description");
    for (k, v) in entry {
        if !EDITS.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    let edits: Vec<&str> = EDITS.iter().copied().filter(|k| entry.contains_key(*k)).collect();
    if entry.contains_key("steps") {
        if let Some(first) = edits.first() {
            return Err(vec![Invalid::new(
                format!("{path}.{first}"),
                "",
                "`steps` replaces every step of the parent, so there is no parent's step to change, remove or insert beside; give either `steps` or these",
            )]);
        }
        return Ok(out);
    }
    let steps: Vec<Value> = match base.get("steps") {
        Some(Value::Array(steps)) => steps.clone(),
        _ => Vec::new(),
    };
    let names: Vec<String> = steps.iter().map(|s| step_name(s).unwrap_or("").to_string()).collect();
    // The step `name` names; `key` names it itself when it is a table key.
    let find = |key: String, name: &str| -> Result<usize, Invalid> {
        names.iter().position(|n| n == name).ok_or_else(|| {
            let value = if key.ends_with(&format!(".{name}")) {
                String::new()
            } else {
                format!("\"{name}\"")
            };
            Invalid::new(
                key,
                value,
                format!(
                    "{parent} has no step of this name{}; its steps are {} (a step is named by its `name`, else its intervention)",
                    did_you_mean(name, names.iter().map(String::as_str)),
                    names.join(", ")
                ),
            )
        })
    };
    let mut problems = Vec::new();
    let mut removed = vec![false; steps.len()];
    if let Some(Value::Array(remove)) = entry.get("remove") {
        for (k, name) in remove.iter().enumerate() {
            let Some(name) = name.as_str() else { continue };
            match find(format!("{path}.remove[{k}]"), name) {
                Ok(j) => removed[j] = true,
                Err(e) => problems.push(e),
            }
        }
    }
    let mut steps = steps;
    if let Some(Value::Table(change)) = entry.get("change") {
        for (name, keys) in change {
            let key = format!("{path}.change.{name}");
            let Some(keys) = keys.as_table() else { continue };
            let j = match find(key.clone(), name) {
                Ok(j) => j,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            if removed[j] {
                problems.push(Invalid::new(
                    key,
                    "",
                    format!("the step `{name}` is also in `remove`: change it or remove it"),
                ));
                continue;
            }
            if let Some(step) = steps[j].as_table_mut() {
                // A step named by its intervention keeps its name when
                // the change gives another intervention.
                if keys.contains_key("intervention") && !step.contains_key("name") && !keys.contains_key("name") {
                    step.insert("name".to_string(), Value::String(name.clone()));
                }
                for (k, v) in keys {
                    step.insert(k.clone(), v.clone());
                }
            }
        }
    }
    let mut before: Vec<Vec<Value>> = vec![Vec::new(); steps.len()];
    let mut after: Vec<Vec<Value>> = vec![Vec::new(); steps.len()];
    if let Some(Value::Array(insert)) = entry.get("insert") {
        for (k, ins) in insert.iter().enumerate() {
            let Some(ins) = ins.as_table() else { continue };
            let key = format!("{path}.insert[{k}]");
            let anchor = match (ins.get("before"), ins.get("after")) {
                (Some(Value::String(b)), None) => Some(("before", b)),
                (None, Some(Value::String(a))) => Some(("after", a)),
                _ => {
                    problems.push(Invalid::new(
                        key.clone(),
                        "",
                        "an inserted step names exactly one of `before` and `after`: a step of the parent it goes next to",
                    ));
                    None
                }
            };
            let Some((side, anchor)) = anchor else { continue };
            let j = match find(format!("{key}.{side}"), anchor) {
                Ok(j) => j,
                Err(e) => {
                    problems.push(e);
                    continue;
                }
            };
            if removed[j] {
                problems.push(Invalid::new(
                    format!("{key}.{side}"),
                    format!("\"{anchor}\""),
                    "this step is removed; insert next to a step the policy keeps",
                ));
                continue;
            }
            let mut step = ins.clone();
            step.remove("before");
            step.remove("after");
            if side == "before" {
                before[j].push(Value::Table(step));
            } else {
                after[j].push(Value::Table(step));
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut out_steps = Vec::new();
    for (j, step) in steps.into_iter().enumerate() {
        out_steps.append(&mut before[j]);
        if !removed[j] {
            out_steps.push(step);
        }
        out_steps.append(&mut after[j]);
    }
    out.insert("steps".to_string(), Value::Array(out_steps));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expanded(text: &str) -> Result<Vec<Value>, Vec<String>> {
        let mut doc: Table = toml::from_str(text).expect("toml");
        expand(&mut doc).map_err(|found| found.iter().map(ToString::to_string).collect::<Vec<_>>())?;
        Ok(doc["policies"].as_array().expect("policies").clone())
    }

    const BASE: &str = r#"
        [[policies]]
        name = "base"
        label = "Base"
        description = "the base"
        red_flag = { jump_to = "c" }
        steps = [
          { intervention = "a" },
          { name = "b", intervention = "x", attempts = 3 },
          { intervention = "c", skip_if = "old" },
        ]
    "#;

    fn step_names(policy: &Value) -> Vec<String> {
        policy["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|s| step_name(s).expect("named").to_string())
            .collect()
    }

    #[test]
    fn edits_remove_change_and_insert_by_step_name() {
        let policies = expanded(&format!(
            r#"{BASE}
            [[policies]]
            name = "derived"
            extends = "base"
            remove = ["a"]
            change = {{ b = {{ attempts = 1 }}, c = {{ intervention = "d" }} }}
            insert = [{{ after = "b", intervention = "e" }}, {{ before = "b", name = "first", intervention = "f" }}]
            "#
        ))
        .expect("valid");
        let d = &policies[1];
        assert_eq!(step_names(d), ["first", "b", "e", "c"]);
        assert_eq!(d["steps"][1]["attempts"].as_integer(), Some(1));
        // The step named by its intervention keeps its name and condition.
        assert_eq!(d["steps"][3]["intervention"].as_str(), Some("d"));
        assert_eq!(d["steps"][3]["skip_if"].as_str(), Some("old"));
        // Label and description are not inherited; the red flag is.
        assert!(d.get("label").is_none() && d.get("description").is_none());
        assert_eq!(d["red_flag"], policies[0]["red_flag"]);
        assert_eq!(d["extends"].as_str(), Some("base"));
        assert!(EDITS.iter().all(|k| d.get(*k).is_none()));
    }

    #[test]
    fn parents_may_come_later_and_chain() {
        let policies = expanded(&format!(
            r#"
            [[policies]]
            name = "grandchild"
            extends = "child"
            remove = ["c"]
            [[policies]]
            name = "child"
            extends = "base"
            label = "Child"
            steps = [{{ intervention = "a" }}, {{ intervention = "c" }}]
            {BASE}
            "#
        ))
        .expect("valid");
        assert_eq!(step_names(&policies[0]), ["a"]);
        assert_eq!(step_names(&policies[1]), ["a", "c"]);
        assert!(policies[0].get("label").is_none());
    }

    #[test]
    fn errors_name_the_key_path_the_value_and_what_is_allowed() {
        let cases = [
            (
                r#"extends = "bsae""#,
                vec![
                    "policies.derived.extends = \"bsae\": no policy has this name (did you mean `base`?); a policy extends one of the others: base",
                ],
            ),
            (
                r#"extends = "derived""#,
                vec![
                    "policies.derived.extends = \"derived\": a cycle of `extends`: derived extends derived; a policy cannot extend itself, directly or through others",
                ],
            ),
            (
                "extends = \"base\"\nremove = [\"bb\"]\nchange = { z = { attempts = 2 } }",
                vec![
                    "policies.derived.remove[0] = \"bb\": base has no step of this name (did you mean `b`?); its steps are a, b, c (a step is named by its `name`, else its intervention)",
                    "policies.derived.change.z: base has no step of this name (did you mean `a`?); its steps are a, b, c (a step is named by its `name`, else its intervention)",
                ],
            ),
            (
                "extends = \"base\"\nremove = [\"b\"]\ninsert = [{ after = \"b\", intervention = \"e\" }, { intervention = \"f\" }]",
                vec![
                    "policies.derived.insert[0].after = \"b\": this step is removed; insert next to a step the policy keeps",
                    "policies.derived.insert[1]: an inserted step names exactly one of `before` and `after`: a step of the parent it goes next to",
                ],
            ),
            (
                "extends = \"base\"\nsteps = [{ intervention = \"a\" }]\nremove = [\"a\"]",
                vec![
                    "policies.derived.remove: `steps` replaces every step of the parent, so there is no parent's step to change, remove or insert beside; give either `steps` or these",
                ],
            ),
        ];
        for (keys, expected) in cases {
            let found = expanded(&format!("{BASE}\n[[policies]]\nname = \"derived\"\n{keys}\n")).expect_err(keys);
            assert_eq!(found, expected, "{keys}");
        }
    }

    #[test]
    fn a_cycle_through_others_is_named_once() {
        let found = expanded(
            r#"
            [[policies]]
            name = "a"
            extends = "b"
            [[policies]]
            name = "b"
            extends = "a"
            "#,
        )
        .expect_err("cycle");
        assert_eq!(
            found,
            [
                "policies.b.extends = \"a\": a cycle of `extends`: a extends b extends a; a policy cannot extend itself, directly or through others"
            ]
        );
    }
}
