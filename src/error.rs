//! Errors that tell the user what to fix.
//!
//! Every message names the file, the place in it (a key path such as
//! `interventions.tfesi.response.probability`, or a line and column), the
//! value found and what is allowed. [`Error::exit_code`] maps each kind to
//! the documented exit code: 2 for bad input or usage, 1 for failures at run
//! time.

use std::fmt;
use std::path::PathBuf;

/// A problem found while checking a scenario, before the file name is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Invalid {
    /// Dotted key path, named entries shown by name (`policies.stepwise.steps[2]`).
    pub path: String,
    /// The offending value as written (empty when a key is missing).
    pub value: String,
    /// What is wrong and what is allowed.
    pub problem: String,
}

impl Invalid {
    /// The problem of `value` at `path`; the value as shown ([`shown`]).
    pub fn new(path: impl Into<String>, value: impl fmt::Display, problem: impl Into<String>) -> Self {
        Invalid {
            path: path.into(),
            value: shown(value.to_string()),
            problem: problem.into(),
        }
    }
}

/// The most characters of a value a message shows.
pub const MAX_VALUE_CHARS: usize = 120;

/// A value as a message shows it: a long number in scientific notation
/// (`1e308`, not 309 digits), anything else over [`MAX_VALUE_CHARS`]
/// characters cut with an ellipsis and its length.
pub fn shown(value: String) -> String {
    if value.len() > 24
        && let Ok(x) = value.parse::<f64>()
    {
        return format!("{x:e}");
    }
    let n = value.chars().count();
    if n <= MAX_VALUE_CHARS {
        return value;
    }
    let head: String = value.chars().take(MAX_VALUE_CHARS - 20).collect();
    format!("{head}… ({n} characters)")
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.value.is_empty() {
            write!(f, "{}: {}", self.path, self.problem)
        } else {
            write!(f, "{} = {}: {}", self.path, self.value, self.problem)
        }
    }
}

/// The problems found while checking a scenario, collected so that one
/// `foramen validate` names them all.
#[derive(Debug, Default)]
pub struct Problems(Vec<Invalid>);

impl Problems {
    /// The value, or `None` with its problem recorded.
    pub fn take<T>(&mut self, result: Result<T, Invalid>) -> Option<T> {
        result.map_err(|invalid| self.0.push(invalid)).ok()
    }

    pub fn push(&mut self, invalid: Invalid) {
        self.0.push(invalid);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<Invalid> {
        self.0
    }
}

/// One problem on the line; several as a count and one per line.
fn problem_list(problems: &[Invalid]) -> String {
    match problems {
        [one] => one.to_string(),
        many => {
            let lines: Vec<String> = many.iter().map(|p| format!("\n  {p}")).collect();
            format!("{} problems:{}", many.len(), lines.concat())
        }
    }
}

/// The settings of a job given besides its scenario: cohort overrides,
/// analysis options and output options. The core names them so; each
/// front end says them its own way (the command line as `--flag`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Patients,
    Horizon,
    By,
    Reference,
    PatientsOut,
    EventsOut,
    Param,
    Range,
    Outcome,
    Contrast,
    Params,
    Holdout,
    Draws,
    PriorPoints,
    Batch,
    Posterior,
    WtpMax,
    Wtp,
    Population,
    Group,
    Format,
    Dpi,
    FontSize,
    Width,
    Height,
}

impl Setting {
    /// The setting's name, in snake case (`patients_out`).
    pub fn name(self) -> &'static str {
        match self {
            Setting::Patients => "patients",
            Setting::Horizon => "horizon",
            Setting::By => "by",
            Setting::Reference => "reference",
            Setting::PatientsOut => "patients_out",
            Setting::EventsOut => "events_out",
            Setting::Param => "param",
            Setting::Range => "range",
            Setting::Outcome => "outcome",
            Setting::Contrast => "contrast",
            Setting::Params => "params",
            Setting::Holdout => "holdout",
            Setting::Draws => "draws",
            Setting::PriorPoints => "prior_points",
            Setting::Batch => "batch",
            Setting::Posterior => "posterior",
            Setting::WtpMax => "wtp_max",
            Setting::Wtp => "wtp",
            Setting::Group => "group",
            Setting::Population => "population",
            Setting::Format => "format",
            Setting::Dpi => "dpi",
            Setting::FontSize => "font_size",
            Setting::Width => "width",
            Setting::Height => "height",
        }
    }
}

