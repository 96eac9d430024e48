//! A data file's cells, as text, checked and turned into a [`Sample`] or
//! [`Counts`]: every problem named by column, line (the header is line 1)
//! and value, with what is allowed.

use super::response::Counts;
use super::{Covariate, Sample};
use crate::error::{Invalid, did_you_mean};

/// The columns of a data file: names in file order, each column's cells
/// (`None` for an empty cell).
#[derive(Debug, Clone, Default)]
pub struct TextColumns {
    pub columns: Vec<(String, Vec<Option<String>>)>,
}

/// Which columns hold what.
#[derive(Debug, Clone, Default)]
pub struct Roles {
    /// Time to the event or to censoring.
    pub time: Option<String>,
    /// 1 for an event, 0 for censoring.
    pub event: Option<String>,
    /// The time each row came under observation (left truncation).
    pub entry: Option<String>,
    /// Responses: 0/1 per row, or successes out of `trials`.
    pub response: Option<String>,
    pub trials: Option<String>,
    /// Covariates: numbers act linearly, text as a factor (its first level
    /// in sorted order the reference).
    pub by: Vec<String>,
}

/// At most this many problems are listed, then a count of the rest.
const MAX_PROBLEMS: usize = 20;

struct Checker<'a> {
    data: &'a TextColumns,
    problems: Vec<Invalid>,
    more: usize,
}

impl<'a> Checker<'a> {
    fn push(&mut self, invalid: Invalid) {
        if self.problems.len() < MAX_PROBLEMS {
            self.problems.push(invalid);
        } else {
            self.more += 1;
        }
    }

    fn column(&mut self, name: &str, role: &str) -> Option<&'a [Option<String>]> {
        let found = self.data.columns.iter().find(|(n, _)| n == name);
        if found.is_none() {
            let names: Vec<&str> = self.data.columns.iter().map(|(n, _)| n.as_str()).collect();
            self.push(Invalid::new(
                format!("column {name}"),
                "",
                format!(
                    "missing: the {role} column is not in the file, whose columns are {}{}",
                    names.join(", "),
                    did_you_mean(name, names.iter().copied())
                ),
            ));
        }
        found.map(|(_, cells)| cells.as_slice())
    }

    /// Every cell of `column` as a number obeying `rule` (`allowed` says
    /// what is allowed).
    fn numbers(&mut self, name: &str, role: &str, rule: impl Fn(f64) -> bool, allowed: &str) -> Option<Vec<f64>> {
        let cells = self.column(name, role)?;
        let mut values = Vec::with_capacity(cells.len());
        for (row, cell) in cells.iter().enumerate() {
            let at = format!("column {name}, line {}", row + 2);
            match cell.as_deref().map(str::trim) {
                None | Some("") | Some("NA") => self.push(Invalid::new(
                    at,
                    "",
                    format!("missing {role}: every row needs one ({allowed}); remove the row or fill it in"),
                )),
                Some(text) => match text.parse::<f64>() {
                    Ok(x) if x.is_finite() && rule(x) => values.push(x),
                    _ => self.push(Invalid::new(at, text, format!("the {role} must be {allowed}"))),
                },
            }
        }
        (values.len() == cells.len()).then_some(values)
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, Vec<Invalid>> {
        let mut problems = self.problems;
        if self.more > 0 {
            problems.push(Invalid::new(
                "(more)",
                "",
                format!("{} more problems like those above", self.more),
            ));
        }
        match value {
            Some(v) if problems.is_empty() => Ok(v),
            _ => Err(problems),
        }
    }

    /// The design columns of the covariates `by`.
    fn covariates(&mut self, by: &[String]) -> Option<Vec<Covariate>> {
        let mut design = Vec::new();
        let mut complete = true;
        for name in by {
            let Some(cells) = self.column(name, "covariate") else {
                complete = false;
                continue;
            };
            let mut texts = Vec::with_capacity(cells.len());
            for (row, cell) in cells.iter().enumerate() {
                match cell.as_deref().map(str::trim) {
                    None | Some("") | Some("NA") => self.push(Invalid::new(
                        format!("column {name}, line {}", row + 2),
                        "",
                        "missing covariate: every row needs a value (remove the row or fill it in)",
                    )),
                    Some(text) => texts.push(text.to_string()),
                }
            }
            if texts.len() < cells.len() {
                complete = false;
                continue;
            }
            let numbers: Option<Vec<f64>> = texts
                .iter()
                .map(|t| t.parse::<f64>().ok().filter(|x| x.is_finite()))
                .collect();
            match numbers {
                Some(values) => design.push(Covariate {
                    name: name.clone(),
                    values,
                }),
                None => {
                    let mut levels = texts.clone();
                    levels.sort();
                    levels.dedup();
                    for level in &levels[1..] {
                        design.push(Covariate {
                            name: format!("{name}={level}"),
                            values: texts.iter().map(|t| f64::from(t == level)).collect(),
                        });
                    }
                }
            }
        }
        complete.then_some(design)
    }
}

