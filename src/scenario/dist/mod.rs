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
//! | `loglogistic` | `shape`, `scale`                  | x > 0    |
//! | `gompertz`    | `shape`, `rate`                   | x > 0    |
//! | `gengamma`    | `mu`, `sigma`, `Q`                | x > 0    |
//!
//! Conversions: lognormal `sigma = ln(p90 / median) / z_0.9` with
//! `z_0.9 = 1.2815515655446004` and `mu = ln(median)`; gamma
//! `shape = (mean / sd)^2`, `scale = sd^2 / mean`; exponential
//! `rate = 1 / mean`. With `unit = "weeks"` every time parameter is multiplied
//! by 7 (`mu` gains `ln 7`, a rate is divided by 7, and so is the Gompertz
//! shape), so the engine works in days only. The log-logistic, Gompertz and
//! generalised gamma are flexsurv's parameterisations. A zero spread (`sd = 0`, `sigma = 0`, `low = high`) is the
//! fixed distribution at that point.
//!
//! Truncation to `[lo, hi]` conditions the distribution on that interval.
//! Families with a closed-form quantile are sampled by inverse transform on
//! `[F(lo), F(hi)]` (one uniform draw, exact); the gamma by rejection when the
//! interval holds at least 5% of the mass and by numerical inversion of its
//! CDF otherwise. Untruncated families draw from rand_distr's ziggurat
//! normal and exponential: the normal and lognormal as `mean + sd z` and
//! `exp(mu + sigma z)`, the gamma of shape above 1 by Marsaglia-Tsang
//! written out in gamma.rs (rand_distr's steps, inlined; the same values), of
//! shape at most 1 by rand_distr's sampler; the Weibull is sampled as
//! `scale * E^(1/shape)` with `E ~ Exp(1)`, the Gompertz as `ln(1 + shape E
//! / rate) / shape`, the generalised gamma as `exp(mu + (sigma / Q) ln h)`
//! with `h` a Marsaglia-Tsang gamma, and the log-logistic by the inverse
//! transform.
//!
//! Our own transforms use the `libm` crate. rand_distr's samplers use
//! `num-traits`, whose `std` feature another dependency (plotters' `image`)
//! switches on, so they call the platform's maths library: results are
//! bit-identical for the same build on the same platform, not guaranteed
//! across operating systems or architectures.
//!
//! One file per family, each a type implementing [`Law`]: its name, its
//! parameter forms, its checked constructor, CDF, quantile, support, the
//! sampler it draws with and its words; [`Family`] is the closed set of
//! them. The special functions they share ([`normal_cdf`],
//! [`normal_quantile`], [`gamma_p`], [`gamma_quantile`]) are in
//! `special.rs`.

mod beta;
mod exponential;
mod fixed;
mod gamma;
mod gengamma;
mod gompertz;
mod loglogistic;
mod lognormal;
mod normal;
mod prior;
mod special;
mod uniform;
mod weibull;

pub use beta::Beta;
pub use exponential::Exponential;
pub use fixed::Fixed;
pub use gamma::Gamma;
pub use gengamma::GenGamma;
pub use gompertz::Gompertz;
pub use loglogistic::LogLogistic;
pub use lognormal::LogNormal;
pub use normal::Normal;
pub use prior::Prior;
pub use special::{
    AS241_A, AS241_B, AS241_C, AS241_D, AS241_E, AS241_F, beta_quantile, gamma_p, gamma_quantile, ln_gamma_pq,
    normal_cdf, normal_quantile, softplus,
};
pub use uniform::Uniform;
pub use weibull::Weibull;

use rand::Rng;
use rand_distr::{Beta as RandBeta, Distribution, Exp1, Gamma as RandGamma, StandardNormal};

use serde::Deserialize;

use crate::error::Invalid;
use crate::lanes;

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
    /// The generalised gamma's shape, written `Q` as flexsurv does.
    #[serde(default, rename = "Q")]
    pub q: Option<f64>,
    /// `"days"` (default) or `"weeks"`.
    #[serde(default)]
    pub unit: Option<String>,
    /// `[lower, upper]` bounds; the distribution is conditioned on them.
    #[serde(default)]
    pub truncate: Option<[f64; 2]>,
    #[serde(default)]
    pub source: Option<String>,
}

