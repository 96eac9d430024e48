//! The floor of a run: what its random numbers cost at the least.
//!
//! The draws-only baseline of [`crate::analysis::bench`] makes a run's
//! draws with foramen's own streams and samplers, so a slow sampler raises
//! both sides of its ratio. The floor does not: it prices the same draws
//! at the fastest known way to make them, batch-vectorised.
//!
//! 1. **What is needed.** Every draw is reduced to the primitive work any
//!    sampler of its distribution must do at the least ([`needs`]): a
//!    uniform number, and the transcendental evaluations of its inverse
//!    transform (normal quantile, `exp`, `ln`, `pow`); every stream to one
//!    64-bit hash. So a lognormal draw needs a uniform, a normal quantile
//!    and an `exp`; a Weibull draw a uniform, an `ln` and a `pow`; a gamma
//!    draw (Marsaglia and Tsang 2000, the cheapest exact method) two
//!    uniforms and a normal quantile, its logarithms being rare behind the
//!    squeeze. Truncation costs nothing more (the inverse transform of one
//!    uniform on `[F(lo), F(hi)]`).
//! 2. **What it costs.** Each primitive is timed over arrays of
//!    [`BATCH`] values, four lanes at a time (`wide::f64x4`, whose `ln`,
//!    `exp` and `pow` are SIMD polynomial kernels) and one value after
//!    another with the platform's maths; the faster is its price
//!    ([`measure_prices`]). Uniforms come from a counter-based hash, as
//!    foramen's streams. The four-lane normal quantile is Wichura's AS 241
//!    with both of its branches evaluated in every lane and blended (no
//!    branch).
//! 3. **The floor of a path** = Σ over primitives of (count per path x ns
//!    per primitive), on one core; the floor of a family the same for one
//!    draw. `foramen bench` reports each against what foramen spends: the
//!    whole simulation per path, and its own sampler per draw.
//!
//! This module knows no polars or plotters.

use std::hint::black_box;
use std::time::{Duration, Instant};

use rand::RngExt;
use wide::f64x4;

use crate::analysis::bench::DrawCounts;
use crate::rng::{GAMMA, PatientKey, Purpose, finalise, stream_of};
use crate::scenario::dist::{AS241_A, AS241_B, AS241_C, AS241_D, Dist, Family, Gamma, GenGamma};

/// Values per timed batch: large enough to amortise the loop, small
/// enough to stay in the first-level cache (4096 x 8 bytes).
pub const BATCH: usize = 4096;

/// How long each primitive and each sampler is timed (best of three).
const TIMING: Duration = Duration::from_millis(40);

/// The primitive work of random draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    /// Opening a stream: one 64-bit hash.
    Stream,
    Uniform,
    NormalQuantile,
    Exp,
    Ln,
    Pow,
}

impl Primitive {
    pub const ALL: [Primitive; 6] = [
        Primitive::Stream,
        Primitive::Uniform,
        Primitive::NormalQuantile,
        Primitive::Exp,
        Primitive::Ln,
        Primitive::Pow,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Primitive::Stream => "stream (hash)",
            Primitive::Uniform => "uniform",
            Primitive::NormalQuantile => "normal quantile",
            Primitive::Exp => "exp",
            Primitive::Ln => "ln",
            Primitive::Pow => "pow",
        }
    }
}

/// Counts of each primitive, in [`Primitive::ALL`] order.
pub type Needs = [f64; 6];

