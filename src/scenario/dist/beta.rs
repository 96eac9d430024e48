//! The beta distribution on `[0, 1]`, for shares and probabilities: `a`
//! and `b`, or mean and sd by the method of moments (`k = m (1 - m) / s² -
//! 1`, `a = m k`, `b = (1 - m) k`). Not a duration: it takes no unit.
//! Drawn by rand_distr's sampler (Cheng 1978); its CDF is the regularised
//! incomplete beta, its quantile found by bisection on it.

use rand_distr::Beta as RandBeta;

use super::special::{beta_i, beta_quantile, softplus};
use super::{Family, Law, Prior, Refusal, Sampler, g4, must_be_positive, positive, r};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Beta {
    pub a: f64,
    pub b: f64,
}

impl Beta {
    /// The beta of mean `m` and sd `s` (keys `mean_key` and `sd`).
    fn by_moments(mean_key: &'static str, m: f64, s: f64) -> Result<Beta, Refusal> {
        if !(m > 0.0 && m < 1.0) {
            return Err((mean_key, m, "a beta's mean must lie strictly between 0 and 1".into()));
        }
        let s = must_be_positive("sd", "sd", s)?;
        if s * s >= m * (1.0 - m) {
            return Err((
                "sd",
                s,
                format!(
                    "sd {s} is too large for a beta with mean {m}: it must be below sqrt(m (1 - m)) = {:.4}",
                    (m * (1.0 - m)).sqrt()
                ),
            ));
        }
        let k = m * (1.0 - m) / (s * s) - 1.0;
        Ok(Beta {
            a: m * k,
            b: (1.0 - m) * k,
        })
    }
}

impl Law for Beta {
    const NAME: &'static str = "beta";
    const FORMS: &'static [&'static [&'static str]] = &[&["mean", "sd"]];

    fn from_form(_form: usize, v: &[f64], factor: f64) -> Result<Family, Refusal> {
        if factor != 1.0 {
            return Err(("mean", v[0], "a beta lies in [0, 1] and takes no unit".into()));
        }
        Ok(Family::Beta(Beta::by_moments("mean", v[0], v[1])?))
    }

    fn checked(self) -> Result<Family, String> {
        positive("a", self.a)?;
        positive("b", self.b)?;
        Ok(Family::Beta(self))
    }

    fn support(self) -> (f64, f64) {
        (0.0, 1.0)
    }

    fn cdf(self, x: f64) -> f64 {
        beta_i(self.a, self.b, x)
    }

    fn quantile(self, p: f64) -> f64 {
        beta_quantile(self.a, self.b, p)
    }

    fn sampler(self) -> Sampler {
        RandBeta::new(self.a, self.b).map_or(Sampler::Fixed(self.mean()), Sampler::Beta)
    }

    fn days(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Beta { a, b } = self;
        let sd = (a * b / ((a + b) * (a + b) * (a + b + 1.0))).sqrt();
        write!(f, "beta(mean {}, sd {})", r(self.mean()), r(sd))
    }

    fn mean(self) -> f64 {
        self.a / (self.a + self.b)
    }

    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "beta({}, {})", g4(self.a), g4(self.b))
    }

    /// `a ln x + b ln(1 - x) - ln B(a, b)`, `x = expit t`.
    fn ln_density_free(self, t: f64) -> f64 {
        let Beta { a, b } = self;
        -a * softplus(-t) - b * softplus(t) - (libm::lgamma(a) + libm::lgamma(b) - libm::lgamma(a + b))
    }

    const BELIEF_FORMS: &'static [&'static [&'static str]] = &[&["beta"], &["beta_mean", "sd"]];

    fn from_belief(form: usize, v: &[f64]) -> Result<Prior, Refusal> {
        let beta = if form == 0 {
            Beta {
                a: must_be_positive("beta", "beta's a", v[0])?,
                b: must_be_positive("beta", "beta's b", v[1])?,
            }
        } else {
            Beta::by_moments("beta_mean", v[0], v[1])?
        };
        Ok(Prior::of(Family::Beta(beta)))
    }
}
