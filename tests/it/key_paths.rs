//! One spelling of every key path (issue 34, item 8): whichever spelling
//! the path parser takes (an element of an array of named tables by name,
//! `[i]` or `.i`), `validate`, `[ranges]`, sweeps, distributions of belief
//! (`psa`), joint beliefs, labels and variants find the same number, and
//! their messages print it one way: named elements by name, others by
//! `[index]`.

use crate::util::{SMALL_TEXT, stderr_has, validate_text};
use foramen::scenario::document::{Document, Overrides};

/// A number of the small scenario (its complication named with a plain
/// name), how to write it broken, and the spellings of its path.
struct Case {
    /// The text as the small scenario has it.
    written: &'static str,
    /// The number, to be replaced by a value.
    number: &'static str,
    /// The path as every message prints it.
    canonical: &'static str,
    /// Other spellings the parser takes.
    others: &'static [&'static str],
}

const CASES: [Case; 3] = [
    Case {
        written: "name = \"motor_deficit\"\nprobability = 0.1",
        number: "0.1",
        canonical: "cohort.covariates.motor_deficit.probability",
        others: &["cohort.covariates[1].probability", "cohort.covariates.1.probability"],
    },
    Case {
        written: "{ name = \"dural-tear\", probability = 0.05,",
        number: "0.05",
        canonical: "interventions.surgery.complications.dural-tear.probability",
        others: &[
            "interventions.surgery.complications[0].probability",
            "interventions[2].complications[0].probability",
        ],
    },
    Case {
        written: "{ intervention = \"injection\", attempts = 2 }",
        number: "2",
        canonical: "policies.stepwise.steps[1].attempts",
        others: &["policies[0].steps[1].attempts", "policies.stepwise.steps.1.attempts"],
    },
];

/// The small scenario with its complication named plainly, and `case`'s
/// number written as `value`.
fn text(case: &Case, value: &str) -> String {
    let base = SMALL_TEXT.replacen("name = \"dural tear\"", "name = \"dural-tear\"", 1);
    assert!(base.contains(case.written), "{}", case.written);
    base.replacen(case.written, &case.written.replacen(case.number, value, 1), 1)
}

/// The number that breaks the rule of each case's key.
fn broken(case: &Case) -> &'static str {
    if case.canonical.ends_with("attempts") {
        "0"
    } else {
        "1.5"
    }
}

#[test]
fn every_command_takes_any_spelling_and_prints_one() {
    for case in &CASES {
        let p = case.canonical;
        let bad = broken(case);
        // validate: the broken number, named by its path.
        let shown = format!("{p} = {bad}: ");
        stderr_has(validate_text(&text(case, bad)).code(2), &[&shown]);
        let doc = Document::parse(&text(case, case.number), "small.toml").unwrap();
        for spelling in std::iter::once(&p).chain(case.others) {
            assert_eq!(doc.canonical(spelling), p, "{spelling}");
            // A sweep point (and a range end): the same number, the same
            // message.
            assert_eq!(doc.number(spelling), case.number.parse().ok(), "{spelling}");
            let edited = doc.with_number(spelling, bad.parse().unwrap()).unwrap();
            let message = edited.scenario(&Overrides::default()).unwrap_err().to_string();
            assert!(message.contains(&shown), "{spelling}: {message}");
            // [ranges]: the range is the canonical path's.
            let with_ranges = Document::parse(&add_range(case, spelling, bad), "ranges.toml").unwrap();
            let message = with_ranges.scenario(&Overrides::default()).unwrap_err().to_string();
            assert!(
                message.contains(&format!("ranges.\"{spelling}\" = [")) && message.contains(&shown),
                "{spelling}: {message}"
            );
            // A variant's edit: named at the edit, the problem as validate
            // says it (not "the edited scenario breaks a rule at ...").
            let variant = format!(
                "{}\n[[variants]]\nname = \"v\"\nlabel = \"V\"\nsource = \"s\"\nset = {{ \"{spelling}\" = {bad} }}\n",
                text(case, case.number)
            );
            let message = Document::parse(&variant, "variant.toml")
                .unwrap()
                .scenario(&Overrides::default())
                .unwrap_err()
                .to_string();
            assert!(
                message.contains(&format!("variants[v].set.\"{spelling}\" = {bad}: "))
                    && !message.contains("breaks a rule at"),
                "{spelling}: {message}"
            );
        }
    }
}

/// The small scenario whose `[ranges]` ranges over `spelling` up to `bad`.
fn add_range(case: &Case, spelling: &str, bad: &str) -> String {
    let (number, broken): (f64, f64) = (case.number.parse().unwrap(), bad.parse().unwrap());
    let range = format!("[{}, {}]", number.min(broken), number.max(broken));
    text(case, case.number).replacen("[ranges]\n", &format!("[ranges]\n\"{spelling}\" = {range}\n"), 1)
}

/// Distributions of belief (psa's parameters), their labels and joint
/// beliefs: the belief is named by the canonical path whatever spelling a
/// label or a joint belief gives.
#[test]
fn beliefs_labels_and_joint_beliefs_take_any_spelling() {
    let case = &CASES[1];
    let p = case.canonical;
    for spelling in case.others {
        let text = text(case, "{ beta_mean = 0.05, sd = 0.01 }").replacen(
            "probability = 0.85 }",
            "probability = { beta_mean = 0.85, sd = 0.05 } }",
            1,
        ) + &format!(
            "\n[labels.parameters]\n\"{spelling}\" = \"Dural tear\"\n\n[[joint_beliefs]]\nname = \"surgery\"\nshared = [\"{spelling}\", \"interventions.surgery.response.probability\"]\ncorrelation = 0.5\n"
        );
        let doc = Document::parse(&text, "beliefs.toml").unwrap_or_else(|e| panic!("{spelling}: {e}"));
        let paths: Vec<&str> = doc.beliefs().iter().map(|b| b.path.as_str()).collect();
        assert!(paths.contains(&p), "{paths:?}");
        assert_eq!(doc.joint_beliefs()[0].paths[0], p, "{spelling}");
        let s = doc
            .scenario(&Overrides::default())
            .unwrap_or_else(|e| panic!("{spelling}: {e}"));
        assert_eq!(s.labels().parameter(p), "Dural tear", "{spelling}");
    }
}