/// A value a form does not allow: `(key, value, problem)`.
pub type Refusal = (&'static str, f64, String);

/// A family of distributions, one file each: what a scenario calls it,
/// how it may be written, and what the engine needs of it. Parameters
/// are in days for durations.
pub trait Law: Copy {
    /// The name a scenario gives it (`family = "weibull"`).
    const NAME: &'static str;
    /// The parameter forms it may be written in, each the keys given
    /// together.
    const FORMS: &'static [&'static [&'static str]];

    /// The family from the values of form `form` (an index into
    /// [`Law::FORMS`], values in its order), time parameters multiplied
    /// by `factor` (7 for weeks).
    ///
    /// # Errors
    /// The [`Refusal`] of a value the form does not allow.
    fn from_form(form: usize, values: &[f64], factor: f64) -> Result<Family, Refusal>;

    /// The family with its parameters checked; a zero spread becomes
    /// [`Fixed`].
    ///
    /// # Errors
    /// The parameter out of its domain and what is allowed.
    fn checked(self) -> Result<Family, String>;

    /// The smallest and largest values it can produce.
    fn support(self) -> (f64, f64);

    fn cdf(self, x: f64) -> f64;

    /// The quantile at `p` in (0, 1).
    fn quantile(self, p: f64) -> f64;

    /// What draws from it untruncated.
    fn sampler(self) -> Sampler;

    /// What draws from it truncated to `[lo, hi]`, where the CDF gives
    /// `u_lo` at `lo` and `mass` between: the inverse transform unless the
    /// family has better.
    fn truncated_sampler(self, u_lo: f64, mass: f64, lo: f64, hi: f64) -> Sampler {
        let _ = (lo, hi);
        Sampler::Inverse { u_lo, u_width: mass }
    }

    /// Its words, in days: `lognormal(median 14 d, p90 28 d)`.
    fn days(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result;

    /// Its mean.
    fn mean(self) -> f64;

    /// Its parameters in its own terms, as a belief shows them:
    /// `gamma(shape 3, scale 2)` (to four decimals).
    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result;

    /// `ln` of the density of `t = free(x)` when `x` has this distribution
    /// (the density of `x` times `|dx/dt|`), where [`free`] maps the
    /// support onto the line: the logit of `(x - lo) / (hi - lo)` on a
    /// bounded support, `ln(x - lo)` on a half-line, `x` on the line.
    fn ln_density_free(self, t: f64) -> f64;

    /// The forms a distribution of belief may take in this family
    /// (`{ gamma_mean = m, sd = s }`), each the keys written together; a
    /// form of one key takes a pair, `gamma = [shape, scale]`.
    const BELIEF_FORMS: &'static [&'static [&'static str]] = &[];

    /// The prior of belief form `form` (an index into
    /// [`Law::BELIEF_FORMS`], values in its order, a pair giving two).
    ///
    /// # Errors
    /// The [`Refusal`] of a value the form does not allow.
    fn from_belief(form: usize, values: &[f64]) -> Result<Prior, Refusal> {
        Err((
            Self::NAME,
            values.first().copied().unwrap_or(f64::NAN),
            format!("{} has no belief form {form}", Self::NAME),
        ))
    }
}

/// A family with its parameters, in days for durations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Family {
    Fixed(Fixed),
    Uniform(Uniform),
    Normal(Normal),
    LogNormal(LogNormal),
    Gamma(Gamma),
    Weibull(Weibull),
    Exponential(Exponential),
    LogLogistic(LogLogistic),
    Gompertz(Gompertz),
    GenGamma(GenGamma),
    Beta(Beta),
}

/// `$call` with `$law` bound to the family's [`Law`], whichever it is.
macro_rules! each_law {
    ($family:expr, $law:ident => $call:expr) => {
        match $family {
            Family::Fixed($law) => $call,
            Family::Uniform($law) => $call,
            Family::Normal($law) => $call,
            Family::LogNormal($law) => $call,
            Family::Gamma($law) => $call,
            Family::Weibull($law) => $call,
            Family::Exponential($law) => $call,
            Family::LogLogistic($law) => $call,
            Family::Gompertz($law) => $call,
            Family::GenGamma($law) => $call,
            Family::Beta($law) => $call,
        }
    };
}

/// How a scenario may write a family: its name, its parameter forms and
/// its belief forms, with the readers of each ([`Law`]).
#[derive(Clone, Copy)]
pub struct Forms {
    pub name: &'static str,
    pub forms: &'static [&'static [&'static str]],
    pub from_form: fn(usize, &[f64], f64) -> Result<Family, Refusal>,
    pub belief_forms: &'static [&'static [&'static str]],
    pub from_belief: fn(usize, &[f64]) -> Result<Prior, Refusal>,
}

/// The [`Forms`] of a [`Law`].
macro_rules! forms {
    ($law:ty) => {
        Forms {
            name: <$law>::NAME,
            forms: <$law>::FORMS,
            from_form: <$law>::from_form,
            belief_forms: <$law>::BELIEF_FORMS,
            from_belief: <$law>::from_belief,
        }
    };
}

/// Every family, as a scenario may write it: [`Dist::from_raw`] reads
/// `family = "..."` tables by it, `scenario::belief` distributions of
/// belief.
pub const LAWS: [Forms; 11] = [
    forms!(Fixed),
    forms!(Uniform),
    forms!(Normal),
    forms!(LogNormal),
    forms!(Gamma),
    forms!(Weibull),
    forms!(Exponential),
    forms!(LogLogistic),
    forms!(Gompertz),
    forms!(GenGamma),
    forms!(Beta),
];

impl Family {
    /// The family with its parameters checked ([`Law::checked`]).
    fn checked(self) -> Result<Family, String> {
        each_law!(self, law => law.checked())
    }

    /// The smallest and largest values it can produce.
    pub fn support(self) -> (f64, f64) {
        each_law!(self, law => law.support())
    }

    /// The CDF of the untruncated family.
    pub fn cdf(self, x: f64) -> f64 {
        each_law!(self, law => law.cdf(x))
    }

    /// The quantile of the untruncated family at `p` in (0, 1).
    pub fn quantile(self, p: f64) -> f64 {
        let p = p.clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0);
        each_law!(self, law => law.quantile(p))
    }

    fn sampler(self) -> Sampler {
        each_law!(self, law => law.sampler())
    }

    fn truncated_sampler(self, u_lo: f64, mass: f64, lo: f64, hi: f64) -> Sampler {
        each_law!(self, law => law.truncated_sampler(u_lo, mass, lo, hi))
    }

    /// Its mean ([`Law::mean`]).
    pub fn mean(self) -> f64 {
        each_law!(self, law => law.mean())
    }

    /// The log density on the free scale ([`Law::ln_density_free`]).
    pub fn ln_density_free(self, t: f64) -> f64 {
        each_law!(self, law => law.ln_density_free(t))
    }

    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        each_law!(self, law => law.parameters(f))
    }
}

/// A finite parameter.
fn finite(name: &str, v: f64) -> Result<(), String> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(format!("{name} must be a finite number, got {v}"))
    }
}

/// A finite parameter above 0.
fn positive(name: &str, v: f64) -> Result<(), String> {
    finite(name, v)?;
    if v > 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be > 0, got {v}"))
    }
}

