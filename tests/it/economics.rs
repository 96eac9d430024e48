//! Economics (issue 14): costs, QALYs and life-years per patient, the
//! incremental analysis and net monetary benefit, their agreement with
//! the paired comparisons, reproducibility across threads and shards, and
//! the errors of a bad `[economics]`.

use std::fs;

use predicates::prelude::*;
use tempfile::TempDir;

use crate::util::{
    SMALL_TEXT, csv_column, foramen, patients, resealed, run_quiet, run_text, stderr_has, validate_text,
};

/// The small scenario with costs, a complication's QALY loss, a
/// surgery's own utility and `[economics]`.
pub fn small_with_economics() -> String {
    let with_costs = SMALL_TEXT.replacen(
        "delay = { family = \"fixed\", value = 14 } }]",
        "delay = { family = \"fixed\", value = 14 }, cost = 3000, qaly_loss = 0.02 }]\ncost = 12000\nutility = 0.8",
        1,
    );
    assert_ne!(with_costs, SMALL_TEXT);
    with_costs.replacen(
        "# Plausible ranges",
        "[economics]\ncurrency = \"EUR\"\ndiscount_rate = 0.035\nwillingness_to_pay = [20000, 30000]\n\
         utility = { symptomatic = 0.5, symptom_free = 0.85, recovering = 0.55 }\n\
         daily_cost = { symptomatic = 4 }\n\n# Plausible ranges",
        1,
    )
}

fn number(cell: &str) -> f64 {
    cell.parse().unwrap_or_else(|_| panic!("not a number: {cell}"))
}

/// The cell of `column` in the row whose first cells are `keys`.
fn cell(text: &str, keys: &[&str], column: &str) -> String {
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let i = header.iter().position(|h| *h == column).unwrap();
    let line = text
        .lines()
        .find(|l| l.split(',').zip(keys).all(|(a, b)| a.trim_matches('"') == *b))
        .unwrap_or_else(|| panic!("no row {keys:?}"));
    line.split(',').nth(i).unwrap().to_string()
}

/// cea.csv's incremental intervals against the reference, computed from
/// the joint cross-product sums, equal comparison.csv's paired intervals
/// (from the per-outcome difference sums): two routes to one number. Its
/// ICER is the ratio of the differences, inside Fieller's interval, and
/// nmb.csv's incremental NMB is `λ ΔE - ΔC`.
#[test]
fn cost_effectiveness_agrees_with_the_paired_comparison() {
    let tmp = TempDir::new().unwrap();
    let out = run_text(tmp.path(), "econ", &small_with_economics(), &["--patients", "20000"]);
    let cea = fs::read_to_string(out.join("cea.csv")).unwrap();
    let comparison = fs::read_to_string(out.join("comparison.csv")).unwrap();
    let nmb = fs::read_to_string(out.join("nmb.csv")).unwrap();
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    let policies = csv_column(&cea, "policy");
    let with = csv_column(&cea, "compared_with");
    for (p, w) in policies.iter().zip(&with) {
        let mean = number(&cell(&summary, &[p], "cost"));
        assert_eq!(mean, number(&cell(&cea, &[p], "cost")), "{p}");
        assert_eq!(
            number(&cell(&summary, &[p], "qalys_se")),
            number(&cell(&cea, &[p], "qalys_se"))
        );
        if w.trim_matches('"') == "stepwise" {
            for (outcome, column) in [("cost", "incremental_cost"), ("qalys", "incremental_qalys")] {
                let paired = number(&cell(&comparison, &[p, "stepwise", outcome], "paired_se"));
                let joint = number(&cell(&cea, &[p], &format!("{column}_se")));
                assert!((paired / joint - 1.0).abs() < 1e-9, "{outcome}: {paired} vs {joint}");
            }
        }
    }
    let p = "early-surgery";
    let dc = number(&cell(&comparison, &[p, "stepwise", "cost"], "difference"));
    let de = number(&cell(&comparison, &[p, "stepwise", "qalys"], "difference"));
    assert!(dc != 0.0 && de != 0.0);
    for wtp in ["20000.0", "30000.0"] {
        let inc = number(&cell(&nmb, &[wtp, p], "incremental_nmb"));
        let expected = number(wtp) * de - dc;
        assert!(
            (inc - expected).abs() < 1e-6 * expected.abs().max(1.0),
            "{inc} vs {expected}"
        );
    }
    // Here early surgery costs more for fewer QALYs: dominated, no ICER.
    assert!(dc > 0.0 && de < 0.0);
    assert_eq!(cell(&cea, &[p], "status"), "dominated");
    assert_eq!(cell(&cea, &[p], "icer"), "");
}

