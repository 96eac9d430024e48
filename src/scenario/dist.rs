//! Distributions of durations and continuous covariates, written the way
//! researchers state them, checked once and sampled fast.
//!
//! | family        | parameterisations                 | support  |
//! |---------------|-----------------------------------|----------|
//! | `fixed`       | `value`                           | a point  |
//! | `uniform`     | `low`, `high`                     | [low, high] |
//! | `normal`      | `mean`, `sd`                      | the line |
//! | `lognormal`   | `mu`, `sigma` or `median`, `p90`  | x > 0    |
//! | `gamma`       | `shape`, `scale` or `mean`, `sd`  | x > 0    |
//! | `weibull`     | `shape`, `scale`                  | x > 0    |
//! | `exponential` | `rate` or `mean`                  | x > 0    |
//!
//! Conversions: lognormal `sigma = ln(p90 / median) / z_0.9` with
//! `z_0.9 = 1.2815515655446004` and `mu = ln(median)`; gamma
//! `shape = (mean / sd)^2`, `scale = sd^2 / mean`; exponential
//! `rate = 1 / mean`. With `unit = "weeks"` every time parameter is multiplied
//! by 7 (`mu` gains `ln 7`, a rate is divided by 7), so the engine works in
//! days only. A zero spread (`sd = 0`, `sigma = 0`, `low = high`) is the
//! fixed distribution at that point.
//!
//! Truncation to `[lo, hi]` conditions the distribution on that interval.
//! Families with a closed-form quantile are sampled by inverse transform on
//! `[F(lo), F(hi)]` (one uniform draw, exact); the gamma by rejection when the
//! interval holds at least 5% of the mass and by numerical inversion of its
//! CDF otherwise. Untruncated families draw from rand_distr's ziggurat
//! normal and exponential: the normal and lognormal as `mean + sd z` and
//! `exp(mu + sigma z)`, the gamma of shape above 1 by Marsaglia-Tsang
//! written out here (rand_distr's steps, inlined; the same values), of
//! shape at most 1 by rand_distr's sampler; the Weibull is sampled as
//! `scale * E^(1/shape)` with `E ~ Exp(1)`.
//!
//! Our own transforms use the `libm` crate. rand_distr's samplers use
//! `num-traits`, whose `std` feature another dependency (plotters' `image`)
//! switches on, so they call the platform's maths library: results are
//! bit-identical for the same build on the same platform, not guaranteed
//! across operating systems or architectures.
//!
//! The special functions at the end ([`normal_cdf`], [`normal_quantile`],
//! [`gamma_p`], [`gamma_quantile`]) are our own, not statrs's: each one's
//! documentation gives the accuracy, speed and bit-identity measured against
//! statrs 0.19.1 and why it stays.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp1, Gamma, LogNormal, Normal, Open01, StandardNormal};

use serde::Deserialize;

use crate::error::Invalid;

/// The 90th percentile of the standard normal.
pub const Z90: f64 = 1.281_551_565_544_600_4;

/// A distribution of a duration or a continuous value.
///
/// `family` picks the family; the other fields are its parameters, in one of
/// the parameterisations listed in docs/scenario.md.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDist {
    pub family: String,
    #[serde(default)]
    pub value: Option<f64>,
    #[serde(default)]
    pub low: Option<f64>,
    #[serde(default)]
    pub high: Option<f64>,
    #[serde(default)]
    pub mean: Option<f64>,
    #[serde(default)]
    pub sd: Option<f64>,
    #[serde(default)]
    pub mu: Option<f64>,
    #[serde(default)]
    pub sigma: Option<f64>,
    #[serde(default)]
    pub median: Option<f64>,
    #[serde(default)]
    pub p90: Option<f64>,
    #[serde(default)]
    pub shape: Option<f64>,
    #[serde(default)]
    pub scale: Option<f64>,
    #[serde(default)]
    pub rate: Option<f64>,
    /// `"days"` (default) or `"weeks"`.
    #[serde(default)]
    pub unit: Option<String>,
    /// `[lower, upper]` bounds; the distribution is conditioned on them.
    #[serde(default)]
    pub truncate: Option<[f64; 2]>,
    #[serde(default)]
    pub source: Option<String>,
}

/// A family with its parameters, in days for durations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family {
    Fixed { value: f64 },
    Uniform { low: f64, high: f64 },
    Normal { mean: f64, sd: f64 },
    LogNormal { mu: f64, sigma: f64 },
    Gamma { shape: f64, scale: f64 },
    Weibull { shape: f64, scale: f64 },
    Exponential { rate: f64 },
}

/// A checked distribution, possibly truncated.
#[derive(Debug, Clone)]
pub struct Dist {
    family: Family,
    truncation: Option<(f64, f64)>,
    sampler: Sampler,
}

/// Two distributions are equal when their families and truncations are
/// (the sampler is made from them).
impl PartialEq for Dist {
    fn eq(&self, other: &Dist) -> bool {
        self.family == other.family && self.truncation == other.truncation
    }
}

