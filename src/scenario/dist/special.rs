//! The special functions the families need: the standard normal CDF and
//! quantile, the regularised incomplete gamma and beta functions and their
//! inverses.
//! Our own, not statrs's: each one's documentation gives the accuracy,
//! speed and bit-identity measured against statrs 0.19.1 and why it stays.

/// Standard normal CDF, `Phi(z) = erfc(-z / sqrt 2) / 2`.
///
/// Kept rather than statrs 0.19.1's `Normal::cdf`, which is faster (11.8
/// against 20.5 ns a call over z in [-38, 9]) but less accurate and gives
/// other bits: against mpmath (50 digits) at 4,701 points, ours errs by at
/// most 1.8e-13 relative (6.3e-15 for |z| <= 6), statrs by up to 1.0e-10
/// relative (2.5e-11 absolute, at z = -0.71: its erfc keeps Boost's
/// float-valued interval constants to 10 digits only), and only 552 of the
/// 4,701 results are bit-identical. This runs when a truncated sampler is
/// built (`[F(lo), F(hi)]`), not per draw, but its bits move every truncated
/// normal and lognormal draw, so patients.parquet would change.
pub fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / std::f64::consts::SQRT_2)
}

// AS 241's coefficients (Wichura 1988) as published (20 digits), not
// rounded to what a double holds, so that they can be checked against the
// paper: A/B the centre, C/D the tails to r = 5, E/F beyond.
#[allow(clippy::excessive_precision)]
pub const AS241_A: [f64; 8] = [
    3.387_132_872_796_366_608,
    1.331_416_678_917_843_774_5e2,
    1.971_590_950_306_551_442_7e3,
    1.373_169_376_550_946_112_5e4,
    4.592_195_393_154_987_145_7e4,
    6.726_577_092_700_870_085_3e4,
    3.343_057_558_358_812_810_5e4,
    2.509_080_928_730_122_672_7e3,
];
#[allow(clippy::excessive_precision)]
pub const AS241_B: [f64; 8] = [
    1.0,
    4.231_333_070_160_091_125_2e1,
    6.871_870_074_920_579_083e2,
    5.394_196_021_424_751_107_7e3,
    2.121_379_430_158_659_586_7e4,
    3.930_789_580_009_271_061e4,
    2.872_908_573_572_194_267_4e4,
    5.226_495_278_852_854_561e3,
];
#[allow(clippy::excessive_precision)]
pub const AS241_C: [f64; 8] = [
    1.423_437_110_749_683_577_34,
    4.630_337_846_156_545_295_9,
    5.769_497_221_460_691_405_5,
    3.647_848_324_763_204_605_04,
    1.270_458_252_452_368_382_58,
    2.417_807_251_774_506_117_7e-1,
    2.272_384_498_926_918_458_33e-2,
    7.745_450_142_783_414_076_4e-4,
];
#[allow(clippy::excessive_precision)]
pub const AS241_D: [f64; 8] = [
    1.0,
    2.053_191_626_637_758_821_87,
    1.676_384_830_183_803_849_4,
    6.897_673_349_851_000_045_5e-1,
    1.481_039_764_274_800_745_9e-1,
    1.519_866_656_361_645_719_66e-2,
    5.475_938_084_995_344_946e-4,
    1.050_750_071_644_416_843_24e-9,
];
#[allow(clippy::excessive_precision)]
pub const AS241_E: [f64; 8] = [
    6.657_904_643_501_103_777_2,
    5.463_784_911_164_114_369_9,
    1.784_826_539_917_291_335_8,
    2.965_605_718_285_048_912_3e-1,
    2.653_218_952_657_612_309_3e-2,
    1.242_660_947_388_078_438_6e-3,
    2.711_555_568_743_487_578_15e-5,
    2.010_334_399_292_288_132_65e-7,
];
#[allow(clippy::excessive_precision)]
pub const AS241_F: [f64; 8] = [
    1.0,
    5.998_322_065_558_879_376_9e-1,
    1.369_298_809_227_358_053_1e-1,
    1.487_536_129_085_061_485_25e-2,
    7.868_691_311_456_132_591e-4,
    1.846_318_317_510_054_681_8e-5,
    1.421_511_758_316_445_888_7e-7,
    2.044_263_103_389_939_785_64e-15,
];
/// Standard normal quantile: Wichura's algorithm AS 241 (PPND16;
/// Wichura 1988, Applied Statistics 37(3), 477-484), the one R's `qnorm`
/// uses. Three rational approximations of degree 7: in `q = p - 1/2` for
/// `|q| <= 0.425`, otherwise in `r = sqrt(-ln(min(p, 1 - p)))`, for
/// `r <= 5` and beyond. Wichura gives about 1e-16 relative accuracy; the
/// test below checks a few units in the last place against 60-digit
/// values, down to p = 1e-300.
///
/// On the hot path: one call per draw of every truncated normal and
/// lognormal. It replaced Acklam's approximation refined by a Halley step,
/// which needed an `erfc` and an `exp` per call (10% of the default
/// scenario's time went to it); AS 241 needs none in the centre, where
/// 85% of draws fall, and one `ln` and one `sqrt` in the tails.
pub fn normal_quantile(p: f64) -> f64 {
    /// c0 + c1 x + ... + c7 x^7 by Estrin's scheme: three dependent
    /// steps where Horner's rule takes seven (the quantile's time is the
    /// latency of its two polynomials).
    #[inline(always)]
    fn poly(c: &[f64; 8], x: f64) -> f64 {
        let x2 = x * x;
        let x4 = x2 * x2;
        let lo = (c[0] + c[1] * x) + (c[2] + c[3] * x) * x2;
        let hi = (c[4] + c[5] * x) + (c[6] + c[7] * x) * x2;
        lo + hi * x4
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180_625 - q * q;
        return q * poly(&AS241_A, r) / poly(&AS241_B, r);
    }
    let r = (if q < 0.0 { p } else { 1.0 - p }).ln();
    let r = (-r).sqrt();
    let z = if r <= 5.0 {
        poly(&AS241_C, r - 1.6) / poly(&AS241_D, r - 1.6)
    } else {
        poly(&AS241_E, r - 5.0) / poly(&AS241_F, r - 5.0)
    };
    if q < 0.0 { -z } else { z }
}

