//! The exponential distribution: `F(x) = 1 - exp(-rate x)`, written by
//! `rate` or `mean` (`rate = 1 / mean`).

use super::{Family, Law, Refusal, Sampler, g4, positive, r};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Exponential {
    pub rate: f64,
}

impl Law for Exponential {
    const NAME: &'static str = "exponential";
    const FORMS: &'static [&'static [&'static str]] = &[&["rate"], &["mean"]];

    fn from_form(form: usize, v: &[f64], factor: f64) -> Result<Family, Refusal> {
        if form == 0 {
            return Ok(Family::Exponential(Exponential { rate: v[0] / factor }));
        }
        if v[0] <= 0.0 {
            return Err(("mean", v[0], "an exponential mean must be > 0".into()));
        }
        Ok(Family::Exponential(Exponential {
            rate: 1.0 / (v[0] * factor),
        }))
    }

    fn checked(self) -> Result<Family, String> {
        positive("rate", self.rate)?;
        Ok(Family::Exponential(self))
    }

    fn support(self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }

    fn cdf(self, x: f64) -> f64 {
        if x <= 0.0 { 0.0 } else { -libm::expm1(-self.rate * x) }
    }

    fn quantile(self, p: f64) -> f64 {
        -libm::log1p(-p) / self.rate
    }

    fn sampler(self) -> Sampler {
        Sampler::Exponential { mean: 1.0 / self.rate }
    }

    fn days(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exponential(mean {} d)", r(1.0 / self.rate))
    }

    fn mean(self) -> f64 {
        1.0 / self.rate
    }

    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exponential(rate {})", g4(self.rate))
    }

    /// `ln r + t - r e^t` on `t = ln x`.
    fn ln_density_free(self, t: f64) -> f64 {
        self.rate.ln() + t - self.rate * t.exp()
    }
}