#[derive(Debug, Clone)]
enum Sampler {
    Fixed(f64),
    Uniform {
        low: f64,
        width: f64,
    },
    /// `mean + sd z`, `z` standard normal (rand_distr's ziggurat).
    Normal {
        mean: f64,
        sd: f64,
    },
    /// `exp(mu + sigma z)`.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    /// Shape above 1, by Marsaglia and Tsang (see [`MarsagliaTsang`]).
    GammaLarge(MarsagliaTsang),
    /// Shape at most 1: rand_distr's sampler (at 1 its exponential).
    Gamma(Gamma<f64>),
    Weibull {
        scale: f64,
        inv_shape: f64,
    },
    Exponential {
        mean: f64,
    },
    /// Inverse transform of a uniform draw on `[u_lo, u_lo + u_width]`.
    Inverse {
        u_lo: f64,
        u_width: f64,
    },
    /// Rejection from the untruncated gamma.
    Reject {
        gamma: Gamma<f64>,
        lo: f64,
        hi: f64,
    },
}

/// Why a distribution was refused: a parameter out of its domain, or a
/// truncation that is malformed or leaves (almost) no mass. The message
/// says what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistError {
    Parameter(String),
    Truncation(String),
}

impl std::fmt::Display for DistError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DistError::Parameter(m) | DistError::Truncation(m) => f.write_str(m),
        }
    }
}

/// The smallest mass a truncation may leave.
const MIN_MASS: f64 = 1e-9;

impl Dist {
    /// Checks the parameters and builds the sampler.
    ///
    /// # Errors
    /// A message saying which parameter is out of range and what is allowed,
    /// when a parameter is not finite or outside its domain, or when the
    /// truncation bounds are reversed or leave (almost) no mass.
    pub fn new(family: Family, truncation: Option<(f64, f64)>) -> Result<Dist, DistError> {
        let family = check_family(family).map_err(DistError::Parameter)?;
        if let Some((lo, hi)) = truncation {
            if !lo.is_finite() || !hi.is_finite() {
                return Err(DistError::Truncation("truncation bounds must be finite numbers".into()));
            }
            if lo >= hi {
                return Err(DistError::Truncation(format!(
                    "truncation needs lower < upper, got [{lo}, {hi}]"
                )));
            }
        }
        let sampler = match truncation {
            None => untruncated_sampler(family),
            Some((lo, hi)) => truncated_sampler(family, lo, hi).map_err(DistError::Truncation)?,
        };
        Ok(Dist {
            family,
            truncation,
            sampler,
        })
    }

    /// A fixed value (never fails for a finite value).
    pub fn fixed(value: f64) -> Dist {
        Dist {
            family: Family::Fixed { value },
            truncation: None,
            sampler: Sampler::Fixed(value),
        }
    }

    pub fn family(&self) -> Family {
        self.family
    }

    pub fn truncation(&self) -> Option<(f64, f64)> {
        self.truncation
    }

    /// The smallest value the distribution can produce.
    pub fn support_min(&self) -> f64 {
        let base = match self.family {
            Family::Fixed { value } => value,
            Family::Uniform { low, .. } => low,
            Family::Normal { .. } => f64::NEG_INFINITY,
            Family::LogNormal { .. } | Family::Gamma { .. } | Family::Weibull { .. } | Family::Exponential { .. } => {
                0.0
            }
        };
        match self.truncation {
            Some((lo, _)) => base.max(lo),
            None => base,
        }
    }

