//! Estimators and 95% intervals on plain numbers.
//!
//! * Proportions: the Wilson score interval (Wilson 1927),
//!   `(p + z²/2n ± z sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)`, with
//!   `se = sqrt(p(1-p)/n)`.
//! * Means: `mean ± z s / sqrt(n)` with the sample variance `s²`, computed
//!   exactly from integer sums.
//! * Time to recovery: the Kaplan-Meier estimator on the binned event times
//!   with Greenwood's variance `S(t)² Σ d_i / (r_i (r_i - d_i))`; the median
//!   is where `S(t)`, linear within each time bin, reaches 1/2, and its
//!   interval the Brookmeyer-Crowley set `{t : |S(t) - 1/2| <= z se(t)}`,
//!   widened to hold the median's whole bin. Patients censored in a bin
//!   are at risk for its events and leave after it.
//! * Paired differences: the mean of per-patient differences `d_i`,
//!   `mean(d) ± z s_d / sqrt(n)`, from exact integer sums.
//!
//! `z = 1.959963984540054`, the 97.5% normal quantile.

/// The 97.5% quantile of the standard normal.
pub const Z95: f64 = 1.959_963_984_540_054;

/// One estimate with its 95% interval and Monte Carlo standard error.
///
/// `value`, `lo` and `hi` are NaN when the quantity is not estimable (for
/// example a median time to recovery when fewer than half recover by the
/// horizon).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub value: f64,
    pub lo: f64,
    pub hi: f64,
    pub se: f64,
}

impl Estimate {
    pub const NAN: Estimate = Estimate {
        value: f64::NAN,
        lo: f64::NAN,
        hi: f64::NAN,
        se: f64::NAN,
    };
}

/// The Cholesky factor `L` (`L Lᵀ = a`) of a symmetric matrix, or `None`
/// when it is not positive definite: a pivot at or below `min_pivot` (0
/// for a covariance; a little above it to refuse a correlation matrix that
/// is singular to rounding), or not finite.
pub fn cholesky(a: &[Vec<f64>], min_pivot: f64) -> Option<Vec<Vec<f64>>> {
    let d = a.len();
    let mut l = vec![vec![0.0; d]; d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            if i == j {
                let v = a[i][i] - s;
                if v <= min_pivot || !v.is_finite() {
                    return None;
                }
                l[i][i] = v.sqrt();
            } else {
                l[i][j] = (a[i][j] - s) / l[j][j];
            }
        }
    }
    Some(l)
}

/// Share `k / n` with its Wilson interval.
pub fn proportion(k: u64, n: u64) -> Estimate {
    let (kf, nf) = (k as f64, n as f64);
    let mut e = wilson(if n == 0 { f64::NAN } else { kf / nf }, nf);
    // At k = 0 and k = n the Wilson bound is exactly 0 or 1; rounding
    // would leave a residue.
    if n > 0 && k == 0 {
        e.lo = 0.0;
    }
    if n > 0 && k == n {
        e.hi = 1.0;
    }
    e
}

/// Share `p` of `n` (a real count, as a published share's sample size may
/// be) with its Wilson interval.
pub fn wilson(p: f64, n: f64) -> Estimate {
    if n <= 0.0 || p.is_nan() {
        return Estimate::NAN;
    }
    let z2 = Z95 * Z95;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / (1.0 + z2 / n);
    Estimate {
        value: p,
        lo: (centre - half).max(0.0),
        hi: (centre + half).min(1.0),
        se: (p * (1.0 - p) / n).sqrt(),
    }
}

/// Mean of values whose sum and sum of squares are exact integers in units
/// of `1 / scale`, with a normal interval (the same estimate as
/// [`paired_mean`], whose values are differences).
pub fn mean(sum: i128, sum_sq: u128, n: u64, scale: f64) -> Estimate {
    match n {
        0 => Estimate::NAN,
        1 => Estimate {
            value: sum as f64 / scale,
            lo: f64::NAN,
            hi: f64::NAN,
            se: f64::NAN,
        },
        _ => paired_mean(sum, sum_sq, n, scale),
    }
}

