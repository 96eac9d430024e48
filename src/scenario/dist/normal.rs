//! The normal distribution: `F(x) = Phi((x - mean) / sd)`; drawn as
//! `mean + sd z`, `z` from rand_distr's ziggurat.

use rand_distr::Normal as RandNormal;

use super::special::{ln_normal, normal_cdf, normal_quantile};
use super::{Family, Fixed, Law, Prior, Refusal, Sampler, finite, g4, must_be_positive, non_negative, r};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normal {
    pub mean: f64,
    pub sd: f64,
}

impl Law for Normal {
    const NAME: &'static str = "normal";
    const FORMS: &'static [&'static [&'static str]] = &[&["mean", "sd"]];

    fn from_form(_form: usize, v: &[f64], factor: f64) -> Result<Family, Refusal> {
        Ok(Family::Normal(Normal {
            mean: v[0] * factor,
            sd: v[1] * factor,
        }))
    }

    fn checked(self) -> Result<Family, String> {
        finite("mean", self.mean)?;
        non_negative("sd", self.sd)?;
        Ok(if self.sd == 0.0 {
            Family::Fixed(Fixed { value: self.mean })
        } else {
            Family::Normal(self)
        })
    }

    fn support(self) -> (f64, f64) {
        (f64::NEG_INFINITY, f64::INFINITY)
    }

    fn cdf(self, x: f64) -> f64 {
        normal_cdf((x - self.mean) / self.sd)
    }

    fn quantile(self, p: f64) -> f64 {
        self.mean + self.sd * normal_quantile(p)
    }

    fn sampler(self) -> Sampler {
        let Normal { mean, sd } = self;
        RandNormal::new(mean, sd).map_or(Sampler::Fixed(mean), |_| Sampler::Normal { mean, sd })
    }

    fn days(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "normal(mean {} d, sd {} d)", r(self.mean), r(self.sd))
    }

    fn mean(self) -> f64 {
        self.mean
    }

    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "normal({}, sd {})", g4(self.mean), g4(self.sd))
    }

    /// Its own density (the free scale is the line).
    fn ln_density_free(self, t: f64) -> f64 {
        ln_normal(t, self.mean, self.sd)
    }

    const BELIEF_FORMS: &'static [&'static [&'static str]] = &[&["normal"]];

    fn from_belief(_form: usize, v: &[f64]) -> Result<Prior, Refusal> {
        Ok(Prior::of(Family::Normal(Normal {
            mean: v[0],
            sd: must_be_positive("normal", "normal's sd", v[1])?,
        })))
    }
}
