//! Structural variants: `[[variants]]`, named alternative assumptions of a
//! scenario, each the scenario with a few keys or blocks edited.
//!
//! ```toml
//! [[variants]]
//! name = "route-utility"
//! label = "Utility depends on the route of recovery"
//! rationale = "No source separates EQ-5D after operative and conservative recovery (U1, F2, U2)"
//! set = { "interventions.endoscopic.utility" = 0.765, "simulation.horizon_days" = 3652 }
//! remove = ["policies.stepwise.red_flag.after_surgery"]
//! ```
//!
//! `set` maps key paths (as `[ranges]` and `sweep --param` write them:
//! array elements by name or `[i]`) to any TOML value: a number, a string,
//! a boolean, an array, or a table, which replaces the whole block at the
//! path. The last segment may be a key the block does not have yet.
//! Setting a path that holds a distribution of belief replaces the
//! belief (with a number: the variant has no uncertainty there; with
//! another distribution of belief: that one). `remove` deletes keys or
//! array elements. The variant's document (without `[ranges]`, which
//! belong to the base) is validated in full when the scenario is, and
//! its problems are named at the edit that causes them
//! (`variants[NAME].set."PATH"`).
//!
//! A variant runs on the base's seed and cohort size: `simulation.seed` and
//! `simulation.patients` cannot be set, so every variant simulates the
//! same synthetic patients (common random numbers across variants).

use serde::Deserialize;
use toml::{Table, Value};

use super::paths;
use super::rules::{label, plain_text};
use crate::error::{Invalid, Problems};

/// The most variants a scenario declares (each is a whole run).
pub const MAX_VARIANTS: usize = 64;

/// Paths a variant may not edit, and why.
const FIXED: [(&str, &str); 3] = [
    (
        "simulation.seed",
        "a variant runs on the base's seed, so that it simulates the same patients",
    ),
    (
        "simulation.patients",
        "a variant runs the base's cohort size (give --patients for all of them)",
    ),
    ("variants", "a variant does not edit the variants"),
];

/// One `[[variants]]` entry as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    pub name: String,
    pub label: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub rationale: Option<String>,
    /// Key path -> the value it takes.
    #[serde(default)]
    pub set: Table,
    /// Key paths deleted.
    #[serde(default)]
    pub remove: Vec<String>,
}

/// A variant, checked (its edited document is checked by
/// `Document::variants`).
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// A slug: lower-case letters, digits and `-`, unique.
    pub name: String,
    pub label: String,
    /// Its source or rationale, as written (both, joined, when both are).
    pub why: String,
    /// Key path -> value, in key order.
    pub set: Vec<(String, Value)>,
    pub remove: Vec<String>,
}

impl Variant {
    /// The key path of an edit in messages: `variants[NAME].set."PATH"`.
    pub fn set_key(&self, path: &str) -> String {
        format!("variants[{}].set.\"{path}\"", self.name)
    }

    fn remove_key(&self) -> String {
        format!("variants[{}].remove", self.name)
    }

    /// Whether an edit names `path` or a block holding it.
    pub fn edits(&self, path: &str) -> bool {
        let within = |edited: &str| path == edited || path.starts_with(&format!("{edited}."));
        self.set.iter().any(|(p, _)| within(p)) || self.remove.iter().any(|p| within(p))
    }

    /// Applies the edits to `doc` (the base document as written).
    ///
    /// # Errors
    /// Every edit whose path leads nowhere, with the closest valid paths.
    pub fn apply(&self, doc: &mut Table) -> Result<(), Vec<Invalid>> {
        let mut problems = Vec::new();
        for (path, value) in &self.set {
            if let Err(problem) = paths::set_value(doc, path, value.clone()) {
                problems.push(Invalid::new(self.set_key(path), value, problem));
            }
        }
        for path in &self.remove {
            if let Err(problem) = paths::remove_value(doc, path) {
                problems.push(Invalid::new(self.remove_key(), format!("\"{path}\""), problem));
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems) }
    }

