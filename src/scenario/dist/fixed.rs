//! A fixed value: every draw is `value` (also what a family with no spread
//! becomes).

use super::{Family, Law, Sampler, finite, r};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fixed {
    pub value: f64,
}

impl Law for Fixed {
    const NAME: &'static str = "fixed";
    const FORMS: &'static [&'static [&'static str]] = &[&["value"]];

    fn from_form(_form: usize, v: &[f64], factor: f64) -> Result<Family, (&'static str, f64, String)> {
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
}
