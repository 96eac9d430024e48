//! `foramen fit` against reference fits (tests/golden/fit/README.md says
//! how each was made: R survival::survreg for the Weibull, lognormal,
//! loglogistic and exponential on `ovarian`; scipy's distributions
//! maximised with scipy.optimize for every family, with left truncation and
//! a covariate, on `ovarian` and a simulated data set), the coverage of its
//! 95% intervals over simulated censored data sets, and the command's
//! files and errors.

use std::collections::BTreeMap;
use std::path::Path;

use foramen::estimate::fit::data::{Roles, sample};
use foramen::estimate::fit::{Family, Sample, fit};
use foramen::report::tables::fit::read_data;
use foramen::rng::{Purpose, stream};
use rand::RngExt;

use crate::util::foramen;

const GOLDEN: &str = "tests/golden/fit";

/// One reference fit: its estimates, standard errors (both on the fitting
/// scale, in order) and log-likelihood.
#[derive(Default, Debug)]
struct Golden {
    fitting: Vec<f64>,
    se: Vec<f64>,
    loglik: f64,
    tool: String,
}

/// The reference fits of a file, by (data, family, covariates, entry).
fn golden(file: &str) -> BTreeMap<(String, String, String, bool), Golden> {
    let text = std::fs::read_to_string(Path::new(GOLDEN).join(file)).unwrap();
    let mut fits: BTreeMap<_, Golden> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.trim_matches('"').split("\",\"").collect();
        let key = (cells[0].into(), cells[1].into(), cells[2].into(), cells[3] == "true");
        let g = fits.entry(key).or_default();
        let value: f64 = cells[6].parse().unwrap();
        match cells[4] {
            "fitting" => g.fitting.push(value),
            "se" => g.se.push(value),
            "loglik" => g.loglik = value,
            _ => {}
        }
        if let Some(tool) = cells.get(7) {
            g.tool = tool.to_string();
        }
    }
    fits
}

fn data(name: &str, covariates: &str, entry: bool) -> Sample {
    let (time, event) = if name == "ovarian" {
        ("futime", "fustat")
    } else {
        ("time", "event")
    };
    let roles = Roles {
        time: Some(time.into()),
        event: Some(event.into()),
        entry: entry.then(|| "entry".into()),
        by: if covariates == "none" {
            vec![]
        } else {
            vec![covariates.into()]
        },
        ..Roles::default()
    };
    let columns = read_data(&Path::new(GOLDEN).join(format!("{name}.csv"))).unwrap();
    sample(&columns, &roles).unwrap()
}

/// Each reference fit met: the log-likelihood to 1e-6; the estimates to
/// 1e-5 of their standard error (both fits stop where the gradient times
/// the se is below about 1e-9, so they differ by far less); the standard
/// errors to 1e-3 relative (both come from finite-difference Hessians, the
/// references' agreeing with a second step size to 1.1e-5 and ours erring
/// by about 1e-7 relative, so the 1e-3 is for poorly determined directions
/// such as the generalised gamma's Q on 26 rows).
fn meets(file: &str) -> usize {
    let mut checked = 0;
    for ((name, family, covariates, entry), g) in golden(file) {
        let family = Family::parse(&family).unwrap();
        let f = fit(&data(&name, &covariates, entry), family);
        let what = format!("{name} {family:?} ~ {covariates} entry {entry} against {}", g.tool);
        assert!(f.converged.is_ok(), "{what}: {:?}", f.converged);
        assert!(
            (f.log_likelihood - g.loglik).abs() < 1e-6,
            "{what}: log-likelihood {} against {}",
            f.log_likelihood,
            g.loglik
        );
        assert_eq!(f.k(), g.fitting.len(), "{what}");
        for i in 0..f.k() {
            let (ours, theirs, se) = (f.estimate[i], g.fitting[i], g.se[i]);
            assert!(
                (ours - theirs).abs() < 1e-5 * se,
                "{what}: {} {ours} against {theirs} (se {se})",
                f.names[i]
            );
            assert!(
                (f.se(i) / se - 1.0).abs() < 1e-3,
                "{what}: se of {} {} against {se}",
                f.names[i],
                f.se(i)
            );
        }
        checked += 1;
    }
    checked
}

#[test]
fn matches_survreg() {
    assert_eq!(meets("survreg.csv"), 8);
}

#[test]
fn matches_scipy_for_every_family_with_truncation_and_covariates() {
    assert_eq!(meets("scipy.csv"), 42);
}