/// Regularised lower incomplete gamma `P(a, x)`: the series for
/// `x < a + 1`, Lentz's continued fraction for `Q = 1 - P` otherwise
/// (Numerical Recipes, 3rd ed., section 6.2).
///
/// Kept rather than statrs 0.19.1's `gamma_lr`: equally accurate (against
/// mpmath at 4,800 points with shapes 0.1 to 500, both err by at most 4.8e-13
/// relative and 8.7e-14 absolute) and faster (43.5 against 59.5 ns a call),
/// but only 2,096 of the 4,800 results are bit-identical, and this sets a
/// truncated gamma's `[F(lo), F(hi)]` and drives [`gamma_quantile`].
pub fn gamma_p(a: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let log_prefix = a * libm::log(x) - x - libm::lgamma(a);
    if x < a + 1.0 {
        (gamma_series(a, x, 10_000) * libm::exp(log_prefix)).clamp(0.0, 1.0)
    } else {
        (1.0 - libm::exp(log_prefix) * gamma_fraction(a, x, 10_000)).clamp(0.0, 1.0)
    }
}

/// `(ln P(a, x), ln Q(a, x))`, each accurate in its own tail (for the
/// likelihoods of `foramen fit`, where `Q` may be far below the rounding
/// of `1 - P`): the series gives `ln P` for `x < a + 1`, the continued
/// fraction `ln Q` otherwise, and the other is `ln(1 - e^that)`. Up to a
/// million terms, for the shapes near 10^10 a generalised gamma with a
/// small Q gives.
pub fn ln_gamma_pq(a: f64, x: f64) -> (f64, f64) {
    if x <= 0.0 {
        return (f64::NEG_INFINITY, 0.0);
    }
    let log_prefix = a * x.ln() - x - libm::lgamma(a);
    let complement = |l: f64| {
        if l > -std::f64::consts::LN_2 {
            (-l.exp_m1()).ln()
        } else {
            (-l.exp()).ln_1p()
        }
    };
    if x < a + 1.0 {
        let ln_p = (gamma_series(a, x, 1_000_000).ln() + log_prefix).min(0.0);
        (ln_p, complement(ln_p))
    } else {
        let ln_q = (gamma_fraction(a, x, 1_000_000).ln() + log_prefix).min(0.0);
        (complement(ln_q), ln_q)
    }
}

