//! The generalised gamma distribution, as flexsurv's `gengamma` (Prentice
//! 1974): with `w = (ln x - mu) / sigma`, `a = 1 / Q²` and `g ~ Gamma(a,
//! 1)`, `w = ln(Q² g) / Q`, so `F(x) = P(a, a e^(Q w))` for `Q > 0` and `1 -
//! P(a, a e^(Q w))` for `Q < 0` (`P` the regularised lower incomplete
//! gamma); `Q = 0` is the lognormal of `mu` and `sigma`, and so is any `|Q|
//! < 1e-8`, where the two CDFs differ by less than about 1e-9 (the
//! constructor returns a [`LogNormal`]). Drawn as `exp(mu + (sigma / Q)
//! ln h)` with `h` the gamma of shape `a` and scale `Q²` by Marsaglia and
//! Tsang ([`MarsagliaTsang`]; at `a <= 1` from shape `a + 1`, adding
//! `ln(U) / a`). Its mean is infinite when `sigma Q <= -1`: nothing in the
//! engine reads a duration's mean, so such parameters are allowed.
//!
//! Above shape `a = 1e5` (`|Q| < 0.0032`) the series and continued
//! fraction of [`gamma_p`] need too many terms and `ln Γ(a)` too many
//! digits: the CDF there is Temme's uniform asymptotic expansion ([`temme`],
//! first term; error below 1e-10). The quantile is bisection on `w` (used
//! for truncated draws, by inverse transform).

use super::gamma::MarsagliaTsang;
use super::special::{gamma_p, normal_quantile};
use super::{Family, Law, LogNormal, Refusal, Sampler, finite, g4, positive, r};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenGamma {
    pub mu: f64,
    pub sigma: f64,
    /// flexsurv's `Q`, the shape.
    pub q: f64,
}

/// `|Q|` below this is the lognormal.
pub const LOGNORMAL_BELOW: f64 = 1e-8;

/// The gamma shape `1 / Q²` above which the CDF is Temme's expansion.
const TEMME_ABOVE: f64 = 1e5;

impl GenGamma {
    /// The gamma shape `a = 1 / Q²`.
    fn shape(self) -> f64 {
        1.0 / (self.q * self.q)
    }

    /// The CDF at `w = (ln x - mu) / sigma`.
    fn cdf_w(self, w: f64) -> f64 {
        self.tails_w(w).0
    }

    /// The CDF and the survival at `w = (ln x - mu) / sigma`, each
    /// computed as itself (no `1 - F` where the gamma's own side is
    /// accurate).
    fn tails_w(self, w: f64) -> (f64, f64) {
        let a = self.shape();
        let y = self.q * w;
        let (lower, upper) = if a > TEMME_ABOVE {
            temme(a, y)
        } else {
            let u = a * libm::exp(y);
            let p = if u.is_finite() { gamma_p(a, u) } else { 1.0 };
            (p, 1.0 - p)
        };
        if self.q > 0.0 { (lower, upper) } else { (upper, lower) }
    }

    /// The `w` at which [`GenGamma::cdf_w`] is `p`, by bisection.
    fn quantile_w_by_bisection(self, p: f64) -> f64 {
        let z = normal_quantile(p);
        let (mut lo, mut hi, mut step) = (z - 1.0, z + 1.0, 1.0);
        for _ in 0..64 {
            if self.cdf_w(lo) <= p {
                break;
            }
            lo -= step;
            step *= 2.0;
        }
        step = 1.0;
        for _ in 0..64 {
            if self.cdf_w(hi) >= p {
                break;
            }
            hi += step;
            step *= 2.0;
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if self.cdf_w(mid) < p {
                lo = mid;
            } else {
                hi = mid;
            }
            if hi - lo <= 1e-15 * (1.0 + mid.abs()) {
                break;
            }
        }
        0.5 * (lo + hi)
    }
}

