//! Structural variants (issue 33): `[[variants]]` checked with the
//! scenario (errors named at the edit), the same patients under a variant
//! that only values paths, and `foramen variants` end to end.

use std::fs;

use tempfile::TempDir;

use crate::economics::small_with_economics;
use crate::util::{csv_column, foramen, stderr_has, validate_text};
use foramen::analysis;
use foramen::scenario::document::{Document, Overrides};

/// Two variants of the small scenario with economics: one that only
/// values paths (utilities and a daily cost), one that changes them
/// (surgery works more often and costs nothing).
const VARIANTS: &str = r#"
[[variants]]
name = "valuation"
label = "Higher utility when symptom-free"
rationale = "a test: valuation only"
set = { "economics.utility.symptom_free" = 0.95, "economics.daily_cost" = { symptomatic = 9 } }

[[variants]]
name = "better-surgery"
label = "Surgery works more often and is free"
source = "a test"
set = { "interventions.surgery.response.probability" = 0.97, "interventions.surgery.cost" = 0 }
"#;

fn with_variants(variants: &str) -> String {
    small_with_economics() + variants
}

/// A broken variant is refused by `validate`, each problem named at the
/// edit (or field) that causes it, with the value and what is allowed.
#[test]
fn broken_variants_are_refused_at_the_edit() {
    let variant = |body: &str| format!("\n[[variants]]\nname = \"v\"\nlabel = \"V\"\nsource = \"s\"\n{body}\n");
    let cases: [(String, &str); 7] = [
        (
            variant(r#"set = { "interventions.physo.utility" = 0.7 }"#),
            "variants[v].set.\"interventions.physo.utility\" = 0.7: `interventions.physo.utility` is not a key path of the scenario: `interventions` has no element `physo` (did you mean `physio`?)",
        ),
        (
            variant(r#"set = { "interventions.surgery.utilty" = 0.7 }"#),
            "variants[v].set.\"interventions.surgery.utilty\" = 0.7: unknown field `utilty`",
        ),
        (
            variant(r#"set = { "interventions.surgery.response.probability" = 1.5 }"#),
            "variants[v].set.\"interventions.surgery.response.probability\" = 1.5: a probability must be a number in [0, 1]",
        ),
        (
            variant(r#"set = { "economics.discount_rate" = "none" }"#),
            "variants[v].set.\"economics.discount_rate\" = \"none\": invalid type: string \"none\", expected a number",
        ),
        (
            variant(r#"remove = ["interventions.surgery.response"]"#),
            "variants[v].remove = \"interventions.surgery.response\": ",
        ),
        (
            "\n[[variants]]\nname = \"v\"\nlabel = \"V\"\nset = { \"economics.discount_rate\" = 0 }\n".to_string(),
            "variants[v].source: a variant needs a source or a rationale",
        ),
        (
            variant(r#"set = { "simulation.seed" = 3 }"#),
            "variants[v].set.\"simulation.seed\" = 3: `simulation.seed` cannot be edited",
        ),
    ];
    for (snippet, expected) in cases {
        stderr_has(validate_text(&with_variants(&snippet)).code(2), &[expected]);
    }
    let twice = format!(
        "{VARIANTS}\n[[variants]]\nname = \"valuation\"\nlabel = \"Again\"\nsource = \"s\"\nset = {{ \"economics.discount_rate\" = 0 }}\n"
    );
    stderr_has(
        validate_text(&with_variants(&twice)).code(2),
        &["variants[2].name = \"valuation\": this name is used twice"],
    );
    validate_text(&with_variants(VARIANTS)).success();
}

/// A variant that changes only how paths are valued simulates the same
/// patients on the same paths: every clinical estimate is bit-identical to
/// the base's, and the QALYs and costs are not.
#[test]
fn a_valuation_variant_keeps_every_path() {
    let doc = Document::parse(&with_variants(VARIANTS), "test.toml").unwrap();
    let base = doc.scenario(&Overrides::default()).unwrap();
    let variants = doc.variants(&Overrides::default()).unwrap();
    let (v, valuation) = &variants[0];
    assert_eq!(v.name, "valuation");
    let settings = analysis::Settings {
        threads: 2,
        ..analysis::Settings::default()
    };
    let run = |s| analysis::run(s, &settings.spec(s).unwrap()).unwrap().1;
    let (a, b) = (run(&base), run(valuation));
    let mut valued_differ = false;
    for (pa, pb) in a.policies.iter().zip(&b.policies) {
        for ((def, ea), (_, eb)) in pa.overall.iter().zip(pb.overall.iter()) {
            let bits = |e: foramen::stats::Estimate| [e.value, e.lo, e.hi, e.se].map(f64::to_bits);
            match def.name {
                "cost" | "qalys" | "cost_undiscounted" | "qalys_undiscounted" => {
                    valued_differ |= ea.value != eb.value;
                }
                _ => assert_eq!(bits(ea), bits(eb), "{} of {}", def.name, pa.name),
            }
        }
    }
    assert!(valued_differ, "the variant changes utilities and a daily cost");
}

/// `foramen variants` writes its tables and chart; in decision.csv the
/// best policy at each willingness to pay has the highest mean net
/// monetary benefit `λ E - C` of variants.csv's means, its lead over the
/// runner-up is the difference of theirs, and `changed` says whether the
/// base decides otherwise.
#[test]
fn variants_decide_by_the_highest_mean_net_benefit() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("v.toml");
    fs::write(&file, with_variants(VARIANTS)).unwrap();
    let out = tmp.path().join("out");
    let assert = foramen()
        .arg("variants")
        .arg(&file)
        .args(["--patients", "3000", "--out"])
        .arg(&out)
        .assert()
        .success();
    let printed = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    for expected in ["best at 20000", "better-surgery", "Monte Carlo error"] {
        assert!(printed.contains(expected), "no `{expected}` in:\n{printed}");
    }
    for name in [
        "variants.csv",
        "decision.csv",
        "decision.png",
        "decision.svg",
        "labels.csv",
        "manifest.json",
    ] {
        assert!(out.join(name).exists(), "no {name}");
    }
    let variants = fs::read_to_string(out.join("variants.csv")).unwrap();
    let decision = fs::read_to_string(out.join("decision.csv")).unwrap();
    let numbers = |text: &str, column: &str| -> Vec<f64> {
        csv_column(text, column).iter().map(|c| c.parse().unwrap()).collect()
    };
    let (case, policy) = (csv_column(&variants, "variant"), csv_column(&variants, "policy"));
    let (cost, qalys) = (numbers(&variants, "cost"), numbers(&variants, "qalys"));
    let nmb = |v: &str, p: &str, wtp: f64| {
        let i = (0..case.len()).find(|&i| case[i] == v && policy[i] == p).unwrap();
        wtp * qalys[i] - cost[i]
    };
    let cases = csv_column(&decision, "variant");
    let wtps = numbers(&decision, "willingness_to_pay");
    let (best, runner_up) = (csv_column(&decision, "best"), csv_column(&decision, "runner_up"));
    let lead = numbers(&decision, "incremental_nmb");
    let changed = csv_column(&decision, "changed");
    assert_eq!(cases.len(), 3 * 2, "base and two variants at two values");
    for k in 0..cases.len() {
        let (v, wtp) = (cases[k].as_str(), wtps[k]);
        let here: Vec<&String> = policy
            .iter()
            .zip(&case)
            .filter(|(_, c)| *c == v)
            .map(|(p, _)| p)
            .collect();
        let top = here.iter().map(|p| nmb(v, p, wtp)).fold(f64::NEG_INFINITY, f64::max);
        assert_eq!(nmb(v, &best[k], wtp), top, "{v} at {wtp}");
        let gap = nmb(v, &best[k], wtp) - nmb(v, &runner_up[k], wtp);
        // From the means as the CSV writes them: equal to rounding, far
        // inside any Monte Carlo error.
        assert!(
            (lead[k] - gap).abs() <= 1e-9 * top.abs().max(1.0),
            "{} vs {gap}",
            lead[k]
        );
        let base = (0..cases.len())
            .find(|&j| cases[j] == "base" && wtps[j] == wtp)
            .unwrap();
        assert_eq!(changed[k] == "true", best[k] != best[base], "{v} at {wtp}");
    }
}

/// A scenario without variants is refused with what to add.
#[test]
fn variants_needs_variants() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("plain.toml");
    fs::write(&file, small_with_economics()).unwrap();
    let assert = foramen()
        .arg("variants")
        .arg(&file)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .code(2);
    stderr_has(assert, &["declares no [[variants]]"]);
}
