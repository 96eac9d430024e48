//! The small rules every section of a scenario shares: a probability, a
//! finite number, a unique name, a label, a condition, a duration. Each
//! returns the value checked or an [`Invalid`] naming the key path, the
//! value and what is allowed.

use super::cond::{Cond, Slot};
use super::dist::{Dist, RawDist};
use crate::error::Invalid;

pub(super) fn check_probability(path: &str, p: f64) -> Result<f64, Invalid> {
    if p.is_finite() && (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(Invalid::new(path, p, "a probability must be a number in [0, 1]"))
    }
}

pub(super) fn finite(path: &str, v: f64) -> Result<f64, Invalid> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(Invalid::new(path, v, "must be a finite number"))
    }
}

/// A name or label written into tables and shown on a terminal: no
/// control character (an escape sequence would run in a terminal), and
/// not starting with `=`, `+`, `-` or `@`, which a spreadsheet opening the
/// CSV tables would run as a formula (`=HYPERLINK(...)`).
pub(crate) fn plain_text(path: &str, text: &str) -> Result<(), Invalid> {
    let shown = || format!("\"{}\"", text.escape_debug());
    if text.chars().any(char::is_control) {
        return Err(Invalid::new(
            path,
            shown(),
            "names and labels hold no control characters",
        ));
    }
    if text.starts_with(['=', '+', '-', '@']) {
        return Err(Invalid::new(
            path,
            shown(),
            "names and labels do not start with =, +, - or @ (a spreadsheet would run the CSV cell as a formula)",
        ));
    }
    Ok(())
}

pub(super) fn unique_name<'a>(
    path: &str,
    name: &'a str,
    seen: &mut std::collections::HashSet<&'a str>,
) -> Result<(), Invalid> {
    if name.is_empty() {
        return Err(Invalid::new(format!("{path}.name"), "\"\"", "a name must not be empty"));
    }
    plain_text(&format!("{path}.name"), name)?;
    if !seen.insert(name) {
        return Err(Invalid::new(
            format!("{path}.name"),
            format!("\"{name}\""),
            "this name is used twice; names must be unique",
        ));
    }
    Ok(())
}

/// The longest label: a legend entry or a table cell, not a paragraph.
const MAX_LABEL_CHARS: usize = 80;

/// A label as written, checked: some text on one line, at most
/// [`MAX_LABEL_CHARS`] characters (trimmed).
pub(crate) fn label(key: &str, text: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(text) = text else { return Ok(None) };
    let trimmed = text.trim();
    let problem = if trimmed.is_empty() {
        "a label needs some text (leave the key out to use the name)"
    } else if trimmed.contains(['\n', '\r']) {
        "a label is one line (it becomes a legend entry or a table cell)"
    } else if trimmed.chars().count() > MAX_LABEL_CHARS {
        "a label has at most 80 characters (it becomes a legend entry or a table cell)"
    } else {
        plain_text(key, trimmed)?;
        return Ok(Some(trimmed.to_string()));
    };
    Err(Invalid::new(key, format!("\"{text}\""), problem))
}

pub(super) fn condition(path: &str, text: &str, slots: &[Slot]) -> Result<Cond, Invalid> {
    Cond::compile(text, slots).map_err(|problem| Invalid::new(path, format!("\"{text}\""), problem))
}

pub(super) fn optional_condition(path: &str, text: Option<&str>, slots: &[Slot]) -> Result<Option<Cond>, Invalid> {
    text.map(|c| condition(path, c, slots)).transpose()
}

/// A duration distribution: checked like any other, and non-negative.
pub(super) fn duration(path: &str, raw: &RawDist) -> Result<Dist, Invalid> {
    let d = Dist::from_raw(raw, path)?;
    if d.support_min() < 0.0 {
        return Err(Invalid::new(
            path,
            format!("{{ family = \"{}\" }}", raw.family),
            "a duration cannot be negative: use a non-negative family or `truncate = [0, ...]`",
        ));
    }
    Ok(d)
}

pub(super) fn optional_duration(path: &str, raw: Option<&RawDist>) -> Result<Option<Dist>, Invalid> {
    raw.map(|d| duration(path, d)).transpose()
}
