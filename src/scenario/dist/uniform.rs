//! The uniform distribution on `[low, high]`: `F(x) = (x - low) / (high -
//! low)`.

use super::special::softplus;
use super::{Family, Fixed, Law, Prior, Refusal, Sampler, finite, g4, r};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Uniform {
    pub low: f64,
    pub high: f64,
}

impl Law for Uniform {
    const NAME: &'static str = "uniform";
    const FORMS: &'static [&'static [&'static str]] = &[&["low", "high"]];

    fn from_form(_form: usize, v: &[f64], factor: f64) -> Result<Family, Refusal> {
        Ok(Family::Uniform(Uniform {
            low: v[0] * factor,
            high: v[1] * factor,
        }))
    }

    fn checked(self) -> Result<Family, String> {
        let Uniform { low, high } = self;
        finite("low", low)?;
        finite("high", high)?;
        finite("high - low", high - low)?;
        if low > high {
            return Err(format!("uniform needs low <= high, got low = {low}, high = {high}"));
        }
        Ok(if low == high {
            Family::Fixed(Fixed { value: low })
        } else {
            Family::Uniform(self)
        })
    }

    fn support(self) -> (f64, f64) {
        (self.low, self.high)
    }

    fn cdf(self, x: f64) -> f64 {
        ((x - self.low) / (self.high - self.low)).clamp(0.0, 1.0)
    }

    fn quantile(self, p: f64) -> f64 {
        self.low + p * (self.high - self.low)
    }

    fn sampler(self) -> Sampler {
        Sampler::Uniform {
            low: self.low,
            width: self.high - self.low,
        }
    }

    fn days(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "uniform({} to {} d)", r(self.low), r(self.high))
    }

    fn mean(self) -> f64 {
        (self.low + self.high) / 2.0
    }

    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "uniform({}, {})", g4(self.low), g4(self.high))
    }

    /// `ln u + ln(1 - u)`, `u = expit t`.
    fn ln_density_free(self, t: f64) -> f64 {
        -softplus(-t) - softplus(t)
    }

    const BELIEF_FORMS: &'static [&'static [&'static str]] = &[&["uniform"]];

    fn from_belief(_form: usize, v: &[f64]) -> Result<Prior, Refusal> {
        let (low, high) = (v[0], v[1]);
        if low < high {
            Ok(Prior::of(Family::Uniform(Uniform { low, high })))
        } else {
            Err(("uniform", low, "uniform = [low, high] needs low < high".into()))
        }
    }
}
