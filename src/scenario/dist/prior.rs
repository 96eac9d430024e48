//! A distribution of belief: a draw from one of the families, one minus
//! it (a utility whose decrement is gamma), or the logistic function of a
//! normal draw (a logit-normal probability, a member of a joint belief on
//! the logit scale). Its free scale, on which calibration searches, maps
//! the family's support onto the line: `t = logit((x - lo) / (hi - lo))`
//! on a bounded support, `ln(x - lo)` on a half-line, `x` on the line (and
//! `1 - x` first for one minus); `logit x` for a logit-normal.

use rand::Rng;

use super::{DistError, Family, Normal};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    family: Family,
    transform: Transform,
}

/// What a prior does to its family's draw.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Transform {
    Identity,
    OneMinus,
    /// `expit(y) = 1 / (1 + e^-y)`, `y` from a normal family.
    Expit,
}

impl Prior {
    /// A draw from `family`.
    pub fn of(family: Family) -> Prior {
        Prior {
            family,
            transform: Transform::Identity,
        }
    }

    /// One minus a draw from `family`.
    pub fn one_minus(family: Family) -> Prior {
        Prior {
            family,
            transform: Transform::OneMinus,
        }
    }

    /// The logit-normal: `expit(y)`, `y` normal with `normal`'s mean and
    /// sd (on the logit scale).
    pub fn logit_normal(normal: Normal) -> Prior {
        Prior {
            family: Family::Normal(normal),
            transform: Transform::Expit,
        }
    }

    /// The prior with its family's parameters checked as every distribution
    /// is (finite, in their domain), so that a derived parameter that
    /// overflows or underflows is refused when the scenario is read.
    ///
    /// # Errors
    /// The parameter out of its domain and what is allowed.
    pub fn checked(self) -> Result<Prior, DistError> {
        let family = self.family.checked().map_err(DistError::Parameter)?;
        Ok(Prior { family, ..self })
    }

    pub fn family(self) -> Family {
        self.family
    }

    /// The mean. For the logit-normal, `E expit(m + s z)` by the
    /// trapezoid rule on `z` in [-12, 12] with 4,800 intervals against the
    /// standard normal density (the integrand is smooth and decays as
    /// `φ(z)`: the rule is exact to rounding, below 1e-14).
    pub fn mean(self) -> f64 {
        match (self.transform, self.family) {
            (Transform::Expit, Family::Normal(Normal { mean, sd })) => {
                let (n, lo, hi) = (4_800, -12.0, 12.0);
                let h = (hi - lo) / f64::from(n);
                (0..=n)
                    .map(|i| {
                        let z = lo + h * f64::from(i);
                        let w = if i == 0 || i == n { 0.5 } else { 1.0 };
                        w * h * (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt() * expit(mean + sd * z)
                    })
                    .sum()
            }
            _ => self.reflect(self.family.mean()),
        }
    }

    /// One draw.
    pub fn sample<R: Rng + ?Sized>(self, rng: &mut R) -> f64 {
        self.reflect(self.family.sampler().draw(self.family, rng))
    }

    /// The quantile at `p` in (0, 1): `Q(p)`, `1 - Q(1 - p)` for one minus,
    /// `expit(Q(p))` for the logit-normal (`Q` the family's).
    pub fn quantile(self, p: f64) -> f64 {
        match self.transform {
            Transform::Identity => self.family.quantile(p),
            Transform::OneMinus => 1.0 - self.family.quantile(1.0 - p),
            Transform::Expit => expit(self.family.quantile(p)),
        }
    }

    /// The CDF at `x` (see [`Prior::quantile`]).
    pub fn cdf(self, x: f64) -> f64 {
        match self.transform {
            Transform::Identity => self.family.cdf(x),
            Transform::OneMinus => 1.0 - self.family.cdf(1.0 - x),
            Transform::Expit if x <= 0.0 => 0.0,
            Transform::Expit if x >= 1.0 => 1.0,
            Transform::Expit => self.family.cdf((x / (1.0 - x)).ln()),
        }
    }

    fn reflect(self, x: f64) -> f64 {
        match self.transform {
            Transform::Identity => x,
            Transform::OneMinus => 1.0 - x,
            Transform::Expit => expit(x),
        }
    }

    /// The value `x` on the free scale (see the module's notes).
    pub fn free(self, x: f64) -> f64 {
        if self.transform == Transform::Expit {
            return (x / (1.0 - x)).ln();
        }
        let x = self.reflect(x);
        let (lo, hi) = self.family.support();
        if lo == hi {
            return x - lo;
        }
        match (lo.is_finite(), hi.is_finite()) {
            (true, true) => {
                let u = (x - lo) / (hi - lo);
                (u / (1.0 - u)).ln()
            }
            (true, false) => (x - lo).ln(),
            (false, true) => -(hi - x).ln(),
            (false, false) => x,
        }
    }

    /// The value at `t` on the free scale ([`Prior::free`]'s inverse).
    pub fn from_free(self, t: f64) -> f64 {
        if self.transform == Transform::Expit {
            return expit(t);
        }
        let (lo, hi) = self.family.support();
        let x = if lo == hi {
            lo
        } else {
            match (lo.is_finite(), hi.is_finite()) {
                (true, true) => lo + (hi - lo) * (1.0 / (1.0 + (-t).exp())),
                (true, false) => lo + t.exp(),
                (false, true) => hi - (-t).exp(),
                (false, false) => t,
            }
        };
        self.reflect(x)
    }

    /// `ln` of the density of `t` = [`Prior::free`]`(x)` when `x` has this
    /// distribution ([`super::Law::ln_density_free`]; reflecting changes no
    /// density, and the logit-normal's free scale is its normal's line).
    pub fn ln_density_free(self, t: f64) -> f64 {
        self.family.ln_density_free(t)
    }
}

impl std::fmt::Display for Prior {
    /// The family in its own parameters: `beta(2.5, 7)`, `1 - gamma(shape
    /// 4, scale 0.05)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.transform {
            Transform::Identity => self.family.parameters(f),
            Transform::OneMinus => {
                f.write_str("1 - ")?;
                self.family.parameters(f)
            }
            Transform::Expit => {
                f.write_str("logit-")?;
                self.family.parameters(f)
            }
        }
    }
}

/// `1 / (1 + e^-y)`.
fn expit(y: f64) -> f64 {
    1.0 / (1.0 + (-y).exp())
}