    /// The largest value the distribution can produce.
    pub fn support_max(&self) -> f64 {
        let base = match self.family {
            Family::Fixed { value } => value,
            Family::Uniform { high, .. } => high,
            Family::Normal { .. }
            | Family::LogNormal { .. }
            | Family::Gamma { .. }
            | Family::Weibull { .. }
            | Family::Exponential { .. } => f64::INFINITY,
        };
        match self.truncation {
            Some((_, hi)) => base.min(hi),
            None => base,
        }
    }

    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.sampler {
            Sampler::Fixed(v) => *v,
            Sampler::Uniform { low, width } => low + width * rng.random::<f64>(),
            Sampler::Normal { mean, sd } => mean + sd * standard_normal(rng),
            Sampler::LogNormal { mu, sigma } => (mu + sigma * standard_normal(rng)).exp(),
            Sampler::GammaLarge(g) => g.sample(rng),
            Sampler::Gamma(d) => d.sample(rng),
            Sampler::Weibull { scale, inv_shape } => {
                let e: f64 = Exp1.sample(rng);
                // The platform's pow: several times faster than the libm
                // crate's here (see docs/performance.md).
                scale * e.powf(*inv_shape)
            }
            Sampler::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                mean * e
            }
            Sampler::Inverse { u_lo, u_width } => {
                let u = u_lo + u_width * rng.random::<f64>();
                quantile(self.family, u)
            }
            Sampler::Reject { gamma, lo, hi } => loop {
                let x = gamma.sample(rng);
                if x >= *lo && x <= *hi {
                    break x;
                }
            },
        }
    }

    /// The cumulative distribution function, truncation included.
    pub fn cdf(&self, x: f64) -> f64 {
        match self.truncation {
            None => cdf(self.family, x),
            Some((lo, hi)) => {
                if x < lo {
                    0.0
                } else if x >= hi {
                    1.0
                } else {
                    let (a, b) = (cdf(self.family, lo), cdf(self.family, hi));
                    ((cdf(self.family, x) - a) / (b - a)).clamp(0.0, 1.0)
                }
            }
        }
    }

    /// Reads a `RawDist`, converting researcher parameterisations and weeks.
    ///
    /// # Errors
    /// An [`Invalid`] naming `path` and the offending key.
    pub fn from_raw(raw: &RawDist, path: &str) -> Result<Dist, Invalid> {
        let factor = match raw.unit.as_deref() {
            None | Some("days") => 1.0,
            Some("weeks") => 7.0,
            Some(other) => {
                return Err(Invalid::new(
                    format!("{path}.unit"),
                    format!("\"{other}\""),
                    "allowed units are \"days\" and \"weeks\"",
                ));
            }
        };
        let given = Given::of(raw);
        for (key, value) in &given.0 {
            if !value.is_finite() {
                return Err(Invalid::new(format!("{path}.{key}"), value, "must be a finite number"));
            }
        }
        let family = match raw.family.as_str() {
            "fixed" => {
                let [value] = given.expect(path, "fixed", &[&["value"]])?.try_into().expect("1 key");
                Family::Fixed { value: value * factor }
            }
            "uniform" => {
                let [low, high] = given
                    .expect(path, "uniform", &[&["low", "high"]])?
                    .try_into()
                    .expect("2 keys");
                Family::Uniform {
                    low: low * factor,
                    high: high * factor,
                }
            }
            "normal" => {
                let [mean, sd] = given
                    .expect(path, "normal", &[&["mean", "sd"]])?
                    .try_into()
                    .expect("2 keys");
                Family::Normal {
                    mean: mean * factor,
                    sd: sd * factor,
                }
            }
            "lognormal" => {
                let forms: &[&[&str]] = &[&["mu", "sigma"], &["median", "p90"]];
                let values = given.expect(path, "lognormal", forms)?;
                if given.has("mu") {
                    Family::LogNormal {
                        mu: values[0] + libm::log(factor),
                        sigma: values[1],
                    }
                } else {
                    let (median, p90) = (values[0], values[1]);
                    if median <= 0.0 {
                        return Err(Invalid::new(
                            format!("{path}.median"),
                            median,
                            "a lognormal median must be > 0",
                        ));
                    }
                    if p90 < median {
                        return Err(Invalid::new(
                            format!("{path}.p90"),
                            p90,
                            format!("the 90th percentile must be >= the median ({median})"),
                        ));
                    }
                    Family::LogNormal {
                        mu: libm::log(median * factor),
                        sigma: libm::log(p90 / median) / Z90,
                    }
                }
            }
            "gamma" => {
                let values = given.expect(path, "gamma", &[&["shape", "scale"], &["mean", "sd"]])?;
                if given.has("shape") {
                    Family::Gamma {
                        shape: values[0],
                        scale: values[1] * factor,
                    }
                } else {
                    let (mean, sd) = (values[0] * factor, values[1] * factor);
                    if mean <= 0.0 {
                        return Err(Invalid::new(
                            format!("{path}.mean"),
                            values[0],
                            "a gamma mean must be > 0",
                        ));
                    }
                    if sd < 0.0 {
                        return Err(Invalid::new(format!("{path}.sd"), values[1], "a gamma sd must be >= 0"));
                    }
                    if sd == 0.0 {
                        Family::Fixed { value: mean }
                    } else {
                        Family::Gamma {
                            shape: (mean / sd).powi(2),
                            scale: sd * sd / mean,
                        }
                    }
                }
            }
            "weibull" => {
                let [shape, scale] = given
                    .expect(path, "weibull", &[&["shape", "scale"]])?
                    .try_into()
                    .expect("2 keys");
                Family::Weibull {
                    shape,
                    scale: scale * factor,
                }
            }
            "exponential" => {
                let values = given.expect(path, "exponential", &[&["rate"], &["mean"]])?;
                if given.has("rate") {
                    Family::Exponential {
                        rate: values[0] / factor,
                    }
                } else {
                    if values[0] <= 0.0 {
                        return Err(Invalid::new(
                            format!("{path}.mean"),
                            values[0],
                            "an exponential mean must be > 0",
                        ));
                    }
                    Family::Exponential {
                        rate: 1.0 / (values[0] * factor),
                    }
                }
            }
            other => {
                return Err(Invalid::new(
                    format!("{path}.family"),
                    format!("\"{other}\""),
                    format!(
                        "allowed families are {}{}",
                        FAMILIES.join(", "),
                        crate::error::did_you_mean(other, FAMILIES)
                    ),
                ));
            }
        };
        let truncation = raw.truncate.map(|[lo, hi]| (lo * factor, hi * factor));
        Dist::new(family, truncation).map_err(|e| match (e, raw.truncate) {
            (DistError::Truncation(problem), Some([lo, hi])) => {
                Invalid::new(format!("{path}.truncate"), format!("[{lo}, {hi}]"), problem)
            }
            (e, _) => Invalid::new(format!("{path}.family"), format!("\"{}\"", raw.family), e.to_string()),
        })
    }
}

const FAMILIES: [&str; 7] = [
    "fixed",
    "uniform",
    "normal",
    "lognormal",
    "gamma",
    "weibull",
    "exponential",
];

