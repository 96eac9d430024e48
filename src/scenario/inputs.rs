//! A scenario's inputs as its file writes them, for report.html's inputs
//! table: every number of the model (cohort, natural history,
//! interventions, policies, economics, joint beliefs), each with its key
//! path (as `[ranges]`, `--param` and the psa tables name it), its value
//! as written (with the condition of an odds ratio or adjustment), and the
//! note the file gives it.
//!
//! A number, a numeric array (`weights`), a distribution of belief or a
//! whole time distribution (`{ family = ..., ... }`, with a row of its own
//! for each distribution of belief inside it) is one input. Its note is
//! the `source` string of its own table, else the comments on its lines
//! and the comment lines right above its key, with the `source` of the
//! table holding it. An input whose note is the row above's, or with none
//! in the same table, says "with the row above".

use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::scenario::dist::LAWS;

/// One input of the scenario file.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub path: String,
    /// The value as written in the file (a table's members as
    /// `{ key = value, ... }`).
    pub written: String,
    /// The file's note on it (empty when it gives none).
    pub note: String,
    /// Where its key is in the file (bytes).
    pub at: usize,
}

/// The parts of a scenario that hold the model's inputs.
const SECTIONS: [&str; 6] = [
    "cohort",
    "natural_history",
    "interventions",
    "policies",
    "economics",
    "joint_beliefs",
];

/// What an input with no note of its own, after one in the same table,
/// says.
pub const WITH_ROW_ABOVE: &str = "with the row above";