/// Per-patient costs and QALYs in patients.parquet average to summary.csv
/// (the per-patient values are kept to 1/16 of a currency unit and 2^-20
/// QALY: the means agree to that rounding).
#[test]
fn patient_costs_average_to_the_summary() {
    let tmp = TempDir::new().unwrap();
    let out = run_text(
        tmp.path(),
        "econ",
        &small_with_economics(),
        &["--patients", "3000", "--patients-out"],
    );
    let df = patients(&out);
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    for (column, resolution) in [("cost", 1e-4), ("qalys", 1.0 / 1_048_576.0), ("life_years", 1e-6)] {
        let mut sums: std::collections::BTreeMap<String, (f64, f64)> = Default::default();
        for i in 0..df.height() {
            let policy = df.column("policy").unwrap().get(i).unwrap().to_string();
            let value: f64 = df.column(column).unwrap().get(i).unwrap().try_extract().unwrap();
            let entry = sums.entry(policy.trim_matches('"').to_string()).or_default();
            entry.0 += value;
            entry.1 += 1.0;
        }
        assert_eq!(sums.len(), 2);
        for (policy, (sum, n)) in sums {
            let mean = sum / n;
            let reported = number(&cell(&summary, &[&policy], column));
            assert!(
                (mean - reported).abs() <= resolution,
                "{column} {policy}: {mean} vs {reported}"
            );
        }
    }
}

/// One visit of cost 1.1 for every patient, undiscounted.
const ONE_VISIT: &str = r#"name = "money"
[simulation]
patients = 1000
seed = 1
horizon_days = 365
[[interventions]]
name = "visit"
level = "conservative"
response = { probability = 1.0 }
recovery_time = { family = "fixed", value = 10 }
failure_time = { family = "fixed", value = 10 }
cost = 1.1
[[policies]]
name = "only"
steps = [{ intervention = "visit" }]
[economics]
currency = "USD"
discount_rate = 0
willingness_to_pay = [50000]
utility = { symptomatic = 0.5, symptom_free = 0.9 }
"#;

/// Money is kept in decimal fixed point (1/10,000): a cost of 1.1 on every
/// patient averages 1.1 exactly, where the binary 1/16 made it 1.125.
#[test]
fn a_cost_of_one_point_one_averages_one_point_one() {
    let tmp = TempDir::new().unwrap();
    let out = run_text(tmp.path(), "money", ONE_VISIT, &[]);
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert_eq!(number(&cell(&summary, &["only"], "cost")), 1.1);
}

/// A cost beyond the range whose sums are exact is refused when read, with
/// the range; one that a path adds up beyond it is refused after the run
/// rather than summed wrongly (it used to saturate and wrap: a cost of
/// 1e20 was reported as 5.76e17 with se 0).
#[test]
fn money_beyond_the_exact_range_is_refused() {
    stderr_has(
        validate_text(&ONE_VISIT.replace("cost = 1.1", "cost = 1e20")).code(2),
        &["interventions.visit.cost = 100000000000000000000", "from 0 to 1e8"],
    );
    // A daily cost that a year of adds up beyond the range: refused when
    // read (the fuzzing found it refused only after the run).
    stderr_has(
        validate_text(&ONE_VISIT.replace(
            "utility = { symptomatic",
            "daily_cost = { symptomatic = 1e6 }\nutility = { symptomatic",
        ))
        .code(2),
        &[
            "economics.daily_cost.symptomatic = 1000000",
            "over the horizon of 365 days it adds up to 3.65e8",
        ],
    );
    let tmp = TempDir::new().unwrap();
    let twice = ONE_VISIT
        .replace("cost = 1.1", "cost = 9e7")
        .replace(
            "steps = [{ intervention = \"visit\" }]",
            "steps = [{ intervention = \"visit\", attempts = 2 }]",
        )
        .replace("probability = 1.0", "probability = 0.0");
    let file = tmp.path().join("twice.toml");
    fs::write(&file, twice).unwrap();
    let assert = foramen()
        .arg("run")
        .arg(&file)
        .args(["--patients", "100", "--out"])
        .arg(tmp.path().join("out"))
        .assert()
        .code(1);
    stderr_has(assert, &["100 patient paths had a cost beyond ±1e8"]);
    assert!(!tmp.path().join("out").exists());
}