/// Weibull times (shape 1.5, scale 100 e^(0.4 x), x binary), censored by
/// an independent uniform on (0, 250) and left-truncated by entry times
/// uniform on (0, 30): over 400 data sets of 200 rows, the share of 95%
/// intervals that hold each true value is 0.95 within three Monte Carlo
/// standard errors, sqrt(0.95 x 0.05 / 400) = 0.011 (so 0.917 to 0.983),
/// and the mean estimate within four standard errors of the truth plus the
/// bias the test tolerates, 0.02 (maximum likelihood is biased by O(1/n)).
#[test]
fn intervals_cover_the_truth_in_simulated_censored_truncated_data() {
    let truth = [1.5f64.ln(), 100f64.ln(), 0.4];
    let (sets, n) = (400, 200);
    let mut covered = [0usize; 3];
    let mut estimates = [Vec::new(), Vec::new(), Vec::new()];
    for set in 0..sets {
        let mut rng = stream(37, set, Purpose::Resample);
        let mut s = Sample {
            entry: Some(Vec::new()),
            covariates: vec![foramen::estimate::fit::Covariate {
                name: "x".into(),
                values: Vec::new(),
            }],
            ..Sample::default()
        };
        while s.time.len() < n {
            let x = (s.time.len() % 2) as f64;
            let u: f64 = rng.random();
            let t = 100.0 * (0.4 * x).exp() * (-(1.0 - u).ln()).powf(1.0 / 1.5);
            let c = 250.0 * rng.random::<f64>();
            let e = 30.0 * rng.random::<f64>();
            if t.min(c) > e {
                s.time.push(t.min(c));
                s.event.push(t <= c);
                s.entry.as_mut().unwrap().push(e);
                s.covariates[0].values.push(x);
            }
        }
        let f = fit(&s, Family::Weibull);
        assert!(f.converged.is_ok(), "set {set}: {:?}", f.converged);
        for i in 0..3 {
            let half = foramen::stats::Z95 * f.se(i);
            covered[i] += usize::from((f.estimate[i] - truth[i]).abs() <= half);
            estimates[i].push(f.estimate[i]);
        }
    }
    let mc_se = (0.95 * 0.05 / sets as f64).sqrt();
    for i in 0..3 {
        let share = covered[i] as f64 / sets as f64;
        assert!((share - 0.95).abs() < 3.0 * mc_se, "parameter {i}: coverage {share}");
        let mean = estimates[i].iter().sum::<f64>() / sets as f64;
        let sd = (estimates[i].iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (sets - 1) as f64).sqrt();
        assert!(
            (mean - truth[i]).abs() < 4.0 * sd / (sets as f64).sqrt() + 0.02,
            "parameter {i}: mean {mean} against {}",
            truth[i]
        );
    }
}

/// The logistic regression against R's glm (tests/golden/fit/make_glm.R):
/// estimates to 1e-8 of their se and the se to 1e-8 relative (both are
/// Newton's method on the exact information, to convergence), the
/// log-likelihood to 1e-9.
#[test]
fn the_logistic_regression_matches_glm() {
    use foramen::estimate::fit::data::counts;
    use foramen::estimate::fit::response::logistic;
    let text = std::fs::read_to_string(Path::new(GOLDEN).join("glm.csv")).unwrap();
    let mut models: BTreeMap<String, (Vec<f64>, Vec<f64>, f64)> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let cells: Vec<&str> = line.trim_matches('"').split("\",\"").collect();
        let m = models.entry(cells[0].into()).or_default();
        let value: f64 = cells[3].parse().unwrap();
        match cells[1] {
            "estimate" => m.0.push(value),
            "se" => m.1.push(value),
            _ => m.2 = value,
        }
    }
    assert_eq!(models.len(), 2);
    let columns = read_data(&Path::new(GOLDEN).join("ovarian.csv")).unwrap();
    for (model, (estimate, se, loglik)) in models {
        let roles = Roles {
            response: Some("fustat".into()),
            by: model.split(" + ").map(String::from).collect(),
            ..Roles::default()
        };
        let l = logistic(&counts(&columns, &roles).unwrap());
        assert!(l.converged.is_ok(), "{model}: {:?}", l.converged);
        assert!(
            (l.log_likelihood - loglik).abs() < 1e-9,
            "{model}: {} against {loglik}",
            l.log_likelihood
        );
        for i in 0..estimate.len() {
            assert!(
                (l.estimate[i] - estimate[i]).abs() < 1e-8 * se[i],
                "{model} {i}: {} against {}",
                l.estimate[i],
                estimate[i]
            );
            assert!(
                (l.se(i) / se[i] - 1.0).abs() < 1e-8,
                "{model} {i}: se {} against {}",
                l.se(i),
                se[i]
            );
        }
    }
}

/// `foramen fit DATA.csv ARGS --out DIR`, `text` written as DATA.csv in a
/// temporary folder (returned with the output: DIR is its `out`).
fn run_fit(text: &str, args: &[&str]) -> (std::process::Output, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    std::fs::write(&path, text).unwrap();
    let out = foramen()
        .arg("fit")
        .arg(&path)
        .args(args)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    (out, dir)
}