/// The numeric parameters present in a `RawDist`, in a fixed order.
struct Given(Vec<(&'static str, f64)>);

impl Given {
    fn of(raw: &RawDist) -> Given {
        let all = [
            ("value", raw.value),
            ("low", raw.low),
            ("high", raw.high),
            ("mean", raw.mean),
            ("sd", raw.sd),
            ("mu", raw.mu),
            ("sigma", raw.sigma),
            ("median", raw.median),
            ("p90", raw.p90),
            ("shape", raw.shape),
            ("scale", raw.scale),
            ("rate", raw.rate),
        ];
        Given(all.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect())
    }

    fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| *k == key)
    }

    /// The values of the one parameterisation in `forms` whose keys are
    /// exactly those given, in the order the form lists them.
    fn expect(&self, path: &str, family: &str, forms: &[&[&str]]) -> Result<Vec<f64>, Invalid> {
        for form in forms {
            let matches = form.len() == self.0.len() && form.iter().all(|k| self.has(k));
            if matches {
                return Ok(form
                    .iter()
                    .map(|k| self.0.iter().find(|(g, _)| g == k).map(|(_, v)| *v).unwrap_or(f64::NAN))
                    .collect());
            }
        }
        let allowed = forms.iter().map(|f| f.join(" and ")).collect::<Vec<_>>().join(", or ");
        let given = self.0.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ");
        let given = if given.is_empty() {
            "no parameters".to_string()
        } else {
            given
        };
        Err(Invalid::new(
            path.to_string(),
            format!("{{ family = \"{family}\", {given} }}"),
            format!("{family} takes {allowed}"),
        ))
    }
}

/// Checks parameter domains; collapses zero-spread families to `Fixed`.
fn check_family(family: Family) -> Result<Family, String> {
    let finite = |name: &str, v: f64| {
        if v.is_finite() {
            Ok(())
        } else {
            Err(format!("{name} must be a finite number, got {v}"))
        }
    };
    let positive = |name: &str, v: f64| {
        finite(name, v)?;
        if v > 0.0 {
            Ok(())
        } else {
            Err(format!("{name} must be > 0, got {v}"))
        }
    };
    let non_negative = |name: &str, v: f64| {
        finite(name, v)?;
        if v >= 0.0 {
            Ok(())
        } else {
            Err(format!("{name} must be >= 0, got {v}"))
        }
    };
    Ok(match family {
        Family::Fixed { value } => {
            finite("value", value)?;
            family
        }
        Family::Uniform { low, high } => {
            finite("low", low)?;
            finite("high", high)?;
            if low > high {
                return Err(format!("uniform needs low <= high, got low = {low}, high = {high}"));
            }
            if low == high {
                Family::Fixed { value: low }
            } else {
                family
            }
        }
        Family::Normal { mean, sd } => {
            finite("mean", mean)?;
            non_negative("sd", sd)?;
            if sd == 0.0 {
                Family::Fixed { value: mean }
            } else {
                family
            }
        }
        Family::LogNormal { mu, sigma } => {
            finite("mu", mu)?;
            non_negative("sigma", sigma)?;
            if sigma == 0.0 {
                Family::Fixed { value: libm::exp(mu) }
            } else {
                family
            }
        }
        Family::Gamma { shape, scale } => {
            positive("shape", shape)?;
            positive("scale", scale)?;
            family
        }
        Family::Weibull { shape, scale } => {
            positive("shape", shape)?;
            positive("scale", scale)?;
            family
        }
        Family::Exponential { rate } => {
            positive("rate", rate)?;
            family
        }
    })
}

/// One standard normal draw by rand_distr's ziggurat.
#[inline(always)]
fn standard_normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    StandardNormal.sample(rng)
}

/// The gamma distribution of shape `a > 1` by Marsaglia and Tsang (2000),
/// "A simple method for generating gamma variables", ACM TOMS 26(3): with
/// `d = a - 1/3`, `c = 1 / sqrt(9 d)`, `z` standard normal and `v = (1 +
/// c z)^3 > 0`, accept `d v` when `u < 1 - 0.0331 z^4` or `ln u < z^2 / 2 +
/// d (1 - v + ln v)`, `u` uniform on (0, 1). The same steps, constants and
/// draws as rand_distr 0.6's `GammaLargeShape` (so the same values), held
/// here so that a draw is one inlined loop rather than three nested calls.
#[derive(Debug, Clone, Copy)]
struct MarsagliaTsang {
    d: f64,
    c: f64,
    /// `d * scale`.
    scale_d: f64,
}

impl MarsagliaTsang {
    fn new(shape: f64, scale: f64) -> MarsagliaTsang {
        let d = shape - 1.0 / 3.0;
        MarsagliaTsang {
            d,
            c: 1.0 / (9.0 * d).sqrt(),
            scale_d: d * scale,
        }
    }

    #[inline]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let x = standard_normal(rng);
            let v_cbrt = 1.0 + self.c * x;
            if v_cbrt <= 0.0 {
                continue;
            }
            let v = v_cbrt * v_cbrt * v_cbrt;
            let u: f64 = rng.sample(Open01);
            let x_sqr = x * x;
            if u < 1.0 - 0.0331 * x_sqr * x_sqr || u.ln() < 0.5 * x_sqr + self.d * (1.0 - v + v.ln()) {
                return v * self.scale_d;
            }
        }
    }
}

