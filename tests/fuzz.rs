//! Property-based fuzzing of scenario loading and running (proptest).
//!
//! Mutations of a valid scenario (numbers replaced by extreme values, lines
//! deleted, duplicated or cut; hostile sizes: conditions nested up to 65,535
//! deep, up to 8,192 levels, every time zero, the longest horizon at the
//! finest grid split by every covariate; numbers replaced by distributions
//! of belief with extreme parameters; economics with extreme costs and
//! willingness to pay; hostile names and labels) must never panic the
//! loader; every mutant that validates must run to completion with
//! consistent outputs, and one with beliefs must give two PSA draws or a
//! clear error. CI runs 64 cases; a long run is
//!
//!     PROPTEST_CASES=100000 cargo test --release --test fuzz
//!
//! (docs/validation.md records the last long run).

use foramen::analysis;
use foramen::scenario::Scenario;
use foramen::scenario::document::{Document, Overrides};
use foramen::simulate::engine::RunSpec;
use proptest::prelude::*;

// The integration tests' helpers; this binary uses only some of them.
#[allow(dead_code)]
#[path = "it/util.rs"]
mod util;

use util::{SMALL_TEXT, spec};

/// Values that probe domains and overflow.
const NUMBERS: [&str; 14] = [
    "0", "1", "-1", "0.5", "1e-300", "1e300", "nan", "inf", "-inf", "2", "1000000", "0.999999", "3.5", "-0.0",
];

/// Distributions of belief that probe overflow and underflow of their
/// derived parameters.
const BELIEFS: [&str; 10] = [
    "{ gamma_mean = 900, sd = 1e300 }",
    "{ uniform = [-1e308, 1e308] }",
    "{ lognormal_mean = 1e-300, sd = 1e300 }",
    "{ beta = [1e-300, 1e300] }",
    "{ normal = [0, 1e308] }",
    "{ beta_mean = 0.5, sd = 0.49 }",
    "{ one_minus_gamma_mean = 0.9, sd = 1e-300 }",
    "{ gamma = [1e-300, 1e300] }",
    "{ beta_mean = 0.3, sd = 0.1 }",
    "{ lognormal = [700, 30] }",
];

/// `[economics]` sections with extreme amounts.
const ECONOMICS: [&str; 5] = [
    "[economics]\nwillingness_to_pay = [1e308]\nutility = { symptomatic = 0.5, symptom_free = 0.9 }\n",
    "[economics]\nwillingness_to_pay = [50000]\nutility = { symptomatic = -1e300, symptom_free = 0.9 }\n",
    "[economics]\nwillingness_to_pay = [50000]\nutility = { symptomatic = 0.5, symptom_free = 0.9 }\ndaily_cost = { symptomatic = 1e8 }\n",
    "[economics]\ndiscount_rate = 0\nwillingness_to_pay = [0, 1e8]\nutility = { symptomatic = -2, symptom_free = 1 }\ndeath_cost = 1e8\n",
    "[economics]\nwillingness_to_pay = [50000]\nutility = { symptomatic = 0.5, symptom_free = 0.9 }\n",
];

/// Costs for the first intervention.
const COSTS: [&str; 5] = ["1e20", "1.1", "1e8", "9e7", "-1"];

/// Hostile names and labels.
const NAMES: [&str; 5] = ["=HYPERLINK(1)", "\\u001b[2J", "-x", "@a", "a\\u202eb"];

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the n-th number literal by a distribution of belief.
    Belief(usize, usize),
    /// Add `[economics]` (one of [`ECONOMICS`]) and a cost on the first
    /// intervention (one of [`COSTS`]).
    Economics(usize, usize),
    /// Name the first policy, or label it, with one of [`NAMES`].
    Name(usize, bool),
    /// Replace the n-th number literal.
    Number(usize, usize),
    DeleteLine(usize),
    DuplicateLine(usize),
    Truncate(usize),
    /// Swap two characters.
    Swap(usize, usize),
    /// Wrap the n-th condition in `depth` parentheses, or `depth` `not`s.
    Nest {
        n: usize,
        depth: usize,
        not: bool,
    },
    /// Give the categorical covariate this many levels.
    Levels(usize),
    /// Replace every distribution by a fixed 0 (zero-length cycles).
    ZeroTimes,
    /// The longest horizon at the finest curve grid, split by every
    /// covariate (user-sized accumulators).
    HugeGrid,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        2 => (0usize..200, 0usize..BELIEFS.len()).prop_map(|(i, v)| Mutation::Belief(i, v)),
        1 => (0usize..ECONOMICS.len(), 0usize..COSTS.len()).prop_map(|(e, c)| Mutation::Economics(e, c)),
        1 => (0usize..NAMES.len(), any::<bool>()).prop_map(|(n, label)| Mutation::Name(n, label)),
        4 => (0usize..200, 0usize..NUMBERS.len()).prop_map(|(i, v)| Mutation::Number(i, v)),
        2 => (0usize..200).prop_map(Mutation::DeleteLine),
        1 => (0usize..200).prop_map(Mutation::DuplicateLine),
        1 => (0usize..10_000).prop_map(Mutation::Truncate),
        1 => (0usize..10_000, 0usize..10_000).prop_map(|(a, b)| Mutation::Swap(a, b)),
        1 => (0usize..8, 0u32..17, any::<bool>()).prop_map(|(n, bits, not)| Mutation::Nest { n, depth: (1usize << bits) - 1, not }),
        1 => (0u32..14).prop_map(|bits| Mutation::Levels(1usize << bits)),
        1 => Just(Mutation::ZeroTimes),
        1 => Just(Mutation::HugeGrid),
    ]
}

