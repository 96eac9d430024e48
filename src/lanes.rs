//! Vector maths, written once for any lane width.
//!
//! Every function here is scalar code made only of IEEE 754 basic
//! operations (`+ - * /`, `sqrt`, comparisons, bit casts and integer
//! shifts), each correctly rounded, and Rust never fuses `a * b + c` into
//! one FMA. So a value computed one lane at a time (the per-patient walk)
//! and the same value computed in 2, 4 or 8 lanes of a SIMD register (the
//! batched engine, [`each!`]) are the same bits, on any x86-64 or other CPU,
//! with or without AVX: the width only changes how many are computed per
//! instruction. No platform maths (`f64::ln`, `exp`, `powf`, the libm
//! crate) is called on the way to a draw.
//!
//! * [`ln`]: Sun's fdlibm `e_log.c` (the polynomial of FreeBSD's msun),
//!   its branches for special inputs left out; [`exp`]: Cody and Waite's
//!   reduction and a Taylor polynomial, with clamps for overflow and the
//!   1.5 x 2^52 trick for rounding. Both within 1 ulp of the correctly
//!   rounded result (tested against the libm crate over 10^6 arguments).
//! * [`uniform`], [`open_uniform`]: a 64-bit stream output as a double.
//!
//! Domains: [`ln`] takes positive normal numbers, [`exp`] any finite
//! number (0 below -745.1, infinity above 709.8); the samplers only ever
//! pass such arguments.

// fdlibm's constants as published, so that they can be checked against
// their source.
#![allow(clippy::excessive_precision)]

/// `each!(x, |v| body)`: `body` in every lane of the array `x`, written
/// into the loop. (A function mapped over the lanes instead may be kept
/// out of line by the compiler, compiled without the batched core's AVX
/// instructions, one lane at a time.)
macro_rules! each {
    ($x:expr, |$v:ident| $body:expr) => {{
        let mut out = $x;
        for lane in out.iter_mut() {
            let $v: f64 = *lane;
            *lane = $body;
        }
        out
    }};
}
pub(crate) use each;

/// 1.5 x 2^52: adding it rounds a double of magnitude below 2^51 to the
/// nearest integer (ties to even), which then sits in the low bits.
const ROUND: f64 = 6_755_399_441_055_744.0;
const ROUND_BITS: u64 = 0x4338_0000_0000_0000;

/// `k` as a double, for |k| < 2^51 (by [`ROUND`]: a bit-level conversion
/// where `k as f64` would leave the vector unit).
#[inline(always)]
fn int_to_f64(k: i64) -> f64 {
    f64::from_bits(ROUND_BITS.wrapping_add(k as u64)) - ROUND
}

/// 2^k for -1022 <= k <= 1023.
#[inline(always)]
fn pow2(k: i64) -> f64 {
    f64::from_bits(((k + 1023) as u64) << 52)
}

const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;

/// Natural logarithm of a positive normal number (fdlibm `e_log.c`:
/// `x = 2^k (1 + f)` with `1 + f` in [√2/2, √2), `s = f / (2 + f)`,
/// `ln(1 + f) = f - f²/2 + s (f²/2 + R(s²))`, `R` of degree 7).
#[inline(always)]
pub fn ln(x: f64) -> f64 {
    const LG1: f64 = 6.666_666_666_666_735_130e-01;
    const LG2: f64 = 3.999_999_999_940_941_908e-01;
    const LG3: f64 = 2.857_142_874_366_239_149e-01;
    const LG4: f64 = 2.222_219_843_214_978_396e-01;
    const LG5: f64 = 1.818_357_216_161_805_012e-01;
    const LG6: f64 = 1.531_383_769_920_937_332e-01;
    const LG7: f64 = 1.479_819_860_511_658_591e-01;
    let bits = x.to_bits();
    let high = bits >> 32;
    let mantissa = high & 0x000f_ffff;
    // i = 2^20 when the mantissa is at least √2: then halve it.
    let i = (mantissa + 0x9_5f64) & 0x10_0000;
    let k = ((high >> 20) as i64) - 1023 + ((i >> 20) as i64);
    let m = f64::from_bits(((mantissa | (i ^ 0x3ff0_0000)) << 32) | (bits & 0xffff_ffff));
    let f = m - 1.0;
    let s = f / (2.0 + f);
    let dk = int_to_f64(k);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    let hfsq = 0.5 * f * f;
    dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f)
}

