//! Refusals: inputs whose size or depth the user controls, bad flags,
//! files and directories each get one clear message and exit 2, never a
//! crash.

use predicates::prelude::*;
use tempfile::TempDir;

use crate::util::{SMALL, SMALL_TEXT, foramen, refused, run_quiet, stderr_has, validate_edit, validate_text};

/// Six covariates of 64 levels split by all six: 6.9e10 subgroups, which
/// used to abort the process on a 15 TB allocation.
#[test]
fn huge_subgroup_splits_are_refused_with_the_estimate() {
    let mut text = SMALL_TEXT.to_string();
    let levels: Vec<String> = (0..64).map(|i| format!("\"l{i}\"")).collect();
    let weights = vec!["0.015625"; 64].join(", ");
    for c in 1..=6 {
        text += &format!(
            "\n[[cohort.covariates]]\nname = \"c{c}\"\nlevels = [{}]\nweights = [{weights}]\n",
            levels.join(", ")
        );
    }
    // TOML lets an array of tables gain entries anywhere in the file.
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("wide.toml");
    std::fs::write(&file, text).unwrap();
    foramen()
        .arg("run")
        .arg(&file)
        .args(["--patients", "10", "--by", "c1,c2,c3,c4,c5,c6", "--out"])
        .arg(tmp.path().join("run"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("accumulators would take about"))
        .stderr(predicate::str::contains("68719476736 subgroups"))
        .stderr(predicate::str::contains("the limit is 8 GiB"));
    assert!(!tmp.path().join("run").exists());
}

/// Conditions nested tens of thousands deep used to overflow the stack.
#[test]
fn deeply_nested_conditions_are_refused() {
    for (condition, says) in [
        (
            format!("{}motor_deficit{}", "(".repeat(30_000), ")".repeat(30_000)),
            "at most 1000",
        ),
        (format!("{}motor_deficit", "not ".repeat(50_000)), "at most 1000"),
        (format!("{}motor_deficit", "not ".repeat(40)), "nest more than 32 deep"),
    ] {
        validate_edit("if = \"not motor_deficit\"", &format!("if = \"{condition}\""))
            .code(2)
            .stderr(predicate::str::contains(says))
            .stderr(predicate::str::contains("natural_history.progression.if"));
    }
}

/// A contrast of medians has no paired difference: refused with what to do
/// instead (it used to exit 0 with NaN everywhere and an empty tornado).
#[test]
fn a_contrast_of_medians_is_refused() {
    let tmp = TempDir::new().unwrap();
    foramen()
        .args(["sensitivity", crate::util::SMALL, "--patients", "300"])
        .args([
            "--contrast",
            "early-surgery,stepwise",
            "--outcome",
            "median_days",
            "--out",
        ])
        .arg(tmp.path().join("s"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--contrast early-surgery,stepwise: the outcome median_days",
        ))
        .stderr(predicate::str::contains(
            "no paired difference; measure it under one policy",
        ));
    assert!(!tmp.path().join("s").exists());
}

/// `merge` of a directory that is not a shard says what a shard directory
/// is (it used to say only that partial.json could not be read).
#[test]
fn merging_a_directory_that_is_not_a_shard_says_what_one_is() {
    let tmp = TempDir::new().unwrap();
    foramen()
        .arg("merge")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is not a shard directory"))
        .stderr(predicate::str::contains("the shards of one sharded run"));
}

/// A shard run without `--out` names its directory after the shard.
#[test]
fn a_shard_without_out_is_named_after_the_shard() {
    let tmp = TempDir::new().unwrap();
    let scenario = std::path::Path::new(crate::util::SMALL).canonicalize().unwrap();
    foramen()
        .current_dir(tmp.path())
        .arg("run")
        .arg(&scenario)
        .args(["--patients", "300", "--shard", "1/3", "-q"])
        .assert()
        .success();
    let names: Vec<String> = std::fs::read_dir(tmp.path().join("output"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(names[0].starts_with("small-shard-1-of-3-"), "{names:?}");
}

/// The help lists every exit code, and `--threads` shows no misleading
/// "[default: 0]" beside "one per core".
#[test]
fn help_lists_every_exit_code_and_no_default_thread_count() {
    foramen()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("130 interrupted"));
    foramen()
        .args(["run", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("one per core"))
        .stdout(predicate::str::contains("[default: 0]").not());
}

/// `validate` counts in words a person would write ("1 policy", not "1
/// policies").
#[test]
fn validate_counts_in_singular_and_plural() {
    let second = "[[policies]]\nname = \"early-surgery\"\nsteps = [\n  { intervention = \"physio\", skip_if = \"grade == 'severe' or motor_deficit\" },\n  { intervention = \"surgery\", wait = { family = \"uniform\", low = 14, high = 42 } },\n]\nred_flag = { jump_to = \"surgery\", wait = { family = \"fixed\", value = 7 } }\n";
    validate_edit(second, "")
        .success()
        .stdout(predicate::str::contains("3 covariates, 3 interventions, 1 policy)"));
}

/// Type errors are said in words, not Rust type names.
#[test]
fn type_errors_name_no_rust_types() {
    for (from, to, says) in [
        (
            "patients = 2000",
            "patients = -5",
            "expected a whole number from 0 to 18446744073709551615",
        ),
        (
            "attempts = 2",
            "attempts = -1",
            "expected a whole number from 0 to 4294967295",
        ),
    ] {
        validate_edit(from, to)
            .code(2)
            .stderr(predicate::str::contains(says))
            .stderr(predicate::str::contains("expected u").not());
    }
}

/// Every rule broken is named in one run of `validate`, across sections and
/// within one entry, with a count; before, only the first was.
#[test]
fn validate_names_every_problem_of_a_file() {
    let text = SMALL_TEXT
        .replacen("horizon_days = 365", "horizon_days = 0", 1)
        .replacen("probability = 0.1", "probability = 1.1", 1)
        .replacen(
            "response = { probability = 0.6 }",
            "response = { probability = 1.6 }",
            1,
        )
        .replacen(
            "failure_time = { family = \"fixed\", value = 21 }",
            "failure_time = { family = \"fixed\", value = -1 }",
            1,
        )
        .replacen(
            "{ intervention = \"injection\", attempts = 2 }",
            "{ intervention = \"injektion\", attempts = 0 }",
            1,
        )
        .replacen("[0.2, 0.6]", "[0.6, 0.2]", 1);
    stderr_has(
        validate_text(&text).code(2),
        &[
            "7 problems:",
            "simulation.horizon_days = 0",
            "cohort.covariates.motor_deficit.probability = 1.1",
            "interventions.injection.response.probability = 1.6",
            "interventions.injection.failure_time",
            "policies.stepwise.steps[1].intervention = \"injektion\"",
            "(did you mean `injection`?)",
            "policies.stepwise.steps[1].attempts = 0",
            "ranges.\"interventions.physio.response.probability\" = [0.6, 0.2]",
        ],
    );
}

/// A `--range` whose points are not whole, on a whole-number key, is
/// refused with the whole values to give instead.
#[test]
fn a_fractional_range_on_a_whole_key_suggests_values() {
    let param = "policies.stepwise.steps[1].attempts";
    let sweep = foramen()
        .args(["sweep", SMALL, "--param", param, "--range", "1..4", "--steps", "3"])
        .assert()
        .code(2);
    stderr_has(sweep, &["gives 1, 2.5, 4", "--values 1,2,3,4"]);
}

/// A curve step off the 1/8-day grid of the bins is refused with the two
/// nearest steps on it; `--horizon` shorter than the step shrinks the step
/// to a whole number of eighths.
#[test]
fn a_curve_step_off_the_eighth_day_grid_is_refused() {
    refused(
        "curve_step_days = 7",
        "curve_step_days = 7.3",
        &["simulation.curve_step_days = 7.3", "7.25 or 7.375 instead"],
    );
    let tmp = TempDir::new().unwrap();
    let out = run_quiet(tmp.path(), "run", SMALL, &["--horizon", "1.3", "--patients", "50"]);
    let curves = std::fs::read_to_string(out.join("curves.csv")).unwrap();
    let days: Vec<&str> = curves
        .lines()
        .filter(|l| l.starts_with("stepwise,recovered,"))
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(days, ["0.0", "1.25", "1.3"], "{curves}");
}

/// A type error in a scenario with distributions of belief (the default
/// has them) keeps its line, column and key path: it used to say only
/// `invalid type: string "three", expected u32 (with each distribution of
/// belief at its mean)`, with five `attempts` keys in the file.
#[test]
fn type_errors_beside_beliefs_keep_line_and_key_path() {
    let text = foramen::scenario::DEFAULT_TOML;
    let at = text.find("attempts = 3 ").expect("an `attempts = 3` in the default");
    let line = text[..at].matches('\n').count() + 1;
    let bad = text.replacen("attempts = 3 ", "attempts = \"three\" ", 1);
    stderr_has(
        validate_text(&bad).code(2),
        &[
            &format!("line {line}, column 12: policies.stepwise.steps[1].attempts: invalid type: string \"three\""),
            "^",
        ],
    );
    let belief = text.replacen("attempts = 3 ", "attempts = { beta = [1, 2] } ", 1);
    stderr_has(
        validate_text(&belief).code(2),
        &[
            &format!("line {line}, column 12: policies.stepwise.steps[1].attempts"),
            "a distribution of belief is not allowed here",
        ],
    );
}

/// A covariate named twice among the subgroups is refused when read, from
/// the file or from `--by` (it used to fail after the whole simulation
/// with a polars error).
#[test]
fn duplicate_subgroups_are_refused_before_the_run() {
    refused(
        "subgroups = [\"grade\"]",
        "subgroups = [\"grade\", \"grade\"]",
        &["simulation.subgroups[1] = \"grade\"", "listed once"],
    );
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("out");
    stderr_has(
        foramen()
            .args(["run", SMALL, "--by", "grade,grade", "--out"])
            .arg(&out)
            .assert()
            .code(2),
        &["--by grade,grade: grade is listed twice"],
    );
    assert!(!out.exists());
}

/// A belief on the horizon is refused: each draw would have its own
/// horizon and psa_curves.csv would mix them.
#[test]
fn a_belief_on_the_horizon_is_refused() {
    refused(
        "horizon_days = 365",
        "horizon_days = { uniform = [300, 400] }",
        &["simulation.horizon_days", "the same for every draw"],
    );
}

/// A device, a pipe or a directory where a file is expected is refused
/// before anything reads it: /dev/zero as a scenario used to be read
/// until memory ran out (the size cap trusted the size the file reports),
/// and a directory as --posterior said "No such device".
#[cfg(unix)]
#[test]
fn devices_pipes_and_directories_are_refused_before_reading() {
    let tmp = TempDir::new().unwrap();
    let fifo = tmp.path().join("fifo.toml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for file in [std::path::Path::new("/dev/zero"), fifo.as_path()] {
        stderr_has(
            foramen()
                .arg("validate")
                .arg(file)
                .timeout(std::time::Duration::from_secs(20))
                .assert()
                .code(2),
            &["it is not a regular file (a device or a pipe)"],
        );
    }
    stderr_has(
        foramen()
            .args(["targets", SMALL, "--targets", "/dev/zero", "--out"])
            .arg(tmp.path().join("t"))
            .timeout(std::time::Duration::from_secs(20))
            .assert()
            .code(2),
        &["/dev/zero", "not a regular file"],
    );
    stderr_has(
        foramen()
            .args(["psa", SMALL, "--draws", "2", "--patients", "10", "--posterior"])
            .arg(tmp.path())
            .arg("--out")
            .arg(tmp.path().join("p"))
            .assert()
            .code(2),
        &["posterior sample", "it is a directory"],
    );
}

/// Names and labels are plain text: no control characters (an escape
/// sequence would run in the terminal that shows `describe` or the run's
/// table) and no leading `=`, `+`, `-` or `@` (a spreadsheet opening a CSV
/// table would run `=HYPERLINK(...)` as a formula). Anything else a
/// message echoes is printed with its control characters escaped, and a
/// line of a megabyte is cut.
#[test]
fn names_labels_and_echoed_values_are_safe_to_show() {
    refused(
        "name = \"stepwise\"",
        "name = \"=HYPERLINK(\\\"http://x\\\")\"",
        &["policies[0].name", "do not start with =, +, - or @"],
    );
    refused(
        "name = \"stepwise\"",
        "name = \"stepwise\"\nlabel = \"\\u001b[2J\"",
        &["policies.stepwise.label", "no control characters"],
    );
    let echoed = validate_edit("intervention = \"physio\"", "intervention = \"\\u001b[2Jphysio\"").code(2);
    let stderr = String::from_utf8_lossy(&echoed.get_output().stderr).to_string();
    assert!(
        !stderr.contains('\u{1b}'),
        "a raw escape reached the terminal: {stderr:?}"
    );
    assert!(stderr.contains("\\u{1b}[2Jphysio"), "{stderr}");
    let long = validate_edit("name = \"small\"", &format!("name = \"{}!\"", "a".repeat(1_000_000))).code(2);
    let stderr = String::from_utf8_lossy(&long.get_output().stderr).to_string();
    assert!(
        stderr.len() < 2_000 && stderr.contains("aaa… (1000003 characters)"),
        "{} bytes: {stderr}",
        stderr.len()
    );
}

/// Sizes are bounded before they cost: more than 256 policies or
/// interventions, more than 1,000 distributions of belief (the importance
/// analysis inverts a matrix of their number squared) and more than 500
/// targets are refused when read, naming the limit. (10,002 policies used
/// to run out of memory in the tables and charts, 30,000 beliefs in the
/// importance step, 30,000 targets in a 4.6 GB chart.)
#[test]
fn counts_beyond_their_limits_are_refused_when_read() {
    let policies: String = (0..257)
        .map(|k| format!("\n[[policies]]\nname = \"p{k}\"\nsteps = [{{ intervention = \"physio\" }}]\n"))
        .collect();
    stderr_has(
        validate_text(&format!("{SMALL_TEXT}{policies}")).code(2),
        &["policies = 259 policies", "at most 256 policies"],
    );
    let beliefs: String = (0..1001).map(|k| format!("b{k} = {{ beta = [1, 1] }}\n")).collect();
    stderr_has(
        validate_text(&SMALL_TEXT.replacen("[ranges]", &format!("[ranges]\n{beliefs}"), 1)).code(2),
        &["distribution of belief 1001 of 1001", "at most 1000"],
    );
    let targets: String = (0..501)
        .map(|k| format!("[[target]]\nname = \"t{k}\"\nsource = \"B\"\npublished = 0.5\nrange = [0.25, 0.75]\ncomparability = \"good\"\norigin = \"physio\"\nday = 300\noutcome = \"no procedure\"\n"))
        .collect();
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("targets.toml");
    std::fs::write(&file, targets).unwrap();
    stderr_has(
        foramen()
            .args(["targets", SMALL, "--targets"])
            .arg(&file)
            .arg("--out")
            .arg(tmp.path().join("t"))
            .assert()
            .code(2),
        &["target = 501 targets", "at most 500 targets"],
    );
}