/// What one draw of `dist` needs at the least (see the module's notes).
pub fn needs(dist: &Dist) -> Needs {
    // [stream, uniform, normal quantile, exp, ln, pow]
    match dist.family() {
        Family::Fixed { .. } => [0.0; 6],
        Family::Uniform { .. } => [0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        Family::Normal { .. } => [0.0, 1.0, 1.0, 0.0, 0.0, 0.0],
        Family::LogNormal { .. } => [0.0, 1.0, 1.0, 1.0, 0.0, 0.0],
        Family::Exponential { .. } => [0.0, 1.0, 0.0, 0.0, 1.0, 0.0],
        Family::Weibull { .. } => [0.0, 1.0, 0.0, 0.0, 1.0, 1.0],
        // Below shape 1, Marsaglia-Tsang boosts a draw at shape + 1 by
        // U^(1 / shape): one more uniform and a pow.
        Family::Gamma(Gamma { shape, .. }) if shape < 1.0 => [0.0, 3.0, 1.0, 0.0, 0.0, 1.0],
        Family::Gamma { .. } => [0.0, 2.0, 1.0, 0.0, 0.0, 0.0],
        // The inverse transform: `scale (u / (1 - u))^(1 / shape)`.
        Family::LogLogistic { .. } => [0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
        // `ln(1 - (shape / rate) ln(1 - u)) / shape`: two logarithms.
        Family::Gompertz { .. } => [0.0, 1.0, 0.0, 0.0, 2.0, 0.0],
        // A gamma of shape 1 / Q² (as above), raised to the power sigma / Q.
        Family::GenGamma(GenGamma { q, .. }) if q * q > 1.0 => [0.0, 3.0, 1.0, 0.0, 0.0, 2.0],
        Family::GenGamma { .. } => [0.0, 2.0, 1.0, 0.0, 0.0, 1.0],
        // Cheng's algorithm (rand_distr): two uniforms, a ln and an exp
        // per try, about one try a draw.
        Family::Beta { .. } => [0.0, 2.0, 0.0, 1.0, 1.0, 0.0],
    }
}

/// Nanoseconds per primitive on one core, in [`Primitive::ALL`] order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prices(pub [f64; 6]);

impl Prices {
    /// The floor of `needs`, in nanoseconds.
    pub fn of(&self, needs: &Needs) -> f64 {
        self.0.iter().zip(needs).map(|(p, n)| p * n).sum()
    }
}

/// Times every primitive over batches on the calling thread, two ways:
/// four lanes at a time (`wide::f64x4`) and one value after another with
/// the platform's maths (which the compiler may vectorise itself); the
/// faster of the two is the price. (On baseline x86-64, SSE2 only, the
/// four-lane `ln`, `exp` and `pow` run as two pairs of two, and lose to
/// glibc's scalar functions: `foramen bench` says which way won.)
pub fn measure_prices() -> (Prices, [Way; 6]) {
    let mut u = vec![0.0f64; BATCH];
    let mut keys = vec![0u64; BATCH];
    let mut out = vec![0.0f64; BATCH];
    let mut round = 0u64;
    let stream = best_ns_per_value(|| {
        round += 1;
        hashes(round, &mut keys);
        black_box(&keys);
    });
    let uniform = best_ns_per_value(|| {
        round += 1;
        uniforms(round, &mut out);
        black_box(&out);
    });
    // Fresh inputs for every pass, their price subtracted: over the same
    // 4096 inputs pass after pass, a branch predictor learns the
    // quantile's centre-or-tail branch, which in a run it cannot.
    let mut both = |lanes: fn(f64x4) -> f64x4, scalar: fn(f64) -> f64| {
        let four = best_ns_per_value(|| {
            round += 1;
            uniforms(round, &mut u);
            map4(&u, &mut out, lanes);
            black_box(&out);
        }) - uniform;
        let one = best_ns_per_value(|| {
            round += 1;
            uniforms(round, &mut u);
            for (x, y) in u.iter().zip(out.iter_mut()) {
                *y = scalar(*x);
            }
            black_box(&out);
        }) - uniform;
        if four <= one {
            (four, Way::Lanes)
        } else {
            (one, Way::Scalar)
        }
    };
    let quantile = both(normal_quantile4, crate::scenario::dist::normal_quantile);
    let exp = both(|x| (x * f64x4::splat(4.0)).exp(), |x| (x * 4.0).exp());
    let ln = both(|x| x.ln(), f64::ln);
    let pow = both(|x| x.powf_simd(f64x4::splat(1.0 / 1.5)), |x| x.powf(1.0 / 1.5));
    (
        Prices([stream, uniform, quantile.0, exp.0, ln.0, pow.0]),
        [Way::Scalar, Way::Scalar, quantile.1, exp.1, ln.1, pow.1],
    )
}

/// How a primitive's price was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    /// Four lanes at a time (`wide::f64x4`).
    Lanes,
    /// One value after another, in a loop over the batch.
    Scalar,
}

/// The best of three timings of `batch` (one pass over [`BATCH`] values),
/// each repeated for [`TIMING`], in ns per value.
fn best_ns_per_value(mut batch: impl FnMut()) -> f64 {
    (0..3)
        .map(|_| {
            let clock = Instant::now();
            let mut passes = 0u64;
            while clock.elapsed() < TIMING {
                for _ in 0..16 {
                    batch();
                }
                passes += 16;
            }
            clock.elapsed().as_secs_f64() * 1e9 / (passes * BATCH as u64) as f64
        })
        .fold(f64::INFINITY, f64::min)
}

/// One hash per value: the price of opening a stream.
fn hashes(round: u64, out: &mut [u64]) {
    let base = round.wrapping_mul(GAMMA);
    for (i, k) in out.iter_mut().enumerate() {
        *k = finalise(base ^ (i as u64).wrapping_mul(0xd1b5_4a32_d192_ed03));
    }
}

/// Uniforms on (0, 1) from a counter: the 53 high bits of a hash.
fn uniforms(round: u64, out: &mut [f64]) {
    let base = round.wrapping_mul(GAMMA);
    for (i, u) in out.iter_mut().enumerate() {
        let bits = finalise(base.wrapping_add((i as u64).wrapping_mul(GAMMA)));
        *u = ((bits >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64);
    }
}

/// `out = f(input)` four lanes at a time.
#[inline(always)]
fn map4(input: &[f64], out: &mut [f64], f: impl Fn(f64x4) -> f64x4) {
    for (x, y) in input.chunks_exact(4).zip(out.chunks_exact_mut(4)) {
        let v = f(f64x4::new([x[0], x[1], x[2], x[3]]));
        y.copy_from_slice(&v.to_array());
    }
}

/// AS 241 in four lanes: the central rational and the tail rational (for
/// `r <= 5`, which holds for every p above 1.4e-11) both evaluated, then
/// blended by `|p - 1/2| <= 0.425`.
#[inline(always)]
fn normal_quantile4(p: f64x4) -> f64x4 {
    let poly = |c: &[f64; 8], x: f64x4| {
        c.iter()
            .rev()
            .fold(f64x4::splat(0.0), |acc, &k| acc.mul_add(x, f64x4::splat(k)))
    };
    let half = f64x4::splat(0.5);
    let q = p - half;
    let r = f64x4::splat(0.180_625) - q * q;
    let centre = q * poly(&AS241_A, r) / poly(&AS241_B, r);
    let tail_p = p.min(f64x4::splat(1.0) - p).max(f64x4::splat(f64::MIN_POSITIVE));
    let s = (-tail_p.ln()).sqrt() - f64x4::splat(1.6);
    let tail = (poly(&AS241_C, s) / poly(&AS241_D, s)).copysign(q);
    q.abs().simd_le(f64x4::splat(0.425)).select(centre, tail)
}

/// foramen's own price of one draw of `dist` (its sampler, from a stream,
/// one draw after another on one thread), in ns.
pub fn sampler_ns(dist: &Dist) -> f64 {
    let mut rng = stream_of(PatientKey::new(1, 2), Purpose::Cohort);
    let mut sink = 0.0;
    let ns = best_ns_per_value(|| {
        for _ in 0..BATCH {
            sink += dist.sample(&mut rng);
        }
    });
    black_box(sink);
    ns
}

/// foramen's own price of a uniform and of opening a stream, in ns.
fn own_primitive_ns() -> (f64, f64) {
    let mut rng = stream_of(PatientKey::new(1, 2), Purpose::Cohort);
    let mut sink = 0.0;
    let uniform = best_ns_per_value(|| {
        for _ in 0..BATCH {
            sink += rng.random::<f64>();
        }
    });
    let key = PatientKey::new(3, 4);
    let mut attempt = 0u32;
    let stream = best_ns_per_value(|| {
        for _ in 0..BATCH {
            attempt = attempt.wrapping_add(1);
            let s = stream_of(key, Purpose::Attempt { key: 5, attempt });
            black_box(&s);
        }
    });
    black_box(sink);
    (stream, uniform)
}

/// One row of the floor: a kind of draw, how many a path takes, and
/// what one costs foramen and at the floor.
#[derive(Debug, Clone)]
pub struct FloorRow {
    /// "stream", "uniform", or the distribution as written (`lognormal(mu
    /// = 2.6, sigma = 0.54)`).
    pub kind: String,
    pub per_path: f64,
    /// foramen's ns per draw (or per stream).
    pub own_ns: f64,
    /// The floor's ns per draw.
    pub floor_ns: f64,
}

impl FloorRow {
    /// How many times the floor foramen's draw costs.
    pub fn times_floor(&self) -> f64 {
        self.own_ns / self.floor_ns
    }
}

/// The floor of a scenario's paths.
#[derive(Debug, Clone)]
pub struct Floor {
    pub prices: Prices,
    /// How each price was obtained.
    pub ways: [Way; 6],
    /// How many of each primitive a path needs at the least, in
    /// [`Primitive::ALL`] order.
    pub needs: Needs,
    /// Streams and uniforms, then each distinct distribution in the order
    /// first drawn (fixed values left out: they cost nothing).
    pub rows: Vec<FloorRow>,
}

impl Floor {
    /// The floor of one patient-path, in ns on one core.
    pub fn ns_per_path(&self) -> f64 {
        self.rows.iter().map(|r| r.per_path * r.floor_ns).sum()
    }

    /// What foramen's own draws of one path cost, in ns on one core.
    pub fn own_draws_ns_per_path(&self) -> f64 {
        self.rows.iter().map(|r| r.per_path * r.own_ns).sum()
    }
}

/// Prices the draws of `counts` at the floor and at foramen's own cost.
pub fn floor(counts: &DrawCounts) -> Floor {
    let (mut prices, mut ways) = measure_prices();
    let paths = counts.paths.max(1) as f64;
    let (own_stream, own_uniform) = own_primitive_ns();
    // foramen's own stream and uniform, one after another, are the other
    // way of making them.
    for (k, own) in [(0, own_stream), (1, own_uniform)] {
        if own < prices.0[k] {
            prices.0[k] = own;
            ways[k] = Way::Scalar;
        }
    }
    let mut rows = vec![
        FloorRow {
            kind: "stream".into(),
            per_path: counts.streams as f64 / paths,
            own_ns: own_stream,
            floor_ns: prices.0[0],
        },
        FloorRow {
            kind: "uniform".into(),
            per_path: counts.uniforms as f64 / paths,
            own_ns: own_uniform,
            floor_ns: prices.0[1],
        },
    ];
    let mut total: Needs = [
        counts.streams as f64 / paths,
        counts.uniforms as f64 / paths,
        0.0,
        0.0,
        0.0,
        0.0,
    ];
    for (dist, n) in &counts.samples {
        for (t, k) in total.iter_mut().zip(needs(dist)) {
            *t += k * *n as f64 / paths;
        }
        if matches!(dist.family(), Family::Fixed { .. }) {
            continue;
        }
        // The same distribution drawn at several places is one row.
        let kind = dist.to_string();
        match rows.iter_mut().find(|r| r.kind == kind) {
            Some(row) => row.per_path += *n as f64 / paths,
            None => rows.push(FloorRow {
                kind,
                per_path: *n as f64 / paths,
                own_ns: sampler_ns(dist),
                floor_ns: prices.of(&needs(dist)),
            }),
        }
    }
    Floor {
        prices,
        ways,
        needs: total,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectorised quantile is AS 241: it agrees with the scalar one to
    /// rounding on the range the floor feeds it.
    #[test]
    fn the_vectorised_quantile_is_as241() {
        let ps = [1e-9, 0.001, 0.0749, 0.0751, 0.3, 0.5, 0.77, 0.9251, 0.999, 1.0 - 1e-9];
        for p in ps {
            let v = normal_quantile4(f64x4::splat(p)).to_array()[0];
            let s = crate::scenario::dist::normal_quantile(p);
            assert!((v - s).abs() <= 1e-12 * s.abs().max(1.0), "p = {p}: {v} vs {s}");
        }
    }

    #[test]
    fn needs_follow_the_inverse_transform() {
        use crate::scenario::dist::{LogNormal, Weibull};
        let d = |f| Dist::new(f, None).unwrap();
        let ln = d(Family::LogNormal(LogNormal { mu: 1.0, sigma: 0.5 }));
        assert_eq!(needs(&ln), [0.0, 1.0, 1.0, 1.0, 0.0, 0.0]);
        let w = d(Family::Weibull(Weibull {
            shape: 1.5,
            scale: 60.0,
        }));
        assert_eq!(needs(&w), [0.0, 1.0, 0.0, 0.0, 1.0, 1.0]);
        let prices = Prices([1.0, 2.0, 4.0, 8.0, 16.0, 32.0]);
        assert_eq!(prices.of(&needs(&w)), 2.0 + 16.0 + 32.0);
    }
}