/// e^x: `x = k ln 2 + r` with |r| <= ln 2 / 2 (Cody and Waite's two-part
/// ln 2, as fdlibm's `e_exp.c`), `e^r = 1 + r + r² P(r)` with `P` the
/// Taylor series to r^11 / 13! (its first omitted term is below 5 x
/// 10^-18 of the result) by Estrin's scheme, then 2^k in two steps so that
/// results below 2^-1022 round once. No division: its latency was most
/// of a scalar draw's.
#[inline(always)]
pub fn exp(x: f64) -> f64 {
    const INV_LN2: f64 = std::f64::consts::LOG2_E;
    // 1 / (j + 2)! for j = 0..=11.
    const C: [f64; 12] = [
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];
    let x = if x < -746.0 { -746.0 } else { x };
    let x = if x > 710.0 { 710.0 } else { x };
    let rounded = x * INV_LN2 + ROUND;
    let kf = rounded - ROUND;
    let k = rounded.to_bits().wrapping_sub(ROUND_BITS) as i64;
    let r = (x - kf * LN2_HI) - kf * LN2_LO;
    let r2 = r * r;
    let r4 = r2 * r2;
    let r8 = r4 * r4;
    let b0 = (C[0] + C[1] * r) + (C[2] + C[3] * r) * r2;
    let b1 = (C[4] + C[5] * r) + (C[6] + C[7] * r) * r2;
    let b2 = (C[8] + C[9] * r) + (C[10] + C[11] * r) * r2;
    let p = (b0 + b1 * r4) + b2 * r8;
    let y = 1.0 + (r + r2 * p);
    let half = k >> 1;
    y * pow2(half) * pow2(k - half)
}

/// A uniform on [0, 1) from a stream's 64-bit output: its top 53 bits
/// times 2^-53 (as rand's `StandardUniform` for `f64`).
#[inline(always)]
pub fn uniform(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform on (0, 1) from a stream's 64-bit output: the midpoint
/// `(n + 1/2) 2^-52` of the cell of its top 52 bits `n`, from 2^-53 to
/// 1 - 2^-53, never 0 or 1, so that its logarithm is finite.
#[inline(always)]
pub fn open_uniform(bits: u64) -> f64 {
    ((bits >> 12) as f64 + 0.5) * (1.0 / (1u64 << 52) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units in the last place.
    fn ulps(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    fn arguments(n: usize, lo: f64, hi: f64) -> Vec<f64> {
        let mut s = crate::rng::stream(7, 0, crate::rng::Purpose::Cohort);
        (0..n)
            .map(|_| lo + (hi - lo) * uniform(rand_core::Rng::next_u64(&mut s)))
            .collect()
    }

    /// Within 1 ulp of the libm crate (itself within 1 ulp of the true
    /// value), over logarithms spread across the whole exponent range.
    #[test]
    fn ln_is_within_one_ulp() {
        for e in arguments(1_000_000, -1000.0, 1000.0) {
            let x = 2f64.powf(e);
            if x.is_normal() {
                assert!(
                    ulps(ln(x), libm::log(x)) <= 1,
                    "ln({x:e}): {} vs {}",
                    ln(x),
                    libm::log(x)
                );
            }
        }
        for x in [
            1.0,
            2.0,
            0.5,
            f64::MIN_POSITIVE,
            f64::MAX,
            1.0 - f64::EPSILON / 2.0,
            1.0 + f64::EPSILON,
        ] {
            assert!(ulps(ln(x), libm::log(x)) <= 1, "ln({x:e})");
        }
        assert_eq!(ln(1.0), 0.0);
    }

    #[test]
    fn exp_is_within_one_ulp() {
        for x in arguments(1_000_000, -745.0, 709.7) {
            assert!(
                ulps(exp(x), libm::exp(x)) <= 1,
                "exp({x}): {} vs {}",
                exp(x),
                libm::exp(x)
            );
        }
        for x in arguments(100_000, -5.0, 5.0) {
            assert!(ulps(exp(x), libm::exp(x)) <= 1, "exp({x})");
        }
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-800.0), 0.0);
        assert_eq!(exp(800.0), f64::INFINITY);
        // Below 2^-1022 the result is subnormal, rounded once.
        assert!(ulps(exp(-740.0), libm::exp(-740.0)) <= 1);
    }

    /// One lane, two, four and eight give the same bits: the functions are
    /// run through [`each!`] at each width (which the compiler vectorises)
    /// and compared with the scalar call.
    #[test]
    fn every_width_gives_the_same_bits() {
        fn check<const N: usize>(xs: &[f64], f: fn(f64) -> f64) {
            for chunk in xs.chunks_exact(N) {
                let lanes: [f64; N] = each!(<[f64; N]>::try_from(chunk).unwrap(), |x| f(x));
                for (x, y) in chunk.iter().zip(lanes) {
                    assert_eq!(f(*x).to_bits(), y.to_bits(), "at {x:e}, width {N}");
                }
            }
        }
        let open = arguments(40_000, 0.0, 1.0);
        let wide = arguments(40_000, -700.0, 700.0);
        for (xs, f) in [(&open, ln as fn(f64) -> f64), (&wide, exp)] {
            check::<1>(xs, f);
            check::<2>(xs, f);
            check::<4>(xs, f);
            check::<8>(xs, f);
        }
    }

    #[test]
    fn uniforms_are_rands() {
        use rand::RngExt;
        let mut a = crate::rng::stream(3, 1, crate::rng::Purpose::Cohort);
        let mut b = a.clone();
        for _ in 0..1000 {
            let r: f64 = a.random();
            assert_eq!(uniform(rand_core::Rng::next_u64(&mut b)).to_bits(), r.to_bits());
        }
        assert_eq!(open_uniform(0), 2f64.powi(-53));
        assert_eq!(open_uniform(u64::MAX), 1.0 - 2f64.powi(-53));
    }
}
