//! Labels from the scenario (issue 17): what charts and tables call
//! policies, covariates and their subgroups, outcomes and parameters.

use foramen::outcome;
use foramen::scenario::Scenario;

use crate::util::{SMALL_TEXT, refused};

/// The small scenario with every kind of label.
fn labelled() -> String {
    SMALL_TEXT
        .replacen(
            "name = \"grade\"\n",
            "name = \"grade\"\nlabel = \"Foraminal stenosis grade\"\nlevel_labels = [\"Moderate\", \"Severe\"]\n",
            1,
        )
        .replacen(
            "name = \"age\"\n",
            "name = \"age\"\nlevel_labels = [\"Under 50\", \"50 to 64\", \"65 and over\"]\n",
            1,
        )
        .replacen(
            "name = \"stepwise\"\n",
            "name = \"stepwise\"\nlabel = \"  Stepwise care \"\n",
            1,
        )
        + "\n[labels]\noutcomes = { recovered = \"Recovered by two years\" }\n\
           parameters = { \"interventions.physio.response.probability\" = \"Physiotherapy response\" }\n"
}

#[test]
fn labels_are_read_and_default_to_names() {
    let s = Scenario::from_toml(&labelled(), "labelled.toml").unwrap();
    let policies: Vec<&str> = s.policies().iter().map(|p| p.label.as_str()).collect();
    // Trimmed; an unlabelled policy is called by its name.
    assert_eq!(policies, ["Stepwise care", "early-surgery"]);
    let grade = &s.covariates()[0];
    assert_eq!(grade.label, "Foraminal stenosis grade");
    assert_eq!(grade.group_labels().unwrap(), ["Moderate", "Severe"]);
    // The subgroups keep their values (subgroups.csv, --by) beside the labels.
    assert_eq!(grade.group_values().unwrap(), ["moderate", "severe"]);
    let deficit = &s.covariates()[1];
    assert_eq!(deficit.label, "motor_deficit");
    assert_eq!(deficit.group_labels().unwrap(), ["false", "true"]);
    assert_eq!(s.covariates()[2].group_labels().unwrap()[1], "50 to 64");
    let labels = s.labels();
    assert_eq!(
        labels.outcome(outcome::find("recovered").unwrap()),
        "Recovered by two years"
    );
    // An outcome the scenario does not label keeps its built-in words.
    let surgery = outcome::find("surgery").unwrap();
    assert_eq!(labels.outcome(surgery), surgery.label);
    assert_eq!(
        labels.parameter("interventions.physio.response.probability"),
        "Physiotherapy response"
    );
    assert_eq!(
        labels.parameter("interventions.surgery.response.probability"),
        "interventions.surgery.response.probability"
    );
}

#[test]
fn bad_labels_are_refused_naming_the_key() {
    let bad = |from: &str, to: &str, expected: &[&str]| {
        let text = labelled();
        assert!(text.contains(from), "no `{from}`");
        let tmp = tempfile::TempDir::new().unwrap();
        let path = tmp.path().join("bad.toml");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        crate::util::stderr_has(
            crate::util::foramen().arg("validate").arg(&path).assert().code(2),
            expected,
        );
    };
    bad(
        "recovered = ",
        "recoverd = ",
        &[
            "labels.outcomes.recoverd",
            "did you mean `recovered`",
            "symptomatic_days",
        ],
    );
    bad(
        "[\"Moderate\", \"Severe\"]",
        "[\"Moderate\"]",
        &[
            "cohort.covariates.grade.level_labels",
            "1 labels",
            "one label per subgroup",
            "2 (moderate, severe)",
        ],
    );
    bad(
        "\"  Stepwise care \"",
        "\"  \"",
        &["policies.stepwise.label", "a label needs some text"],
    );
    bad(
        "\"Recovered by two years\"",
        &format!("\"{}\"", "x".repeat(81)),
        &["labels.outcomes.recovered", "at most 80 characters"],
    );
    bad(
        "parameters = { \"interventions.physio.response.probability\"",
        "parameters = { \"interventions.physio.response.probabilty\"",
        &[
            "labels.parameters.\"interventions.physio.response.probabilty\"",
            "did you mean `interventions.physio.response.probability`",
        ],
    );
    bad(
        "label = \"Foraminal stenosis grade\"",
        "label = \"Grade\\nof stenosis\"",
        &["cohort.covariates.grade.label", "one line"],
    );
}

/// A continuous covariate has subgroups to label only with break points.
#[test]
fn level_labels_need_subgroups() {
    refused(
        "breaks = [50, 65]",
        "level_labels = [\"young\", \"old\"]",
        &[
            "cohort.covariates.age.level_labels",
            "without `breaks` has no subgroups",
        ],
    );
}

