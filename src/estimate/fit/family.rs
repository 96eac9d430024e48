//! The parametric families `foramen fit` fits, in flexsurv's
//! parameterisations (Jackson 2016, J Stat Softw 70(8), table 1), except
//! that the gamma is written with a scale (`1 / rate`) as the scenario
//! format writes it:
//!
//! | family | parameters | survival `S(t)` | location (link) |
//! |---|---|---|---|
//! | exponential | rate λ | `exp(-λ t)` | rate (log) |
//! | weibull | shape k, scale s | `exp(-(t / s)^k)` | scale (log) |
//! | lognormal | mu, sigma | `1 - Φ((ln t - mu) / sigma)` | mu (identity) |
//! | loglogistic | shape k, scale s | `1 / (1 + (t / s)^k)` | scale (log) |
//! | gamma | shape a, scale s | `1 - P(a, t / s)` | scale (log) |
//! | gompertz | shape a, rate b | `exp(-(b / a)(e^(a t) - 1))` | rate (log) |
//! | gengamma | mu, sigma, Q | `1 - P(Q⁻², Q⁻² e^(Q w))` (Q > 0), `P(...)` (Q < 0), `w = (ln t - mu) / sigma` | mu (identity) |
//!
//! `P` is the regularised lower incomplete gamma function. The generalised
//! gamma is Prentice's (1974): Q = 0 is the lognormal, Q = 1 the Weibull
//! and Q = sigma the gamma. Every family is fitted on an unconstrained
//! scale: the log of each positive parameter, the others as they are.

use crate::scenario::dist::{ln_gamma_pq, normal_cdf, softplus};

/// A family `foramen fit` can fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Exponential,
    Weibull,
    LogNormal,
    LogLogistic,
    Gamma,
    Gompertz,
    GenGamma,
}

/// How a parameter is put on the fitting scale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Any real number, fitted as it is.
    Identity,
    /// A positive number, fitted as its logarithm.
    Log,
}

impl Scale {
    /// The parameter from its value on the fitting scale.
    pub fn natural(self, x: f64) -> f64 {
        match self {
            Scale::Identity => x,
            Scale::Log => x.exp(),
        }
    }

    /// The name the scenario format gives this scale in a joint belief.
    pub fn name(self) -> &'static str {
        match self {
            Scale::Identity => "identity",
            Scale::Log => "log",
        }
    }
}

/// Every family, in the order fits.csv lists them.
pub const FAMILIES: [Family; 7] = [
    Family::Exponential,
    Family::Weibull,
    Family::LogNormal,
    Family::LogLogistic,
    Family::Gamma,
    Family::Gompertz,
    Family::GenGamma,
];

const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

