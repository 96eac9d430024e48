//! `foramen describe` (the scenario in words, its diagram) and the
//! warnings about parameters no path can use (`validate`, `describe`,
//! `run`).

use std::collections::BTreeMap;

use tempfile::TempDir;

use crate::util::{SMALL, foramen, scenario_files};

/// A copy of the default scenario of commit eeba0f6, whose symptom-free
/// utility no path uses.
const DEAD_UTILITY: &str = "tests/data/dead-utility.toml";

const SYMPTOM_FREE: &str = "economics.utility.symptom_free: every intervention a policy can reach declares its own `utility` after its response, and there is no [natural_history.resolution]: no symptom-free day is valued at this one; psa draws its distribution of belief to no effect";

/// `validate` says each unused parameter on stderr as a warning, with the
/// file and key path, and still succeeds.
#[test]
fn validate_warns_of_a_parameter_no_path_uses_and_succeeds() {
    let out = foramen().args(["validate", DEAD_UTILITY]).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [format!("warning: {DEAD_UTILITY}: {SYMPTOM_FREE}")],
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.starts_with(&format!("ok: {DEAD_UTILITY}")), "{stdout}");
}

/// `run` says the same warnings on stderr, one line each, before it runs;
/// `describe` lists them at the end.
#[test]
fn run_and_describe_say_the_warnings() {
    let tmp = TempDir::new().unwrap();
    let run = foramen()
        .args(["run", DEAD_UTILITY, "--patients", "200", "--quiet", "--out"])
        .arg(tmp.path().join("run"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&run.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!("warning: {DEAD_UTILITY}: {SYMPTOM_FREE}\n")),
        "{stderr}"
    );
    let described = foramen().args(["describe", DEAD_UTILITY]).assert().success();
    let stdout = String::from_utf8_lossy(&described.get_output().stdout).to_string();
    assert!(
        stdout.ends_with(&format!("\nwarnings: parameters no path can use\n  {SYMPTOM_FREE}\n")),
        "{stdout}"
    );
}

/// The scenarios shipped under scenarios/ (but the default, which is
/// being rebuilt; its former self is [`DEAD_UTILITY`]) and the test
/// scenario give exactly these warnings: the 2025 reference and the test
/// scenario draw an age that nothing reads, most validation scenarios a
/// placeholder covariate `x`.
#[test]
fn the_shipped_scenarios_warn_only_of_what_is_unused() {
    const AGE: &str = "cohort.covariates.age: used by nothing in the model (no condition, odds ratio, natural history or utility adjustment reads it); fine if it is meant for subgroups or a target's population";
    const X: &str = "cohort.covariates.x: used by nothing in the model (no condition, odds ratio, natural history or utility adjustment reads it); fine if it is meant for subgroups or a target's population";
    let mut expected: BTreeMap<String, Vec<&str>> = BTreeMap::from([(
        "scenarios/reference/foraminal-stenosis-2025.toml".to_string(),
        vec![AGE, SYMPTOM_FREE],
    )]);
    // Validation scenarios whose patients are all alike draw a placeholder.
    for name in [
        "caps",
        "chain",
        "exponential-median",
        "frailty",
        "partial",
        "recovery-distributions",
        "relapse",
        "revision",
        "single-step",
        "waiting",
    ] {
        expected.insert(format!("scenarios/validation/{name}.toml"), vec![X]);
    }
    for (file, scenario) in scenario_files() {
        if file == "scenarios/foraminal-stenosis.toml" {
            continue;
        }
        let found: Vec<String> = scenario.unused().iter().map(ToString::to_string).collect();
        let want: Vec<String> = expected
            .get(&file)
            .map(|w| w.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        assert_eq!(found, want, "{file}");
    }
    let small = foramen().args(["validate", SMALL]).assert().success();
    assert_eq!(
        String::from_utf8_lossy(&small.get_output().stderr),
        format!("warning: {SMALL}: {AGE}\n")
    );
}

/// The default scenario in words fits in 150 lines: the shared blocks once,
/// the reference policy in full, the others as what differs.
#[test]
fn the_default_described_is_short_and_says_each_policy_once() {
    let out = foramen().arg("describe").assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let lines = stdout.lines().count();
    assert!(lines < 150, "{lines} lines:\n{stdout}");
    let first = stdout.find("\npolicy ").expect("a policy");
    assert!(stdout[first..].lines().nth(1).unwrap().starts_with("policy "));
    assert!(stdout.contains(", the reference\n"), "{stdout}");
    assert_eq!(stdout.matches("\ninterventions (what one attempt does)\n").count(), 1);
}

/// Each other policy of the small scenario is said as what differs from
/// the first, with the first's words beside.
#[test]
fn a_policy_is_said_as_what_differs_from_the_reference() {
    let out = foramen().args(["describe", SMALL]).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let others = &stdout[stdout.find(", the reference").expect("a reference")..];
    assert!(others.contains(": as "), "{stdout}");
}

/// `describe --graph FILE.svg` draws the model: an SVG with every step of
/// the reference policy, each other policy's column, and the red flag.
#[test]
fn describe_graph_draws_the_model_as_svg() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("model.svg");
    foramen().arg("describe").arg("--graph").arg(&file).assert().success();
    let svg = std::fs::read_to_string(&file).unwrap();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"));
    let scenario = foramen::scenario::Scenario::default_scenario().unwrap();
    let policies = scenario.policies();
    for step in &policies[0].steps {
        assert!(
            svg.contains(&format!(". {}: ", step.name)),
            "no step {} in the diagram",
            step.name
        );
    }
    for p in &policies[1..] {
        assert!(svg.contains(&format!(">{}</text>", p.name)), "no column for {}", p.name);
    }
    if policies[0].red_flag.is_some() {
        assert!(svg.contains(">red flag</text>"));
    }
    let unwritable = tmp.path().join("no-such-folder/model.svg");
    let refused = foramen()
        .arg("describe")
        .arg("--graph")
        .arg(&unwritable)
        .assert()
        .code(1);
    crate::util::stderr_has(refused, &["cannot write", "no-such-folder/model.svg"]);
}
