//! A distribution of belief: a draw from one of the families, or one minus
//! it (a utility whose decrement is gamma). Its free scale, on which
//! calibration searches, maps the family's support onto the line: `t =
//! logit((x - lo) / (hi - lo))` on a bounded support, `ln(x - lo)` on a
//! half-line, `x` on the line (and `1 - x` first for one minus).

use rand::Rng;

use super::{DistError, Family};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    family: Family,
    one_minus: bool,
}

impl Prior {
    /// A draw from `family`.
    pub fn of(family: Family) -> Prior {
        Prior {
            family,
            one_minus: false,
        }
    }

    /// One minus a draw from `family`.
    pub fn one_minus(family: Family) -> Prior {
        Prior {
            family,
            one_minus: true,
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

    pub fn mean(self) -> f64 {
        self.reflect(self.family.mean())
    }

    /// One draw.
    pub fn sample<R: Rng + ?Sized>(self, rng: &mut R) -> f64 {
        self.reflect(self.family.sampler().draw(self.family, rng))
    }

    fn reflect(self, x: f64) -> f64 {
        if self.one_minus { 1.0 - x } else { x }
    }

    /// The value `x` on the free scale (see the module's notes).
    pub fn free(self, x: f64) -> f64 {
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
    /// density).
    pub fn ln_density_free(self, t: f64) -> f64 {
        self.family.ln_density_free(t)
    }
}

impl std::fmt::Display for Prior {
    /// The family in its own parameters: `beta(2.5, 7)`, `1 - gamma(shape
    /// 4, scale 0.05)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.one_minus {
            f.write_str("1 - ")?;
        }
        self.family.parameters(f)
    }
}
