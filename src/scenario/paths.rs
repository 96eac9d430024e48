//! Dotted key paths into a scenario document, for sweeps and sensitivity
//! ranges: `interventions.tfesi.response.probability`,
//! `policies.stepwise.steps[1].attempts`, `simulation.horizon_days`.
//!
//! A segment names a table key; inside an array of named tables (covariates,
//! interventions, policies) it may name an element by its `name`, or give
//! its index as `[i]` (or `.i`).

use toml::{Table, Value};

use crate::error::closest;

/// Every path to a number in the document (tables in key order, arrays in
/// element order).
pub fn numeric_paths(doc: &Table) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in doc {
        collect(v, k.clone(), &mut out);
    }
    out
}

fn collect(v: &Value, path: String, out: &mut Vec<String>) {
    match v {
        Value::Integer(_) | Value::Float(_) => out.push(path),
        Value::Table(t) => {
            for (k, v) in t {
                collect(v, format!("{path}.{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                collect(item, element(&path, i, item), out);
            }
        }
        _ => {}
    }
}

/// The path of element `i` of the array at `path`: by its `name` when it
/// has a plain one, else by index.
pub fn element(path: &str, i: usize, item: &Value) -> String {
    named(path, i, item.get("name").and_then(Value::as_str))
}

/// The path of element `i` of the array at `path` whose name is `name`:
/// by the name when it is plain, else by index.
pub fn named(path: &str, i: usize, name: Option<&str>) -> String {
    match name {
        Some(name) if is_plain(name) => format!("{path}.{name}"),
        _ => format!("{path}[{i}]"),
    }
}

fn is_plain(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Splits `a.b[2].c` into `["a", "b", "[2]", "c"]`.
fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        while let Some(open) = rest.find('[') {
            if open > 0 {
                out.push(rest[..open].to_string());
            }
            let close = rest[open..].find(']').map_or(rest.len(), |c| open + c + 1);
            out.push(rest[open..close].to_string());
            rest = &rest[close..];
        }
        if !rest.is_empty() {
            out.push(rest.to_string());
        }
    }
    out
}

/// The element of `items` that `seg` names: `[i]` (or `i`) by index,
/// otherwise by its `name`.
fn element_index(items: &[Value], seg: &str) -> Option<usize> {
    match seg.trim_start_matches('[').trim_end_matches(']').parse::<usize>() {
        Ok(i) => Some(i),
        Err(_) => items
            .iter()
            .position(|item| item.get("name").and_then(Value::as_str) == Some(seg)),
    }
}

fn child<'a>(v: &'a Value, seg: &str) -> Option<&'a Value> {
    match v {
        Value::Table(t) => t.get(seg),
        Value::Array(items) => items.get(element_index(items, seg)?),
        _ => None,
    }
}

fn child_mut<'a>(v: &'a mut Value, seg: &str) -> Option<&'a mut Value> {
    match v {
        Value::Table(t) => t.get_mut(seg),
        Value::Array(items) => {
            let i = element_index(items, seg)?;
            items.get_mut(i)
        }
        _ => None,
    }
}

/// The number at `path`.
pub fn get_number(doc: &Table, path: &str) -> Option<f64> {
    match *get(doc, path)? {
        Value::Integer(i) => Some(i as f64),
        Value::Float(f) => Some(f),
        _ => None,
    }
}

/// The unit written beside the number at `path` (the `unit` key of its
/// table, as a distribution's `unit = "weeks"`), if any.
pub fn unit_of(doc: &Table, path: &str) -> Option<String> {
    let (table, _) = path.rsplit_once('.')?;
    let unit = get(doc, &format!("{table}.unit"))?;
    unit.as_str().map(str::to_string)
}

/// Whether the number at `path` is written as a whole number (an edit
/// must keep it whole).
pub fn is_whole(doc: &Table, path: &str) -> bool {
    matches!(get(doc, path), Some(Value::Integer(_)))
}

/// The value at `path` (read in place: the document is not copied).
fn get<'a>(doc: &'a Table, path: &str) -> Option<&'a Value> {
    let segs = segments(path);
    let (first, rest) = segs.split_first()?;
    rest.iter().try_fold(doc.get(first)?, |v, seg| child(v, seg))
}

/// Sets the number at `path` (an integer stays an integer when `value` is
/// whole).
///
/// # Errors
/// A message saying the path does not lead to a number, with the closest
/// valid paths.
pub fn set_number(doc: &mut Table, path: &str, value: f64) -> Result<(), String> {
    let segs = segments(path);
    let unknown = |doc: &Table| {
        let paths = numeric_paths(doc);
        let hint = closest_paths(path, &paths);
        format!("`{path}` is not the path of a number in the scenario; closest valid paths: {hint}")
    };
    // Found in place: the document is not copied (a probabilistic analysis
    // sets every distribution of belief for each draw).
    let found = segs
        .split_first()
        .and_then(|(first, rest)| rest.iter().try_fold(doc.get_mut(first)?, |v, seg| child_mut(v, seg)));
    match found {
        Some(v @ Value::Integer(_)) if value.fract() == 0.0 && value.abs() < 9.0e15 => {
            *v = Value::Integer(value as i64)
        }
        Some(Value::Integer(_)) => {
            return Err(format!(
                "`{path}` is a whole number in the scenario; {value} is not whole"
            ));
        }
        Some(v @ Value::Float(_)) => *v = Value::Float(value),
        _ => return Err(unknown(doc)),
    }
    Ok(())
}

/// Up to three valid paths closest to `path`, as a list.
fn closest_paths(path: &str, paths: &[String]) -> String {
    let mut ranked: Vec<&String> = paths.iter().collect();
    let score = |p: &str| {
        // Prefer paths sharing the last segment, then edit distance.
        let last = |s: &str| s.rsplit('.').next().unwrap_or("").to_string();
        let same_leaf = last(p) == last(path);
        (!same_leaf, closest(path, [p]).is_none(), common_prefix(p, path))
    };
    ranked.sort_by_key(|p| {
        let (leaf, far, prefix) = score(p);
        (leaf, far, usize::MAX - prefix)
    });
    ranked
        .iter()
        .take(3)
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Table {
        r#"
name = "x"
[simulation]
patients = 10
[[interventions]]
name = "tfesi"
response = { probability = 0.45 }
[[policies]]
name = "stepwise"
steps = [{ intervention = "tfesi", attempts = 3 }]
"#
        .parse()
        .unwrap()
    }

    #[test]
    fn lists_and_sets_numbers_by_name_and_index() {
        let mut d = doc();
        assert_eq!(
            numeric_paths(&d),
            vec![
                "interventions.tfesi.response.probability",
                "policies.stepwise.steps[0].attempts",
                "simulation.patients",
            ]
        );
        set_number(&mut d, "interventions.tfesi.response.probability", 0.7).unwrap();
        set_number(&mut d, "policies.stepwise.steps[0].attempts", 4.0).unwrap();
        assert_eq!(get_number(&d, "interventions.tfesi.response.probability"), Some(0.7));
        assert_eq!(get_number(&d, "policies.stepwise.steps.0.attempts"), Some(4.0));
        assert!(set_number(&mut d, "policies.stepwise.steps[0].attempts", 2.5).is_err());
    }

    #[test]
    fn unknown_paths_suggest_close_ones() {
        let mut d = doc();
        let e = set_number(&mut d, "interventions.tfesi.respons.probability", 0.5).unwrap_err();
        assert!(
            e.contains("closest valid paths: `interventions.tfesi.response.probability`"),
            "{e}"
        );
        assert!(set_number(&mut d, "name", 1.0).is_err());
    }
}
