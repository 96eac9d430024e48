//! Joint beliefs (`[[joint_beliefs]]`, issue 33): psa.csv shows their
//! draws, they leave the other beliefs' draws where they were, and
//! calibration takes a joint belief whole or refuses it. (Moment tests of
//! each kind are beside the code, in `scenario::joint`.)

use std::fs;

use foramen::analysis::calibrate::{Plan, calibrate};
use foramen::scenario::document::{Document, Overrides};
use foramen::scenario::targets::Targets;
use foramen::simulate::engine::Unobserved;
use tempfile::TempDir;

use crate::economics::small_with_beliefs;
use crate::util::{csv_column, foramen};

/// psa_parameters.csv and importance.csv of `foramen psa` on `text`
/// (`draws` draws of 100 patients).
fn psa_outputs(text: &str, draws: &str) -> (String, String) {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("psa.toml");
    fs::write(&file, text).unwrap();
    let out = tmp.path().join("out");
    foramen()
        .arg("psa")
        .arg(&file)
        .args(["--draws", draws, "--patients", "100", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    let psa = fs::read_to_string(out.join("psa.csv")).unwrap();
    let params = fs::read_to_string(out.join("psa_parameters.csv")).unwrap();
    // psa.csv has the same parameter columns, one row per draw and policy.
    let header = params.lines().next().unwrap();
    for name in header.split(',').skip(1) {
        assert_eq!(csv_column(&psa, name).len(), 2 * (params.lines().count() - 1), "{name}");
    }
    // With economics, each joint belief is an EVPPI group of its own.
    if text.contains("[economics]") {
        let evppi = fs::read_to_string(out.join("evppi.csv")).unwrap();
        let groups = csv_column(&evppi, "group");
        for name in ["operative", "conservative", "grades"] {
            if text.contains(&format!("name = \"{name}\"")) {
                assert!(groups.iter().any(|g| g == name), "no EVPPI group {name}");
            }
        }
    }
    (params, fs::read_to_string(out.join("importance.csv")).unwrap())
}

/// The first four draws of the small scenario's three beliefs (seed 7),
/// as the build before joint beliefs drew them: value stability.
const PINNED: [[&str; 3]; 4] = [
    ["0.4881776905121071", "16521.47639594382", "0.8473443681252398"],
    ["0.45975643248070613", "10093.891228844734", "0.8181363754493235"],
    ["0.40857137028372553", "12057.80614865423", "0.8615778870196587"],
    ["0.4450663176505764", "12158.909028374845", "0.7700177411625401"],
];

/// Without joint beliefs, every belief is drawn from its own stream as
/// before: the same values, to the bit.
#[test]
fn beliefs_without_joint_beliefs_draw_as_before() {
    let (params, _) = psa_outputs(&small_with_beliefs(), "4");
    let rows: Vec<Vec<&str>> = params.lines().skip(1).map(|l| l.split(',').skip(1).collect()).collect();
    assert_eq!(
        params.lines().next().unwrap(),
        "draw,economics.utility.symptomatic,interventions.surgery.cost,interventions.surgery.response.probability"
    );
    for (row, pinned) in rows.iter().zip(PINNED) {
        assert_eq!(row.as_slice(), pinned.as_slice());
    }
}

/// The small scenario with a belief on the injection's response, tied
/// to the surgery's by `shared` (correlation `r`), the conservative
/// response and recovery time by `normal`, and the grade's weights by
/// `dirichlet`.
fn small_with_joint_beliefs(r: &str) -> String {
    let text = small_with_beliefs()
        .replacen(
            "response = { probability = 0.6 }",
            "response = { probability = { beta_mean = 0.6, sd = 0.1 } }",
            1,
        )
        .replacen("median = 4, p90 = 8", "median = 4.0, p90 = 8", 1);
    let joint = format!(
        r#"
[[joint_beliefs]]
name = "operative"
shared = ["interventions.surgery.response.probability", "interventions.injection.response.probability"]
correlation = {r}

[[joint_beliefs]]
name = "conservative"
normal = ["interventions.physio.response.probability", "interventions.physio.recovery_time.median"]
scale = ["logit", "log"]
mean = [-0.6, 1.386]
sd = [0.3, 0.2]
correlation = [[1, -0.5], [-0.5, 1]]

[[joint_beliefs]]
name = "grades"
dirichlet = ["cohort.covariates.grade.weights[0]", "cohort.covariates.grade.weights[1]"]
alpha = [40, 60]
"#
    );
    text.replacen("[economics]", &format!("{joint}\n[economics]"), 1)
}

/// psa.csv has a column for every member; the beliefs outside joint
/// beliefs keep their draws; a comonotone pair has identical ranks and
/// a Dirichlet's shares sum to one in every draw.
#[test]
fn psa_shows_the_joint_draws() {
    let (params, importance) = psa_outputs(&small_with_joint_beliefs("1"), "20");
    let column = |name: &str| -> Vec<f64> { csv_column(&params, name).iter().map(|c| c.parse().unwrap()).collect() };
    let utility = csv_column(&params, "economics.utility.symptomatic");
    let cost = csv_column(&params, "interventions.surgery.cost");
    for (d, pinned) in PINNED.iter().enumerate() {
        assert_eq!([utility[d].as_str(), cost[d].as_str()], [pinned[0], pinned[1]]);
    }
    let (surgery, injection) = (
        column("interventions.surgery.response.probability"),
        column("interventions.injection.response.probability"),
    );
    let rank = |x: &[f64]| {
        let mut order: Vec<usize> = (0..x.len()).collect();
        order.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
        order
    };
    assert_eq!(rank(&surgery), rank(&injection));
    let (moderate, severe) = (
        column("cohort.covariates.grade.weights[0]"),
        column("cohort.covariates.grade.weights[1]"),
    );
    for (a, b) in moderate.iter().zip(&severe) {
        assert!((a + b - 1.0).abs() < 1e-12, "{a} + {b}");
    }
    let p = column("interventions.physio.response.probability");
    let median = column("interventions.physio.recovery_time.median");
    assert!(p.iter().all(|&v| v > 0.0 && v < 1.0) && median.iter().all(|&v| v > 0.0));
    assert!(p.windows(2).any(|w| w[0] != w[1]));
    // Importance: the comonotone pair has one coefficient, the two shares
    // opposite ones, and nothing is NaN (the rank matrix would be singular
    // with both members of either pair in it).
    let prcc = |name: &str| -> f64 {
        let line = importance.lines().find(|l| l.starts_with(&format!("{name},"))).unwrap();
        line.rsplit(',').next().unwrap().parse().unwrap()
    };
    assert_eq!(
        prcc("interventions.surgery.response.probability"),
        prcc("interventions.injection.response.probability")
    );
    assert_eq!(
        prcc("cohort.covariates.grade.weights[0]"),
        -prcc("cohort.covariates.grade.weights[1]")
    );
    assert!(!importance.contains("NaN"), "{importance}");
}

/// `describe` says each joint belief in a line; a plain run uses each
/// member's mean.
#[test]
fn describe_says_the_joint_beliefs() {
    let doc = Document::parse(&small_with_joint_beliefs("0.7"), "joint.toml").unwrap();
    let s = doc.scenario(&Overrides::default()).unwrap();
    let words = foramen::analysis::describe::describe(&s);
    for line in [
        "drawn together, operative: Gaussian copula, correlation 0.7 over interventions.surgery.response.probability, interventions.injection.response.probability",
        "drawn together, conservative: multivariate normal on scales logit, log, correlation -0.5 over interventions.physio.response.probability, interventions.physio.recovery_time.median",
        "drawn together, grades: Dirichlet(40, 60) over cohort.covariates.grade.weights[0], cohort.covariates.grade.weights[1]",
    ] {
        assert!(words.contains(line), "{line} not in\n{words}");
    }
    let names: Vec<(&str, usize)> = s
        .joint_beliefs()
        .iter()
        .map(|j| (j.name.as_str(), j.paths.len()))
        .collect();
    assert_eq!(names, [("operative", 2), ("conservative", 2), ("grades", 2)]);
    assert_eq!(doc.number("cohort.covariates.grade.weights[0]"), Some(0.4));
    assert_eq!(
        doc.number("interventions.physio.recovery_time.median"),
        Some((1.386f64 + 0.02).exp())
    );
}

/// A marginal whose tails break its key's rule is refused when read.
#[test]
fn a_marginal_must_fit_its_key() {
    // A normal probability of mean 0.35 and sd 0.3: valid at its mean,
    // below 0 in 12% of draws.
    let text = small_with_joint_beliefs("0.5")
        .replacen(r#"scale = ["logit", "log"]"#, r#"scale = ["identity", "log"]"#, 1)
        .replacen("mean = [-0.6, 1.386]", "mean = [0.35, 1.386]", 1);
    let err = Document::parse(&text, "joint.toml")
        .unwrap()
        .scenario(&Overrides::default())
        .unwrap_err()
        .to_string();
    for words in [
        "joint_beliefs.conservative.normal[0]",
        "puts 0.1% of draws below",
        "interventions.physio.response.probability",
    ] {
        assert!(err.contains(words), "{words} not in {err}");
    }
}

/// Calibration takes a joint belief whole, with its copula, or refuses
/// it: named in part, or without a density (comonotone); by default a
/// comonotone or Dirichlet joint belief is left out, not calibrated as if
/// independent.
#[test]
fn calibration_takes_a_joint_belief_whole_or_refuses_it() {
    let plan = |params: &[&str]| Plan {
        patients: 200,
        threads: 1,
        prior_points: 6,
        batch: 3,
        rounds: 1,
        posterior: 5,
        iterations: 2,
        params: params.iter().map(ToString::to_string).collect(),
    };
    let targets_text = r#"
[[target]]
name = "recovered"
source = "synthetic"
published = 0.8
n = 400
comparability = "good"
independent = true
day = 300
outcome = "recovered"
"#;
    let fit = |r: &str, params: &[&str]| {
        let doc = Document::parse(&small_with_joint_beliefs(r), "joint.toml").unwrap();
        let overrides = Overrides::default();
        let scenario = doc.scenario(&overrides).unwrap();
        let targets = Targets::from_toml(targets_text, "targets.toml", &scenario).unwrap();
        calibrate(&doc, &overrides, &targets, &plan(params), &Unobserved).map(|f| {
            f.parameters
                .iter()
                .zip(&f.calibrated)
                .filter(|(_, c)| **c)
                .map(|(b, _)| b.path.clone())
                .collect::<Vec<_>>()
        })
    };
    let surgery = "interventions.surgery.response.probability";
    let injection = "interventions.injection.response.probability";
    let part = fit("0.5", &[surgery]).unwrap_err().to_string();
    assert!(part.contains("calibrate all of its members or none"), "{part}");
    let comonotone = fit("1", &[surgery, injection]).unwrap_err().to_string();
    assert!(comonotone.contains("no joint density"), "{comonotone}");
    // By default: the copula and the normal whole, the Dirichlet left out.
    let calibrated = fit("0.5", &[]).unwrap();
    assert_eq!(
        calibrated,
        [
            "interventions.injection.response.probability",
            "interventions.surgery.response.probability",
            "interventions.physio.response.probability",
            "interventions.physio.recovery_time.median",
        ]
    );
    let calibrated = fit("1", &[]).unwrap();
    assert!(
        !calibrated.iter().any(|p| p == surgery || p.contains("grade")),
        "{calibrated:?}"
    );
}