/// The cost-effectiveness tables are the same bytes on 1 and 2 threads and
/// after four shards are merged.
#[test]
fn cost_effectiveness_is_reproducible_across_threads_and_shards() {
    let tmp = TempDir::new().unwrap();
    let t = tmp.path();
    let file = t.join("econ.toml");
    fs::write(&file, small_with_economics()).unwrap();
    let one = run_quiet(t, "one", &file, &["--patients", "9000", "--threads", "1"]);
    let two = run_quiet(t, "two", &file, &["--patients", "9000", "--threads", "2"]);
    let mut shards = Vec::new();
    for k in 0..4 {
        let shard = format!("{}/4", k + 1);
        shards.push(run_quiet(
            t,
            &format!("s{k}"),
            &file,
            &["--patients", "9000", "--shard", &shard],
        ));
    }
    foramen()
        .args(["merge", "-q", "--out"])
        .arg(t.join("merged"))
        .args(&shards)
        .assert()
        .success();
    for name in ["cea.csv", "nmb.csv", "summary.csv", "comparison.csv"] {
        let a = fs::read(one.join(name)).unwrap();
        assert_eq!(a, fs::read(two.join(name)).unwrap(), "{name}: threads");
        assert_eq!(a, fs::read(t.join("merged").join(name)).unwrap(), "{name}: shards");
    }
}

#[test]
fn bad_economics_is_refused_with_the_key_path() {
    let good = small_with_economics();
    let cases: [(&str, &str, &[&str]); 7] = [
        // It used to validate, and psa then spun in the chart's ticks.
        (
            "willingness_to_pay = [20000, 30000]",
            "willingness_to_pay = [20000, 1e308]",
            &["economics.willingness_to_pay[1]", "from 0 to 1e8"],
        ),
        (
            "utility = { symptomatic = 0.5,",
            "utility_symptomatic = 0.5\nutility = { symptomatic = 0.5,",
            &["economics.utility_symptomatic", "moved"],
        ),
        (
            "symptom_free = 0.85, ",
            "",
            &["economics.utility.symptom_free", "a utility is needed"],
        ),
        (
            "discount_rate = 0.035",
            "discount_rate = 3.5",
            &["economics.discount_rate", "3.5", "[0, 1]"],
        ),
        (
            "willingness_to_pay = [20000, 30000]",
            "willingness_to_pay = [30000, 20000]",
            &["economics.willingness_to_pay[1]", "ascending"],
        ),
        (
            "qaly_loss = 0.02",
            "qaly_loss = -1",
            &["interventions.surgery.complications[0].qaly_loss", "[0, 1]"],
        ),
        (
            "daily_cost = { symptomatic = 4 }",
            "daily_cost = { symptomatic = -4 }",
            &["economics.daily_cost.symptomatic", "-4"],
        ),
    ];
    for (from, to, expected) in cases {
        assert!(good.contains(from), "no `{from}`");
        stderr_has(validate_text(&good.replacen(from, to, 1)).code(2), expected);
    }
    // Partial responses need a utility for the improved state.
    let partial = good.replacen(
        "response = { probability = 0.85 }",
        "response = { probability = 0.70, partial = 0.15 }",
        1,
    );
    assert_ne!(partial, good);
    stderr_has(
        validate_text(&partial).code(2),
        &["economics.utility.improved", "partial responses"],
    );
}

/// `foramen psa FILE --draws D --patients P` in `count` shards, in
/// `dir`/shard0, shard1, ...
fn psa_shards(
    dir: &std::path::Path,
    file: &std::path::Path,
    draws: &str,
    patients: &str,
    count: u32,
) -> Vec<std::path::PathBuf> {
    (0..count)
        .map(|k| {
            let out = dir.join(format!("shard{k}"));
            foramen()
                .arg("psa")
                .arg(file)
                .args([
                    "--draws",
                    draws,
                    "--patients",
                    patients,
                    "-q",
                    "--shard",
                    &format!("{}/{count}", k + 1),
                    "--out",
                ])
                .arg(&out)
                .assert()
                .success();
            out
        })
        .collect()
}