fn untruncated_sampler(family: Family) -> Sampler {
    // Parameters were checked by `check_family`, so the constructors succeed;
    // the fallbacks keep this total without a panic path.
    match family {
        Family::Fixed { value } => Sampler::Fixed(value),
        Family::Uniform { low, high } => Sampler::Uniform { low, width: high - low },
        Family::Normal { mean, sd } => {
            Normal::new(mean, sd).map_or(Sampler::Fixed(mean), |_| Sampler::Normal { mean, sd })
        }
        Family::LogNormal { mu, sigma } => {
            LogNormal::new(mu, sigma).map_or(Sampler::Fixed(libm::exp(mu)), |_| Sampler::LogNormal { mu, sigma })
        }
        Family::Gamma { shape, scale } => match Gamma::new(shape, scale) {
            Err(_) => Sampler::Fixed(shape * scale),
            Ok(_) if shape > 1.0 && shape.is_finite() && scale.is_finite() => {
                Sampler::GammaLarge(MarsagliaTsang::new(shape, scale))
            }
            Ok(gamma) => Sampler::Gamma(gamma),
        },
        Family::Weibull { shape, scale } => Sampler::Weibull {
            scale,
            inv_shape: 1.0 / shape,
        },
        Family::Exponential { rate } => Sampler::Exponential { mean: 1.0 / rate },
    }
}

fn truncated_sampler(family: Family, lo: f64, hi: f64) -> Result<Sampler, String> {
    if let Family::Fixed { value } = family {
        return if (lo..=hi).contains(&value) {
            Ok(Sampler::Fixed(value))
        } else {
            Err(format!(
                "truncation [{lo}, {hi}] leaves no mass: the value {value} lies outside it"
            ))
        };
    }
    let (a, b) = (cdf(family, lo), cdf(family, hi));
    let mass = b - a;
    if mass.is_nan() || mass < MIN_MASS {
        return Err(format!(
            "truncation [{lo}, {hi}] leaves no mass (the distribution puts {mass:.3e} of its probability there); widen the bounds or move the distribution"
        ));
    }
    Ok(match family {
        Family::Gamma { shape, scale } if mass >= 0.05 => match Gamma::new(shape, scale) {
            Ok(gamma) => Sampler::Reject { gamma, lo, hi },
            Err(_) => Sampler::Inverse { u_lo: a, u_width: mass },
        },
        _ => Sampler::Inverse { u_lo: a, u_width: mass },
    })
}

/// The CDF of an untruncated family.
pub fn cdf(family: Family, x: f64) -> f64 {
    match family {
        Family::Fixed { value } => f64::from(u8::from(x >= value)),
        Family::Uniform { low, high } => ((x - low) / (high - low)).clamp(0.0, 1.0),
        Family::Normal { mean, sd } => normal_cdf((x - mean) / sd),
        Family::LogNormal { mu, sigma } => {
            if x <= 0.0 {
                0.0
            } else {
                normal_cdf((libm::log(x) - mu) / sigma)
            }
        }
        Family::Gamma { shape, scale } => {
            if x <= 0.0 {
                0.0
            } else {
                gamma_p(shape, x / scale)
            }
        }
        Family::Weibull { shape, scale } => {
            if x <= 0.0 {
                0.0
            } else {
                -libm::expm1(-libm::pow(x / scale, shape))
            }
        }
        Family::Exponential { rate } => {
            if x <= 0.0 {
                0.0
            } else {
                -libm::expm1(-rate * x)
            }
        }
    }
}

/// The quantile of an untruncated family at `p` in (0, 1).
pub fn quantile(family: Family, p: f64) -> f64 {
    let p = p.clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0);
    match family {
        Family::Fixed { value } => value,
        Family::Uniform { low, high } => low + p * (high - low),
        Family::Normal { mean, sd } => mean + sd * normal_quantile(p),
        Family::LogNormal { mu, sigma } => (mu + sigma * normal_quantile(p)).exp(),
        Family::Weibull { shape, scale } => scale * libm::pow(-libm::log1p(-p), 1.0 / shape),
        Family::Exponential { rate } => -libm::log1p(-p) / rate,
        Family::Gamma { shape, scale } => scale * gamma_quantile(shape, p),
    }
}

/// Standard normal CDF, `Phi(z) = erfc(-z / sqrt 2) / 2`.
///
/// Kept rather than statrs 0.19.1's `Normal::cdf`, which is faster (11.8
/// against 20.5 ns a call over z in [-38, 9]) but less accurate and gives
/// other bits: against mpmath (50 digits) at 4,701 points, ours errs by at
/// most 1.8e-13 relative (6.3e-15 for |z| <= 6), statrs by up to 1.0e-10
/// relative (2.5e-11 absolute, at z = -0.71: its erfc keeps Boost's
/// float-valued interval constants to 10 digits only), and only 552 of the
/// 4,701 results are bit-identical. This runs when a truncated sampler is
/// built (`[F(lo), F(hi)]`), not per draw, but its bits move every truncated
/// normal and lognormal draw, so patients.parquet would change.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