/// Every input of the scenario `text`, in file order; none when the text
/// does not parse (a scenario is validated before anything reads it).
pub fn inputs(text: &str) -> Vec<Input> {
    let Ok(tree) = DeTable::parse(text) else {
        return Vec::new();
    };
    let walker = Walker {
        text,
        lines: line_starts(text),
    };
    let mut out = Vec::new();
    for section in SECTIONS {
        if let Some((key, value)) = tree.get_ref().iter().find(|(k, _)| k.get_ref() == section) {
            walker.walk(value, key.span(), section.to_string(), None, &mut out);
        }
    }
    // The parsed tables hold their keys sorted: back to the file's order.
    out.sort_by_key(|i| i.at);
    // A note said once: the next input with the same one, or with none
    // in the same table, is "with the row above".
    let written: Vec<String> = out.iter().map(|i| i.note.clone()).collect();
    for i in 1..out.len() {
        let parent = |p: &str| p.rsplit_once('.').map(|(a, _)| a.to_string());
        let (note, above) = (&written[i], &written[i - 1]);
        let same_table = parent(&out[i].path) == parent(&out[i - 1].path);
        if !above.is_empty()
            && ((note.is_empty() && same_table) || (note == above && note.len() > WITH_ROW_ABOVE.len()))
        {
            out[i].note = WITH_ROW_ABOVE.to_string();
        }
    }
    out
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// Whether a table is a distribution of belief (it holds the first key
/// of a belief form).
fn is_belief(t: &DeTable<'_>) -> bool {
    LAWS.iter()
        .flat_map(|law| law.belief_forms)
        .any(|form| t.iter().any(|(k, _)| k.get_ref() == form[0]))
}

fn is_number(v: &DeValue<'_>) -> bool {
    matches!(v, DeValue::Integer(_) | DeValue::Float(_))
}

/// A numeric array, or an array of numeric arrays (a correlation matrix).
fn is_numeric_array(items: &[Spanned<DeValue<'_>>]) -> bool {
    !items.is_empty()
        && items.iter().all(|i| match i.get_ref() {
            DeValue::Array(inner) => inner.iter().all(|x| is_number(x.get_ref())),
            v => is_number(v),
        })
}

fn string_of<'a>(t: &'a DeTable<'_>, key: &str) -> Option<&'a str> {
    t.iter()
        .find(|(k, _)| k.get_ref() == key)
        .and_then(|(_, v)| match v.get_ref() {
            DeValue::String(s) => Some(s.as_ref()),
            _ => None,
        })
}

struct Walker<'t> {
    text: &'t str,
    lines: Vec<usize>,
}

impl Walker<'_> {
    fn line_of(&self, offset: usize) -> usize {
        self.lines.partition_point(|&s| s <= offset).saturating_sub(1)
    }

    fn line(&self, i: usize) -> &str {
        let start = self.lines[i];
        let end = self.lines.get(i + 1).map_or(self.text.len(), |e| e - 1);
        &self.text[start..end]
    }

    /// The bytes a value covers: its own span, or for a table or array
    /// written under headers, from its first member's key to its last
    /// member's end.
    fn extent(&self, key: &Range<usize>, v: &Spanned<DeValue<'_>>) -> Range<usize> {
        let own = v.span();
        let inline = own.end > own.start && own.start >= key.start && own.end <= self.text.len();
        match v.get_ref() {
            DeValue::Table(t) if !inline || t.is_empty() => {
                let mut r = key.clone();
                for (k, m) in t.iter() {
                    let e = self.extent(&k.span(), m);
                    r.start = r.start.min(k.span().start);
                    r.end = r.end.max(e.end);
                }
                r
            }
            DeValue::Array(items) if !inline => {
                let mut r = key.clone();
                for i in items.iter() {
                    let e = self.extent(&i.span(), i);
                    r.end = r.end.max(e.end);
                }
                r
            }
            _ => own,
        }
    }

    /// The comment of line `i`: what follows a `#` outside quotes.
    fn trailing(&self, i: usize) -> Option<String> {
        let line = self.line(i);
        let mut quote: Option<char> = None;
        for (at, c) in line.char_indices() {
            match (quote, c) {
                (None, '#') => {
                    let text = line[at + 1..].trim();
                    return (!text.is_empty()).then(|| text.to_string());
                }
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                _ => {}
            }
        }
        None
    }

    /// The comment lines right above line `i` (none across a blank line;
    /// rules of dashes left out), joined.
    fn above(&self, i: usize) -> Option<String> {
        let mut parts = Vec::new();
        let mut j = i;
        while j > 0 {
            j -= 1;
            let line = self.line(j).trim();
            let Some(comment) = line.strip_prefix('#') else { break };
            let comment = comment.trim();
            if comment.starts_with("---") {
                break;
            }
            parts.push(comment);
        }
        parts.reverse();
        let text = parts.join(" ");
        (!text.trim().is_empty()).then_some(text)
    }

    /// The note of what is written from `key` over `extent`: the
    /// comments above its key's line and on each of its lines.
    fn comments(&self, key: &Range<usize>, extent: &Range<usize>) -> String {
        let first = self.line_of(key.start);
        let last = self.line_of(extent.end.saturating_sub(1).max(key.start));
        let mut notes: Vec<String> = Vec::new();
        for note in self
            .above(first)
            .into_iter()
            .chain((first..=last).filter_map(|i| self.trailing(i)))
        {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
        notes.join(" ")
    }

    /// The value as written: its text, or a table's members as
    /// `{ key = value, ... }`.
    fn written(&self, key: &Range<usize>, v: &Spanned<DeValue<'_>>) -> String {
        match v.get_ref() {
            DeValue::Table(t) => {
                let mut members: Vec<(usize, String)> = t
                    .iter()
                    .filter(|(k, _)| k.get_ref() != "source")
                    .map(|(k, m)| {
                        (
                            k.span().start,
                            format!("{} = {}", k.get_ref(), self.written(&k.span(), m)),
                        )
                    })
                    .collect();
                members.sort();
                let members: Vec<String> = members.into_iter().map(|(_, m)| m).collect();
                format!("{{ {} }}", members.join(", "))
            }
            _ => {
                let span = self.extent(key, v);
                self.text[span].split_whitespace().collect::<Vec<_>>().join(" ")
            }
        }
    }

    fn push(
        &self,
        key: &Range<usize>,
        v: &Spanned<DeValue<'_>>,
        path: String,
        own: Option<&str>,
        outer: Option<&str>,
        out: &mut Vec<Input>,
    ) {
        let note = match own {
            Some(source) => source.to_string(),
            None => {
                let found = self.comments(key, &self.extent(key, v));
                match outer {
                    Some(source) if found.is_empty() => source.to_string(),
                    Some(source) => format!("{found} (source: {source})"),
                    None => found,
                }
            }
        };
        out.push(Input {
            path,
            written: self.written(key, v),
            note,
            at: key.start,
        });
    }

    /// Walks `v`, written at `key`, whose key path is `path`; `outer` is
    /// the `source` of the table holding it.
    fn walk(
        &self,
        v: &Spanned<DeValue<'_>>,
        key: Range<usize>,
        path: String,
        outer: Option<&str>,
        out: &mut Vec<Input>,
    ) {
        match v.get_ref() {
            DeValue::Integer(_) | DeValue::Float(_) => self.push(&key, v, path, None, outer, out),
            DeValue::Table(t) if is_belief(t) => self.push(&key, v, path, string_of(t, "source"), outer, out),
            DeValue::Table(t) if t.iter().any(|(k, _)| k.get_ref() == "family") => {
                let own = string_of(t, "source");
                self.push(&key, v, path.clone(), own, outer, out);
                // Its distributions of belief, each a row of its own.
                for (k, m) in t.iter() {
                    if let DeValue::Table(inner) = m.get_ref()
                        && is_belief(inner)
                    {
                        let note = own.or(outer);
                        self.push(
                            &k.span(),
                            m,
                            format!("{path}.{}", k.get_ref()),
                            string_of(inner, "source"),
                            note,
                            out,
                        );
                    }
                }
            }
            DeValue::Table(t) => {
                let source = string_of(t, "source").or(outer);
                let before = out.len();
                for (k, m) in t.iter() {
                    self.walk(m, k.span(), format!("{path}.{}", k.get_ref()), source, out);
                }
                // An odds ratio or adjustment says when it applies.
                if let Some(condition) = string_of(t, "if") {
                    for input in &mut out[before..] {
                        input.written = format!("{} (if {condition})", input.written);
                    }
                }
            }
            DeValue::Array(items) if is_numeric_array(items) => self.push(&key, v, path, None, outer, out),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let name = match item.get_ref() {
                        DeValue::Table(t) => string_of(t, "name"),
                        _ => None,
                    };
                    let at = crate::scenario::paths::named(&path, i, name);
                    let start = if item.span().end > item.span().start {
                        item.span()
                    } else {
                        key.clone()
                    };
                    self.walk(item, start, at, outer, out);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"
name = "x"

[simulation]
patients = 10

[[cohort.covariates]]
name = "grade"
levels = ["a", "b"]
# assumption: most are severe
weights = [0.3, 0.7]

[[interventions]]
name = "physio"
cost = { gamma_mean = 900, sd = 180 }   # K5: $900 each
[interventions.response]
# CALIBRATED (section C): the prior was
# beta_mean 0.32, sd 0.10
probability = { beta_mean = 0.56, sd = 0.063 }
odds_ratios = [
  { if = "grade == 'b'", or = 0.40 },   # N4: 1 / 2.53
  { if = "grade == 'a'", or = 1.5, source = "assumption" },
]
[interventions.failure_time]
family = "fixed"
value = 8                # B: 8 weeks (N2, N5)
unit = "weeks"

[natural_history.mortality]
# a Gompertz law
rate = 5.4e-5
shape = 0.087

[[joint_beliefs]]
name = "j"
shared = ["a", "b"]
correlation = 0.8
source = "E8; assumption: correlation 0.8"
"#;

    /// Every number with its path, its value as written and its note:
    /// the comment beside it or the lines above it, an explicit source,
    /// "with the row above"; nothing of `[simulation]`, no strings.
    #[test]
    fn every_input_with_its_note() {
        let found = inputs(TEXT);
        let rows: Vec<(&str, &str, &str)> = found
            .iter()
            .map(|i| (i.path.as_str(), i.written.as_str(), i.note.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "cohort.covariates.grade.weights",
                    "[0.3, 0.7]",
                    "assumption: most are severe"
                ),
                (
                    "interventions.physio.cost",
                    "{ gamma_mean = 900, sd = 180 }",
                    "K5: $900 each"
                ),
                (
                    "interventions.physio.response.probability",
                    "{ beta_mean = 0.56, sd = 0.063 }",
                    "CALIBRATED (section C): the prior was beta_mean 0.32, sd 0.10"
                ),
                (
                    "interventions.physio.response.odds_ratios[0].or",
                    "0.40 (if grade == 'b')",
                    "N4: 1 / 2.53"
                ),
                (
                    "interventions.physio.response.odds_ratios[1].or",
                    "1.5 (if grade == 'a')",
                    "assumption"
                ),
                (
                    "interventions.physio.failure_time",
                    "{ family = \"fixed\", value = 8, unit = \"weeks\" }",
                    "B: 8 weeks (N2, N5)"
                ),
                ("natural_history.mortality.rate", "5.4e-5", "a Gompertz law"),
                ("natural_history.mortality.shape", "0.087", WITH_ROW_ABOVE),
                ("joint_beliefs.j.correlation", "0.8", "E8; assumption: correlation 0.8"),
            ]
        );
    }

    /// The default scenario: every distribution of belief is an input of
    /// its own (so the report lists each) with a note, and every input
    /// has a note but the policies' waits and attempts (the policies'
    /// descriptions say them) and two the file leaves plain.
    #[test]
    fn the_default_scenario_notes_every_input() {
        let found = inputs(crate::scenario::DEFAULT_TOML);
        let doc = crate::scenario::document::Document::parse(crate::scenario::DEFAULT_TOML, "default").unwrap();
        for b in doc.beliefs() {
            assert!(found.iter().any(|i| i.path == b.path), "{} is not an input", b.path);
        }
        let silent: Vec<&str> = found
            .iter()
            .filter(|i| i.note.is_empty())
            .map(|i| i.path.as_str())
            .collect();
        assert!(found.len() > 100, "{} inputs", found.len());
        let plain = ["cohort.covariates.age.breaks", "economics.price_year"];
        assert!(
            silent.iter().all(|p| p.starts_with("policies.") || plain.contains(p)),
            "{silent:?}"
        );
        for b in doc.beliefs() {
            assert!(!silent.contains(&b.path.as_str()), "{} has no note", b.path);
        }
        // In the file's order.
        assert!(found.windows(2).all(|w| w[0].at < w[1].at));
    }
}