/// Kaplan-Meier survival after each bin, from event counts per bin, for `n`
/// patients none of whom is censored before the last bin. Returns
/// `(S, se)` per bin (Greenwood).
pub fn kaplan_meier(events: &[u64], n: u64) -> Vec<(f64, f64)> {
    kaplan_meier_censored(events, &[], n)
}

/// [`kaplan_meier`] with `censored[i]` patients censored in bin `i` (at
/// risk for its events, gone after it; `censored` may be shorter than
/// `events`).
pub fn kaplan_meier_censored(events: &[u64], censored: &[u64], n: u64) -> Vec<(f64, f64)> {
    let mut at_risk = n as f64;
    let mut s = 1.0;
    let mut greenwood = 0.0;
    events
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let d = d as f64;
            if d > 0.0 && at_risk > 0.0 {
                s *= 1.0 - d / at_risk;
                if at_risk > d {
                    greenwood += d / (at_risk * (at_risk - d));
                }
                at_risk -= d;
            }
            at_risk -= censored.get(i).copied().unwrap_or(0) as f64;
            (s, s * greenwood.sqrt())
        })
        .collect()
}

/// The Aalen-Johansen cumulative incidence of one cause among competing
/// ones, after each bin, with its delta-method (Greenwood-type) standard
/// error; `cause[i]`, `competing[i]` and `censored[i]` count the first
/// events of the cause, of any other cause, and the censorings in bin `i`
/// (`censored` may be empty: nobody censored), of `n` patients:
///
/// ```text
/// F(t)     = sum_{i <= t} S(i-1) d_k,i / Y_i
/// Var F(t) = sum_{i <= t} [ (F(t) - F_i)^2 d_i / (Y_i (Y_i - d_i))
///                           + S(i-1)^2 d_k,i (Y_i - d_k,i) / Y_i^3
///                           - 2 (F(t) - F_i) S(i-1) d_k,i / Y_i^2 ]
/// ```
///
/// with `Y_i` at risk at bin `i`, `d_i` its events of any cause, `S` the
/// Kaplan-Meier probability of no event of any cause, `F_i = F(t_i)`.
/// This is the variance of lifelines' `AalenJohansenFitter` (after Collett,
/// *Modelling Survival Data in Medical Research*, 3rd ed., p. 411; SAS
/// LIFETEST). With nobody censored, `F(t)` is the share with the cause's
/// event by `t` and the variance is the binomial `F (1 - F) / n` (tested).
pub fn aalen_johansen(cause: &[u64], competing: &[u64], censored: &[u64], n: u64) -> Vec<(f64, f64)> {
    let mut at_risk = n as f64;
    let mut s = 1.0;
    let mut f = 0.0;
    // Running sums of the variance's terms, expanded in F(t):
    // sum a_i, sum F_i a_i, sum F_i^2 a_i, sum b_i, sum c_i, sum F_i c_i.
    let (mut a, mut fa, mut ffa, mut b, mut c, mut fc) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    (0..cause.len())
        .map(|i| {
            let dk = cause[i] as f64;
            let d = dk + competing.get(i).copied().unwrap_or(0) as f64;
            if d > 0.0 && at_risk > 0.0 {
                let y = at_risk;
                f += s * dk / y;
                let ai = if y > d { d / (y * (y - d)) } else { 0.0 };
                a += ai;
                fa += f * ai;
                ffa += f * f * ai;
                b += s * s * dk * (y - dk) / (y * y * y);
                let ci = s * dk / (y * y);
                c += ci;
                fc += f * ci;
                s *= 1.0 - d / y;
            }
            at_risk -= d + censored.get(i).copied().unwrap_or(0) as f64;
            let var = f * f * a - 2.0 * f * fa + ffa + b - 2.0 * (f * c - fc);
            (f, var.max(0.0).sqrt())
        })
        .collect()
}

