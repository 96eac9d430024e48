//! Vector maths, written once for any lane width.
//!
//! Every function here is scalar code made only of IEEE 754 basic
//! operations (`+ - * /`, `sqrt`, comparisons, bit casts and integer
//! shifts), each correctly rounded, and Rust never fuses `a * b + c` into
//! one FMA. So a value computed one lane at a time (the per-patient walk)
//! and the same value computed in 2, 4 or 8 lanes of a SIMD register (the
//! batched engine, [`map`]) are the same bits, on any x86-64 or other CPU,
//! with or without AVX: the width only changes how many are computed per
//! instruction. No platform maths (`f64::ln`, `exp`, `powf`, the libm
//! crate) is called on the way to a draw.
//!
//! * [`ln`]: Sun's fdlibm `e_log.c` (the polynomial of FreeBSD's msun),
//!   its branches for special inputs left out; [`exp`]: Cody and Waite's
//!   reduction and a Taylor polynomial, with clamps for overflow and the
//!   1.5 x 2^52 trick for rounding. Both within 1 ulp of the correctly
//!   rounded result (tested against the libm crate over 10^6 arguments).
//! * [`normal_quantile`] ([`normal_quantiles`] in lanes): Wichura's AS 241
//!   (PPND16), relative error below 10^-15, with [`ln`] in its tails.
//! * [`uniform`], [`open_uniform`]: a 64-bit stream output as a double.
//!
//! Domains: [`ln`] takes positive normal numbers, [`exp`] any finite
//! number (0 below -745.1, infinity above 709.8); the samplers only ever
//! pass such arguments.

// fdlibm's and AS 241's constants as published, so that they can be
// checked against their sources.
#![allow(clippy::excessive_precision)]

/// `f` in every lane.
#[inline(always)]
pub fn map<const N: usize>(x: [f64; N], f: impl Fn(f64) -> f64) -> [f64; N] {
    let mut out = [0.0; N];
    for i in 0..N {
        out[i] = f(x[i]);
    }
    out
}

/// `each!(x, |v| body)`: `body` in every lane of the array `x`, written
/// into the loop (where [`map`] calls a closure, which the compiler may
/// keep out of line, compiled without the batched core's AVX
/// instructions, one lane at a time).
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

/// c0 + c1 x + ... + c7 x^7 by Estrin's scheme: three dependent steps
/// where Horner's rule takes seven (a normal quantile's time is the
/// latency of its two polynomials).
#[inline(always)]
pub fn poly(c: &[f64; 8], x: f64) -> f64 {
    let x2 = x * x;
    let x4 = x2 * x2;
    let lo = (c[0] + c[1] * x) + (c[2] + c[3] * x) * x2;
    let hi = (c[4] + c[5] * x) + (c[6] + c[7] * x) * x2;
    lo + hi * x4
}

/// The standard normal quantile of `p` in (0, 1) (Wichura 1988, AS 241
/// PPND16: a rational function of `(p - 1/2)²` in the centre, |p - 1/2|
/// <= 0.425, of `sqrt(-ln(min(p, 1 - p)))` in the tails).
#[inline(always)]
pub fn normal_quantile(p: f64) -> f64 {
    if (p - 0.5).abs() <= 0.425 {
        normal_centre(p)
    } else {
        normal_tail(p)
    }
}

/// [`normal_quantile`] in each lane: the centre alone when every lane is
/// in it (85% of single draws, 52% of groups of four), otherwise both
/// parts in every lane and one kept, so that lanes need no branch. The
/// same bits as [`normal_quantile`] lane by lane.
#[inline(always)]
pub fn normal_quantiles<const N: usize>(p: [f64; N]) -> [f64; N] {
    if N == 1 {
        return each!(p, |p| normal_quantile(p));
    }
    if p.iter().all(|p| (p - 0.5).abs() <= 0.425) {
        return each!(p, |p| normal_centre(p));
    }
    each!(p, |p| normal_either(p))
}

