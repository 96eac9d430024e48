//! The lognormal distribution: `ln X ~ Normal(mu, sigma)`, written by `mu`
//! and `sigma` or by the median and 90th percentile (`mu = ln(median)`,
//! `sigma = ln(p90 / median) / z_0.9`); drawn as `exp(mu + sigma z)`.

use rand_distr::LogNormal as RandLogNormal;

use super::special::{ln_normal, normal_cdf, normal_quantile};
use super::{Family, Fixed, Law, Prior, Refusal, Sampler, Z90, finite, g4, must_be_positive, non_negative, r};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogNormal {
    pub mu: f64,
    pub sigma: f64,
}

impl Law for LogNormal {
    const NAME: &'static str = "lognormal";
    const FORMS: &'static [&'static [&'static str]] = &[&["mu", "sigma"], &["median", "p90"]];

    fn from_form(form: usize, v: &[f64], factor: f64) -> Result<Family, Refusal> {
        if form == 0 {
            return Ok(Family::LogNormal(LogNormal {
                mu: v[0] + libm::log(factor),
                sigma: v[1],
            }));
        }
        let (median, p90) = (v[0], v[1]);
        if median <= 0.0 {
            return Err(("median", median, "a lognormal median must be > 0".into()));
        }
        if p90 < median {
            return Err((
                "p90",
                p90,
                format!("the 90th percentile must be >= the median ({median})"),
            ));
        }
        Ok(Family::LogNormal(LogNormal {
            mu: libm::log(median * factor),
            sigma: libm::log(p90 / median) / Z90,
        }))
    }

    fn checked(self) -> Result<Family, String> {
        finite("mu", self.mu)?;
        non_negative("sigma", self.sigma)?;
        Ok(if self.sigma == 0.0 {
            Family::Fixed(Fixed {
                value: libm::exp(self.mu),
            })
        } else {
            Family::LogNormal(self)
        })
    }

    fn support(self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }

    fn cdf(self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else {
            normal_cdf((libm::log(x) - self.mu) / self.sigma)
        }
    }

    fn quantile(self, p: f64) -> f64 {
        (self.mu + self.sigma * normal_quantile(p)).exp()
    }

    fn sampler(self) -> Sampler {
        let LogNormal { mu, sigma } = self;
        RandLogNormal::new(mu, sigma).map_or(Sampler::Fixed(libm::exp(mu)), |_| Sampler::LogNormal { mu, sigma })
    }

    fn days(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "lognormal(median {} d, p90 {} d)",
            r(libm::exp(self.mu)),
            r(libm::exp(self.mu + Z90 * self.sigma))
        )
    }

    fn mean(self) -> f64 {
        (self.mu + self.sigma * self.sigma / 2.0).exp()
    }

    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "lognormal(mu {}, sigma {})", g4(self.mu), g4(self.sigma))
    }

    /// The normal density of `t = ln x` with mean `mu` and sd `sigma`.
    fn ln_density_free(self, t: f64) -> f64 {
        ln_normal(t, self.mu, self.sigma)
    }

    /// `lognormal = [mu, sigma]`; `lognormal_mean = m, sd = s` with
    /// `sigma² = ln(1 + s² / m²)`, `mu = ln m - sigma² / 2`.
    const BELIEF_FORMS: &'static [&'static [&'static str]] = &[&["lognormal"], &["lognormal_mean", "sd"]];

    fn from_belief(form: usize, v: &[f64]) -> Result<Prior, Refusal> {
        if form == 0 {
            return Ok(Prior::of(Family::LogNormal(LogNormal {
                mu: v[0],
                sigma: must_be_positive("lognormal", "lognormal's sigma", v[1])?,
            })));
        }
        let m = must_be_positive("lognormal_mean", "lognormal_mean", v[0])?;
        let s = must_be_positive("sd", "sd", v[1])?;
        let var = (1.0 + (s / m).powi(2)).ln();
        Ok(Prior::of(Family::LogNormal(LogNormal {
            mu: m.ln() - var / 2.0,
            sigma: var.sqrt(),
        })))
    }
}
