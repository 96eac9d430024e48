//! The gamma distribution: shape and scale, or mean and sd (`shape =
//! (mean / sd)^2`, `scale = sd^2 / mean`). Drawn by Marsaglia and Tsang
//! in lanes ([`MarsagliaTsang`]; below shape 1 from shape + 1 and a
//! uniform's power, at shape 1 as the exponential); truncated, by
//! rejection from rand_distr's gamma when the interval holds at least 5%
//! of the mass and by numerical inversion of the CDF otherwise.

use rand::Rng;
use rand_distr::{Distribution, Gamma as RandGamma, StandardNormal};

use super::special::{gamma_p, gamma_quantile};
use super::{Family, Fixed, Law, Prior, Refusal, Sampler, g4, must_be_positive, positive, r};
use crate::lanes;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gamma {
    pub shape: f64,
    pub scale: f64,
}

impl Law for Gamma {
    const NAME: &'static str = "gamma";
    const FORMS: &'static [&'static [&'static str]] = &[&["shape", "scale"], &["mean", "sd"]];

    fn from_form(form: usize, v: &[f64], factor: f64) -> Result<Family, Refusal> {
        if form == 0 {
            return Ok(Family::Gamma(Gamma {
                shape: v[0],
                scale: v[1] * factor,
            }));
        }
        let (mean, sd) = (v[0] * factor, v[1] * factor);
        if mean <= 0.0 {
            return Err(("mean", v[0], "a gamma mean must be > 0".into()));
        }
        if sd < 0.0 {
            return Err(("sd", v[1], "a gamma sd must be >= 0".into()));
        }
        Ok(if sd == 0.0 {
            Family::Fixed(Fixed { value: mean })
        } else {
            Family::Gamma(Gamma {
                shape: (mean / sd).powi(2),
                scale: sd * sd / mean,
            })
        })
    }

    fn checked(self) -> Result<Family, String> {
        positive("shape", self.shape)?;
        positive("scale", self.scale)?;
        Ok(Family::Gamma(self))
    }

    fn support(self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }

    fn cdf(self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else {
            gamma_p(self.shape, x / self.scale)
        }
    }

    fn quantile(self, p: f64) -> f64 {
        self.scale * gamma_quantile(self.shape, p)
    }

    fn sampler(self) -> Sampler {
        let Gamma { shape, scale } = self;
        match RandGamma::new(shape, scale) {
            Err(_) => Sampler::Fixed(shape * scale),
            Ok(_) if shape > 1.0 && shape.is_finite() && scale.is_finite() => {
                Sampler::GammaLarge(MarsagliaTsang::new(shape, scale))
            }
            Ok(_) if shape == 1.0 => Sampler::Exponential { mean: scale },
            Ok(_) => Sampler::GammaSmall {
                boost: MarsagliaTsang::new(shape + 1.0, scale),
                inv_shape: 1.0 / shape,
            },
        }
    }

    fn truncated_sampler(self, u_lo: f64, mass: f64, lo: f64, hi: f64) -> Sampler {
        match RandGamma::new(self.shape, self.scale) {
            Ok(gamma) if mass >= 0.05 => Sampler::Reject { gamma, lo, hi },
            _ => Sampler::Inverse { u_lo, u_width: mass },
        }
    }

    fn days(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "gamma(mean {} d, sd {} d)",
            r(self.shape * self.scale),
            r(libm::sqrt(self.shape) * self.scale)
        )
    }

