//! The Weibull distribution: `F(x) = 1 - exp(-(x / scale)^shape)`, x > 0;
//! drawn as `scale * E^(1/shape)` with `E ~ Exp(1)`.

use super::{Family, Law, Refusal, Sampler, g4, positive, r};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weibull {
    pub shape: f64,
    pub scale: f64,
}

impl Law for Weibull {
    const NAME: &'static str = "weibull";
    const FORMS: &'static [&'static [&'static str]] = &[&["shape", "scale"]];

    fn from_form(_form: usize, v: &[f64], factor: f64) -> Result<Family, Refusal> {
        Ok(Family::Weibull(Weibull {
            shape: v[0],
            scale: v[1] * factor,
        }))
    }

    fn checked(self) -> Result<Family, String> {
        positive("shape", self.shape)?;
        positive("scale", self.scale)?;
        Ok(Family::Weibull(self))
    }

    fn support(self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }

    fn cdf(self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else {
            -libm::expm1(-libm::pow(x / self.scale, self.shape))
        }
    }

    fn quantile(self, p: f64) -> f64 {
        self.scale * libm::pow(-libm::log1p(-p), 1.0 / self.shape)
    }

    fn sampler(self) -> Sampler {
        Sampler::Weibull {
            scale: self.scale,
            inv_shape: 1.0 / self.shape,
        }
    }

    fn days(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "weibull(shape {}, scale {} d)", r(self.shape), r(self.scale))
    }

    /// `scale Γ(1 + 1 / shape)`.
    fn mean(self) -> f64 {
        self.scale * libm::tgamma(1.0 + 1.0 / self.shape)
    }

    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "weibull(shape {}, scale {})", g4(self.shape), g4(self.scale))
    }

    /// `ln k + z - e^z` with `z = k (t - ln λ)`, on `t = ln x`.
    fn ln_density_free(self, t: f64) -> f64 {
        let z = self.shape * (t - self.scale.ln());
        self.shape.ln() + z - z.exp()
    }
}