impl Law for GenGamma {
    const NAME: &'static str = "gengamma";
    const FORMS: &'static [&'static [&'static str]] = &[&["mu", "sigma", "Q"]];

    fn from_form(_form: usize, v: &[f64], factor: f64) -> Result<Family, Refusal> {
        Ok(Family::GenGamma(GenGamma {
            mu: v[0] + libm::log(factor),
            sigma: v[1],
            q: v[2],
        }))
    }

    fn checked(self) -> Result<Family, String> {
        finite("mu", self.mu)?;
        positive("sigma", self.sigma)?;
        finite("Q", self.q)?;
        Ok(if self.q.abs() < LOGNORMAL_BELOW {
            Family::LogNormal(LogNormal {
                mu: self.mu,
                sigma: self.sigma,
            })
        } else {
            Family::GenGamma(self)
        })
    }

    fn support(self) -> (f64, f64) {
        (0.0, f64::INFINITY)
    }

    fn cdf(self, x: f64) -> f64 {
        if x <= 0.0 {
            0.0
        } else {
            self.cdf_w((libm::log(x) - self.mu) / self.sigma)
        }
    }

    /// By bisection on `w` ([`GenGamma::quantile_w_by_bisection`]) rather
    /// than through `gamma_quantile`, which bisects on the gamma's own
    /// scale from 0 and so loses the lower tail of small shapes (below
    /// `2^-200`, reached at `Q = 3`, `p = 1e-9`) and, above shape 1e5, has
    /// no accurate `P` to bisect on.
    fn quantile(self, p: f64) -> f64 {
        libm::exp(self.mu + self.sigma * self.quantile_w_by_bisection(p))
    }

    fn sampler(self) -> Sampler {
        let a = self.shape();
        let q2 = self.q * self.q;
        let (gamma, small_shape) = if a > 1.0 {
            (MarsagliaTsang::new(a, q2), None)
        } else {
            (MarsagliaTsang::new(a + 1.0, q2), Some(1.0 / a))
        };
        Sampler::GenGamma {
            gamma,
            small_shape,
            mu: self.mu,
            power: self.sigma / self.q,
        }
    }

    fn days(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "gengamma(median {} d, sigma {}, Q {})",
            r(self.quantile(0.5)),
            r(self.sigma),
            r(self.q)
        )
    }

    /// `e^mu (Q²)^(sigma / Q) Γ(a + sigma / Q) / Γ(a)`, `a = 1 / Q²`;
    /// infinite when `a + sigma / Q <= 0` (`sigma Q <= -1`). The ratio of
    /// gammas by Stirling's series once both arguments reach 100.
    fn mean(self) -> f64 {
        let GenGamma { mu, sigma, q } = self;
        let rq = sigma * q;
        if 1.0 + rq <= 0.0 {
            return f64::INFINITY;
        }
        let a = self.shape();
        let t = sigma / q;
        // ln Γ(a + t) - ln Γ(a) - t ln a, as (Q²)^t = a^-t.
        let ln_ratio = if a.min(a + t) >= 100.0 {
            // (a + t - 1/2) ln(1 + r) - t + the Stirling tails, r = t / a;
            // a ((1 + r) ln(1 + r) - r) by its series for small r.
            let g = if rq.abs() < 0.01 {
                let (mut power, mut sum) = (-rq, 0.0);
                for n in 2..14 {
                    power *= -rq;
                    let n = f64::from(n);
                    sum += power / (n * (n - 1.0));
                }
                sum
            } else {
                (1.0 + rq) * libm::log1p(rq) - rq
            };
            a * g - 0.5 * libm::log1p(rq) + stirling_tail(a + t) - stirling_tail(a)
        } else {
            libm::lgamma(a + t) - libm::lgamma(a) - t * libm::log(a)
        };
        libm::exp(mu + ln_ratio)
    }

