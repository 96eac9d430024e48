//! The Gompertz distribution, as flexsurv's `gompertz`: hazard `rate
//! e^(shape x)`, `S(x) = exp(-(rate / shape) (e^(shape x) - 1))`, x > 0.
//! A negative shape is refused: its survival tends to a positive
//! `exp(rate / shape)`, some patients never having the event, which a
//! duration cannot express. Shape 0 is the exponential of rate `rate`. Drawn by inverse
//! transform from `E ~ Exp(1)` (rand_distr's ziggurat), `ln(1 + shape E /
//! rate) / shape`. With `unit = "weeks"` both the shape and the rate are
//! per week, so both are divided by 7.

use super::{Exponential, Family, Law, Refusal, Sampler, finite, g4, positive};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gompertz {
    pub shape: f64,
    pub rate: f64,
}

impl Law for Gompertz {
    const NAME: &'static str = "gompertz";
    const FORMS: &'static [&'static [&'static str]] = &[&["shape", "rate"]];

    fn from_form(_form: usize, v: &[f64], factor: f64) -> Result<Family, Refusal> {
        Ok(Family::Gompertz(Gompertz {
            shape: v[0] / factor,
            rate: v[1] / factor,
        }))
    }

    fn checked(self) -> Result<Family, String> {
        finite("shape", self.shape)?;
        if self.shape < 0.0 {
            return Err(format!(
                "shape must be >= 0 (a negative shape leaves some patients with no event, which a duration cannot express), got {}",
                self.shape
            ));
        }
        positive("rate", self.rate)?;
        Ok(if self.shape == 0.0 {
            Family::Exponential(Exponential { rate: self.rate })
        } else {
            Family::Gompertz(self)
        })
    }

    fn support(self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }

    fn cdf(self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else {
            -libm::expm1(-self.rate / self.shape * libm::expm1(self.shape * x))
        }
    }

    fn quantile(self, p: f64) -> f64 {
        libm::log1p(-self.shape / self.rate * libm::log1p(-p)) / self.shape
    }

    fn sampler(self) -> Sampler {
        Sampler::Gompertz {
            shape_over_rate: self.shape / self.rate,
            inv_shape: 1.0 / self.shape,
        }
    }

    fn days(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "gompertz(shape {} per d, rate {} per d)",
            g4(self.shape),
            g4(self.rate)
        )
    }

    /// `e^(b/a) E1(b/a) / a` ([`scaled_e1`]).
    fn mean(self) -> f64 {
        scaled_e1(self.rate / self.shape) / self.shape
    }

    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "gompertz(shape {}, rate {})", g4(self.shape), g4(self.rate))
    }

    /// `ln b + a x - (b / a)(e^(a x) - 1) + t` with `x = e^t`, on `t = ln x`.
    fn ln_density_free(self, t: f64) -> f64 {
        let Gompertz { shape, rate } = self;
        let x = t.exp();
        rate.ln() + shape * x - rate / shape * libm::expm1(shape * x) + t
    }
}

/// `e^z E1(z)` for `z > 0`, `E1` the exponential integral: its series
/// `-γ - ln z - Σ (-z)^k / (k k!)` below 1, the continued fraction of
/// Numerical Recipes (3rd ed., 6.3, modified Lentz) from 1 on, which gives
/// the scaled value without overflow.
fn scaled_e1(z: f64) -> f64 {
    const EULER: f64 = 0.577_215_664_901_532_9;
    if z < 1.0 {
        let (mut term, mut sum) = (1.0, 0.0);
        for k in 1..200 {
            term *= -z / f64::from(k);
            let add = -term / f64::from(k);
            sum += add;
            if add.abs() < sum.abs() * 1e-17 {
                break;
            }
        }
        return libm::exp(z) * (-EULER - libm::log(z) + sum);
    }
    let tiny = 1e-300;
    let mut b = z + 1.0;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -f64::from(i) * f64::from(i);
        b += 2.0;
        d = 1.0 / (an * d + b);
        c = b + an / c;
        let delta = c * d;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::dist::tests_support::{integral_of_survival, simpson};

    #[test]
    fn the_quantile_inverts_the_cdf() {
        for (shape, rate) in [(0.01, 0.02), (1e-5, 0.01), (0.5, 0.001), (2.0, 3.0)] {
            let d = Gompertz { shape, rate };
            for p in [1e-9, 0.01, 0.3, 0.5, 0.77, 0.999, 1.0 - 1e-9] {
                let x = d.quantile(p);
                assert!(
                    (d.cdf(x) - p).abs() < 1e-12 * p.min(1.0 - p).max(1e-3),
                    "{shape} {rate} {p}: {}",
                    d.cdf(x)
                );
            }
        }
    }

    #[test]
    fn the_mean_is_the_integral_of_the_survival() {
        // b / a from 1e-4 to 1e3, each side of the switch at 1.
        for (shape, rate) in [(0.01, 0.02), (1e-5, 0.01), (0.5, 0.001), (2.0, 3.0), (0.02, 0.019)] {
            let d = Gompertz { shape, rate };
            let survival = |x: f64| libm::exp(-rate / shape * libm::expm1(shape * x));
            let m = integral_of_survival(survival, |p| d.quantile(p), 1e-16);
            assert!(
                (m - d.mean()).abs() < 1e-9 * d.mean(),
                "{shape} {rate}: {m} vs {}",
                d.mean()
            );
        }
        // Near shape 0, the exponential's mean.
        let d = Gompertz {
            shape: 1e-12,
            rate: 0.01,
        };
        assert!((d.mean() - 100.0).abs() < 1e-6, "{}", d.mean());
    }

    #[test]
    fn the_density_integrates_to_one() {
        let d = Gompertz {
            shape: 0.01,
            rate: 0.02,
        };
        let total = simpson(|t| d.ln_density_free(t).exp(), -30.0, 8.0, 20_000);
        assert!((total - 1.0).abs() < 1e-10, "{total}");
        let (t, h) = (3.0_f64, 1e-5);
        let numeric = (d.cdf((t + h).exp()) - d.cdf((t - h).exp())) / (2.0 * h);
        assert!((numeric - d.ln_density_free(t).exp()).abs() < 1e-8);
    }

    #[test]
    fn weeks_divide_both_parameters_and_a_negative_shape_is_refused() {
        assert_eq!(
            Gompertz::from_form(0, &[0.07, 0.14], 7.0).unwrap(),
            Family::Gompertz(Gompertz {
                shape: 0.01,
                rate: 0.02
            })
        );
        let e = Gompertz {
            shape: -0.1,
            rate: 0.02,
        }
        .checked()
        .unwrap_err();
        assert!(e.contains("no event"), "{e}");
        assert_eq!(
            Gompertz { shape: 0.0, rate: 0.02 }.checked().unwrap(),
            Family::Exponential(Exponential { rate: 0.02 })
        );
    }
}