impl Family {
    /// Its name on the command line, in fits.csv and in a scenario.
    pub fn name(self) -> &'static str {
        match self {
            Family::Exponential => "exponential",
            Family::Weibull => "weibull",
            Family::LogNormal => "lognormal",
            Family::LogLogistic => "loglogistic",
            Family::Gamma => "gamma",
            Family::Gompertz => "gompertz",
            Family::GenGamma => "gengamma",
        }
    }

    /// The family of a name.
    pub fn parse(name: &str) -> Option<Family> {
        FAMILIES.into_iter().find(|f| f.name() == name)
    }

    /// Its parameters (names as the scenario format writes them) and the
    /// scale each is fitted on.
    pub fn parameters(self) -> &'static [(&'static str, Scale)] {
        use Scale::{Identity, Log};
        match self {
            Family::Exponential => &[("rate", Log)],
            Family::Weibull | Family::LogLogistic => &[("shape", Log), ("scale", Log)],
            Family::LogNormal => &[("mu", Identity), ("sigma", Log)],
            Family::Gamma => &[("shape", Log), ("scale", Log)],
            Family::Gompertz => &[("shape", Identity), ("rate", Log)],
            Family::GenGamma => &[("mu", Identity), ("sigma", Log), ("Q", Identity)],
        }
    }

    /// The index of the location parameter, on which covariates act
    /// (through its scale: the log of a rate or scale, mu as it is).
    pub fn location(self) -> usize {
        match self {
            Family::Exponential | Family::LogNormal | Family::GenGamma => 0,
            Family::Weibull | Family::LogLogistic | Family::Gamma | Family::Gompertz => 1,
        }
    }

    /// Whether a covariate's coefficient multiplies the time (an
    /// accelerated failure time: `exp(β)` is a time ratio) rather than the
    /// hazard (`exp(β)` a hazard ratio: the exponential's and Gompertz's
    /// rate).
    pub fn time_ratio(self) -> bool {
        !matches!(self, Family::Exponential | Family::Gompertz)
    }

    /// `(ln f(t), ln S(t))` at `t > 0` for the natural parameters `p`.
    pub fn ln_density_survival(self, p: &[f64], t: f64) -> (f64, f64) {
        match self {
            Family::Exponential => (p[0].ln() - p[0] * t, -p[0] * t),
            Family::Weibull => {
                let (k, s) = (p[0], p[1]);
                let lz = k * (t.ln() - s.ln());
                let z = lz.exp();
                (k.ln() - t.ln() + lz - z, -z)
            }
            Family::LogNormal => {
                let w = (t.ln() - p[0]) / p[1];
                (-0.5 * w * w - p[1].ln() - t.ln() - LN_SQRT_2PI, ln_normal_sf(w))
            }
            Family::LogLogistic => {
                let z = p[0] * (t.ln() - p[1].ln());
                let sp = softplus(z);
                (p[0].ln() - t.ln() + z - 2.0 * sp, -sp)
            }
            Family::Gamma => {
                let (a, s) = (p[0], p[1]);
                let x = t / s;
                let ln_f = (a - 1.0) * x.ln() - x - libm::lgamma(a) - s.ln();
                (ln_f, ln_gamma_pq(a, x).1)
            }
            Family::Gompertz => {
                let (a, b) = (p[0], p[1]);
                let cumulative = b * t * exprel(a * t);
                (b.ln() + a * t - cumulative, -cumulative)
            }
            Family::GenGamma => gengamma(p[0], p[1], p[2], t),
        }
    }

    /// `ln S(t)` (0 at `t <= 0`).
    pub fn ln_survival(self, p: &[f64], t: f64) -> f64 {
        if t <= 0.0 {
            0.0
        } else {
            self.ln_density_survival(p, t).1
        }
    }
}

/// `(ln f, ln S)` of the generalised gamma (flexsurv's `dgengamma` and
/// `pgengamma`); the lognormal below `|Q| = 1e-5`, where `Q⁻²` is too large
/// for the incomplete gamma function (the two differ there by O(Q) in
/// `ln f`).
fn gengamma(mu: f64, sigma: f64, q: f64, t: f64) -> (f64, f64) {
    let w = (t.ln() - mu) / sigma;
    if q.abs() < 1e-5 {
        return (-0.5 * w * w - sigma.ln() - t.ln() - LN_SQRT_2PI, ln_normal_sf(w));
    }
    let qi = 1.0 / (q * q);
    let qw = q * w;
    let u = qi * qw.exp();
    let ln_f = -(sigma * t).ln() + q.abs().ln() + qi * qi.ln() + qi * (qw - qw.exp()) - libm::lgamma(qi);
    let (ln_p, ln_q) = ln_gamma_pq(qi, u);
    (ln_f, if q > 0.0 { ln_q } else { ln_p })
}

/// `(e^x - 1) / x`, 1 at 0.
fn exprel(x: f64) -> f64 {
    if x.abs() < 1e-8 {
        1.0 + 0.5 * x
    } else {
        libm::expm1(x) / x
    }
}