    fn parameters(self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "gengamma(mu {}, sigma {}, Q {})",
            g4(self.mu),
            g4(self.sigma),
            g4(self.q)
        )
    }

    /// `-ln sigma - ln(2π) / 2 - a (e^y - 1 - y) - c(a)` with `y = Q w`,
    /// `w = (t - mu) / sigma`, on `t = ln x`, where `c(a) = ln Γ(a) -
    /// (a - 1/2) ln a + a - ln(2π) / 2` (the density of `w`, `|Q| g^a
    /// e^-g / Γ(a)` with `g = a e^y`, written without cancellation; at `Q =
    /// 0` the normal's).
    fn ln_density_free(self, t: f64) -> f64 {
        let a = self.shape();
        let w = (t - self.mu) / self.sigma;
        let half_ln_2pi = 0.5 * (2.0 * std::f64::consts::PI).ln();
        let tail = if a >= 10.0 {
            stirling_tail(a)
        } else {
            libm::lgamma(a) - (a - 0.5) * a.ln() + a - half_ln_2pi
        };
        -self.sigma.ln() - half_ln_2pi - a * exp_m1_m(self.q * w) - tail
    }
}

/// `ln Γ(z) - ((z - 1/2) ln z - z + ln(2π) / 2)` by Stirling's series, for
/// `z >= 10` (error below 1e-13 there, 1e-22 from 100).
fn stirling_tail(z: f64) -> f64 {
    let z2 = z * z;
    (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - 1.0 / (1680.0 * z2)) / z2) / z2) / z
}

/// `e^y - 1 - y`, by its series for `|y| < 0.5`.
fn exp_m1_m(y: f64) -> f64 {
    if y.abs() < 0.5 {
        let (mut term, mut sum) = (y, 0.0);
        for n in 2..40 {
            term *= y / f64::from(n);
            sum += term;
            if term.abs() <= sum.abs() * 1e-17 {
                break;
            }
        }
        sum
    } else {
        libm::expm1(y) - y
    }
}

