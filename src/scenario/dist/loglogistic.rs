//! The log-logistic distribution, as flexsurv's `llogis`: `F(x) = 1 / (1 +
//! (x / scale)^(-shape))`, x > 0, so that `ln x` is logistic with location
//! `ln scale` and scale `1 / shape`. Drawn by inverse transform, `scale (u
//! / (1 - u))^(1 / shape)` ([`Sampler::Inverse`] through its quantile).
//! Its mean is infinite at `shape <= 1`: nothing in the engine reads a
//! duration's mean (only a distribution of belief's, which this family
//! has none of), and every draw is finite, so such a shape is allowed.

use super::special::softplus;
use super::{Family, Law, Refusal, Sampler, g4, positive, r};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogLogistic {
    pub shape: f64,
    pub scale: f64,
}

impl Law for LogLogistic {
    const NAME: &'static str = "loglogistic";
    const FORMS: &'static [&'static [&'static str]] = &[&["shape", "scale"]];

    fn from_form(_form: usize, v: &[f64], factor: f64) -> Result<Family, Refusal> {
        Ok(Family::LogLogistic(LogLogistic {
            shape: v[0],
            scale: v[1] * factor,
        }))
    }

    fn checked(self) -> Result<Family, String> {
        positive("shape", self.shape)?;
        positive("scale", self.scale)?;
        Ok(Family::LogLogistic(self))
    }

    fn support(self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }

    fn cdf(self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else {
            1.0 / (1.0 + libm::pow(x / self.scale, -self.shape))
        }
    }

    fn quantile(self, p: f64) -> f64 {
        self.scale * libm::pow(p / (1.0 - p), 1.0 / self.shape)
    }

    fn sampler(self) -> Sampler {
        Sampler::Inverse {
            u_lo: 0.0,
            u_width: 1.0,
        }
    }

    fn days(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "loglogistic(shape {}, scale {} d)", r(self.shape), r(self.scale))
    }

    /// `scale (π / shape) / sin(π / shape)` above shape 1, infinite at
    /// or below it.
    fn mean(self) -> f64 {
        if self.shape <= 1.0 {
            return f64::INFINITY;
        }
        let b = std::f64::consts::PI / self.shape;
        self.scale * b / libm::sin(b)
    }

    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "loglogistic(shape {}, scale {})", g4(self.shape), g4(self.scale))
    }

    /// `ln k + z - 2 ln(1 + e^z)` with `z = k (t - ln λ)`, on `t = ln x`
    /// (the logistic density of `t`).
    fn ln_density_free(self, t: f64) -> f64 {
        let z = self.shape * (t - self.scale.ln());
        self.shape.ln() + z - 2.0 * softplus(z)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::dist::tests_support::{integral_of_survival, simpson};

    #[test]
    fn the_quantile_inverts_the_cdf() {
        for shape in [0.5, 1.0, 2.5, 8.0] {
            let d = LogLogistic { shape, scale: 30.0 };
            for p in [1e-9, 0.01, 0.3, 0.5, 0.77, 0.999, 1.0 - 1e-9] {
                let x = d.quantile(p);
                assert!((d.cdf(x) - p).abs() < 1e-12 * p.min(1.0 - p).max(1e-3), "{shape} {p}");
            }
            assert!((d.cdf(30.0) - 0.5).abs() < 1e-15);
        }
    }

    #[test]
    fn the_mean_is_the_integral_of_the_survival() {
        for shape in [1.5, 2.5, 6.0] {
            let d = LogLogistic { shape, scale: 30.0 };
            let survival = |x: f64| 1.0 / (1.0 + libm::pow(x / 30.0, shape));
            let m = integral_of_survival(survival, |p| d.quantile(p), 1e-15);
            // The tail beyond the quantile at 1 - 1e-15, by the survival
            // ~ (x / scale)^-shape.
            let x = d.quantile(1.0 - 1e-15);
            let tail = x * libm::pow(x / 30.0, -shape) / (shape - 1.0);
            assert!(
                (m + tail - d.mean()).abs() < 1e-9 * d.mean(),
                "{shape}: {m} + {tail} vs {}",
                d.mean()
            );
        }
        assert_eq!(LogLogistic { shape: 1.0, scale: 2.0 }.mean(), f64::INFINITY);
    }

    #[test]
    fn the_density_integrates_to_one() {
        let d = LogLogistic {
            shape: 2.5,
            scale: 30.0,
        };
        let c = 30f64.ln();
        let total = simpson(|t| d.ln_density_free(t).exp(), c - 30.0, c + 30.0, 20_000);
        assert!((total - 1.0).abs() < 1e-10, "{total}");
        // The density is the derivative of the CDF in t.
        let (t, h) = (3.0_f64, 1e-5);
        let numeric = (d.cdf((t + h).exp()) - d.cdf((t - h).exp())) / (2.0 * h);
        assert!((numeric - d.ln_density_free(t).exp()).abs() < 1e-8);
    }
}