/// A finite parameter at or above 0.
fn non_negative(name: &str, v: f64) -> Result<(), String> {
    finite(name, v)?;
    if v >= 0.0 {
        Ok(())
    } else {
        Err(format!("{name} must be >= 0, got {v}"))
    }
}

/// A parameter read for a belief: a finite number above 0, else `(key,
/// value, "{name} must be > 0")`.
fn must_be_positive(key: &'static str, name: &str, v: f64) -> Result<f64, Refusal> {
    if v > 0.0 && v.is_finite() {
        Ok(v)
    } else {
        Err((key, v, format!("{name} must be > 0")))
    }
}

/// A parameter as a belief shows it: to four decimals, trailing zeros
/// dropped.
fn g4(x: f64) -> String {
    format!("{x:.4}")
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}

/// A number as words show it: to two decimals.
fn r(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
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

/// What draws from a distribution: one closed set, matched once per draw
/// in [`Dist::sample`] (the hot path), built by each family's [`Law`].
#[derive(Debug, Clone)]
pub enum Sampler {
    Fixed(f64),
    Uniform {
        low: f64,
        width: f64,
    },
    /// `mean + sd z`, `z` standard normal (by its quantile).
    Normal {
        mean: f64,
        sd: f64,
    },
    /// `exp(mu + sigma z)`.
    LogNormal {
        mu: f64,
        sigma: f64,
    },
    /// Shape above 1, by Marsaglia and Tsang (`gamma.rs`).
    GammaLarge(gamma::MarsagliaTsang),
    /// Shape below 1: `X U^(1/shape)` with `X` of shape `shape + 1`
    /// (Marsaglia and Tsang 2000, section 7), `U` uniform on (0, 1).
    GammaSmall {
        boost: gamma::MarsagliaTsang,
        inv_shape: f64,
    },
    Weibull {
        scale: f64,
        inv_shape: f64,
    },
    Exponential {
        mean: f64,
    },
    /// `ln(1 + shape E / rate) / shape`, `E ~ Exp(1)` (`gompertz.rs`).
    Gompertz {
        shape_over_rate: f64,
        inv_shape: f64,
    },
    /// `exp(mu + power ln h)`, `h` of the gamma `gamma` (of shape `1 /
    /// Q²`, scale `Q²`), and when the shape is at most 1 of shape + 1,
    /// `ln h` then gaining `ln(U) small_shape` (`gengamma.rs`).
    GenGamma {
        gamma: gamma::MarsagliaTsang,
        small_shape: Option<f64>,
        mu: f64,
        power: f64,
    },
    /// Inverse transform of a uniform draw on `[u_lo, u_lo + u_width]`.
    Inverse {
        u_lo: f64,
        u_width: f64,
    },
    /// rand_distr's beta (Cheng 1978).
    Beta(RandBeta<f64>),
    /// Rejection from the untruncated gamma.
    Reject {
        gamma: RandGamma<f64>,
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

impl Sampler {
    /// One draw; `family` is what the sampler was made from (the inverse
    /// transform needs its quantile). The same as one lane of
    /// [`Sampler::draw_lanes`].
    #[inline(always)]
    pub fn draw<R: Rng + ?Sized>(&self, family: Family, rng: &mut R) -> f64 {
        self.draw_lanes(family, [rng])[0]
    }

    /// One draw in each of `N` lanes, lane `i` from `rngs[i]`: the same
    /// bits in each lane whatever `N` ([`crate::lanes`]). Normal and
    /// exponential variates come from rand_distr's ziggurats lane by lane,
    /// the transforms that make lognormal (`exp(mu + sigma z)`), Weibull
    /// (`scale exp(ln(E) / shape)`) and uniform draws are computed in
    /// lanes; gamma draws are Marsaglia and Tsang's rejection in lanes
    /// ([`gamma::MarsagliaTsang`]). Truncated
    /// draws, beta draws and rejection from a truncated gamma run lane
    /// after lane (scalar code per lane: the same bits at any width too).
    #[inline(always)]
    pub fn draw_lanes<R: Rng + ?Sized, const N: usize>(&self, family: Family, mut rngs: [&mut R; N]) -> [f64; N] {
        match self {
            Sampler::Fixed(v) => [*v; N],
            Sampler::Uniform { low, width } => {
                let u = rngs.each_mut().map(|r| lanes::uniform(r.next_u64()));
                lanes::each!(u, |u| low + width * u)
            }
            Sampler::Normal { mean, sd } => lanes::each!(normals(&mut rngs), |z| mean + sd * z),
            Sampler::LogNormal { mu, sigma } => {
                lanes::each!(normals(&mut rngs), |z| lanes::exp(mu + sigma * z))
            }
            Sampler::GammaLarge(g) => g.sample_lanes(&mut rngs),
            Sampler::GammaSmall { boost, inv_shape } => {
                let x = boost.sample_lanes(&mut rngs);
                let u = rngs.each_mut().map(|r| lanes::open_uniform(r.next_u64()));
                let mut out = [0.0; N];
                for i in 0..N {
                    out[i] = x[i] * lanes::exp(lanes::ln(u[i]) * inv_shape);
                }
                out
            }
            // E = -ln U is Exp(1), and scale E^(1/shape) Weibull.
            Sampler::Weibull { scale, inv_shape } => {
                lanes::each!(exponentials(&mut rngs), |e| scale
                    * lanes::exp(lanes::ln(e) * inv_shape))
            }
            Sampler::Exponential { mean } => lanes::each!(exponentials(&mut rngs), |e| mean * e),
            Sampler::Gompertz {
                shape_over_rate,
                inv_shape,
            } => lanes::each!(exponentials(&mut rngs), |e| libm::log1p(shape_over_rate * e)
                * inv_shape),
            Sampler::GenGamma {
                gamma,
                small_shape,
                mu,
                power,
            } => {
                let h = gamma.sample_lanes(&mut rngs);
                let mut ln_h = lanes::each!(h, |h| lanes::ln(h));
                if let Some(inv_shape) = small_shape {
                    let u = rngs.each_mut().map(|r| lanes::open_uniform(r.next_u64()));
                    for i in 0..N {
                        ln_h[i] += lanes::ln(u[i]) * inv_shape;
                    }
                }
                lanes::each!(ln_h, |l| lanes::exp(mu + power * l))
            }
            Sampler::Inverse { u_lo, u_width } => rngs.map(|r| {
                let u = u_lo + u_width * lanes::uniform(r.next_u64());
                family.quantile(u)
            }),
            Sampler::Beta(beta) => rngs.map(|r| beta.sample(r)),
            Sampler::Reject { gamma, lo, hi } => rngs.map(|r| {
                loop {
                    let x = gamma.sample(r);
                    if x >= *lo && x <= *hi {
                        break x;
                    }
                }
            }),
        }
    }
}

/// A standard normal in each lane, by rand_distr's ziggurat (scalar code
/// per lane: the same bits at any width; about 4 ns, where the inverse
/// transform's dependent chain took 10).
#[inline(always)]
pub(super) fn normals<R: Rng + ?Sized, const N: usize>(rngs: &mut [&mut R; N]) -> [f64; N] {
    rngs.each_mut().map(|r| StandardNormal.sample(&mut **r))
}

/// A standard exponential in each lane, by rand_distr's ziggurat, kept
/// above 0 (so that its logarithm is finite).
#[inline(always)]
fn exponentials<R: Rng + ?Sized, const N: usize>(rngs: &mut [&mut R; N]) -> [f64; N] {
    rngs.each_mut().map(|r| {
        let e: f64 = Exp1.sample(&mut **r);
        e.max(f64::MIN_POSITIVE)
    })
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
        let family = family.checked().map_err(DistError::Parameter)?;
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
            None => family.sampler(),
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
            family: Family::Fixed(Fixed { value }),
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
        let base = self.family.support().0;
        match self.truncation {
            Some((lo, _)) => base.max(lo),
            None => base,
        }
    }

    /// The largest value the distribution can produce.
    pub fn support_max(&self) -> f64 {
        let base = self.family.support().1;
        match self.truncation {
            Some((_, hi)) => base.min(hi),
            None => base,
        }
    }

    /// One draw.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        self.sampler.draw(self.family, rng)
    }

    /// One draw in each of `N` lanes, lane `i` from `rngs[i]`: in each
    /// lane the same bits as [`Dist::sample`] from that stream.
    #[inline(always)]
    pub fn sample_lanes<R: Rng + ?Sized, const N: usize>(&self, rngs: [&mut R; N]) -> [f64; N] {
        self.sampler.draw_lanes(self.family, rngs)
    }

    /// The cumulative distribution function, truncation included.
    pub fn cdf(&self, x: f64) -> f64 {
        match self.truncation {
            None => self.family.cdf(x),
            Some((lo, hi)) => {
                if x < lo {
                    0.0
                } else if x >= hi {
                    1.0
                } else {
                    let (a, b) = (self.family.cdf(lo), self.family.cdf(hi));
                    ((self.family.cdf(x) - a) / (b - a)).clamp(0.0, 1.0)
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
        let names = LAWS.map(|law| law.name);
        let Some(&Forms {
            name, forms, from_form, ..
        }) = LAWS.iter().find(|law| law.name == raw.family)
        else {
            return Err(Invalid::new(
                format!("{path}.family"),
                format!("\"{}\"", raw.family),
                format!(
                    "allowed families are {}{}",
                    names.join(", "),
                    crate::error::did_you_mean(&raw.family, names)
                ),
            ));
        };
        let (form, values) = given.expect(path, name, forms)?;
        let family = from_form(form, &values, factor)
            .map_err(|(key, value, problem)| Invalid::new(format!("{path}.{key}"), value, problem))?;
        let truncation = raw.truncate.map(|[lo, hi]| (lo * factor, hi * factor));
        Dist::new(family, truncation).map_err(|e| match (e, raw.truncate) {
            (DistError::Truncation(problem), Some([lo, hi])) => {
                Invalid::new(format!("{path}.truncate"), format!("[{lo}, {hi}]"), problem)
            }
            (e, _) => Invalid::new(format!("{path}.family"), format!("\"{}\"", raw.family), e.to_string()),
        })
    }
}

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
            ("Q", raw.q),
        ];
        Given(all.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect())
    }

    fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| *k == key)
    }

    /// The values of the one parameterisation in `forms` whose keys are
    /// exactly those given, in the order the form lists them.
    fn expect(&self, path: &str, family: &str, forms: &[&[&str]]) -> Result<(usize, Vec<f64>), Invalid> {
        for (i, form) in forms.iter().enumerate() {
            let matches = form.len() == self.0.len() && form.iter().all(|k| self.has(k));
            if matches {
                let values = form
                    .iter()
                    .map(|k| self.0.iter().find(|(g, _)| g == k).map(|(_, v)| *v).unwrap_or(f64::NAN))
                    .collect();
                return Ok((i, values));
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

/// What draws from `family` truncated to `[lo, hi]`: refused when the
/// interval holds (almost) none of its mass.
fn truncated_sampler(family: Family, lo: f64, hi: f64) -> Result<Sampler, String> {
    if let Family::Fixed(Fixed { value }) = family {
        return if (lo..=hi).contains(&value) {
            Ok(Sampler::Fixed(value))
        } else {
            Err(format!(
                "truncation [{lo}, {hi}] leaves no mass: the value {value} lies outside it"
            ))
        };
    }
    let (a, b) = (family.cdf(lo), family.cdf(hi));
    let mass = b - a;
    if mass.is_nan() || mass < MIN_MASS {
        return Err(format!(
            "truncation [{lo}, {hi}] leaves no mass (the distribution puts {mass:.3e} of its probability there); widen the bounds or move the distribution"
        ));
    }
    Ok(family.truncated_sampler(a, mass, lo, hi))
}

impl std::fmt::Display for Dist {
    /// Reads like a researcher writes it, in days: `lognormal(median 14 d,
    /// p90 28 d)`, `exponential(mean 180 d) truncated to [0, 365]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        each_law!(self.family, law => law.days(f))?;
        if let Some((lo, hi)) = self.truncation {
            write!(f, " truncated to [{}, {}]", r(lo), r(hi))?;
        }
        Ok(())
    }
}

/// What the families' unit tests share.
#[cfg(test)]
pub(super) mod tests_support {
    /// Simpson's rule for `f` on `[a, b]` with `n` (even) intervals.
    pub fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
        let h = (b - a) / n as f64;
        let inner: f64 = (1..n)
            .map(|i| f(a + h * i as f64) * if i % 2 == 1 { 4.0 } else { 2.0 })
            .sum();
        (f(a) + f(b) + inner) * h / 3.0
    }

    /// `∫ S(x) dx` of a distribution on x > 0 from its survival `S`
    /// (computed as itself: `1 - F` in the far tail, times `x`, would
    /// swamp the integral) and quantile: `x0` below `x0 = Q(eps)` (where
    /// `S` is 1 to within `eps`), then `∫ S(e^t) e^t dt` from `ln x0` to
    /// `ln Q(1 - eps)` by Simpson's rule with 40,000 intervals; the tail
    /// beyond is left to the caller.
    pub fn integral_of_survival(survival: impl Fn(f64) -> f64, quantile: impl Fn(f64) -> f64, eps: f64) -> f64 {
        let (x0, x1) = (quantile(eps), quantile(1.0 - eps));
        x0 + simpson(|t| survival(t.exp()) * t.exp(), x0.ln(), x1.ln(), 40_000)
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

    /// A draw in a lane of 2, 4 or 8 is the same bits as the draw made
    /// alone from the same stream, for every sampler.
    #[test]
    fn every_lane_width_draws_the_same_bits() {
        use crate::rng::{Purpose, Stream, stream};
        fn check<const N: usize>(dist: &Dist) {
            let streams: Vec<Stream> = (0..4000).map(|p| stream(11, p, Purpose::Cohort)).collect();
            let alone: Vec<u64> = streams
                .iter()
                .map(|s| {
                    let mut s = s.clone();
                    (0..3).map(|_| dist.sample(&mut s).to_bits()).last().unwrap()
                })
                .collect();
            for (k, group) in streams.chunks_exact(N).enumerate() {
                let mut lanes: [Stream; N] = std::array::from_fn(|i| group[i].clone());
                let mut last = [0.0; N];
                for _ in 0..3 {
                    last = dist.sampler.draw_lanes(dist.family, lanes.each_mut());
                }
                for i in 0..N {
                    assert_eq!(last[i].to_bits(), alone[k * N + i], "{dist}, lane {i} of {N}");
                }
            }
        }
        let families = [
            Family::Normal(Normal { mean: 3.0, sd: 2.5 }),
            Family::LogNormal(LogNormal { mu: 3.7, sigma: 0.5 }),
            Family::Gamma(Gamma {
                shape: 1.5,
                scale: 60.0,
            }),
            Family::Gamma(Gamma { shape: 0.4, scale: 2.0 }),
            Family::Gamma(Gamma { shape: 1.0, scale: 2.0 }),
            Family::Weibull(Weibull {
                shape: 1.5,
                scale: 60.0,
            }),
            Family::Exponential(Exponential { rate: 0.01 }),
            Family::Uniform(Uniform { low: 2.0, high: 9.0 }),
            Family::LogLogistic(LogLogistic {
                shape: 2.5,
                scale: 60.0,
            }),
            Family::Gompertz(Gompertz {
                shape: 0.02,
                rate: 0.01,
            }),
            Family::GenGamma(GenGamma {
                mu: 3.5,
                sigma: 0.6,
                q: -0.4,
            }),
            Family::GenGamma(GenGamma {
                mu: 3.5,
                sigma: 0.6,
                q: 1.6,
            }),
        ];
        for family in families {
            for truncation in [None, Some((family.quantile(0.2), family.quantile(0.9)))] {
                let dist = Dist::new(family, truncation).unwrap();
                check::<1>(&dist);
                check::<2>(&dist);
                check::<4>(&dist);
                check::<8>(&dist);
            }
        }
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
            Family::Gamma(Gamma { shape, scale }) => {
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
            Family::Exponential(Exponential { rate: 1.0 / 14.0 })
        );
    }

    #[test]
    fn zero_spread_is_fixed() {
        let d = Dist::new(Family::Normal(Normal { mean: 3.0, sd: 0.0 }), None).unwrap();
        assert_eq!(d.family(), Family::Fixed(Fixed { value: 3.0 }));
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
        let e = Dist::new(Family::Exponential(Exponential { rate: 1.0 }), Some((1000.0, 2000.0))).unwrap_err();
        assert!(
            matches!(&e, DistError::Truncation(m) if m.contains("leaves no mass")),
            "{e}"
        );
        let p = Dist::new(
            Family::Gamma(Gamma {
                shape: -1.0,
                scale: 1.0,
            }),
            None,
        )
        .unwrap_err();
        assert!(
            matches!(&p, DistError::Parameter(m) if m.contains("shape must be > 0")),
            "{p}"
        );
        assert!(Dist::new(Family::Fixed(Fixed { value: 1.0 }), Some((2.0, 3.0))).is_err());
        assert!(Dist::new(Family::Normal(Normal { mean: 0.0, sd: 1.0 }), Some((1.0, 1.0))).is_err());
    }

    #[test]
    fn truncated_draws_stay_in_bounds() {
        let cases = [
            Family::Normal(Normal { mean: 10.0, sd: 5.0 }),
            Family::Gamma(Gamma { shape: 2.0, scale: 3.0 }),
            Family::Gamma(Gamma { shape: 2.0, scale: 3.0 }),
            Family::Weibull(Weibull {
                shape: 1.5,
                scale: 10.0,
            }),
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