/// The 95% band of a Kaplan-Meier survival `s` with Greenwood se `se`, on
/// the log-log scale (Kalbfleisch & Prentice 1980; the default of lifelines
/// and of R's survminer plots):
///
/// ```text
/// [S^exp(w), S^exp(-w)],   w = z σ / |ln S|,   σ = se / S (the se of ln S)
/// ```
///
/// It stays inside (0, 1) and is asymmetric near the ends, where the Wald
/// band `S ± z se` is clipped to zero width. `None` where it is undefined:
/// `S = 1` (no event yet) or `S = 0` (everyone had one).
pub fn loglog_band(s: f64, se: f64) -> Option<(f64, f64)> {
    if !(s > 0.0 && s < 1.0 && se > 0.0) {
        return None;
    }
    let w = Z95 * (se / s) / s.ln().abs();
    Some((s.powf(w.exp()), s.powf((-w).exp())))
}

/// The Kaplan-Meier median from event counts in bins of `1 / bins_per_day`
/// days, with its Brookmeyer-Crowley interval.
///
/// Times are known only to their bin, so within a bin `S` (and `S ± z se`)
/// is taken as linear between its values at the bin's ends (events spread
/// evenly over the bin): the median is where that line reaches 1/2, and the
/// limits where `S - z se` and `S + z se` do. The interval always holds the
/// whole bin the median lies in, so binning alone never makes it narrower
/// than a bin; `se` is its half-width over z. NaN where the curve (or a
/// band) never reaches 1/2.
pub fn km_median(events: &[u64], n: u64, bins_per_day: f64) -> Estimate {
    km_median_censored(events, &[], n, bins_per_day)
}