/// The small scenario with economics and three distributions of belief.
pub fn small_with_beliefs() -> String {
    let text = small_with_economics()
        .replacen(
            "response = { probability = 0.85 }",
            "response = { probability = { beta_mean = 0.85, sd = 0.05 } }",
            1,
        )
        .replacen("cost = 12000", "cost = { gamma_mean = 12000, sd = 3000 }", 1)
        .replacen("symptomatic = 0.5,", "symptomatic = { beta = [50, 50] },", 1);
    assert_eq!(text.matches("_mean").count() + text.matches("beta = [").count(), 3);
    text
}

/// Draw d's parameters and cohort depend on (seed, d) only: the same bytes
/// on 1 and 2 threads, and the first draws of a longer analysis are the
/// draws of a shorter one.
#[test]
fn psa_draws_are_keyed_by_seed_and_draw() {
    let tmp = TempDir::new().unwrap();
    let t = tmp.path();
    let file = t.join("psa.toml");
    fs::write(&file, small_with_beliefs()).unwrap();
    let psa = |name: &str, draws: &str, threads: &str| {
        let out = t.join(name);
        foramen()
            .arg("psa")
            .arg(&file)
            .args([
                "--draws",
                draws,
                "--patients",
                "500",
                "--threads",
                threads,
                "-q",
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        out
    };
    let one = psa("one", "12", "1");
    let two = psa("two", "12", "2");
    for name in [
        "psa.csv",
        "psa_cost.csv",
        "psa_effect.csv",
        "ceac.csv",
        "evpi.csv",
        "evppi.csv",
        "psa_noise.csv",
    ] {
        assert_eq!(
            fs::read(one.join(name)).unwrap(),
            fs::read(two.join(name)).unwrap(),
            "{name}"
        );
    }
    // Three shards merged (in a shuffled order) give the same bytes.
    let shards = psa_shards(t, &file, "12", "500", 3);
    foramen()
        .args(["merge", "-q", "--out"])
        .arg(t.join("merged"))
        .args([&shards[2], &shards[0], &shards[1]])
        .assert()
        .success();
    for name in [
        "psa.csv",
        "ceac.csv",
        "evpi.csv",
        "evppi.csv",
        "psa_noise.csv",
        "importance.csv",
    ] {
        assert_eq!(
            fs::read(one.join(name)).unwrap(),
            fs::read(t.join("merged").join(name)).unwrap(),
            "{name}: shards"
        );
    }
    let short = psa("short", "5", "2");
    let long = fs::read_to_string(one.join("psa.csv")).unwrap();
    let short = fs::read_to_string(short.join("psa.csv")).unwrap();
    // Header and 5 draws x 2 policies.
    let prefix: Vec<&str> = long.lines().take(11).collect();
    assert_eq!(prefix, short.lines().collect::<Vec<_>>());
    // Parameters move between draws; a plain run keeps their means.
    let surgery_cost = csv_column(&long, "interventions.surgery.cost");
    assert!(surgery_cost.iter().any(|c| c != &surgery_cost[0]));
    let params = fs::read_to_string(one.join("psa_parameters.csv")).unwrap();
    assert_eq!(params.lines().count(), 13);
}

/// `psa` reports the EVPPI of each parameter (GAM and binned) and of each
/// `--group` (GAM) at the 101 grid values and the scenario's two, prints
/// it, and refuses a group naming no distribution of belief before any
/// draw; `--no-evppi` writes none.
#[test]
fn psa_reports_evppi_of_parameters_and_groups() {
    let tmp = TempDir::new().unwrap();
    let t = tmp.path();
    let file = t.join("psa.toml");
    fs::write(&file, small_with_beliefs()).unwrap();
    let group = "both=interventions.surgery.cost,economics.utility.symptomatic";
    let out = foramen()
        .arg("psa")
        .arg(&file)
        .args(["--draws", "40", "--patients", "300", "--group", group, "--out"])
        .arg(t.join("with"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains("EVPPI per patient at 20000 EUR per QALY"), "{stdout}");
    assert!(stdout.contains("both "), "{stdout}");
    let table = fs::read_to_string(t.join("with").join("evppi.csv")).unwrap();
    // (3 parameters x 2 methods + 1 group) x (101 + 2) rows and a header.
    assert_eq!(table.lines().count(), 1 + 7 * 103);
    assert!(
        table
            .lines()
            .next()
            .unwrap()
            .starts_with("group,parameters,method,willingness_to_pay")
    );
    let methods = csv_column(&table, "method");
    assert_eq!(methods.iter().filter(|m| *m == "binned").count(), 3 * 103);
    assert!(csv_column(&table, "evppi_per_patient").iter().all(|v| number(v) >= 0.0));
    for chart in ["evppi.png", "evppi.svg", "evppi_curves.png"] {
        assert!(t.join("with").join(chart).exists(), "{chart}");
    }
    stderr_has(
        foramen()
            .arg("psa")
            .arg(&file)
            .args(["--draws", "4", "--group", "x=interventions.surgery.cots", "--out"])
            .arg(t.join("bad"))
            .assert()
            .code(2),
        &[
            "--group x=interventions.surgery.cots",
            "is not a distribution of belief of the scenario (did you mean `interventions.surgery.cost`?)",
        ],
    );
    stderr_has(
        foramen()
            .arg("psa")
            .arg(&file)
            .args(["--draws", "4", "--group", group, "--shard", "1/2", "--out"])
            .arg(t.join("shard"))
            .assert()
            .code(2),
        &["--group both=", "named groups need every draw"],
    );
    foramen()
        .arg("psa")
        .arg(&file)
        .args(["--draws", "4", "--patients", "100", "--no-evppi", "-q", "--out"])
        .arg(t.join("without"))
        .assert()
        .success();
    assert!(!t.join("without").join("evppi.csv").exists());
}

#[test]
fn psa_needs_a_distribution_of_belief() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("plain.toml");
    fs::write(&file, small_with_economics()).unwrap();
    let assert = foramen()
        .arg("psa")
        .arg(&file)
        .args(["--draws", "3", "--patients", "100", "-q", "--out"])
        .arg(tmp.path().join("out"))
        .assert()
        .code(2);
    stderr_has(assert, &["declares no distribution of belief", "beta_mean"]);
}

#[test]
fn bad_beliefs_are_refused_with_the_key_path() {
    let good = small_with_beliefs();
    let cases: [(&str, &str, &[&str]); 3] = [
        (
            "beta_mean = 0.85, sd = 0.05",
            "beta_mean = 1.5, sd = 0.05",
            &["interventions.surgery.response.probability", "strictly between 0 and 1"],
        ),
        (
            "beta_mean = 0.85, sd = 0.05",
            "beta_mean = 0.85, sd = 0.5",
            &["interventions.surgery.response.probability", "too large for a beta"],
        ),
        (
            "gamma_mean = 12000, sd = 3000",
            "gamma_mean = 12000, sd = -3000",
            &["interventions.surgery.cost", "sd must be > 0"],
        ),
    ];
    for (from, to, expected) in cases {
        assert!(good.contains(from), "no `{from}`");
        stderr_has(validate_text(&good.replacen(from, to, 1)).code(2), expected);
    }
}

/// `run` prints the incremental analysis under its table; `psa` refuses a
/// draw count it cannot summarise.
#[test]
fn run_prints_the_incremental_analysis_and_psa_checks_its_draws() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("econ.toml");
    fs::write(&file, small_with_economics()).unwrap();
    let out = foramen()
        .arg("run")
        .arg(&file)
        .args(["--patients", "2000", "--out"])
        .arg(tmp.path().join("run"))
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for words in [
        "ICER (MC 95% Fieller)",
        "dominated by stepwise",
        "highest net monetary benefit at 20000 EUR per QALY",
    ] {
        assert!(stdout.contains(words), "no `{words}` in:\n{stdout}");
    }
    fs::write(&file, small_with_beliefs()).unwrap();
    let refused = foramen()
        .arg("psa")
        .arg(&file)
        .args(["--draws", "1", "-q", "--out"])
        .arg(tmp.path().join("psa"))
        .assert()
        .code(2);
    stderr_has(refused, &["--draws 1", "from 2 to"]);
}

/// `--wtp-max` beyond the money range is refused before the draws (1e307
/// used to hang in the chart's tick computation).
#[test]
fn a_huge_wtp_max_is_refused() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("beliefs.toml");
    fs::write(&file, small_with_beliefs()).unwrap();
    stderr_has(
        foramen()
            .arg("psa")
            .arg(&file)
            .args(["--draws", "2", "--patients", "10", "--wtp-max", "1e307", "--out"])
            .arg(tmp.path().join("p"))
            .assert()
            .code(2),
        &["--wtp-max 1000000", "at most 1e8"],
    );
}