/// Time-to-event data from `roles.time`, `roles.event`, `roles.entry` and
/// `roles.by`.
///
/// # Errors
/// Every problem found: a missing column, an empty or non-numeric cell, a
/// time at or below 0, an event code other than 0 or 1, an entry time
/// below 0 or not below its row's time.
pub fn sample(data: &TextColumns, roles: &Roles) -> Result<Sample, Vec<Invalid>> {
    let mut c = Checker {
        data,
        problems: Vec::new(),
        more: 0,
    };
    let time = roles.time.as_deref().and_then(|t| {
        c.numbers(t, "time", |x| x > 0.0, "a number above 0 (a time of 0 has no density in these families: add half a day to times of 0 if events on the first day are real)")
    });
    let event = roles.event.as_deref().and_then(|e| {
        c.numbers(
            e,
            "event code",
            |x| x == 0.0 || x == 1.0,
            "0 (censored: no event by this time) or 1 (the event at this time)",
        )
    });
    let entry = match roles.entry.as_deref() {
        Some(e) => c
            .numbers(e, "entry time", |x| x >= 0.0, "a number at or above 0")
            .map(Some),
        None => Some(None),
    };
    let covariates = c.covariates(&roles.by);
    if let (Some(time), Some(Some(entry)), Some(name)) = (&time, &entry, &roles.entry) {
        for (row, (t, e)) in time.iter().zip(entry).enumerate() {
            if e >= t {
                c.push(Invalid::new(
                    format!("column {name}, line {}", row + 2),
                    e,
                    format!("an entry time is below its row's time ({t}): a row enters observation before its event or censoring"),
                ));
            }
        }
    }
    let value = match (time, event, entry, covariates) {
        (Some(time), Some(event), Some(entry), Some(covariates)) => Some(Sample {
            time,
            event: event.into_iter().map(|e| e == 1.0).collect(),
            entry,
            covariates,
        }),
        _ => None,
    };
    c.finish(value)
}