fn apply(text: &str, m: &Mutation) -> String {
    if text.is_empty() {
        return String::new();
    }
    match *m {
        Mutation::Belief(i, v) => replace_number(text, i, BELIEFS[v]),
        Mutation::Economics(e, c) => {
            let costed = text.replacen(
                "failure_time = { family = \"fixed\", value = 8, unit = \"weeks\" }",
                &format!(
                    "failure_time = {{ family = \"fixed\", value = 8, unit = \"weeks\" }}\ncost = {}",
                    COSTS[c]
                ),
                1,
            );
            match costed.find("# Plausible ranges") {
                Some(at) => format!("{}{}\n{}", &costed[..at], ECONOMICS[e], &costed[at..]),
                None => format!("{costed}\n{}", ECONOMICS[e]),
            }
        }
        Mutation::Name(n, label) => {
            let to = if label {
                format!("name = \"stepwise\"\nlabel = \"{}\"", NAMES[n])
            } else {
                format!("name = \"{}\"", NAMES[n])
            };
            text.replacen("name = \"stepwise\"", &to, 1)
        }
        Mutation::Number(i, v) => replace_number(text, i, NUMBERS[v]),
        Mutation::DeleteLine(i) => {
            let lines: Vec<&str> = text.lines().collect();
            let i = i % lines.len();
            lines
                .iter()
                .enumerate()
                .filter(|(k, _)| *k != i)
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n")
        }
        Mutation::DuplicateLine(i) => {
            let mut lines: Vec<&str> = text.lines().collect();
            if lines.is_empty() {
                return String::new();
            }
            let i = i % lines.len();
            lines.insert(i, lines[i]);
            lines.join("\n")
        }
        Mutation::Truncate(n) => text.chars().take(n % (text.len() + 1)).collect(),
        Mutation::Swap(a, b) => {
            let mut chars: Vec<char> = text.chars().collect();
            let n = chars.len();
            chars.swap(a % n, b % n);
            chars.into_iter().collect()
        }
        Mutation::Nest { n, depth, not } => {
            let starts: Vec<usize> = text.match_indices("if = \"").map(|(i, m)| i + m.len()).collect();
            if starts.is_empty() {
                return text.to_string();
            }
            let start = starts[n % starts.len()];
            let Some(len) = text[start..].find('"') else {
                return text.to_string();
            };
            let condition = &text[start..start + len];
            let nested = if not {
                format!("{}{condition}", "not ".repeat(depth))
            } else {
                format!("{}{condition}{}", "(".repeat(depth), ")".repeat(depth))
            };
            format!("{}{nested}{}", &text[..start], &text[start + len..])
        }
        Mutation::Levels(count) => {
            let levels: Vec<String> = ["moderate".to_string(), "severe".to_string()]
                .into_iter()
                .chain((2..count).map(|i| format!("level{i}")))
                .take(count)
                .collect();
            let quoted: Vec<String> = levels.iter().map(|l| format!("\"{l}\"")).collect();
            let weights = vec!["1"; levels.len()].join(", ");
            text.replacen(
                "levels = [\"moderate\", \"severe\"]",
                &format!("levels = [{}]", quoted.join(", ")),
                1,
            )
            .replacen("weights = [0.4, 0.6]", &format!("weights = [{weights}]"), 1)
        }
        Mutation::ZeroTimes => {
            let mut out = String::new();
            let mut rest = text;
            while let Some(i) = rest.find("{ family = ") {
                out.push_str(&rest[..i]);
                let end = rest[i..].find('}').map_or(rest.len(), |e| i + e + 1);
                out.push_str("{ family = \"fixed\", value = 0 }");
                rest = &rest[end..];
            }
            out + rest
        }
        Mutation::HugeGrid => text
            .replacen("horizon_days = 365", "horizon_days = 73050", 1)
            .replacen("curve_step_days = 7", "curve_step_days = 0.125", 1)
            .replacen(
                "subgroups = [\"grade\"]",
                "subgroups = [\"grade\", \"age\", \"motor_deficit\"]",
                1,
            ),
    }
}