/// [`km_median`] with `censored[i]` patients censored in bin `i` (as in
/// [`kaplan_meier_censored`]).
pub fn km_median_censored(events: &[u64], censored: &[u64], n: u64, bins_per_day: f64) -> Estimate {
    if n == 0 {
        return Estimate::NAN;
    }
    let km = kaplan_meier_censored(events, censored, n);
    // Where `f(S, se)` first reaches 1/2: the bin, and how far into it.
    let crossing = |f: &dyn Fn(f64, f64) -> f64| {
        let mut before = f(1.0, 0.0);
        for (i, &(s, se)) in km.iter().enumerate() {
            let after = f(s, se);
            if after <= 0.5 {
                let frac = if before > after {
                    ((before - 0.5) / (before - after)).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                return Some((i, frac));
            }
            before = after;
        }
        None
    };
    let day = |c: Option<(usize, f64)>| c.map_or(f64::NAN, |(i, frac)| (i as f64 + frac) / bins_per_day);
    let median = crossing(&|s, _| s);
    let value = day(median);
    // The median's bin, [start, end).
    let (start, end) = median.map_or((f64::NAN, f64::NAN), |(i, _)| {
        (i as f64 / bins_per_day, (i + 1) as f64 / bins_per_day)
    });
    let lo = day(crossing(&|s, se| s - Z95 * se)).min(start);
    // (`f64::max` would turn an upper band that never reaches 1/2 into a
    // number: keep it NaN.)
    let hi = day(crossing(&|s, se| s + Z95 * se));
    let hi = if hi.is_nan() { hi } else { hi.max(end) };
    Estimate {
        value,
        lo,
        hi,
        se: (hi - lo) / (2.0 * Z95),
    }
}

/// Mean of per-patient differences, from their exact integer sum and sum
/// of squares in units of `1/scale`, with its normal interval (the paired
/// difference of two policies).
pub fn paired_mean(sum: i128, sum_sq: u128, n: u64, scale: f64) -> Estimate {
    if n < 2 {
        return Estimate::NAN;
    }
    let nf = n as f64;
    let value = sum as f64 / nf / scale;
    // n Σd² - (Σd)², exact when it fits in 128 bits.
    let square = sum.unsigned_abs().checked_mul(sum.unsigned_abs());
    let spread = u128::from(n)
        .checked_mul(sum_sq)
        .zip(square)
        .map(|(a, b)| a.saturating_sub(b) as f64);
    let spread = spread
        .unwrap_or_else(|| nf * sum_sq as f64 - (sum as f64).powi(2))
        .max(0.0);
    let variance = spread / (nf * (nf - 1.0)) / (scale * scale);
    let se = (variance / nf).sqrt();
    Estimate {
        value,
        lo: value - Z95 * se,
        hi: value + Z95 * se,
        se,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe (1998), table I: 81/263 -> 0.2553 to 0.3662.
        let e = proportion(81, 263);
        assert!((e.lo - 0.2553).abs() < 5e-5 && (e.hi - 0.3662).abs() < 5e-5, "{e:?}");
        // 0/10 -> 0 to 0.2775 (same table).
        let e = proportion(0, 10);
        assert!(e.lo == 0.0 && (e.hi - 0.2775).abs() < 5e-5, "{e:?}");
    }

    #[test]
    fn mean_of_exact_sums() {
        // values 1, 2, 3, 4 in units of 1/2: 0.5, 1, 1.5, 2
        let e = mean(10, 30, 4, 2.0);
        assert_eq!(e.value, 1.25);
        // s² = (0.25+0.0625*... ) computed by hand: var of (0.5,1,1.5,2) = 0.41667
        assert!((e.se - (0.416_666_666_666_666_7f64 / 4.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn median_interpolates_within_its_bin_and_never_collapses() {
        // 100 events in bin 112 (days 14 to 14.125), none elsewhere: S goes
        // 1 -> 0 within the bin, reaching 1/2 half way. The band is zero
        // (S is 1 or 0 at every bin end), but the interval holds the bin.
        let mut events = vec![0; 200];
        events[112] = 100;
        let m = km_median(&events, 100, 8.0);
        assert_eq!(m.value, 14.0625);
        assert_eq!((m.lo, m.hi), (14.0, 14.125));
        assert!(m.se > 0.0);
        // 40 events in bin 0, 20 in bin 1, of 100: S = 0.6 then 0.4, so the
        // median is half way through bin 1.
        let m = km_median(&[40, 20, 40], 100, 8.0);
        assert!((m.value - 1.5 / 8.0).abs() < 1e-12, "{m:?}");
        assert!(m.lo <= 1.0 / 8.0 && m.hi >= 2.0 / 8.0, "{m:?}");
    }

    #[test]
    fn censored_patients_leave_the_risk_set_after_their_bin() {
        // 10 patients: 2 events in bin 0, 4 censored in bin 0, then 2 of
        // the 4 left at risk have an event in bin 1: S = 0.8, then
        // 0.8 x (1 - 2/4) = 0.4; Greenwood's sum 2/(10 x 8) + 2/(4 x 2).
        let km = kaplan_meier_censored(&[2, 2, 0], &[4], 10);
        assert!((km[0].0 - 0.8).abs() < 1e-12 && (km[1].0 - 0.4).abs() < 1e-12, "{km:?}");
        let greenwood: f64 = 2.0 / 80.0 + 2.0 / 8.0;
        assert!((km[1].1 - 0.4 * greenwood.sqrt()).abs() < 1e-12, "{km:?}");
        assert_eq!(km[2], km[1]);
        // S crosses 1/2 three quarters into bin 1 (0.8 -> 0.4 linearly).
        let m = km_median_censored(&[2, 2, 0], &[4], 10, 1.0);
        assert!((m.value - 1.75).abs() < 1e-12, "{m:?}");
        // With nobody censored it is the plain estimator.
        assert_eq!(kaplan_meier_censored(&[3, 1], &[], 10), kaplan_meier(&[3, 1], 10));
    }

    #[test]
    fn mean_of_sums_beyond_128_bits() {
        // 8e9 patients, half at a and half at b days (fixed point 2^16) over
        // a 200-year horizon: n Σx² overflows u128. The sample variance is
        // ((b - a) / 2)² n / (n - 1).
        let (n, scale) = (8_000_000_000u64, 65_536.0);
        let (a, b) = (10_000.0 * scale, 60_000.0 * scale);
        let half = u128::from(n / 2);
        let sum = half * (a as u128 + b as u128);
        let sum_sq = half * ((a as u128).pow(2) + (b as u128).pow(2));
        assert!(u128::from(n).checked_mul(sum_sq).is_none(), "the case overflows");
        let e = mean(sum as i128, sum_sq, n, scale);
        assert_eq!(e.value, 35_000.0);
        let nf = n as f64;
        let se = (25_000.0f64.powi(2) * nf / (nf - 1.0) / nf).sqrt();
        assert!((e.se / se - 1.0).abs() < 1e-9, "{} vs {se}", e.se);
    }

    /// A hand computation with censoring and ties, the formula of
    /// [`aalen_johansen`] (lifelines' `AalenJohansenFitter`) term by term:
    /// bins (cause, competing, censored) = (2,1,0) (1,0,2) (0,2,0) (3,1,1).
    /// Bin 0: Y = 20, F = 2/20 = 0.1, S = 17/20.
    /// Bin 1: Y = 17, F = 0.1 + 0.85/17 = 0.15, S = 0.85 x 16/17 = 0.8.
    /// Bin 2: Y = 14, F = 0.15, S = 0.8 x 12/14.
    /// Bin 3: Y = 12, F = 0.15 + (0.8 x 12/14) x 3/12 = 0.15 + 0.8/14 x 3.
    #[test]
    fn aalen_johansen_by_hand() {
        let aj = aalen_johansen(&[2, 1, 0, 3], &[1, 0, 2, 1], &[0, 2, 0, 1], 20);
        let f3 = 0.15 + 0.8 / 14.0 * 3.0;
        for (got, want) in aj.iter().map(|x| x.0).zip([0.1, 0.15, 0.15, f3]) {
            assert!((got - want).abs() < 1e-15, "{got} {want}");
        }
        // Variance after bin 1, term by term:
        // i=0: (0.15-0.1)^2 x 3/(20 x 17) + 1 x 2 x 18/8000 - 2 (0.05) x 1 x 2/400
        // i=1: 0 + 0.85^2 x 1 x 16/17^3 - 0
        let v1 = 0.05f64.powi(2) * 3.0 / 340.0 + 36.0 / 8000.0 - 0.1 * 2.0 / 400.0 + 0.85f64.powi(2) * 16.0 / 4913.0;
        assert!((aj[1].1 - v1.sqrt()).abs() < 1e-15, "{} {}", aj[1].1, v1.sqrt());
    }

    #[test]
    fn aalen_johansen_without_censoring_is_the_binomial_share() {
        let cause = [3, 0, 5, 1, 7, 2];
        let competing = [1, 4, 0, 2, 3, 0];
        let n = 40;
        let mut events = 0;
        for (i, (f, se)) in aalen_johansen(&cause, &competing, &[], n).into_iter().enumerate() {
            events += cause[i];
            let share = events as f64 / n as f64;
            assert!((f - share).abs() < 1e-14, "bin {i}: {f} {share}");
            let binomial = (share * (1.0 - share) / n as f64).sqrt();
            assert!((se - binomial).abs() < 1e-12, "bin {i}: {se} {binomial}");
        }
        // Ignoring the competing events (one minus Kaplan-Meier with them
        // censored) would overstate it: 1 - S after bin 5 here.
        let censored_km = 1.0 - kaplan_meier_censored(&cause, &competing, n).last().unwrap().0;
        assert!(censored_km > events as f64 / n as f64 + 0.05);
    }

    #[test]
    fn kaplan_meier_on_a_textbook_example() {
        // 10 patients, events: 2 in bin 0, 0, 3 in bin 2; no censoring.
        let km = kaplan_meier(&[2, 0, 3], 10);
        assert!((km[0].0 - 0.8).abs() < 1e-15);
        assert!((km[2].0 - 0.5).abs() < 1e-15);
        // Without censoring Greenwood equals the binomial: sqrt(0.5*0.5/10).
        assert!((km[2].1 - (0.025f64).sqrt()).abs() < 1e-12);
        // S reaches 1/2 exactly at the end of bin 2 (3/8 day).
        let m = km_median(&[2, 0, 3], 10, 8.0);
        assert_eq!(m.value, 3.0 / 8.0);
    }

    #[test]
    fn paired_mean_of_known_differences() {
        // d = (1, 0, 0, -1, 1): mean 0.2, s² = (0.64 + 0.04 * 2 + 1.44 + 0.64) / 4 = 0.7
        let e = paired_mean(1, 3, 5, 1.0);
        assert!((e.value - 0.2).abs() < 1e-15);
        assert!((e.se - (0.7f64 / 5.0).sqrt()).abs() < 1e-15);
    }
}