    /// The problems of the edited document named at the edit that causes
    /// each: an edit whose path holds the problem's (or lies within it: a
    /// key the block does not accept), or else the variant as a whole.
    /// `base` is the document as written, which names array elements.
    pub fn attribute(&self, base: &Table, found: Vec<Invalid>) -> Vec<Invalid> {
        let within = |a: &str, b: &str| a == b || a.starts_with(&format!("{b}.")) || a.starts_with(&format!("{b}["));
        // An edit holding the problem first (the longest), then one within
        // the problem's block whose last key the problem names (a key the
        // block does not accept), then any within it.
        let rank = |edit: &str, inv: &Invalid| {
            let at = paths::canonical(base, edit);
            let leaf = at.rsplit(['.', '[']).next().unwrap_or_default();
            if within(&inv.path, &at) {
                Some((3, at.len()))
            } else if within(&at, &inv.path) && inv.problem.contains(&format!("`{leaf}`")) {
                Some((2, at.len()))
            } else if within(&at, &inv.path) {
                Some((1, at.len()))
            } else {
                None
            }
        };
        found
            .into_iter()
            .map(|inv| {
                if inv.path.starts_with("variants[") {
                    return inv;
                }
                let edit = self
                    .set
                    .iter()
                    .map(|(p, _)| p)
                    .chain(&self.remove)
                    .filter_map(|p| rank(p, &inv).map(|r| (r, p)))
                    .max_by_key(|(r, _)| *r)
                    .map(|(_, p)| p);
                let problem = |what: &str| format!("{what} at {}: {}", inv.path, inv.problem);
                // A type error names no value: the edit's.
                let value = |p: &str| match self.set.iter().find(|(k, _)| k == p) {
                    Some((_, v)) if inv.value.is_empty() => crate::error::shown(v.to_string()),
                    _ => inv.value.clone(),
                };
                match edit {
                    Some(p) if self.remove.contains(p) => Invalid {
                        path: self.remove_key(),
                        value: format!("\"{p}\""),
                        problem: problem("the scenario without it breaks a rule"),
                    },
                    Some(p) if paths::canonical(base, p) == inv.path => Invalid {
                        path: self.set_key(p),
                        value: value(p),
                        problem: inv.problem.clone(),
                    },
                    Some(p) => Invalid {
                        path: self.set_key(p),
                        value: value(p),
                        problem: problem("the edited scenario breaks a rule"),
                    },
                    None => Invalid {
                        path: format!("variants[{}]", self.name),
                        value: inv.value.clone(),
                        problem: problem("the edited scenario breaks a rule"),
                    },
                }
            })
            .collect()
    }
}