    fn mean(self) -> f64 {
        self.shape * self.scale
    }

    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "gamma(shape {}, scale {})", g4(self.shape), g4(self.scale))
    }

    /// `k t - e^t / θ - ln Γ(k) - k ln θ` on `t = ln x`.
    fn ln_density_free(self, t: f64) -> f64 {
        let Gamma { shape, scale } = self;
        shape * t - t.exp() / scale - libm::lgamma(shape) - shape * scale.ln()
    }

    /// `gamma = [shape, scale]`; `gamma_mean = m, sd = s` with shape
    /// `(m / s)²`, scale `s² / m`; `one_minus_gamma_mean = m, sd = s`, one
    /// minus a gamma of mean `1 - m` and sd `s` (a utility whose decrement
    /// is gamma).
    const BELIEF_FORMS: &'static [&'static [&'static str]] =
        &[&["gamma"], &["gamma_mean", "sd"], &["one_minus_gamma_mean", "sd"]];

    fn from_belief(form: usize, v: &[f64]) -> Result<Prior, Refusal> {
        let by_moments = |m: f64, s: f64| {
            Family::Gamma(Gamma {
                shape: (m / s).powi(2),
                scale: s * s / m,
            })
        };
        match form {
            0 => Ok(Prior::of(Family::Gamma(Gamma {
                shape: must_be_positive("gamma", "gamma's shape", v[0])?,
                scale: must_be_positive("gamma", "gamma's scale", v[1])?,
            }))),
            1 => Ok(Prior::of(by_moments(
                must_be_positive("gamma_mean", "gamma_mean", v[0])?,
                must_be_positive("sd", "sd", v[1])?,
            ))),
            _ => {
                let (m, s) = (v[0], must_be_positive("sd", "sd", v[1])?);
                if m >= 1.0 {
                    return Err((
                        "one_minus_gamma_mean",
                        m,
                        "one_minus_gamma_mean must be below 1 (the decrement 1 - m is gamma)".into(),
                    ));
                }
                Ok(Prior::one_minus(by_moments(1.0 - m, s)))
            }
        }
    }
}

/// The gamma distribution of shape `a > 1` by Marsaglia and Tsang (2000),
/// "A simple method for generating gamma variables", ACM TOMS 26(3): with
/// `d = a - 1/3`, `c = 1 / sqrt(9 d)`, `z` standard normal and `v = (1 +
/// c z)^3`, accept `d v` when `v > 0` and `u < 1 - 0.0331 z^4` or `ln u <
/// z^2 / 2 + d (1 - v + ln v)`, `u` uniform on (0, 1). Each try takes a
/// normal (rand_distr's ziggurat) and a uniform on (0, 1) from the
/// lane's stream, whether or not `v > 0` (so a lane's draws do not depend
/// on the others').
#[derive(Debug, Clone, Copy)]
pub struct MarsagliaTsang {
    d: f64,
    c: f64,
    /// `d * scale`.
    scale_d: f64,
}

impl MarsagliaTsang {
    pub(super) fn new(shape: f64, scale: f64) -> MarsagliaTsang {
        let d = shape - 1.0 / 3.0;
        MarsagliaTsang {
            d,
            c: 1.0 / (9.0 * d).sqrt(),
            scale_d: d * scale,
        }
    }

    /// One draw in each lane: every lane still rejecting tries again
    /// (about 2% of tries reject at shape 1.5, fewer above).
    #[inline(always)]
    pub(super) fn sample_lanes<R: Rng + ?Sized, const N: usize>(&self, rngs: &mut [&mut R; N]) -> [f64; N] {
        let mut out = [0.0; N];
        let mut pending = [true; N];
        loop {
            let (mut z, mut u2) = ([0.0; N], [0.5; N]);
            for i in 0..N {
                if pending[i] {
                    z[i] = StandardNormal.sample(&mut *rngs[i]);
                    u2[i] = lanes::open_uniform(rngs[i].next_u64());
                }
            }
            let mut v = [0.0; N];
            let mut squeezed = [false; N];
            for i in 0..N {
                let v_cbrt = 1.0 + self.c * z[i];
                v[i] = v_cbrt * v_cbrt * v_cbrt;
                let z2 = z[i] * z[i];
                squeezed[i] = v_cbrt > 0.0 && u2[i] < 1.0 - 0.0331 * z2 * z2;
            }
            // The logarithms only when some lane missed the squeeze.
            let logs = (0..N).any(|i| pending[i] && !squeezed[i]);
            let (ln_u, ln_v) = if logs {
                let positive = lanes::each!(v, |v| if v > 0.0 { v } else { 1.0 });
                (
                    lanes::each!(u2, |u| lanes::ln(u)),
                    lanes::each!(positive, |v| lanes::ln(v)),
                )
            } else {
                ([0.0; N], [0.0; N])
            };
            for i in 0..N {
                let z2 = z[i] * z[i];
                let accept = squeezed[i] || (v[i] > 0.0 && ln_u[i] < 0.5 * z2 + self.d * (1.0 - v[i] + ln_v[i]));
                if pending[i] && accept {
                    out[i] = v[i] * self.scale_d;
                    pending[i] = false;
                }
            }
            if !pending.contains(&true) {
                return out;
            }
        }
    }
}
