//! Kolmogorov-Smirnov tests of every distribution family and
//! parameterisation, truncation included, against analytic CDFs written out
//! here independently of src/scenario/dist/.
//!
//! Each test draws n = 20,000 values from a fixed stream and rejects when
//! the KS statistic D exceeds the asymptotic critical value for alpha =
//! 0.001, 1.9495 / sqrt(n) (Kolmogorov distribution). With a fixed seed the
//! outcome is deterministic; a correct sampler fails one such test with
//! probability 0.001.

use foramen::rng::{Purpose, stream};
use foramen::scenario::dist::Dist;
use foramen::scenario::raw::RawDist;

const N: usize = 20_000;
const CRITICAL: f64 = 1.9495;

fn ks(dist: &Dist, cdf: impl Fn(f64) -> f64, seed: u64) -> f64 {
    let mut rng = stream(seed, 0, Purpose::Cohort);
    let mut xs: Vec<f64> = (0..N).map(|_| dist.sample(&mut rng)).collect();
    xs.sort_by(f64::total_cmp);
    let n = N as f64;
    xs.iter()
        .enumerate()
        .map(|(i, &x)| {
            let f = cdf(x);
            (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
        })
        .fold(0.0, f64::max)
}

fn raw(family: &str, params: &[(&str, f64)], unit: Option<&str>, truncate: Option<[f64; 2]>) -> RawDist {
    let mut r = RawDist {
        family: family.into(),
        unit: unit.map(str::to_string),
        truncate,
        ..RawDist::default()
    };
    for &(k, v) in params {
        let slot = match k {
            "value" => &mut r.value,
            "low" => &mut r.low,
            "high" => &mut r.high,
            "mean" => &mut r.mean,
            "sd" => &mut r.sd,
            "mu" => &mut r.mu,
            "sigma" => &mut r.sigma,
            "median" => &mut r.median,
            "p90" => &mut r.p90,
            "shape" => &mut r.shape,
            "scale" => &mut r.scale,
            "rate" => &mut r.rate,
            "Q" => &mut r.q,
            other => panic!("unknown parameter {other}"),
        };
        *slot = Some(v);
    }
    r
}

fn phi(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

/// CDF of the Erlang (integer-shape gamma) distribution.
fn erlang(k: u32, scale: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let y = x / scale;
    let mut term = 1.0;
    let mut sum = 1.0;
    for j in 1..k {
        term *= y / j as f64;
        sum += term;
    }
    1.0 - (-y).exp() * sum
}

/// Conditions a CDF on [lo, hi].
fn truncated(cdf: impl Fn(f64) -> f64, lo: f64, hi: f64) -> impl Fn(f64) -> f64 {
    let (a, b) = (cdf(lo), cdf(hi));
    move |x| ((cdf(x.clamp(lo, hi)) - a) / (b - a)).clamp(0.0, 1.0)
}

fn check(name: &str, r: RawDist, cdf: impl Fn(f64) -> f64, seed: u64) {
    let dist = Dist::from_raw(&r, name).unwrap_or_else(|e| panic!("{e}"));
    let d = ks(&dist, cdf, seed);
    let limit = CRITICAL / (N as f64).sqrt();
    assert!(d <= limit, "{name}: KS D = {d:.5} > {limit:.5}");
}

#[test]
fn uniform() {
    check(
        "uniform",
        raw("uniform", &[("low", 2.0), ("high", 9.0)], None, None),
        |x| ((x - 2.0) / 7.0).clamp(0.0, 1.0),
        1,
    );
}

#[test]
fn normal_and_truncated_normal() {
    let cdf = |x: f64| phi((x - 10.0) / 4.0);
    check(
        "normal",
        raw("normal", &[("mean", 10.0), ("sd", 4.0)], None, None),
        cdf,
        2,
    );
    check(
        "normal truncated",
        raw("normal", &[("mean", 10.0), ("sd", 4.0)], None, Some([0.0, 12.0])),
        truncated(cdf, 0.0, 12.0),
        3,
    );
    // Deep in the tail: the truncation keeps about 0.3% of the mass.
    check(
        "normal far tail",
        raw("normal", &[("mean", 10.0), ("sd", 4.0)], None, Some([21.0, 30.0])),
        truncated(cdf, 21.0, 30.0),
        4,
    );
}

#[test]
fn lognormal_both_parameterisations() {
    let (mu, sigma) = (2.5_f64, 0.6_f64);
    let cdf = move |x: f64| if x <= 0.0 { 0.0 } else { phi((x.ln() - mu) / sigma) };
    check(
        "lognormal mu/sigma",
        raw("lognormal", &[("mu", mu), ("sigma", sigma)], None, None),
        cdf,
        5,
    );
    // median 2 weeks, p90 4 weeks: mu = ln 14, sigma = ln 2 / z_0.9.
    let (mu2, s2) = (14f64.ln(), 2f64.ln() / 1.281_551_565_544_600_4);
    let cdf2 = move |x: f64| if x <= 0.0 { 0.0 } else { phi((x.ln() - mu2) / s2) };
    check(
        "lognormal median/p90 weeks",
        raw("lognormal", &[("median", 2.0), ("p90", 4.0)], Some("weeks"), None),
        cdf2,
        6,
    );
    check(
        "lognormal truncated",
        raw("lognormal", &[("median", 10.0), ("p90", 21.0)], None, Some([3.0, 60.0])),
        truncated(
            move |x: f64| {
                if x <= 0.0 {
                    0.0
                } else {
                    phi((x.ln() - 10f64.ln()) / (2.1f64.ln() / 1.281_551_565_544_600_4))
                }
            },
            3.0,
            60.0,
        ),
        7,
    );
}

#[test]
fn gamma_both_parameterisations_and_truncated() {
    check(
        "gamma shape/scale",
        raw("gamma", &[("shape", 3.0), ("scale", 5.0)], None, None),
        |x| erlang(3, 5.0, x),
        8,
    );
    // mean 10, sd 5: shape 4, scale 2.5.
    check(
        "gamma mean/sd",
        raw("gamma", &[("mean", 10.0), ("sd", 5.0)], None, None),
        |x| erlang(4, 2.5, x),
        9,
    );
    // Rejection (mass >= 5%) and numerical inversion (mass < 5%).
    check(
        "gamma truncated",
        raw("gamma", &[("shape", 2.0), ("scale", 3.0)], None, Some([1.0, 9.0])),
        truncated(|x| erlang(2, 3.0, x), 1.0, 9.0),
        10,
    );
    check(
        "gamma far tail",
        raw("gamma", &[("shape", 2.0), ("scale", 3.0)], None, Some([20.0, 40.0])),
        truncated(|x| erlang(2, 3.0, x), 20.0, 40.0),
        11,
    );
}

#[test]
fn weibull_and_truncated() {
    let cdf = |x: f64| {
        if x <= 0.0 {
            0.0
        } else {
            1.0 - (-(x / 30.0).powf(1.5)).exp()
        }
    };
    check(
        "weibull",
        raw("weibull", &[("shape", 1.5), ("scale", 30.0)], None, None),
        cdf,
        12,
    );
    check(
        "weibull weeks",
        raw("weibull", &[("shape", 1.5), ("scale", 30.0 / 7.0)], Some("weeks"), None),
        cdf,
        13,
    );
    check(
        "weibull truncated",
        raw("weibull", &[("shape", 1.5), ("scale", 30.0)], None, Some([10.0, 50.0])),
        truncated(cdf, 10.0, 50.0),
        14,
    );
}

#[test]
fn exponential_rate_and_mean() {
    let cdf = |x: f64| if x <= 0.0 { 0.0 } else { 1.0 - (-x / 20.0).exp() };
    check(
        "exponential rate",
        raw("exponential", &[("rate", 0.05)], None, None),
        cdf,
        15,
    );
    check(
        "exponential mean",
        raw("exponential", &[("mean", 20.0)], None, None),
        cdf,
        16,
    );
    check(
        "exponential mean weeks",
        raw("exponential", &[("mean", 20.0 / 7.0)], Some("weeks"), None),
        cdf,
        17,
    );
    check(
        "exponential truncated",
        raw("exponential", &[("mean", 20.0)], None, Some([5.0, 25.0])),
        truncated(cdf, 5.0, 25.0),
        18,
    );
}

/// Log-logistic (flexsurv's `llogis`): `F(x) = 1 / (1 + (x / scale)^-shape)`;
/// shape 0.8 has an infinite mean and is drawn all the same.
#[test]
fn loglogistic_weeks_and_truncated() {
    let cdf = |shape: f64, scale: f64| {
        move |x: f64| {
            if x <= 0.0 {
                0.0
            } else {
                1.0 / (1.0 + (x / scale).powf(-shape))
            }
        }
    };
    check(
        "loglogistic",
        raw("loglogistic", &[("shape", 2.5), ("scale", 30.0)], None, None),
        cdf(2.5, 30.0),
        23,
    );
    check(
        "loglogistic heavy tail",
        raw("loglogistic", &[("shape", 0.8), ("scale", 30.0)], None, None),
        cdf(0.8, 30.0),
        24,
    );
    check(
        "loglogistic weeks",
        raw(
            "loglogistic",
            &[("shape", 2.5), ("scale", 30.0 / 7.0)],
            Some("weeks"),
            None,
        ),
        cdf(2.5, 30.0),
        25,
    );
    check(
        "loglogistic truncated",
        raw(
            "loglogistic",
            &[("shape", 2.5), ("scale", 30.0)],
            None,
            Some([10.0, 50.0]),
        ),
        truncated(cdf(2.5, 30.0), 10.0, 50.0),
        26,
    );
}

/// Gompertz (flexsurv's `gompertz`): `S(x) = exp(-(rate / shape)(e^(shape
/// x) - 1))`; in weeks both parameters are per week. A negative shape is
/// refused, shape 0 is the exponential.
#[test]
fn gompertz_weeks_truncated_and_refused() {
    let cdf = |x: f64| {
        if x <= 0.0 {
            0.0
        } else {
            1.0 - (-(0.02 / 0.03) * ((0.03 * x).exp() - 1.0)).exp()
        }
    };
    check(
        "gompertz",
        raw("gompertz", &[("shape", 0.03), ("rate", 0.02)], None, None),
        cdf,
        27,
    );
    check(
        "gompertz weeks",
        raw("gompertz", &[("shape", 0.21), ("rate", 0.14)], Some("weeks"), None),
        cdf,
        28,
    );
    check(
        "gompertz truncated",
        raw("gompertz", &[("shape", 0.03), ("rate", 0.02)], None, Some([10.0, 50.0])),
        truncated(cdf, 10.0, 50.0),
        29,
    );
    check(
        "gompertz shape 0",
        raw("gompertz", &[("shape", 0.0), ("rate", 0.05)], None, None),
        |x: f64| if x <= 0.0 { 0.0 } else { 1.0 - (-x / 20.0).exp() },
        30,
    );
    let e = Dist::from_raw(&raw("gompertz", &[("shape", -0.1), ("rate", 0.02)], None, None), "x").unwrap_err();
    assert!(e.problem.contains("shape must be >= 0"), "{}", e.problem);
}

/// CDF of the generalised gamma (flexsurv's `gengamma`) with `Q = -1/2` (a
/// gamma of integer shape 4 inside): `w = (ln x - mu) / sigma`, `u = 4
/// e^(-w/2)`, `F = 1 - P(4, u)`.
fn gengamma_q_minus_half(mu: f64, sigma: f64) -> impl Fn(f64) -> f64 {
    move |x: f64| {
        if x <= 0.0 {
            return 0.0;
        }
        let w = (x.ln() - mu) / sigma;
        1.0 - erlang(4, 1.0, 4.0 * (-0.5 * w).exp())
    }
}

/// The generalised gamma: with `Q = -1/2` against the Erlang, weeks and
/// truncated; at `Q = sqrt 2` (gamma shape 1/2, drawn from shape 3/2) `F =
/// P(1/2, e^(Q w) / 2) = erf(sqrt(e^(Q w) / 2))`; `Q = 1` is the Weibull of
/// shape `1 / sigma` and scale `e^mu`; `Q = 1e-4` is within 1e-4 of the
/// lognormal.
#[test]
fn gengamma_weeks_truncated_and_special_cases() {
    check(
        "gengamma",
        raw("gengamma", &[("mu", 4.0), ("sigma", 0.5), ("Q", -0.5)], None, None),
        gengamma_q_minus_half(4.0, 0.5),
        31,
    );
    check(
        "gengamma weeks",
        raw(
            "gengamma",
            &[("mu", 4.0 - 7f64.ln()), ("sigma", 0.5), ("Q", -0.5)],
            Some("weeks"),
            None,
        ),
        gengamma_q_minus_half(4.0, 0.5),
        32,
    );
    check(
        "gengamma truncated",
        raw(
            "gengamma",
            &[("mu", 4.0), ("sigma", 0.5), ("Q", -0.5)],
            None,
            Some([30.0, 90.0]),
        ),
        truncated(gengamma_q_minus_half(4.0, 0.5), 30.0, 90.0),
        33,
    );
    let q = std::f64::consts::SQRT_2;
    check(
        "gengamma shape below 1",
        raw("gengamma", &[("mu", 3.0), ("sigma", 0.7), ("Q", q)], None, None),
        move |x: f64| {
            if x <= 0.0 {
                0.0
            } else {
                let w = (x.ln() - 3.0) / 0.7;
                libm::erf(((q * w).exp() / 2.0).sqrt())
            }
        },
        34,
    );
    check(
        "gengamma Q = 1",
        raw("gengamma", &[("mu", 3.0), ("sigma", 0.7), ("Q", 1.0)], None, None),
        |x: f64| {
            if x <= 0.0 {
                0.0
            } else {
                1.0 - (-(x / 3f64.exp()).powf(1.0 / 0.7)).exp()
            }
        },
        35,
    );
    check(
        "gengamma Q near 0",
        raw("gengamma", &[("mu", 3.0), ("sigma", 0.7), ("Q", 1e-4)], None, None),
        |x: f64| if x <= 0.0 { 0.0 } else { phi((x.ln() - 3.0) / 0.7) },
        36,
    );
}

/// Beta(2, 3) by its mean 0.4 and sd 0.2 (k = 0.24 / 0.04 - 1 = 5), whose
/// CDF is the polynomial `6x²(1-x)² + 4x³(1-x) + x⁴`; truncated to [0.2,
/// 0.7] (drawn by inverse transform).
#[test]
fn beta_by_mean_and_sd_and_truncated() {
    let cdf = |x: f64| {
        let x = x.clamp(0.0, 1.0);
        let y = 1.0 - x;
        6.0 * x * x * y * y + 4.0 * x.powi(3) * y + x.powi(4)
    };
    check("beta", raw("beta", &[("mean", 0.4), ("sd", 0.2)], None, None), cdf, 21);
    check(
        "beta truncated",
        raw("beta", &[("mean", 0.4), ("sd", 0.2)], None, Some([0.2, 0.7])),
        truncated(cdf, 0.2, 0.7),
        22,
    );
    let weeks = Dist::from_raw(&raw("beta", &[("mean", 0.4), ("sd", 0.2)], Some("weeks"), None), "x");
    assert!(weeks.unwrap_err().problem.contains("takes no unit"));
}

#[test]
fn fixed_is_a_point() {
    let d = Dist::from_raw(&raw("fixed", &[("value", 2.0)], Some("weeks"), None), "fixed").unwrap();
    let mut rng = stream(1, 1, Purpose::Cohort);
    assert!((0..100).all(|_| d.sample(&mut rng) == 14.0));
}

/// The test has power: a sampler with a 5% scale error is rejected (the
/// largest CDF gap is then about 0.05 / e = 0.018, above 0.0138).
#[test]
fn the_ks_check_detects_a_small_error() {
    let d = Dist::from_raw(&raw("exponential", &[("mean", 21.0)], None, None), "x").unwrap();
    let stat = ks(&d, |x| if x <= 0.0 { 0.0 } else { 1.0 - (-x / 20.0).exp() }, 19);
    assert!(stat > CRITICAL / (N as f64).sqrt(), "D = {stat}");
}