/// Response counts from `roles.response` (0/1, or successes out of
/// `roles.trials`) and `roles.by`.
///
/// # Errors
/// Every problem found, as [`sample`]: a response other than 0 or 1 (or a
/// whole number of successes from 0 to the row's trials), trials not a
/// whole number above 0.
pub fn counts(data: &TextColumns, roles: &Roles) -> Result<Counts, Vec<Invalid>> {
    let mut c = Checker {
        data,
        problems: Vec::new(),
        more: 0,
    };
    let whole = |x: f64| x >= 0.0 && x.fract() == 0.0;
    let trials = match roles.trials.as_deref() {
        Some(t) => c.numbers(t, "number of trials", |x| whole(x) && x > 0.0, "a whole number above 0"),
        None => None,
    };
    let successes = roles.response.as_deref().and_then(|r| match roles.trials {
        Some(_) => c.numbers(
            r,
            "number of responses",
            whole,
            "a whole number from 0 to the row's trials",
        ),
        None => c.numbers(
            r,
            "response",
            |x| x == 0.0 || x == 1.0,
            "0 (no response) or 1 (a response)",
        ),
    });
    let trials = match (&successes, trials, &roles.trials) {
        (Some(s), None, None) => Some(vec![1.0; s.len()]),
        (_, trials, _) => trials,
    };
    if let (Some(s), Some(n), Some(name)) = (&successes, &trials, &roles.response) {
        for (row, (s, n)) in s.iter().zip(n).enumerate() {
            if s > n {
                c.push(Invalid::new(
                    format!("column {name}, line {}", row + 2),
                    s,
                    format!("responses cannot exceed the row's trials ({n})"),
                ));
            }
        }
    }
    let covariates = c.covariates(&roles.by);
    let value = match (successes, trials, covariates) {
        (Some(successes), Some(trials), Some(covariates)) => Some(Counts {
            successes,
            trials,
            covariates,
        }),
        _ => None,
    };
    c.finish(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(columns: &[(&str, &[&str])]) -> TextColumns {
        TextColumns {
            columns: columns
                .iter()
                .map(|(n, cells)| {
                    let cells = cells.iter().map(|c| (!c.is_empty()).then(|| c.to_string())).collect();
                    (n.to_string(), cells)
                })
                .collect(),
        }
    }

    fn roles(by: &[&str]) -> Roles {
        Roles {
            time: Some("t".into()),
            event: Some("d".into()),
            by: by.iter().map(|s| s.to_string()).collect(),
            ..Roles::default()
        }
    }

    #[test]
    fn every_bad_cell_is_named_by_column_and_line() {
        let data = table(&[("t", &["5", "", "-2", "abc"]), ("d", &["1", "2", "0", "1"])]);
        let problems = sample(&data, &roles(&[])).unwrap_err();
        let said: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(said.len(), 4, "{said:#?}");
        assert!(said[0].starts_with("column t, line 3: missing time"), "{}", said[0]);
        assert!(
            said[1].starts_with("column t, line 4 = -2: the time must be a number above 0"),
            "{}",
            said[1]
        );
        assert!(said[2].starts_with("column t, line 5 = abc"), "{}", said[2]);
        assert!(
            said[3].starts_with("column d, line 3 = 2: the event code must be 0 (censored"),
            "{}",
            said[3]
        );
    }

    #[test]
    fn a_missing_column_suggests_the_closest() {
        let data = table(&[("time", &["5"]), ("status", &["1"])]);
        let mut r = roles(&[]);
        (r.time, r.event) = (Some("tme".into()), Some("status".into()));
        let problems = sample(&data, &r).unwrap_err();
        let said = problems[0].to_string();
        assert!(said.contains("columns are time, status"), "{said}");
        assert!(said.contains("did you mean `time`"), "{said}");
    }

    #[test]
    fn text_covariates_become_factor_columns_against_the_first_level() {
        let data = table(&[
            ("t", &["5", "6", "7"]),
            ("d", &["1", "0", "1"]),
            ("grade", &["mild", "severe", "moderate"]),
            ("age", &["50", "61.5", "70"]),
        ]);
        let s = sample(&data, &roles(&["grade", "age"])).unwrap();
        let names: Vec<&str> = s.covariates.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["grade=moderate", "grade=severe", "age"]);
        assert_eq!(s.covariates[1].values, [0.0, 1.0, 0.0]);
        assert_eq!(s.covariates[2].values, [50.0, 61.5, 70.0]);
        assert_eq!(s.event, [true, false, true]);
    }

    #[test]
    fn entries_must_precede_times_and_counts_their_trials() {
        let data = table(&[("t", &["5", "6"]), ("d", &["1", "0"]), ("e", &["1", "6"])]);
        let mut r = roles(&[]);
        r.entry = Some("e".into());
        let said = sample(&data, &r).unwrap_err()[0].to_string();
        assert!(
            said.starts_with("column e, line 3 = 6: an entry time is below"),
            "{said}"
        );
        let data = table(&[("k", &["3", "7"]), ("n", &["5", "6"])]);
        let r = Roles {
            response: Some("k".into()),
            trials: Some("n".into()),
            ..Roles::default()
        };
        let said = counts(&data, &r).unwrap_err()[0].to_string();
        assert!(
            said.starts_with("column k, line 3 = 7: responses cannot exceed"),
            "{said}"
        );
    }
}
