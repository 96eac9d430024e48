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

/// Every path to a value or a table in the document (tables in key order,
/// arrays in element order): what an edit may name.
fn all_paths(doc: &Table) -> Vec<String> {
    fn walk(v: &Value, path: String, out: &mut Vec<String>) {
        match v {
            Value::Table(t) => {
                for (k, v) in t {
                    walk(v, format!("{path}.{k}"), out);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, element(&path, i, item), out);
                }
            }
            _ => {}
        }
        out.push(path);
    }
    let mut out = Vec::new();
    for (k, v) in doc {
        walk(v, k.clone(), &mut out);
    }
    out
}

/// The parent of the value at `path` (a table or an array) and the last
/// segment, found in place.
fn parent_mut<'a>(doc: &'a mut Table, segs: &'a [String]) -> Option<(&'a mut Value, &'a str)> {
    let (last, head) = segs.split_last()?;
    let (first, rest) = head.split_first()?;
    let parent = rest.iter().try_fold(doc.get_mut(first)?, |v, seg| child_mut(v, seg))?;
    Some((parent, last.as_str()))
}

/// The message for a path that leads nowhere: the first segment the
/// document does not have, and the closest one it has there.
fn unknown_path(doc: &Table, path: &str) -> String {
    let segs = segments(path);
    let mut here: Option<&Value> = None;
    let mut at = String::new();
    for (i, seg) in segs.iter().enumerate() {
        let next = match here {
            None => doc.get(seg),
            Some(v) => child(v, seg),
        };
        if let Some(next) = next {
            at = match (here, next) {
                (None, _) => seg.clone(),
                (Some(Value::Array(items)), _) => {
                    element_index(items, seg).map_or(format!("{at}.{seg}"), |k| element(&at, k, &items[k]))
                }
                _ => format!("{at}.{seg}"),
            };
            here = Some(next);
            continue;
        }
        let last = i + 1 == segs.len();
        let names: Vec<String> = match here {
            None => doc.keys().cloned().collect(),
            Some(Value::Table(t)) => t.keys().cloned().collect(),
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|item| item.get("name").and_then(Value::as_str).map(str::to_string))
                .collect(),
            Some(_) => Vec::new(),
        };
        let hint = crate::error::did_you_mean(seg, names.iter().map(String::as_str));
        let whose = if at.is_empty() {
            "the scenario".to_string()
        } else {
            format!("`{at}`")
        };
        return match here {
            Some(Value::Table(_)) | None if last => format!("`{path}`: {whose} has no key `{seg}`{hint}"),
            Some(Value::Table(_)) | None => {
                format!("`{path}` is not a key path of the scenario: {whose} has no `{seg}`{hint}")
            }
            Some(Value::Array(items)) => format!(
                "`{path}` is not a key path of the scenario: {whose} has no element `{seg}`{hint} (elements by name or [0] to [{}])",
                items.len().saturating_sub(1)
            ),
            Some(_) => format!("`{path}` is not a key path of the scenario: {whose} is a value, not a block"),
        };
    }
    format!(
        "`{path}` is not a key path of the scenario; closest valid paths: {}",
        closest_paths(path, &all_paths(doc))
    )
}

/// Sets the value at `path` to `value`, whatever it was: a number, a
/// string, an array or a whole table (which replaces the block there). The
/// last segment may name a key the table does not have yet (whether the
/// scenario accepts it is for validation to say); every segment before it
/// must exist.
///
/// # Errors
/// A message naming the path and the closest valid ones.
pub fn set_value(doc: &mut Table, path: &str, value: Value) -> Result<(), String> {
    let segs = segments(path);
    if let [key] = segs.as_slice() {
        doc.insert(key.clone(), value);
        return Ok(());
    }
    let slot = match parent_mut(doc, &segs) {
        Some((Value::Table(t), key)) if !key.starts_with('[') => {
            Some(t.entry(key.to_string()).or_insert(Value::Boolean(false)))
        }
        Some((Value::Array(items), seg)) => element_index(items, seg).and_then(|i| items.get_mut(i)),
        _ => None,
    };
    match slot {
        Some(slot) => {
            *slot = value;
            Ok(())
        }
        None => Err(unknown_path(doc, path)),
    }
}

/// Removes the key (or array element) at `path`.
///
/// # Errors
/// A message naming the path and the closest valid ones when nothing is
/// there.
pub fn remove_value(doc: &mut Table, path: &str) -> Result<(), String> {
    let segs = segments(path);
    let removed = match segs.as_slice() {
        [key] => doc.remove(key).is_some(),
        _ => match parent_mut(doc, &segs) {
            Some((Value::Table(t), key)) => t.remove(key).is_some(),
            Some((Value::Array(items), seg)) => match element_index(items, seg).filter(|&i| i < items.len()) {
                Some(i) => {
                    items.remove(i);
                    true
                }
                None => false,
            },
            _ => false,
        },
    };
    if removed { Ok(()) } else { Err(unknown_path(doc, path)) }
}

/// `path` as messages write it: each array element by its plain name, or
/// `[i]` (`interventions[1].cost` -> `interventions.tfesi.cost`), as far as
/// the document has it; the rest as written.
pub fn canonical(doc: &Table, path: &str) -> String {
    let segs = segments(path);
    let Some((first, rest)) = segs.split_first() else {
        return path.to_string();
    };
    let mut out = first.clone();
    let mut here = doc.get(first);
    for seg in rest {
        match here {
            Some(Value::Array(items)) => match element_index(items, seg).filter(|&i| i < items.len()) {
                Some(i) => {
                    out = element(&out, i, &items[i]);
                    here = items.get(i);
                }
                None => {
                    out = format!("{out}.{seg}");
                    here = None;
                }
            },
            Some(v) => {
                out = format!("{out}.{seg}");
                here = child(v, seg);
            }
            None if seg.starts_with('[') => out = format!("{out}{seg}"),
            None => out = format!("{out}.{seg}"),
        }
    }
    out
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

    #[test]
    fn sets_and_removes_any_value_and_names_paths_by_name() {
        let mut d = doc();
        set_value(&mut d, "interventions.tfesi.utility", Value::Float(0.7)).unwrap();
        assert_eq!(get_number(&d, "interventions.tfesi.utility"), Some(0.7));
        set_value(
            &mut d,
            "interventions[0].response",
            "probability = 0.2".parse::<Table>().unwrap().into(),
        )
        .unwrap();
        assert_eq!(get_number(&d, "interventions.tfesi.response.probability"), Some(0.2));
        let e = set_value(&mut d, "interventions.tfesy.utility", Value::Float(0.7)).unwrap_err();
        assert_eq!(
            e,
            "`interventions.tfesy.utility` is not a key path of the scenario: `interventions` has no element `tfesy` (did you mean `tfesi`?) (elements by name or [0] to [0])"
        );
        remove_value(&mut d, "interventions.tfesi.utility").unwrap();
        assert_eq!(get_number(&d, "interventions.tfesi.utility"), None);
        assert!(remove_value(&mut d, "interventions.tfesi.utility").is_err());
        assert_eq!(
            canonical(&d, "policies[0].steps[0].attempts"),
            "policies.stepwise.steps[0].attempts"
        );
    }
}