// AS 241's coefficients (Wichura 1988) as published (20 digits), not
// rounded to what a double holds, so that they can be checked against the
// paper: A/B the centre, C/D the tails to r = 5, E/F beyond.
#[allow(clippy::excessive_precision)]
pub const AS241_A: [f64; 8] = [
    3.387_132_872_796_366_608,
    1.331_416_678_917_843_774_5e2,
    1.971_590_950_306_551_442_7e3,
    1.373_169_376_550_946_112_5e4,
    4.592_195_393_154_987_145_7e4,
    6.726_577_092_700_870_085_3e4,
    3.343_057_558_358_812_810_5e4,
    2.509_080_928_730_122_672_7e3,
];
#[allow(clippy::excessive_precision)]
pub const AS241_B: [f64; 8] = [
    1.0,
    4.231_333_070_160_091_125_2e1,
    6.871_870_074_920_579_083e2,
    5.394_196_021_424_751_107_7e3,
    2.121_379_430_158_659_586_7e4,
    3.930_789_580_009_271_061e4,
    2.872_908_573_572_194_267_4e4,
    5.226_495_278_852_854_561e3,
];
#[allow(clippy::excessive_precision)]
pub const AS241_C: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_9,
    5.769_497_221_460_691_405_5,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    2.417_807_251_774_506_117_7e-1,
    2.272_384_498_926_918_458_33e-2,
    7.745_450_142_783_414_076_4e-4,
];
#[allow(clippy::excessive_precision)]
pub const AS241_D: [f64; 8] = [
    1.0,
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_4,
    6.897_673_349_851_000_045_5e-1,
    1.481_039_764_274_800_745_9e-1,
    1.519_866_656_361_645_719_66e-2,
    5.475_938_084_995_344_946e-4,
    1.050_750_071_644_416_843_24e-9,
];
#[allow(clippy::excessive_precision)]
pub const AS241_E: [f64; 8] = [
    6.657_904_643_501_103_777_2,
    5.463_784_911_164_114_369_9,
    1.784_826_539_917_291_335_8,
    2.965_605_718_285_048_912_3e-1,
    2.653_218_952_657_612_309_3e-2,
    1.242_660_947_388_078_438_6e-3,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
#[allow(clippy::excessive_precision)]
pub const AS241_F: [f64; 8] = [
    1.0,
    5.998_322_065_558_879_376_9e-1,
    1.369_298_809_227_358_053_1e-1,
    1.487_536_129_085_061_485_25e-2,
    7.868_691_311_456_132_591e-4,
    1.846_318_317_510_054_681_8e-5,
    1.421_511_758_316_445_888_7e-7,
    2.044_263_103_389_939_785_64e-15,
];
/// Standard normal quantile: Wichura's algorithm AS 241 (PPND16;
/// Wichura 1988, Applied Statistics 37(3), 477-484), the one R's `qnorm`
/// uses. Three rational approximations of degree 7: in `q = p - 1/2` for
/// `|q| <= 0.425`, otherwise in `r = sqrt(-ln(min(p, 1 - p)))`, for
/// `r <= 5` and beyond. Wichura gives about 1e-16 relative accuracy; the
/// test below checks a few units in the last place against 60-digit
/// values, down to p = 1e-300.
///
/// On the hot path: one call per draw of every truncated normal and
/// lognormal. It replaced Acklam's approximation refined by a Halley step,
/// which needed an `erfc` and an `exp` per call (10% of the default
/// scenario's time went to it); AS 241 needs none in the centre, where
/// 85% of draws fall, and one `ln` and one `sqrt` in the tails.
pub fn normal_quantile(p: f64) -> f64 {
    /// c0 + c1 x + ... + c7 x^7 by Estrin's scheme: three dependent
    /// steps where Horner's rule takes seven (the quantile's time is the
    /// latency of its two polynomials).
    #[inline(always)]
    fn poly(c: &[f64; 8], x: f64) -> f64 {
        let x2 = x * x;
        let x4 = x2 * x2;
        let lo = (c[0] + c[1] * x) + (c[2] + c[3] * x) * x2;
        let hi = (c[4] + c[5] * x) + (c[6] + c[7] * x) * x2;
        lo + hi * x4
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * poly(&AS241_A, r) / poly(&AS241_B, r);
    }
    let r = (if q < 0.0 { p } else { 1.0 - p }).ln();
    let r = (-r).sqrt();
    let z = if r <= 5.0 {
        poly(&AS241_C, r - 1.6) / poly(&AS241_D, r - 1.6)
    } else {
        poly(&AS241_E, r - 5.0) / poly(&AS241_F, r - 5.0)
    };
    if q < 0.0 { -z } else { z }
}

/// Regularised lower incomplete gamma `P(a, x)`: the series for
/// `x < a + 1`, Lentz's continued fraction for `Q = 1 - P` otherwise
/// (Numerical Recipes, 3rd ed., section 6.2).
///
/// Kept rather than statrs 0.19.1's `gamma_lr`: equally accurate (against
/// mpmath at 4,800 points with shapes 0.1 to 500, both err by at most 4.8e-13
/// relative and 8.7e-14 absolute) and faster (43.5 against 59.5 ns a call),
/// but only 2,096 of the 4,800 results are bit-identical, and this sets a
/// truncated gamma's `[F(lo), F(hi)]` and drives [`gamma_quantile`].
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let log_prefix = a * libm::log(x) - x - libm::lgamma(a);
    if x < a + 1.0 {
        let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..10_000 {
            n += 1.0;
            term *= x / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (sum * libm::exp(log_prefix)).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..10_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (1.0 - libm::exp(log_prefix) * h).clamp(0.0, 1.0)
    }
}

/// Quantile of the unit-scale gamma by bisection on `P(a, x)` (used only for
/// truncations that keep under 5% of the mass, and in tests).
///
/// Called once per draw of such a truncation. statrs 0.19.1's
/// `Gamma::inverse_cdf` is 4 to 5 times faster (1.7 against 6.3 us a call
/// over p in [1e-12, 1 - 1e-12], 1.2 against 6.5 for p in [0.001, 0.999],
/// shapes 0.1 to 500) but not accurate enough: against mpmath for p in
/// [0.001, 0.999] ours errs by at most 2.4e-14 relative, statrs by up to
/// 6.8e-9 for shapes >= 0.5 and, for shape 0.1, returns about 9.3e-10
/// wherever the quantile is smaller (1.4e-28 at p = 0.0017); only 63 of 1,908
/// results are bit-identical. Below about `2^-200 * max(a, 1)` ours is not
/// accurate either (shape 0.1, p = 1e-12: 3.1e-61 for 6.1e-121).
pub fn gamma_quantile(a: f64, p: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, a.max(1.0));
    while gamma_p(a, hi) < p {
        hi *= 2.0;
        if hi > 1e300 {
            return hi;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if gamma_p(a, mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

impl std::fmt::Display for Dist {
    /// Reads like a researcher writes it, in days: `lognormal(median 14 d,
    /// p90 28 d)`, `exponential(mean 180 d) truncated to [0, 365]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = |v: f64| (v * 100.0).round() / 100.0;
        match self.family {
            Family::Fixed { value } => write!(f, "{} d", r(value))?,
            Family::Uniform { low, high } => write!(f, "uniform({} to {} d)", r(low), r(high))?,
            Family::Normal { mean, sd } => write!(f, "normal(mean {} d, sd {} d)", r(mean), r(sd))?,
            Family::LogNormal { mu, sigma } => write!(
                f,
                "lognormal(median {} d, p90 {} d)",
                r(libm::exp(mu)),
                r(libm::exp(mu + Z90 * sigma))
            )?,
            Family::Gamma { shape, scale } => write!(
                f,
                "gamma(mean {} d, sd {} d)",
                r(shape * scale),
                r(libm::sqrt(shape) * scale)
            )?,
            Family::Weibull { shape, scale } => write!(f, "weibull(shape {}, scale {} d)", r(shape), r(scale))?,
            Family::Exponential { rate } => write!(f, "exponential(mean {} d)", r(1.0 / rate))?,
        }
        if let Some((lo, hi)) = self.truncation {
            write!(f, " truncated to [{}, {}]", r(lo), r(hi))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(family: &str) -> RawDist {
        RawDist {
            family: family.into(),
            ..RawDist::default()
        }
    }

    /// Our inlined normal, lognormal and large-shape gamma samplers give
    /// exactly rand_distr's values from the same stream (the golden files
    /// did not change when they replaced rand_distr's).
    #[test]
    fn own_samplers_are_rand_distrs_to_the_bit() {
        use crate::rng::{Purpose, stream};
        let check = |family: Family, theirs: &dyn Fn(&mut crate::rng::Stream) -> f64| {
            let dist = Dist::new(family, None).unwrap();
            let (mut a, mut b) = (stream(7, 1, Purpose::Cohort), stream(7, 1, Purpose::Cohort));
            for _ in 0..20_000 {
                assert_eq!(dist.sample(&mut a).to_bits(), theirs(&mut b).to_bits(), "{family:?}");
            }
        };
        let normal = Normal::new(3.0, 2.5).unwrap();
        check(Family::Normal { mean: 3.0, sd: 2.5 }, &|r| normal.sample(r));
        let lognormal = LogNormal::new(3.7, 0.5).unwrap();
        check(Family::LogNormal { mu: 3.7, sigma: 0.5 }, &|r| lognormal.sample(r));
        for (shape, scale) in [(1.0000001, 3.0), (1.5, 60.0), (2.0, 45.0), (9.7, 0.3)] {
            let gamma = Gamma::new(shape, scale).unwrap();
            check(Family::Gamma { shape, scale }, &|r| gamma.sample(r));
        }
    }

    #[test]
    fn normal_quantile_inverts_cdf() {
        // The exact quantile of each double p, rounded (mpmath, 60 digits:
        // the root of `log(ncdf(z)) - log(p)`): the centre, both sides of each split
        // (p = 0.075 and 0.925; r = 5 near p = 1.4e-11) and the far tails.
        const EXACT: [(f64, f64); 17] = [
            (1e-300, -37.0470962993612),
            (1e-100, -21.273453560965326),
            (1e-20, -9.262340089798407),
            (1e-12, -7.034483825301132),
            (1.3e-11, -6.667611456510741),
            (1.5e-11, -6.646570887477113),
            (1e-4, -3.7190164854556804),
            (0.01, -2.326347874040841),
            (0.0749, -1.4402382675279637),
            (0.0751, -1.43882539275254),
            (0.2, -0.8416212335729142),
            (0.8, 0.8416212335729144),
            (0.9249, 1.4388253927525403),
            (0.9251, 1.440238267527964),
            (0.975, 1.9599639845400538),
            (0.9999, 3.7190164854557084),
            (1.0 - 1e-10, 6.361340889697422),
        ];
        for (p, exact) in EXACT {
            let z = normal_quantile(p);
            // A few units in the last place: AS 241's own ~1e-16, and
            // 1 - p's rounding in the upper tail.
            assert!(
                (z - exact).abs() <= 8.0 * f64::EPSILON * exact.abs(),
                "p = {p}: {z} vs {exact}"
            );
        }
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-13);
        assert!((normal_quantile(0.9) - Z90).abs() < 1e-13);
    }

    #[test]
    fn gamma_p_matches_known_values() {
        // P(1, x) = 1 - exp(-x); P(2, 2) = 1 - 3 exp(-2); P(0.5, x) = erf(sqrt x).
        assert!((gamma_p(1.0, 0.7) - (1.0 - (-0.7f64).exp())).abs() < 1e-15);
        assert!((gamma_p(2.0, 2.0) - (1.0 - 3.0 * (-2.0f64).exp())).abs() < 1e-14);
        assert!((gamma_p(0.5, 3.0) - libm::erf(3.0f64.sqrt())).abs() < 1e-14);
        // Q(5, 20) = exp(-20) * sum_{k<5} 20^k / k!
        let q: f64 = (-20.0f64).exp() * (1.0 + 20.0 + 200.0 + 8000.0 / 6.0 + 160_000.0 / 24.0);
        assert!((gamma_p(5.0, 20.0) - (1.0 - q)).abs() < 1e-15);
        let q = gamma_quantile(3.0, 0.3);
        assert!((gamma_p(3.0, q) - 0.3).abs() < 1e-12);
    }

    #[test]
    fn lognormal_by_median_and_p90() {
        let mut r = raw("lognormal");
        r.median = Some(2.0);
        r.p90 = Some(4.0);
        r.unit = Some("weeks".into());
        let d = Dist::from_raw(&r, "x").unwrap();
        assert!((d.cdf(14.0) - 0.5).abs() < 1e-12);
        assert!((d.cdf(28.0) - 0.9).abs() < 1e-12);
    }

    #[test]
    fn gamma_by_mean_and_sd() {
        let mut r = raw("gamma");
        r.mean = Some(10.0);
        r.sd = Some(5.0);
        match Dist::from_raw(&r, "x").unwrap().family() {
            Family::Gamma { shape, scale } => {
                assert!((shape - 4.0).abs() < 1e-12 && (scale - 2.5).abs() < 1e-12);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn exponential_by_mean_in_weeks() {
        let mut r = raw("exponential");
        r.mean = Some(2.0);
        r.unit = Some("weeks".into());
        assert_eq!(
            Dist::from_raw(&r, "x").unwrap().family(),
            Family::Exponential { rate: 1.0 / 14.0 }
        );
    }

    #[test]
    fn zero_spread_is_fixed() {
        let d = Dist::new(Family::Normal { mean: 3.0, sd: 0.0 }, None).unwrap();
        assert_eq!(d.family(), Family::Fixed { value: 3.0 });
        let mut rng = crate::rng::stream(1, 2, crate::rng::Purpose::Cohort);
        assert_eq!(d.sample(&mut rng), 3.0);
    }

    #[test]
    fn wrong_parameters_are_named() {
        let mut r = raw("lognormal");
        r.mean = Some(3.0);
        r.sd = Some(1.0);
        let e = Dist::from_raw(&r, "interventions.pt.recovery_time").unwrap_err();
        assert_eq!(e.path, "interventions.pt.recovery_time");
        assert_eq!(e.problem, "lognormal takes mu and sigma, or median and p90");
    }

    #[test]
    fn empty_truncation_is_an_error() {
        let e = Dist::new(Family::Exponential { rate: 1.0 }, Some((1000.0, 2000.0))).unwrap_err();
        assert!(
            matches!(&e, DistError::Truncation(m) if m.contains("leaves no mass")),
            "{e}"
        );
        let p = Dist::new(
            Family::Gamma {
                shape: -1.0,
                scale: 1.0,
            },
            None,
        )
        .unwrap_err();
        assert!(
            matches!(&p, DistError::Parameter(m) if m.contains("shape must be > 0")),
            "{p}"
        );
        assert!(Dist::new(Family::Fixed { value: 1.0 }, Some((2.0, 3.0))).is_err());
        assert!(Dist::new(Family::Normal { mean: 0.0, sd: 1.0 }, Some((1.0, 1.0))).is_err());
    }

    #[test]
    fn truncated_draws_stay_in_bounds() {
        let cases = [
            Family::Normal { mean: 10.0, sd: 5.0 },
            Family::Gamma { shape: 2.0, scale: 3.0 },
            Family::Gamma { shape: 2.0, scale: 3.0 },
            Family::Weibull {
                shape: 1.5,
                scale: 10.0,
            },
        ];
        let bounds = [(0.0, 12.0), (1.0, 9.0), (40.0, 60.0), (2.0, 4.0)];
        let mut rng = crate::rng::stream(7, 0, crate::rng::Purpose::Cohort);
        for (family, (lo, hi)) in cases.into_iter().zip(bounds) {
            let d = Dist::new(family, Some((lo, hi))).unwrap();
            for _ in 0..2000 {
                let x = d.sample(&mut rng);
                assert!((lo..=hi).contains(&x), "{family:?} gave {x}");
            }
        }
    }
}