/// The series of `P(a, x) e^-prefix`, `prefix = a ln x - x - ln Γ(a)`, to
/// at most `most` terms (for `x < a + 1`).
fn gamma_series(a: f64, x: f64, most: usize) -> f64 {
    let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
    for _ in 0..most {
        n += 1.0;
        term *= x / n;
        sum += term;
        if term.abs() < sum.abs() * 1e-16 {
            break;
        }
    }
    sum
}

/// Lentz's continued fraction of `Q(a, x) e^-prefix`, to at most `most`
/// terms (for `x >= a + 1`).
fn gamma_fraction(a: f64, x: f64, most: usize) -> f64 {
    let tiny = 1e-300;
    let mut b = x + 1.0 - a;
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..most {
        let an = -(i as f64) * (i as f64 - a);
        b += 2.0;
        d = an * d + b;
        if d.abs() < tiny {
            d = tiny;
        }
        c = b + an / c;
        if c.abs() < tiny {
            c = tiny;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// Quantile of the unit-scale gamma by bisection on `P(a, x)` (used only for
/// truncations that keep under 5% of the mass, and in tests).
///
/// Called once per draw of such a truncation. statrs 0.19.1's
/// `Gamma::inverse_cdf` is 4 to 5 times faster (1.7 against 6.3 us a call
/// over p in [1e-12, 1 - 1e-12], 1.2 against 6.5 for p in [0.001, 0.999],
/// shapes 0.1 to 500) but not accurate enough: against mpmath for p in
/// [0.001, 0.999] ours errs by at most 2.4e-14 relative, statrs by up to
/// 6.8e-9 for shapes >= 0.5 and, for shape 0.1, returns about 9.3e-10
/// wherever the quantile is smaller (1.4e-28 at p = 0.0017); only 63 of 1,908
/// results are bit-identical. Below about `2^-200 * max(a, 1)` ours is not
/// accurate either (shape 0.1, p = 1e-12: 3.1e-61 for 6.1e-121).
pub fn gamma_quantile(a: f64, p: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, a.max(1.0));
    while gamma_p(a, hi) < p {
        hi *= 2.0;
        if hi > 1e300 {
            return hi;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if gamma_p(a, mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-15 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

/// `ln(1 + e^x)` without overflow.
pub fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

/// `ln` of the normal density of `x` with mean `m` and sd `s`.
pub fn ln_normal(x: f64, m: f64, s: f64) -> f64 {
    let z = (x - m) / s;
    -0.5 * z * z - s.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln()
}

/// The regularised incomplete beta function `I_x(a, b)`, by the continued
/// fraction of Numerical Recipes (3rd ed., 6.4, modified Lentz) on whichever
/// of `I_x(a, b)` and `1 - I_{1-x}(b, a)` converges faster (`x < (a + 1) /
/// (a + b + 2)`). Sets a truncated beta's `[F(lo), F(hi)]` and drives
/// [`beta_quantile`].
pub fn beta_i(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = libm::lgamma(a + b) - libm::lgamma(a) - libm::lgamma(b) + a * libm::log(x) + b * libm::log1p(-x);
    if x < (a + 1.0) / (a + b + 2.0) {
        (libm::exp(ln_front) * beta_fraction(a, b, x) / a).clamp(0.0, 1.0)
    } else {
        (1.0 - libm::exp(ln_front) * beta_fraction(b, a, 1.0 - x) / b).clamp(0.0, 1.0)
    }
}

/// The continued fraction of [`beta_i`].
fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    let tiny = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < tiny {
        d = tiny;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..10_000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        for aa in [
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ] {
            d = 1.0 + aa * d;
            if d.abs() < tiny {
                d = tiny;
            }
            c = 1.0 + aa / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            h *= d * c;
        }
        if (d * c - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// Quantile of the beta distribution by bisection on [`beta_i`] (used for
/// truncated beta draws and in tests).
pub fn beta_quantile(a: f64, b: f64, p: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if beta_i(a, b, mid) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::dist::Z90;

    #[test]
    fn normal_quantile_inverts_cdf() {
        // The exact quantile of each double p, rounded (mpmath, 60 digits:
        // the root of `log(ncdf(z)) - log(p)`): the centre, both sides of each split
        // (p = 0.075 and 0.925; r = 5 near p = 1.4e-11) and the far tails.
        const EXACT: [(f64, f64); 17] = [
            (1e-300, -37.0470962993612),
            (1e-100, -21.273453560965326),
            (1e-20, -9.262340089798407),
            (1e-12, -7.034483825301132),
            (1.3e-11, -6.667611456510741),
            (1.5e-11, -6.646570887477113),
            (1e-4, -3.7190164854556804),
            (0.01, -2.326347874040841),
            (0.0749, -1.4402382675279637),
            (0.0751, -1.43882539275254),
            (0.2, -0.8416212335729142),
            (0.8, 0.8416212335729144),
            (0.9249, 1.4388253927525403),
            (0.9251, 1.440238267527964),
            (0.975, 1.9599639845400538),
            (0.9999, 3.7190164854557084),
            (1.0 - 1e-10, 6.361340889697422),
        ];
        for (p, exact) in EXACT {
            let z = normal_quantile(p);
            // A few units in the last place: AS 241's own ~1e-16, and
            // 1 - p's rounding in the upper tail.
            assert!(
                (z - exact).abs() <= 8.0 * f64::EPSILON * exact.abs(),
                "p = {p}: {z} vs {exact}"
            );
        }
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-13);
        assert!((normal_quantile(0.9) - Z90).abs() < 1e-13);
    }

    #[test]
    fn gamma_p_matches_known_values() {
        // P(1, x) = 1 - exp(-x); P(2, 2) = 1 - 3 exp(-2); P(0.5, x) = erf(sqrt x).
        assert!((gamma_p(1.0, 0.7) - (1.0 - (-0.7f64).exp())).abs() < 1e-15);
        assert!((gamma_p(2.0, 2.0) - (1.0 - 3.0 * (-2.0f64).exp())).abs() < 1e-14);
        assert!((gamma_p(0.5, 3.0) - libm::erf(3.0f64.sqrt())).abs() < 1e-14);
        // Q(5, 20) = exp(-20) * sum_{k<5} 20^k / k!
        let q: f64 = (-20.0f64).exp() * (1.0 + 20.0 + 200.0 + 8000.0 / 6.0 + 160_000.0 / 24.0);
        assert!((gamma_p(5.0, 20.0) - (1.0 - q)).abs() < 1e-15);
        let q = gamma_quantile(3.0, 0.3);
        assert!((gamma_p(3.0, q) - 0.3).abs() < 1e-12);
    }
    #[test]
    fn beta_i_matches_closed_forms() {
        // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b;
        // I_x(2, 3) = sum_{j=2}^{4} C(4, j) x^j (1 - x)^(4 - j); I_0.5(a, a) = 1/2.
        for x in [1e-6, 0.01, 0.3, 0.5, 0.77, 0.999] {
            let y: f64 = 1.0 - x;
            let i23 = 6.0 * x * x * y * y + 4.0 * x.powi(3) * y + x.powi(4);
            for (got, want) in [
                (beta_i(1.0, 1.0, x), x),
                (beta_i(3.5, 1.0, x), x.powf(3.5)),
                (beta_i(1.0, 2.5, x), 1.0 - y.powf(2.5)),
                (beta_i(2.0, 3.0, x), i23),
            ] {
                assert!((got - want).abs() < 1e-13, "x = {x}: {got} vs {want}");
            }
        }
        for a in [0.3, 2.0, 40.0, 900.0] {
            assert!((beta_i(a, a, 0.5) - 0.5).abs() < 1e-12, "a = {a}");
        }
        let q = beta_quantile(2.5, 7.0, 0.3);
        assert!((beta_i(2.5, 7.0, q) - 0.3).abs() < 1e-13);
    }
}