/// `(P(a, x), Q(a, x))` at `x = a e^y` by Temme's uniform asymptotic
/// expansion (DLMF 8.12.3, 8.12.8, 8.12.9): `Q = erfc(η sqrt(a / 2)) / 2 +
/// R`, `P = erfc(-η sqrt(a / 2)) / 2 - R`, `η²/2 = e^y - 1 - y` with the
/// sign of `y`, `R = e^(-a η²/2) c0(η) / sqrt(2π a)`, `c0 = 1 / (e^y - 1) -
/// 1 / η` (its series `-1/3 + η/12 - 2η²/135 + η³/864` near 0). The next
/// term is `c1(η) / a` times the same factor, `|c1| <= 1/540` where that
/// factor is not negligible: below 1e-10 for `a > 1e5`.
fn temme(a: f64, y: f64) -> (f64, f64) {
    let d = exp_m1_m(y);
    let eta = (2.0 * d).sqrt().copysign(y);
    let s = eta * (a / 2.0).sqrt();
    let c0 = if eta.abs() < 1e-3 {
        -1.0 / 3.0 + eta * (1.0 / 12.0 - eta * (2.0 / 135.0 - eta / 864.0))
    } else {
        1.0 / libm::expm1(y) - 1.0 / eta
    };
    let rest = libm::exp(-a * d) / (2.0 * std::f64::consts::PI * a).sqrt() * c0;
    (0.5 * libm::erfc(-s) - rest, 0.5 * libm::erfc(s) + rest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::dist::tests_support::{integral_of_survival, simpson};

    fn gg(mu: f64, sigma: f64, q: f64) -> GenGamma {
        GenGamma { mu, sigma, q }
    }

    #[test]
    fn the_quantile_inverts_the_cdf() {
        for d in [
            gg(4.0, 0.5, -0.3),
            gg(4.0, 0.5, 0.3),
            gg(2.0, 1.2, 1.0),
            gg(2.0, 0.8, -2.5),
            gg(3.0, 0.4, 3.0),
            gg(3.0, 0.4, 1e-3),
            gg(3.0, 0.4, -1e-6),
        ] {
            for p in [1e-9, 0.01, 0.3, 0.5, 0.77, 0.999, 1.0 - 1e-9] {
                let x = d.quantile(p);
                assert!(
                    (d.cdf(x) - p).abs() < 1e-10 * p.min(1.0 - p).max(1e-3),
                    "{d:?} {p}: {x} has {}",
                    d.cdf(x)
                );
            }
        }
    }

    /// Q = 1 is the Weibull of shape 1 / sigma and scale e^mu; Q = sigma the
    /// gamma of shape 1 / Q² and scale e^mu Q².
    #[test]
    fn special_cases_are_the_weibull_and_the_gamma() {
        let (mu, sigma) = (3.0_f64, 0.7_f64);
        let d = gg(mu, sigma, 1.0);
        for x in [1.0, 10.0, 20.0, 60.0] {
            let weibull = 1.0 - (-(x / mu.exp()).powf(1.0 / sigma)).exp();
            assert!((d.cdf(x) - weibull).abs() < 1e-14, "{x}");
        }
        let d = gg(mu, sigma, sigma);
        for x in [1.0, 10.0, 20.0, 60.0] {
            let gamma = gamma_p(1.0 / (sigma * sigma), x / (mu.exp() * sigma * sigma));
            assert!((d.cdf(x) - gamma).abs() < 1e-14, "{x}");
        }
    }

    /// Temme's expansion against the series and continued fraction where
    /// both hold, and the lognormal as Q nears 0.
    #[test]
    fn temme_agrees_with_gamma_p_and_nears_the_lognormal() {
        for a in [3e4_f64, 1e5, 3e5] {
            for z in [-6.0, -2.0, -0.3, 0.0, 0.1, 1.0, 3.0, 7.0] {
                let y = z / a.sqrt();
                let (p, q) = temme(a, y);
                let exact = gamma_p(a, a * y.exp());
                assert!((p - exact).abs() < 1e-9, "{a} {z}: {p} vs {exact}");
                assert!((p + q - 1.0).abs() < 1e-15);
            }
        }
        let ln = LogNormal { mu: 3.0, sigma: 0.4 };
        for q in [-1e-7, 2e-8] {
            let d = gg(3.0, 0.4, q);
            for x in [5.0, 15.0, 20.0, 30.0, 60.0] {
                use crate::scenario::dist::Law as _;
                assert!((d.cdf(x) - ln.cdf(x)).abs() < 1e-7, "{q} {x}");
            }
        }
        assert_eq!(
            gg(3.0, 0.4, 5e-9).checked().unwrap(),
            Family::LogNormal(LogNormal { mu: 3.0, sigma: 0.4 })
        );
    }

    #[test]
    fn the_mean_is_the_integral_of_the_survival() {
        for d in [
            gg(4.0, 0.5, -0.3),
            gg(4.0, 0.5, 0.3),
            gg(2.0, 1.2, 1.0),
            gg(2.0, 0.3, -1.0),
            gg(3.0, 0.4, 3.0),
            gg(3.0, 0.4, 0.05),
            gg(3.0, 0.4, -0.01),
            gg(3.0, 0.4, 1e-3),
        ] {
            let survival = |x: f64| d.tails_w((x.ln() - d.mu) / d.sigma).1;
            let m = integral_of_survival(survival, |p| d.quantile(p), 1e-15);
            assert!((m - d.mean()).abs() < 1e-9 * d.mean(), "{d:?}: {m} vs {}", d.mean());
        }
        // Near Q = 0, the lognormal's mean.
        let m = gg(3.0, 0.4, 1e-7).mean();
        assert!((m - (3.0_f64 + 0.08).exp()).abs() < 1e-7 * m, "{m}");
        assert_eq!(gg(3.0, 2.0, -0.5).mean(), f64::INFINITY);
    }

    #[test]
    fn the_density_integrates_to_one_and_is_the_cdf_s_derivative() {
        for d in [gg(4.0, 0.5, -0.3), gg(2.0, 0.8, 2.5), gg(3.0, 0.4, 1e-4)] {
            let total = simpson(|t| d.ln_density_free(t).exp(), d.mu - 60.0, d.mu + 60.0, 40_000);
            assert!((total - 1.0).abs() < 1e-9, "{d:?}: {total}");
            let (t, h) = (d.mu + 0.2, 1e-5);
            let numeric = (d.cdf((t + h).exp()) - d.cdf((t - h).exp())) / (2.0 * h);
            assert!((numeric - d.ln_density_free(t).exp()).abs() < 1e-7, "{d:?}");
        }
    }
}