impl Error {
    /// A setting out of range: `value` given, `rule` what is allowed.
    pub fn setting(setting: Setting, value: impl fmt::Display, rule: impl Into<String>) -> Error {
        Error::Setting {
            setting,
            value: value.to_string(),
            rule: rule.into(),
        }
    }
}

/// What is wrong with the directory a job would write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirProblem {
    /// It exists, and replacing it was not asked for.
    Exists,
    /// Replacing it was asked for, but it is not a finished run directory.
    NotARun,
    /// It appeared while the job was writing.
    Appeared,
}

/// The library's words for a directory problem (the command line says
/// them with its flags).
fn dir_problem(path: &std::path::Path, problem: DirProblem) -> String {
    let path = path.display();
    match problem {
        DirProblem::Exists => format!(
            "the output directory {path} already exists; a job never writes into an existing directory: choose another, remove it, or ask for it to be replaced once the new output is complete"
        ),
        DirProblem::NotARun => {
            format!("only a finished run directory (one with manifest.json) is replaced; {path} is not one")
        }
        DirProblem::Appeared => {
            format!("the output directory {path} appeared while the job was writing; choose another")
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read {what} {file}: {source}")]
    Read {
        /// What the file should be ("scenario", "targets file").
        what: String,
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {}", problem_list(problems))]
    Invalid { file: String, problems: Vec<Invalid> },
    #[error("{0}")]
    Usage(String),
    /// A setting given besides the scenario file is out of range: which
    /// one, the value given and what is allowed. The command line names
    /// the setting by its flag (`cli`), the library by [`Setting::name`].
    #[error("{} {value}: {rule}", setting.name())]
    Setting {
        setting: Setting,
        value: String,
        rule: String,
    },
    #[error("cannot write {}: {source} (the output location must be a writable folder with free space)", path.display())]
    Output {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The output directory cannot be used as asked.
    #[error("{}", dir_problem(path, *problem))]
    OutputDir { path: PathBuf, problem: DirProblem },
    #[error("{0}")]
    Runtime(String),
    #[error("interrupted: the run was stopped and its unfinished output removed")]
    Interrupted,
}

impl Error {
    /// 2 for bad input or usage, 1 for failures while running or writing,
    /// 130 when interrupted (the shell's code for SIGINT).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Read { .. }
            | Error::Syntax { .. }
            | Error::Invalid { .. }
            | Error::Usage(_)
            | Error::Setting { .. }
            | Error::OutputDir { .. } => 2,
            Error::Output { .. } | Error::Runtime(_) => 1,
            Error::Interrupted => 130,
        }
    }
}

/// The candidate closest to `word` by edit distance, if it is close enough to
/// be a plausible misspelling.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|&(d, c)| d <= (c.len().max(word.len()) / 3).max(2))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Names joined by ", ", or "none".
pub fn names_or_none<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.into_iter().collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// " (did you mean `x`?)" or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }

    #[test]
    fn suggests_only_close_names() {
        let names = ["tfesi", "endoscopic", "fusion"];
        assert_eq!(closest("tfsei", names), Some("tfesi"));
        assert_eq!(closest("endoscopik", names), Some("endoscopic"));
        assert_eq!(closest("physiotherapy", names), None);
    }

    #[test]
    fn bad_input_exits_2_and_runtime_failures_1() {
        let bad = Error::Usage("x".into());
        let runtime = Error::Runtime("x".into());
        assert_eq!(bad.exit_code(), 2);
        assert_eq!(runtime.exit_code(), 1);
    }
}