/// Both parts of [`normal_quantile`], and the one that applies kept: no
/// branch.
#[inline(always)]
fn normal_either(p: f64) -> f64 {
    let (centre, tail) = (normal_centre(p), normal_tail(p));
    if (p - 0.5).abs() <= 0.425 { centre } else { tail }
}

/// AS 241's centre.
#[inline(always)]
fn normal_centre(p: f64) -> f64 {
    let q = p - 0.5;
    let r = 0.180_625 - q * q;
    q * poly(&AS241_A, r) / poly(&AS241_B, r)
}

/// AS 241's tails (any p in (0, 1); used outside the centre).
#[inline(always)]
fn normal_tail(p: f64) -> f64 {
    let q = p - 0.5;
    let tail_p = if q < 0.0 { p } else { 1.0 - p };
    let r = (-ln(tail_p)).sqrt();
    let near = poly(&AS241_C, r - 1.6) / poly(&AS241_D, r - 1.6);
    let far = poly(&AS241_E, r - 5.0) / poly(&AS241_F, r - 5.0);
    let tail = if r <= 5.0 { near } else { far };
    if q < 0.0 { -tail } else { tail }
}

/// A uniform on [0, 1) from a stream's 64-bit output: its top 53 bits
/// times 2^-53 (as rand's `StandardUniform` for `f64`).
#[inline(always)]
pub fn uniform(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform on (0, 1) from a stream's 64-bit output: the midpoint
/// `(n + 1/2) 2^-52` of the cell of its top 52 bits `n`, from 2^-53 to
/// 1 - 2^-53, never 0 or 1, so that its logarithm and normal quantile
/// are finite.
#[inline(always)]
pub fn open_uniform(bits: u64) -> f64 {
    ((bits >> 12) as f64 + 0.5) * (1.0 / (1u64 << 52) as f64)
}

// AS 241's coefficients (Wichura 1988) as published (20 digits), not
// rounded to what a double holds: A/B the centre, C/D the tails to r = 5,
// E/F beyond.
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

    /// The same as the scalar AS 241 (which branches and uses the
    /// platform's `ln`) to a relative 10^-15.
    #[test]
    fn normal_quantile_agrees_with_as241() {
        for p in arguments(200_000, 0.0, 1.0)
            .into_iter()
            .chain([1e-300, 1e-20, 0.02425, 0.5, 0.925, 1.0 - 1e-16])
        {
            if p <= 0.0 {
                continue;
            }
            let (a, b) = (normal_quantile(p), crate::scenario::dist::normal_quantile(p));
            assert!((a - b).abs() <= 1e-15 * b.abs().max(1e-300), "p = {p:e}: {a} vs {b}");
        }
    }

    /// One lane, two, four and eight give the same bits: the functions are
    /// run through [`map`] at each width (which the compiler vectorises)
    /// and compared with the scalar call.
    #[test]
    fn every_width_gives_the_same_bits() {
        fn check<const N: usize>(xs: &[f64], f: fn(f64) -> f64) {
            for chunk in xs.chunks_exact(N) {
                let lanes = map::<N>(chunk.try_into().unwrap(), f);
                for (x, y) in chunk.iter().zip(lanes) {
                    assert_eq!(f(*x).to_bits(), y.to_bits(), "at {x:e}, width {N}");
                }
            }
        }
        let open = arguments(40_000, 0.0, 1.0);
        // The quantile's two ways: the centre alone when all lanes are in it.
        fn quantiles<const N: usize>(xs: &[f64]) {
            for chunk in xs.chunks_exact(N) {
                let lanes = normal_quantiles::<N>(chunk.try_into().unwrap());
                for (x, y) in chunk.iter().zip(lanes) {
                    assert_eq!(normal_quantile(*x).to_bits(), y.to_bits(), "at {x:e}, width {N}");
                }
            }
        }
        quantiles::<1>(&open);
        quantiles::<2>(&open);
        quantiles::<4>(&open);
        quantiles::<8>(&open);
        let wide = arguments(40_000, -700.0, 700.0);
        for (xs, f) in [(&open, ln as fn(f64) -> f64), (&open, normal_quantile), (&wide, exp)] {
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
