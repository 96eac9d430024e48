//! EVPPI against R's mgcv on one PSA sample. tests/data/evppi-sample.csv
//! holds 600 draws of the default scenario (`foramen psa --draws 600
//! --patients 2000 --no-evppi`, seed 20261124): two of its parameters and
//! every policy's cost and QALYs (columns `cost_POLICY`, `qalys_POLICY`,
//! the reference first). tests/data/evppi-mgcv.R computes the same EVPPI
//! with mgcv's `gam` (`s(x)` for one parameter, `te(x1, x2)` for two).

use std::process::Command;

use foramen::estimate::evppi::{Method, Sample, evppi};

use crate::util::r_or_skip;

const SAMPLE: &str = "tests/data/evppi-sample.csv";
const SCRIPT: &str = "tests/data/evppi-mgcv.R";
const WTP: [f64; 3] = [0.0, 5000.0, 10000.0];

/// The groups: name (as the R script prints it) and columns of the sample's
/// parameters.
const GROUPS: [(&str, &[usize]); 3] = [
    ("cohort.covariates.accepts_reoperation.probability", &[0]),
    ("interventions.endoscopic.cost", &[1]),
    ("both", &[0, 1]),
];

/// mgcv 1.8-41 on R 4.2.2, per group at each of [`WTP`]: `Rscript
/// tests/data/evppi-mgcv.R tests/data/evppi-sample.csv`.
const MGCV: [[f64; 3]; 3] = [
    [122.132374, 31.893733, 2.298744],
    [23.280980, 3.490485, 0.784923],
    [149.331120, 54.205109, 12.282302],
];

/// Rows of numbers, one per draw.
type Rows = Vec<Vec<f64>>;

/// The sample: per draw the parameters, each policy's cost and QALYs.
fn sample() -> (Rows, Rows, Rows) {
    let text = std::fs::read_to_string(SAMPLE).expect("the sample");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let costs: Vec<usize> = (0..header.len()).filter(|&i| header[i].starts_with("cost_")).collect();
    let effects: Vec<usize> = (0..header.len()).filter(|&i| header[i].starts_with("qalys_")).collect();
    let (mut p, mut c, mut e) = (Vec::new(), Vec::new(), Vec::new());
    for line in lines {
        let v: Vec<f64> = line.split(',').map(|x| x.parse().expect("a number")).collect();
        p.push(v[1..costs[0]].to_vec());
        c.push(costs.iter().map(|&i| v[i]).collect());
        e.push(effects.iter().map(|&i| v[i]).collect());
    }
    (p, c, e)
}

/// foramen's GAM EVPPI of each group, with its standard error.
fn foramen_evppi() -> Vec<(Vec<f64>, Vec<f64>)> {
    let (parameters, costs, effects) = sample();
    let s = Sample {
        parameters: &parameters,
        costs: &costs,
        effects: &effects,
        reference: 0,
    };
    GROUPS
        .iter()
        .map(|(name, columns)| {
            let got = evppi(&s, columns, Method::Gam, &WTP, 1, foramen::rng::name_key(name));
            (got.value, got.se.iter().map(|s| s.expect("a GAM's se")).collect())
        })
        .collect()
}

/// Each EVPPI within one of its standard errors of mgcv's (the target of
/// issue 33): the two smoothers differ (B-splines and one smoothing
/// parameter here, thin plates or cubic-regression tensor products and
/// one per margin in mgcv), by less than the regression's own error.
fn assert_close(mgcv: &[[f64; 3]]) {
    for ((name, _), ((values, ses), want)) in GROUPS.iter().zip(foramen_evppi().iter().zip(mgcv)) {
        for k in 0..WTP.len() {
            let (got, se) = (values[k], ses[k]);
            assert!(
                (got - want[k]).abs() <= se,
                "{name} at {}: foramen {got} (se {se}), mgcv {}",
                WTP[k],
                want[k]
            );
        }
    }
}

#[test]
fn evppi_agrees_with_mgcv_on_a_shared_sample() {
    assert_close(&MGCV);
}

/// The same comparison with mgcv run now (the golden numbers above are
/// its output when they were made).
#[test]
fn evppi_agrees_with_live_mgcv() {
    if !r_or_skip(
        "suppressMessages(library(mgcv))",
        "EVPPI against a live mgcv",
        "r-base-core r-cran-mgcv",
    ) {
        return;
    }
    let out = Command::new("Rscript")
        .args([SCRIPT, SAMPLE])
        .output()
        .expect("Rscript runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut live = [[f64::NAN; 3]; 3];
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        let g = GROUPS.iter().position(|(n, _)| *n == f[0]).expect("a known group");
        let k = WTP
            .iter()
            .position(|w| *w == f[1].parse::<f64>().unwrap())
            .expect("a known wtp");
        live[g][k] = f[2].parse().expect("a number");
    }
    assert!(live.iter().flatten().all(|v| v.is_finite()), "{text}");
    assert_close(&live);
}
