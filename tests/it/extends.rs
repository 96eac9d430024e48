//! `extends` (issue 34, item 7): a policy written as another with changes
//! is the policy written in full, to the byte of every table; describe says
//! it as its changes; sweeps and variants address it as expanded; its
//! errors name it.

use std::fs;

use tempfile::TempDir;

use crate::util::{SMALL_TEXT, foramen, run_text, stderr_has, validate_text};
use foramen::scenario::document::{Document, Overrides};

/// Where the small scenario's policies end.
const AFTER_POLICIES: &str = "# Plausible ranges";

/// The small scenario with `policy` added after its two policies.
fn with_policy(policy: &str) -> String {
    assert!(SMALL_TEXT.contains(AFTER_POLICIES));
    SMALL_TEXT.replacen(AFTER_POLICIES, &format!("{policy}\n{AFTER_POLICIES}"), 1)
}

/// Stepwise without physio, one injection, and a second look at physio
/// after it: every kind of edit.
const DERIVED: &str = r#"
[[policies]]
name = "one-injection"
label = "One injection"
extends = "stepwise"
remove = ["physio"]
[policies.change.injection]
attempts = 1
[[policies.insert]]
after = "injection"
name = "second-look"
intervention = "physio"
"#;

/// The same policy written in full.
const WRITTEN: &str = r#"
[[policies]]
name = "one-injection"
label = "One injection"
steps = [
  { intervention = "injection", attempts = 1 },
  { name = "second-look", intervention = "physio" },
  { intervention = "surgery", wait = { family = "uniform", low = 14, high = 42 } },
]
red_flag = { jump_to = "surgery", wait = { family = "fixed", value = 7 } }
"#;

#[test]
fn a_derived_policy_runs_as_the_policy_written_in_full() {
    let tmp = TempDir::new().unwrap();
    let args = ["--patients", "3000", "--seed", "11"];
    let derived = run_text(tmp.path(), "derived", &with_policy(DERIVED), &args);
    let written = run_text(tmp.path(), "written", &with_policy(WRITTEN), &args);
    let mut compared = 0;
    for entry in fs::read_dir(&written).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "csv") {
            let name = path.file_name().unwrap();
            let (a, b) = (fs::read(derived.join(name)).unwrap(), fs::read(&path).unwrap());
            assert!(a == b, "{} differs", name.to_string_lossy());
            compared += 1;
        }
    }
    assert!(compared >= 5, "only {compared} tables compared");
    let summary = fs::read_to_string(derived.join("summary.csv")).unwrap();
    assert!(summary.lines().any(|l| l.starts_with("one-injection,")), "{summary}");
}

#[test]
fn describe_says_a_derived_policy_as_its_changes() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("derived.toml");
    fs::write(&file, with_policy(DERIVED)).unwrap();
    let out = foramen().arg("describe").arg(&file).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let at = stdout
        .find("policy one-injection (One injection): extends stepwise: changes\n")
        .unwrap_or_else(|| panic!("{stdout}"));
    let words: Vec<&str> = stdout[at..]
        .lines()
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(
        words,
        [
            "  no step physio",
            "  injection: injection (conservative), 1 attempt (stepwise: injection (conservative), up to 2 attempts)",
            "  adds step 2. second-look: physio (conservative), 1 attempt",
        ]
    );
    // A policy that extends none is still said against the reference.
    assert!(stdout.contains("policy early-surgery: as stepwise, except"), "{stdout}");
}

#[test]
fn sweeps_and_variants_address_the_derived_policy_as_expanded() {
    let doc = Document::parse(&with_policy(DERIVED), "derived.toml").unwrap();
    let path = "policies.one-injection.steps[0].attempts";
    assert_eq!(doc.number(path), Some(1.0));
    // A sweep point: the derived policy changes, its parent does not.
    let swept = doc
        .with_number(path, 3.0)
        .unwrap()
        .scenario(&Overrides::default())
        .unwrap();
    let policy =
        |s: &foramen::scenario::Scenario, name: &str| s.policies().iter().find(|p| p.name == name).unwrap().clone();
    assert_eq!(policy(&swept, "one-injection").steps[0].attempts, 3);
    assert_eq!(policy(&swept, "stepwise").steps[1].attempts, 2);
    // A variant, by the step's name and by index.
    let text = with_policy(DERIVED)
        + r#"
[[variants]]
name = "more"
label = "More of it"
source = "a test"
set = { "policies.one-injection.steps[0].attempts" = 4, "policies.one-injection.steps.second-look.attempts" = 2 }
"#;
    let doc = Document::parse(&text, "variants.toml").unwrap();
    let variants = doc.variants(&Overrides::default()).unwrap();
    let (_, s) = &variants[0];
    let p = policy(s, "one-injection");
    assert_eq!((p.steps[0].attempts, p.steps[1].attempts), (4, 2));
    assert_eq!(policy(s, "stepwise").steps[1].attempts, 2);
    // The sweep command takes the same path.
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("derived.toml");
    fs::write(&file, with_policy(DERIVED)).unwrap();
    foramen()
        .args([
            "sweep",
            "-q",
            "--patients",
            "200",
            "--values",
            "1,2",
            "--param",
            path,
            "--out",
        ])
        .arg(tmp.path().join("sweep"))
        .arg(&file)
        .assert()
        .success();
    let sweep = fs::read_to_string(tmp.path().join("sweep").join("sweep.csv")).unwrap();
    assert!(sweep.lines().count() > 2, "{sweep}");
}