/// `text` with its `i`-th number literal (modulo their count) replaced by
/// `with`.
fn replace_number(text: &str, i: usize, with: &str) -> String {
    let spans = number_spans(text);
    if spans.is_empty() {
        return text.to_string();
    }
    let (a, b) = spans[i % spans.len()];
    format!("{}{with}{}", &text[..a], &text[b..])
}

/// Byte spans of number literals outside comments and strings (roughly).
fn number_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let prev = if i == 0 { b' ' } else { bytes[i - 1] };
        if c.is_ascii_digit() && !prev.is_ascii_alphanumeric() && prev != b'_' && prev != b'.' && prev != b'\'' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b'e') {
                i += 1;
            }
            spans.push((start, i));
        } else {
            i += 1;
        }
    }
    spans
}

/// A scenario that validates with distributions of belief gives two PSA
/// draws, or refuses a draw with a clear error: never a panic.
fn check_psa(text: &str) {
    let Ok(doc) = Document::parse(text, "fuzz.toml") else {
        return;
    };
    if doc.beliefs().is_empty() {
        return;
    }
    let _ = analysis::psa::run(
        &doc,
        &Overrides::default(),
        0..2,
        50,
        1,
        None,
        &foramen::simulate::engine::Unobserved,
    );
}

fn check_consistent(s: &Scenario) {
    let n = 300;
    // Refusing a run whose accumulators would not fit is a clear error.
    let Ok(checked) = analysis::Settings::default().spec(s) else {
        return;
    };
    let spec = RunSpec {
        seed: 5,
        by: checked.by,
        ..spec(s, n)
    };
    // A path whose cost or QALYs leave the range kept exactly (a daily cost
    // of 1e8 over a year) is refused after the run, by design
    // (docs/economics.md); anything else must run.
    let (out, r) = match analysis::run(s, &spec) {
        Err(foramen::error::Error::Runtime(m)) if m.contains("the range whose sums are kept exactly") => return,
        other => other.expect("a valid scenario runs"),
    };
    let h = s.simulation().horizon_days;
    for (p, acc) in r.policies.iter().zip(&out.accs) {
        let g = &p.overall;
        assert_eq!(g.patients, n);
        let shares = g.iter().filter(|(def, _)| def.is_share());
        for (_, e) in shares {
            assert!((0.0..=1.0).contains(&e.value), "share {e:?}");
            assert!(e.lo <= e.value && e.value <= e.hi, "interval {e:?}");
        }
        assert!(
            g["symptom_free"].value <= g["recovered"].value,
            "symptom-free without recovery"
        );
        assert_eq!(g["surgery"].value, g["reached_surgical"].value);
        assert!(
            (0.0..=h + 1e-6).contains(&g["symptomatic_days"].value),
            "{:?}",
            g["symptomatic_days"]
        );
        assert!(g["median_days"].value.is_nan() || (0.0..=h + 0.125).contains(&g["median_days"].value));
        assert_eq!(
            acc.overall.pathway.iter().flatten().sum::<u64>(),
            n,
            "pathway counts add up"
        );
        let rec = &p.curves.recovered.value;
        assert!(
            rec.windows(2).all(|w| w[0] <= w[1] + 1e-12),
            "recovery curve not monotone"
        );
        let sf = &p.curves.surgery_free.value;
        assert!(
            sf.windows(2).all(|w| w[0] + 1e-12 >= w[1]),
            "surgery-free curve not monotone"
        );
        for v in rec.iter().chain(sf).chain(&p.curves.symptom_free.value) {
            assert!((0.0..=1.0).contains(v));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_never_panic_and_valid_ones_run_consistently(mutations in prop::collection::vec(mutation(), 1..4)) {
        let text = mutations.iter().fold(SMALL_TEXT.to_string(), |t, m| apply(&t, m));
        if let Ok(s) = Scenario::from_toml(&text, "fuzz.toml") {
            check_consistent(&s);
            check_psa(&text);
        }
    }
}