/// merge of PSA shards verifies its draws: a draw in two shards, and a
/// draw with fewer parameters than the scenario has beliefs (it used to
/// panic with an index out of bounds), are refused, naming the draw; an
/// edit without its checksum made again is refused by the checksum.
#[test]
fn psa_merge_verifies_its_draws() {
    let tmp = TempDir::new().unwrap();
    let t = tmp.path();
    let file = t.join("beliefs.toml");
    fs::write(&file, small_with_beliefs()).unwrap();
    let shards = psa_shards(t, &file, "4", "200", 2);
    let partial = shards[1].join("psa_partial.json");
    let good = fs::read_to_string(&partial).unwrap();
    let merge = |name: &str| {
        foramen()
            .args(["merge", "-q", "--out"])
            .arg(t.join(name))
            .args(&shards)
            .assert()
    };
    assert!(good.contains(r#""draws":[[2,["#), "shard 1 of 2 holds draws 2 and 3");
    let twice = good.replacen(r#""draws":[[2,["#, r#""draws":[[0,["#, 1);
    fs::write(&partial, &twice).unwrap();
    merge("a")
        .code(2)
        .stderr(predicate::str::contains("does not match its content"));
    fs::write(&partial, resealed(&twice)).unwrap();
    merge("b")
        .code(2)
        .stderr(predicate::str::contains("draw 0 is in two shards"));
    let at = good.find(r#""draws":[[2,["#).unwrap() + r#""draws":[[2,["#.len();
    let comma = at + good[at..].find(',').unwrap();
    let short = format!("{}{}", &good[..at], &good[comma + 1..]);
    fs::write(&partial, resealed(&short)).unwrap();
    merge("c")
        .code(2)
        .stderr(predicate::str::contains("draw 2 holds 2 parameters"));
    for name in ["a", "b", "c"] {
        assert!(!t.join(name).exists());
    }
}

/// Costs priced in another year are converted by the price index:
/// `cost × index(price_year) / index(cost_year)`, a complication taking
/// its intervention's year unless it gives its own; the converted costs
/// are what `describe` shows. A year the index lacks, or an index without
/// a price year, is refused with the key path.
#[test]
fn costs_of_other_years_are_converted_by_the_price_index() {
    let priced = small_with_economics()
        .replacen("cost = 12000", "cost = 12000\ncost_year = 2011", 1)
        .replacen(
            "currency = \"EUR\"",
            "currency = \"EUR\"\nprice_year = 2024\nprice_index = { 2011 = 200, 2024 = 300 }",
            1,
        );
    let scenario = foramen::scenario::Scenario::from_toml(&priced, "priced.toml").expect("valid");
    let surgery = scenario
        .interventions()
        .iter()
        .find(|iv| iv.cost > 0.0)
        .expect("a priced intervention");
    assert_eq!(surgery.cost, 12000.0 * 300.0 / 200.0);
    assert_eq!(surgery.complications[0].cost, 3000.0 * 300.0 / 200.0);
    stderr_has(
        validate_text(&priced.replacen("cost_year = 2011", "cost_year = 2015", 1)),
        &[
            "interventions.surgery.cost_year",
            "2015",
            "must be a year of economics.price_index; it gives 2011, 2024",
        ],
    );
    stderr_has(
        validate_text(&priced.replacen("price_year = 2024\n", "", 1)),
        &[
            "economics.price_year",
            "a price index needs the year whose prices costs are in",
        ],
    );
}

/// The small scenario with economics, a priced injection and ranges on
/// costs, a utility and the discount rate.
fn small_for_the_decision() -> String {
    small_with_economics().replacen(
        "recovery_time = { family = \"gamma\", mean = 10, sd = 4 }",
        "cost = 1000\nrecovery_time = { family = \"gamma\", mean = 10, sd = 4 }",
        1,
    ) + "\"interventions.injection.cost\" = [0, 30000]\n\
           \"interventions.surgery.utility\" = [0.6, 1.0]\n\
           \"economics.discount_rate\" = [0, 0.06]\n"
}

/// With `[economics]`, the one-way analysis measures the decision: the
/// incremental net benefit of the base case's best policy over the
/// runner-up at the first willingness to pay. Where a range end makes
/// another policy best, the printed threshold is checked by running the
/// scenario at both ends of its bracket: the base case's best policy on
/// one side, the other on the other (both runs on the same patients, so
/// no Monte Carlo tolerance is involved in which policy is best at a
/// given value). A range that cannot move the measure (a cost, for a
/// clinical outcome) is named as such.
#[test]
fn the_one_way_analysis_measures_the_decision_and_finds_where_it_changes() {
    let tmp = TempDir::new().unwrap();
    let text = small_for_the_decision();
    let file = tmp.path().join("decision.toml");
    fs::write(&file, &text).unwrap();
    let printed = foramen()
        .args(["sensitivity", "--out"])
        .arg(tmp.path().join("sens"))
        .arg(&file)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&printed.get_output().stdout).to_string();
    assert!(
        stdout.contains("incremental net benefit at 20000 EUR per QALY, stepwise minus early-surgery: base"),
        "{stdout}"
    );
    assert!(stdout.contains("best in the base case: stepwise"), "{stdout}");
    let line = stdout
        .lines()
        .find(|l| l.contains("the decision changes at"))
        .unwrap_or_else(|| panic!("no threshold: {stdout}"));
    assert!(line.contains("early-surgery is best beyond"), "{line}");
    let bracket: Vec<f64> = line
        .split("(between ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .map(|b| b.split(" and ").map(|x| x.trim().parse().unwrap()).collect())
        .unwrap();
    assert!(
        bracket[0] < bracket[1] && bracket[1] - bracket[0] <= 30000.0 / 128.0,
        "{line}"
    );
    let best_at = |cost: f64, name: &str| {
        let edited = text.replacen("cost = 1000\n", &format!("cost = {cost}\n"), 1);
        let out = run_text(tmp.path(), name, &edited, &[]);
        let nmb = fs::read_to_string(out.join("nmb.csv")).unwrap();
        let (wtp, policy, best) = (
            csv_column(&nmb, "willingness_to_pay"),
            csv_column(&nmb, "policy"),
            csv_column(&nmb, "best"),
        );
        (0..wtp.len())
            .find(|&i| wtp[i].parse::<f64>().unwrap() == 20000.0 && best[i] == "true")
            .map(|i| policy[i].clone())
            .unwrap()
    };
    assert_eq!(best_at(bracket[0], "below"), "stepwise");
    assert_eq!(best_at(bracket[1], "above"), "early-surgery");

    // A clinical outcome: the costs and the discount rate cannot move it.
    let printed = foramen()
        .args(["sensitivity", "--outcome", "surgery", "--out"])
        .arg(tmp.path().join("clinical"))
        .arg(&file)
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&printed.get_output().stdout).to_string();
    let unmoved = stdout
        .lines()
        .find(|l| l.starts_with("cannot move it"))
        .unwrap_or_else(|| panic!("{stdout}"));
    for path in [
        "interventions.injection.cost",
        "economics.discount_rate",
        "interventions.surgery.utility",
    ] {
        assert!(unmoved.contains(path), "{unmoved}");
    }
    let csv = fs::read_to_string(tmp.path().join("clinical/sensitivity.csv")).unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .ends_with(",moves,best_at_low,best_at_high,threshold_low,threshold_high")
    );

    // A willingness to pay the scenario does not list is refused, naming
    // the ones it does.
    foramen()
        .args(["sensitivity", "--wtp", "25000", "--out"])
        .arg(tmp.path().join("refused"))
        .arg(&file)
        .assert()
        .failure()
        .stderr(predicate::str::contains("--wtp").and(predicate::str::contains("20000, 30000")));
}

/// `diff` of a run without economics against one with: the outcomes only
/// one run reports are named, not silently dropped.
#[test]
fn diff_names_outcomes_one_run_lacks() {
    let tmp = TempDir::new().unwrap();
    let plain = run_quiet(tmp.path(), "plain", crate::util::SMALL, &["--patients", "500"]);
    let priced = run_text(tmp.path(), "priced", &small_with_economics(), &["--patients", "500"]);
    let out = foramen().arg("diff").arg(&plain).arg(&priced).assert().success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let line = stdout
        .lines()
        .find(|l| l.contains("outcomes not in A's summary.csv, so not compared"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.contains("cost") && line.contains("qalys"), "{line}");
}