/// Each broken extension is refused (exit 2) with the file, the key path
/// naming the derived policy, the value and what is allowed.
#[test]
fn broken_extensions_are_refused_naming_the_derived_policy() {
    let cases: [(&str, &[&str]); 6] = [
        (
            "[[policies]]\nname = \"d\"\nextends = \"stepwsie\"\n",
            &[
                "policies.d.extends = \"stepwsie\": no policy has this name (did you mean `stepwise`?); a policy extends one of the others: stepwise, early-surgery",
            ],
        ),
        (
            "[[policies]]\nname = \"d\"\nextends = \"e\"\n[[policies]]\nname = \"e\"\nextends = \"d\"\n",
            &[
                "policies.e.extends = \"d\": a cycle of `extends`: d extends e extends d; a policy cannot extend itself, directly or through others",
            ],
        ),
        (
            "[[policies]]\nname = \"d\"\nextends = \"stepwise\"\nremove = [\"physoi\"]\n",
            &[
                "policies.d.remove[0] = \"physoi\": stepwise has no step of this name (did you mean `physio`?); its steps are physio, injection, surgery",
            ],
        ),
        (
            // A misspelt key: its line and column, and the closest key.
            "[[policies]]\nname = \"d\"\nextends = \"stepwise\"\n[policies.chnage.physio]\nattempts = 2\n",
            &[
                "line 73, column 11: policies.d.chnage: unknown field `chnage`",
                "(did you mean `change`?)",
                "| [policies.chnage.physio]",
            ],
        ),
        (
            // A rule broken in an inherited or changed step: named in the
            // derived policy, as expanded.
            "[[policies]]\nname = \"d\"\nextends = \"stepwise\"\n[policies.change.injection]\nskip_if = \"grade == 'sever'\"\n",
            &[
                "policies.d.steps[1].skip_if = \"grade == 'sever'\"",
                "did you mean `severe`?",
            ],
        ),
        (
            "[[policies]]\nname = \"d\"\nextends = \"stepwise\"\n[policies.change.injection]\nattempts = \"two\"\n",
            &[
                "policies.d.change.injection.attempts: invalid type: string \"two\"",
                "line ",
            ],
        ),
    ];
    for (policy, expected) in cases {
        stderr_has(validate_text(&with_policy(policy)).code(2), expected);
    }
}

/// A distribution of belief in a policy another extends would be copied
/// and each copy drawn apart by psa: refused at its key path. A variant
/// cannot point `extends` at a policy that is not there.
#[test]
fn inherited_beliefs_and_edits_of_extends_are_refused() {
    let derived = "[[policies]]\nname = \"d\"\nextends = \"stepwise\"\nremove = [\"physio\"]\n";
    let believed = with_policy(derived).replacen("low = 14, high = 42", "low = 14, high = { uniform = [40, 44] }", 1);
    stderr_has(
        validate_text(&believed).code(2),
        &[
            "policies.stepwise.steps[2].wait.high = a distribution of belief: d extends this policy, so the number would be copied and each copy drawn apart; write a plain number here (or the step in full in each policy)",
        ],
    );
    let variant = with_policy(derived)
        + "\n[[variants]]\nname = \"v\"\nlabel = \"V\"\nsource = \"s\"\nset = { \"policies.d.extends\" = \"stepwsie\" }\n";
    stderr_has(
        validate_text(&variant).code(2),
        &[
            "variants[v].set.\"policies.d.extends\" = \"stepwsie\": a policy extends one of the others (did you mean `stepwise`?)",
        ],
    );
}
