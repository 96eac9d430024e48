//! A fixed value: every draw is `value` (also what a family with no spread
//! becomes).

use super::{Family, Law, Refusal, Sampler, finite, g4, r};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fixed {
    pub value: f64,
}

impl Law for Fixed {
    const NAME: &'static str = "fixed";
    const FORMS: &'static [&'static [&'static str]] = &[&["value"]];

    fn from_form(_form: usize, v: &[f64], factor: f64) -> Result<Family, Refusal> {
        Ok(Family::Fixed(Fixed { value: v[0] * factor }))
    }

    fn checked(self) -> Result<Family, String> {
        finite("value", self.value)?;
        Ok(Family::Fixed(self))
    }

    fn support(self) -> (f64, f64) {
        (self.value, self.value)
    }

    fn cdf(self, x: f64) -> f64 {
        f64::from(u8::from(x >= self.value))
    }

    fn quantile(self, _p: f64) -> f64 {
        self.value
    }

    fn sampler(self) -> Sampler {
        Sampler::Fixed(self.value)
    }

    fn days(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} d", r(self.value))
    }

    fn mean(self) -> f64 {
        self.value
    }

    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fixed({})", g4(self.value))
    }

    /// A point has no density: its free coordinate is `x - value`, which
    /// is 0 for the one value it takes; `ln 1` there, `-inf` elsewhere.
    fn ln_density_free(self, t: f64) -> f64 {
        if t == 0.0 { 0.0 } else { f64::NEG_INFINITY }
    }
}