/// `ln(1 - Φ(w))`: from erfc while it is representable (w < 37), then by
/// the asymptotic series `ln φ(w) - ln w + ln(1 - w⁻² + 3 w⁻⁴)`.
fn ln_normal_sf(w: f64) -> f64 {
    if w < 37.0 {
        normal_cdf(-w).ln()
    } else {
        let w2 = w * w;
        -0.5 * w2 - LN_SQRT_2PI - w.ln() + (-1.0 / w2 + 3.0 / (w2 * w2)).ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `∫₀ᵗ f` by Simpson's rule on a fine grid, against `1 - S(t)`.
    fn integrates_to_cdf(family: Family, p: &[f64], t: f64) {
        let n = 20_000;
        let h = t / n as f64;
        let f = |x: f64| family.ln_density_survival(p, x.max(1e-12)).0.exp();
        let mut sum = f(0.0) + f(t);
        for i in 1..n {
            sum += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        let integral = sum * h / 3.0;
        let cdf = -family.ln_density_survival(p, t).1.exp_m1();
        assert!(
            (integral - cdf).abs() < 1e-6,
            "{family:?} {p:?} at {t}: ∫f = {integral}, 1 - S = {cdf}"
        );
    }

    #[test]
    fn densities_integrate_to_their_distribution_functions() {
        integrates_to_cdf(Family::Exponential, &[0.02], 80.0);
        integrates_to_cdf(Family::Weibull, &[1.5, 60.0], 90.0);
        integrates_to_cdf(Family::LogNormal, &[4.0, 0.6], 70.0);
        integrates_to_cdf(Family::LogLogistic, &[2.5, 50.0], 70.0);
        integrates_to_cdf(Family::Gamma, &[2.0, 20.0], 70.0);
        integrates_to_cdf(Family::Gompertz, &[0.01, 0.01], 70.0);
        integrates_to_cdf(Family::Gompertz, &[-0.02, 0.03], 70.0);
        integrates_to_cdf(Family::GenGamma, &[4.0, 0.7, 0.6], 90.0);
        integrates_to_cdf(Family::GenGamma, &[4.0, 0.7, -0.8], 90.0);
    }

    #[test]
    fn gengamma_contains_weibull_gamma_and_lognormal() {
        let close = |a: (f64, f64), b: (f64, f64), tol: f64| (a.0 - b.0).abs() < tol && (a.1 - b.1).abs() < tol;
        for t in [3.0, 40.0, 300.0] {
            // Q = 1: Weibull with shape 1 / sigma and scale e^mu.
            let g = Family::GenGamma.ln_density_survival(&[4.0, 0.5, 1.0], t);
            let w = Family::Weibull.ln_density_survival(&[2.0, 4f64.exp()], t);
            assert!(close(g, w, 1e-10), "{t}: {g:?} {w:?}");
            // Q = sigma: gamma with shape Q⁻² and scale e^mu Q².
            let g = Family::GenGamma.ln_density_survival(&[4.0, 0.5, 0.5], t);
            let w = Family::Gamma.ln_density_survival(&[4.0, 4f64.exp() * 0.25], t);
            assert!(close(g, w, 1e-10), "{t}: {g:?} {w:?}");
            // Q -> 0: lognormal, continuously.
            let g = Family::GenGamma.ln_density_survival(&[4.0, 0.5, 2e-5], t);
            let w = Family::LogNormal.ln_density_survival(&[4.0, 0.5], t);
            assert!(close(g, w, 1e-3), "{t}: {g:?} {w:?}");
        }
    }

    #[test]
    fn incomplete_gamma_logs_are_complements_and_match_the_sampler_s() {
        for (a, x) in [
            (0.5, 0.1),
            (2.0, 1.0),
            (2.0, 8.0),
            (50.0, 45.0),
            (50.0, 80.0),
            (1e4, 1.01e4),
        ] {
            let (lp, lq) = ln_gamma_pq(a, x);
            assert!((lp.exp() + lq.exp() - 1.0).abs() < 1e-12, "{a} {x}");
            let p = crate::scenario::dist::gamma_p(a, x);
            assert!((lp.exp() - p).abs() < 1e-12, "{a} {x}: {} vs {p}", lp.exp());
        }
        // Far in the upper tail, Q stays accurate where 1 - P is 0.
        let (_, lq) = ln_gamma_pq(2.0, 800.0);
        let exact = (1.0f64 + 800.0).ln() - 800.0; // Q(2, x) = (1 + x) e^-x
        assert!((lq - exact).abs() < 1e-9, "{lq} vs {exact}");
    }

    #[test]
    fn the_normal_tail_is_continuous_where_its_formula_changes() {
        let (below, above) = (ln_normal_sf(37.0 - 1e-9), ln_normal_sf(37.0));
        assert!((below - above).abs() < 1e-6, "{below} {above}");
    }
}