/// Whether a name is a slug: lower-case ASCII letters, digits and `-`,
/// starting with a letter or digit.
fn is_slug(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The variants as written, checked one by one: a slug name used once, a
/// label, a source or rationale, at least one edit, and no edit of a path
/// a variant may not change. Their documents are checked by the caller.
pub fn variants(raw: &[RawVariant], p: &mut Problems) -> Vec<Variant> {
    if raw.len() > MAX_VARIANTS {
        p.push(Invalid::new(
            "variants",
            format!("{} variants", raw.len()),
            format!("a scenario has at most {MAX_VARIANTS} variants (each is a whole run)"),
        ));
    }
    let mut out: Vec<Variant> = Vec::new();
    for (i, v) in raw.iter().enumerate() {
        let at = format!("variants[{i}]");
        let mut ok = true;
        let name = v.name.trim();
        if !is_slug(name) {
            p.push(Invalid::new(
                format!("{at}.name"),
                format!("\"{}\"", v.name),
                "a variant's name is a slug: lower-case letters, digits and -, as `route-utility` (it names rows of tables)",
            ));
            ok = false;
        } else if out.iter().any(|o| o.name == name) || raw[..i].iter().any(|o| o.name.trim() == name) {
            p.push(Invalid::new(
                format!("{at}.name"),
                format!("\"{name}\""),
                "this name is used twice; each variant has its own",
            ));
            ok = false;
        }
        let key = |field: &str| format!("variants[{name}].{field}");
        let label = match &v.label {
            None => {
                p.push(Invalid::new(
                    key("label"),
                    "",
                    "a variant needs a label: a few words that say the assumption, for tables and charts",
                ));
                None
            }
            Some(text) => p.take(label(&key("label"), Some(text))).flatten(),
        };
        let why: Vec<&str> = [&v.source, &v.rationale]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        if why.is_empty() {
            p.push(Invalid::new(
                key("source"),
                "",
                "a variant needs a source or a rationale: why the alternative is plausible, with the evidence IDs where there are some",
            ));
            ok = false;
        }
        for (field, text) in [("source", &v.source), ("rationale", &v.rationale)] {
            if let Some(text) = text
                && p.take(plain_text(&key(field), text)).is_none()
            {
                ok = false;
            }
        }
        if v.set.is_empty() && v.remove.is_empty() {
            p.push(Invalid::new(
                format!("variants[{name}]"),
                "",
                "a variant edits the scenario: give `set` (key path = value) or `remove` (key paths)",
            ));
            ok = false;
        }
        for path in v.set.keys().chain(&v.remove) {
            let is_set = v.set.contains_key(path);
            let shown = if is_set {
                format!("variants[{name}].set.\"{path}\"")
            } else {
                format!("variants[{name}].remove")
            };
            let value = if is_set {
                v.set[path].to_string()
            } else {
                format!("\"{path}\"")
            };
            if let Some((_, why)) = FIXED.iter().find(|(fixed, _)| {
                path == fixed || path.starts_with(&format!("{fixed}.")) || path.starts_with(&format!("{fixed}["))
            }) {
                p.push(Invalid::new(shown, value, format!("`{path}` cannot be edited: {why}")));
                ok = false;
            } else if is_set && v.remove.contains(path) {
                p.push(Invalid::new(shown, value, "a path is either set or removed, not both"));
                ok = false;
            }
        }
        if ok && let Some(label) = label {
            out.push(Variant {
                name: name.to_string(),
                label,
                why: why.join("; "),
                set: v.set.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                remove: v.remove.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> (Vec<Variant>, Vec<String>) {
        #[derive(Deserialize)]
        struct File {
            variants: Vec<RawVariant>,
        }
        let file: File = toml::from_str(text).unwrap();
        let mut p = Problems::default();
        let out = variants(&file.variants, &mut p);
        (out, p.into_vec().iter().map(ToString::to_string).collect())
    }

    #[test]
    fn a_variant_needs_a_slug_a_label_a_reason_and_an_edit() {
        let (ok, problems) = check(
            r#"
[[variants]]
name = "Route Utility"
label = "x"
source = "U1"
set = { "a.b" = 1 }
[[variants]]
name = "fine"
label = "Fine"
rationale = "because"
set = { "a.b" = 1 }
[[variants]]
name = "fine"
label = "Twice"
source = "U1"
set = { "a.b" = 1 }
[[variants]]
name = "bare"
label = "Bare"
[[variants]]
name = "seeded"
label = "Seeded"
source = "S"
set = { "simulation.seed" = 3 }
"#,
        );
        assert_eq!(ok.len(), 1, "{problems:?}");
        assert_eq!(ok[0].why, "because");
        assert_eq!(
            problems,
            [
                "variants[0].name = \"Route Utility\": a variant's name is a slug: lower-case letters, digits and -, as `route-utility` (it names rows of tables)",
                "variants[2].name = \"fine\": this name is used twice; each variant has its own",
                "variants[bare].source: a variant needs a source or a rationale: why the alternative is plausible, with the evidence IDs where there are some",
                "variants[bare]: a variant edits the scenario: give `set` (key path = value) or `remove` (key paths)",
                "variants[seeded].set.\"simulation.seed\" = 3: `simulation.seed` cannot be edited: a variant runs on the base's seed, so that it simulates the same patients",
            ]
        );
    }

    #[test]
    fn problems_are_named_at_the_edit_that_causes_them() {
        let base: Table = "[[interventions]]\nname = \"tfesi\"\ncost = 5\n".parse().unwrap();
        let (v, _) = check(
            "[[variants]]\nname = \"v\"\nlabel = \"V\"\nsource = \"s\"\nset = { \"interventions[0].cost\" = -1, \"interventions.tfesi.utilty\" = 0.7 }\n",
        );
        let found = vec![
            Invalid::new("interventions.tfesi.cost", -1, "a cost is at least 0"),
            Invalid::new("interventions.tfesi", "", "unknown field `utilty`"),
            Invalid::new("policies.stepwise", "", "elsewhere"),
        ];
        let named: Vec<String> = v[0].attribute(&base, found).iter().map(ToString::to_string).collect();
        assert_eq!(
            named,
            [
                "variants[v].set.\"interventions[0].cost\" = -1: a cost is at least 0",
                "variants[v].set.\"interventions.tfesi.utilty\" = 0.7: the edited scenario breaks a rule at interventions.tfesi: unknown field `utilty`",
                "variants[v]: the edited scenario breaks a rule at policies.stepwise: elsewhere",
            ]
        );
    }
}