/// What `foramen fit` says on stderr for `text` with `args`, failing.
fn refused(text: &str, args: &[&str]) -> String {
    let (out, dir) = run_fit(text, args);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(!dir.path().join("out").exists(), "nothing is written for bad data");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn bad_data_is_named_by_row_and_column() {
    let time = ["--time", "t", "--event", "d"];
    let said = refused("t,d\n5,1\n,0\n-2,1\n7,2\n", &time);
    assert!(said.contains("column t, line 3: missing time"), "{said}");
    assert!(
        said.contains("column t, line 4 = -2: the time must be a number above 0"),
        "{said}"
    );
    assert!(
        said.contains("column d, line 5 = 2: the event code must be 0 (censored"),
        "{said}"
    );
    let said = refused("t,d\n5,0\n6,0\n7,0\n", &time);
    assert!(said.contains("all 3 rows are censored"), "{said}");
    let said = refused("t,d\n5,1\n", &time);
    assert!(said.contains("1 row: a fit needs at least 2 rows"), "{said}");
    let said = refused("t,d\n5,1\n", &["--time", "time", "--event", "d"]);
    assert!(
        said.contains("column time: missing: the time column is not in the file, whose columns are t, d"),
        "{said}"
    );
    let said = refused(
        "t,d,e\n5,1,6\n6,1,0\n",
        &["--time", "t", "--event", "d", "--entry", "e"],
    );
    assert!(
        said.contains("column e, line 2 = 6: an entry time is below its row's time"),
        "{said}"
    );
    let said = refused("k\n0\n1\n3\n", &["--response", "k"]);
    assert!(
        said.contains("column k, line 4 = 3: the response must be 0 (no response) or 1"),
        "{said}"
    );
}

/// A family that cannot be fitted says so in fits.csv and the table, and
/// choosing it for fit.toml is refused, naming it. Four equal times with
/// events: every family's spread goes to zero.
#[test]
fn a_family_that_does_not_converge_is_named() {
    let text = "t,d\n5,1\n5,1\n5,1\n5,1\n5,0\n";
    let said = refused(
        text,
        &[
            "--time",
            "t",
            "--event",
            "d",
            "--families",
            "weibull",
            "--choose",
            "weibull",
        ],
    );
    assert!(said.contains("family weibull: did not converge"), "{said}");
    let (out, dir) = run_fit(
        text,
        &["--time", "t", "--event", "d", "--families", "exponential,weibull"],
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("weibull       did not converge"), "{stdout}");
    let fits = std::fs::read_to_string(dir.path().join("out/fits.csv")).unwrap();
    assert!(fits.lines().any(|l| l.starts_with("weibull,false,")), "{fits}");
}

/// Lines of fit.toml before its first blank line that are not comments:
/// what goes at the key.
fn at_key(fragment: &str) -> Vec<String> {
    fragment
        .lines()
        .skip_while(|l| l.starts_with('#'))
        .take_while(|l| !l.is_empty())
        .map(|l| l.split("   #").next().unwrap().to_string())
        .collect()
}

/// fit.toml's joint belief: from `[[joint_beliefs]]` to its blank line.
fn joint_belief(fragment: &str) -> String {
    let start = fragment.find("[[joint_beliefs]]").expect("a joint belief");
    let block = &fragment[start..];
    block[..block.find("\n\n").unwrap_or(block.len())].to_string()
}

/// Fits `text` with `args` and returns fit.toml.
fn fragment(text: &str, args: &[&str]) -> String {
    let (out, dir) = run_fit(text, args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::read_to_string(dir.path().join("out/fit.toml")).unwrap()
}

/// fit.toml pasted into a scenario as it says (the line at the key, the
/// joint belief at the end) gives a scenario that validates, and `psa`
/// draws its members together: over 400 draws their correlation on the
/// fitting scale is the fit's within 4 standard errors of a correlation
/// estimated from 400 draws, (1 - r²) / sqrt(400).
#[test]
fn the_fragment_pasted_into_a_scenario_validates_and_is_drawn_jointly() {
    let golden = std::fs::read_to_string(Path::new(GOLDEN).join("simulated.csv")).unwrap();
    let toml = fragment(
        &golden,
        &[
            "--time",
            "time",
            "--event",
            "event",
            "--entry",
            "entry",
            "--choose",
            "weibull",
            "--key",
            "interventions.surgery.recovery_time",
        ],
    );
    let line = &at_key(&toml)[0];
    assert!(
        line.starts_with("recovery_time = { family = \"weibull\", shape = 1.4"),
        "{line}"
    );
    let scenario = crate::util::SMALL_TEXT.replacen(
        "recovery_time = { family = \"weibull\", shape = 1.5, scale = 30 }",
        line,
        1,
    ) + "\n"
        + &joint_belief(&toml);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fitted.toml");
    std::fs::write(&file, &scenario).unwrap();
    foramen().arg("validate").arg(&file).assert().success();
    let out = dir.path().join("psa");
    foramen()
        .args(["psa", "--draws", "400", "--patients", "50", "--threads", "2", "--quiet"])
        .arg(&file)
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let psa = std::fs::read_to_string(out.join("psa.csv")).unwrap();
    let header: Vec<&str> = psa.lines().next().unwrap().split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    let (a, b) = (
        column("interventions.surgery.recovery_time.shape"),
        column("interventions.surgery.recovery_time.scale"),
    );
    let mut pairs = Vec::new();
    for l in psa.lines().skip(1) {
        let cells: Vec<&str> = l.split(',').collect();
        let (x, y): (f64, f64) = (cells[a].parse().unwrap(), cells[b].parse().unwrap());
        pairs.push((x.ln(), y.ln()));
    }
    let n = pairs.len() as f64;
    let (mx, my) = (
        pairs.iter().map(|p| p.0).sum::<f64>() / n,
        pairs.iter().map(|p| p.1).sum::<f64>() / n,
    );
    let sxy: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let syy: f64 = pairs.iter().map(|p| (p.1 - my).powi(2)).sum();
    let r = sxy / (sxx * syy).sqrt();
    let belief = joint_belief(&toml);
    let fitted: f64 = belief
        .split("correlation = [[1.0, ")
        .nth(1)
        .unwrap()
        .split(']')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (r - fitted).abs() < 4.0 * (1.0 - fitted * fitted) / n.sqrt(),
        "drawn {r}, fitted {fitted}"
    );
}

/// Every family's fit.toml, pasted in place of a recovery time, gives a
/// scenario that validates and runs: the families `foramen fit` fits are
/// the scenario format's, with the same parameter names.
#[test]
fn every_family_pastes_into_a_scenario() {
    let golden = std::fs::read_to_string(Path::new(GOLDEN).join("simulated.csv")).unwrap();
    for family in [
        "exponential",
        "weibull",
        "lognormal",
        "loglogistic",
        "gamma",
        "gompertz",
        "gengamma",
    ] {
        let toml = fragment(
            &golden,
            &[
                "--time",
                "time",
                "--event",
                "event",
                "--choose",
                family,
                "--families",
                family,
                "--key",
                "interventions.surgery.recovery_time",
            ],
        );
        let line = &at_key(&toml)[0];
        assert!(line.contains(&format!("family = \"{family}\"")), "{line}");
        let mut scenario = crate::util::SMALL_TEXT.replacen(
            "recovery_time = { family = \"weibull\", shape = 1.5, scale = 30 }",
            line,
            1,
        );
        if toml.contains("[[joint_beliefs]]") {
            scenario += &format!("\n{}", joint_belief(&toml));
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("fitted.toml");
        std::fs::write(&file, &scenario).unwrap();
        let out = foramen()
            .args(["run", "--patients", "500", "--quiet"])
            .arg(&file)
            .arg("--out")
            .arg(dir.path().join("run"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{family}: {}\n{scenario}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Response counts: a beta belief without covariates; with a factor and a
/// 0/1 covariate, a logistic regression whose odds ratios become the
/// scenario's conditions and whose joint belief validates in a scenario.
#[test]
fn response_fragments_give_a_beta_or_odds_ratios_that_validate() {
    let toml = fragment("r\n1\n0\n1\n1\n0\n", &["--response", "r"]);
    assert_eq!(at_key(&toml), ["probability = { beta = [3.0, 2.0] }"]);
    let mut text = String::from("responded,grade,motor_deficit\n");
    for i in 0..120 {
        let (grade, motor) = (if i % 3 == 0 { "moderate" } else { "severe" }, i % 4 == 0);
        let responded = (i * 7 + usize::from(motor) * 3) % 5 < if grade == "severe" { 2 } else { 3 };
        text += &format!("{},{grade},{}\n", u8::from(responded), u8::from(motor));
    }
    let toml = fragment(
        &text,
        &[
            "--response",
            "responded",
            "--by",
            "grade,motor_deficit",
            "--key",
            "interventions.injection.response",
        ],
    );
    let lines = at_key(&toml);
    assert!(
        lines[1].starts_with("odds_ratios = [{ if = \"grade == 'severe'\", or = "),
        "{lines:?}"
    );
    assert!(lines[1].contains("{ if = \"motor_deficit\", or = "), "{lines:?}");
    let scenario = crate::util::SMALL_TEXT.replacen(
        "response = { probability = 0.6 }",
        &format!("response = {{ {} }}", lines.join(", ")),
        1,
    ) + "\n"
        + &joint_belief(&toml);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fitted.toml");
    std::fs::write(&file, &scenario).unwrap();
    let out = foramen().arg("validate").arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "{scenario}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