/// A run writes labels.csv, and its charts and report call things by their
/// labels; the tornado calls parameters by theirs.
#[test]
fn charts_and_the_report_use_the_labels() {
    let tmp = tempfile::TempDir::new().unwrap();
    let run = crate::util::run_text(tmp.path(), "run", &labelled(), &["--patients", "2000", "--by", "grade"]);
    let labels = std::fs::read_to_string(run.join("labels.csv")).unwrap();
    for row in [
        "kind,name,label",
        "policy,stepwise,Stepwise care",
        "policy,early-surgery,early-surgery",
        "covariate,grade,Foraminal stenosis grade",
        "level,grade=severe,Severe",
        "level,motor_deficit=true,true",
        "outcome,recovered,Recovered by two years",
        "outcome,surgery,surgery",
        "parameter,interventions.physio.response.probability,Physiotherapy response",
    ] {
        assert!(labels.lines().any(|l| l == row), "labels.csv lacks `{row}`:\n{labels}");
    }
    let svg = |name: &str| std::fs::read_to_string(run.join(format!("{name}.svg"))).unwrap();
    assert!(svg("recovery_curves").contains("Stepwise care"));
    assert!(svg("pathway").contains("Stepwise care"));
    let forest = svg("differences");
    assert!(forest.contains("early-surgery: Recovered by two years"), "{forest}");
    // Subgroup rows carry the subgroup's patients, as subgroups.csv counts them.
    let subgroups = std::fs::read_to_string(run.join("subgroups.csv")).unwrap();
    let severe = subgroups
        .lines()
        .find(|l| l.starts_with("stepwise,grade=severe,"))
        .unwrap();
    let n = crate::util::csv_column(&format!("{}\n{severe}", subgroups.lines().next().unwrap()), "patients");
    // The count as charts print numbers, with thousands separators.
    let digits = n[0].clone();
    let grouped: String = digits
        .chars()
        .enumerate()
        .flat_map(|(i, c)| {
            ((i > 0 && (digits.len() - i) % 3 == 0).then_some(','))
                .into_iter()
                .chain([c])
        })
        .collect();
    let row = format!("Foraminal stenosis grade: Severe (n = {grouped})");
    assert!(svg("subgroup_differences_recovered").contains(&row), "no `{row}`");
    let report = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(report.contains("<th>Stepwise care</th>"));
    assert!(report.contains("Comparison with Stepwise care"));
    // Outcomes by their labels, shares in percent.
    assert!(report.contains("<td>Recovered by two years (%)</td>"));

    let file = tmp.path().join("run.toml");
    let out = tmp.path().join("sensitivity");
    crate::util::foramen()
        .args(["sensitivity", "--patients", "500", "--quiet", "--out"])
        .arg(&out)
        .arg(&file)
        .assert()
        .success();
    let tornado = std::fs::read_to_string(out.join("tornado.svg")).unwrap();
    assert!(tornado.contains("Physiotherapy response [0.2, 0.6]"), "{tornado}");
    assert!(tornado.contains("interventions.surgery.response.probability"));
}

/// The probabilistic analysis's charts call policies and parameters by
/// their labels (the default scenario has both), and write labels.csv; the
/// terminal keeps the names, which are what a user types.
#[test]
fn psa_charts_use_the_labels_and_the_terminal_the_names() {
    let tmp = tempfile::TempDir::new().unwrap();
    let out = tmp.path().join("psa");
    let printed = crate::util::foramen()
        .args(["psa", "--draws", "10", "--patients", "300", "--out"])
        .arg(&out)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&printed.get_output().stdout).to_string();
    assert!(
        stdout.contains("\nstepwise ") && !stdout.contains("Stepwise care"),
        "{stdout}"
    );
    let svg = |name: &str| std::fs::read_to_string(out.join(format!("{name}.svg"))).unwrap();
    let plane = svg("ce_plane");
    assert!(
        plane.contains("Cost-effectiveness plane against Stepwise care"),
        "{plane}"
    );
    assert!(plane.contains("Early open surgery (severe)") && !plane.contains("early-surgery"));
    for chart in ["ceac", "psa_recovery"] {
        let text = svg(chart);
        assert!(
            text.contains("Open surgery first") && !text.contains("open-first"),
            "{chart}"
        );
    }
    let importance = svg("importance");
    assert!(importance.contains("against Stepwise care"));
    assert!(importance.contains("Conservative care: response"), "{importance}");
    assert!(!importance.contains("interventions.physio-nsaids.response.probability"));
    let labels = std::fs::read_to_string(out.join("labels.csv")).unwrap();
    assert!(
        labels.contains("policy,early-surgery,Early open surgery (severe)"),
        "{labels}"
    );
}
