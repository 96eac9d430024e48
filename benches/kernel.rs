//! The least the three-step reference model can cost with foramen's own
//! streams and samplers (issue 15; docs/performance.md): the model written
//! by hand for that one scenario, with none of the engine's generality,
//! three ways:
//!
//! * `curve only`: exactly what the numpy script computes (the daily
//!   cumulative-recovery curve), patient by patient;
//! * `outputs`: what foramen reports of the model (the sums and squares of
//!   every outcome, the medians' and the first surgery's histograms, the
//!   symptom-free and recovering curves, the pathway table), patient by
//!   patient;
//! * `outputs, blocks`: the same a block of patients at a time, each step
//!   drawn for every patient of the block still on it (independent
//!   iterations, which the processor overlaps), then the block summed.
//!
//! Before timing, both output kernels are checked against the engine on
//! 200,000 patients: every sum, square, histogram and curve must be equal,
//! so the kernels walk the same paths and report the same numbers. Then
//! each kernel runs three times on one thread (best of three).
//!
//! usage: `cargo bench --bench kernel [-- PATIENTS]` (default 10^7), or
//! `KERNEL=1 bash benches/peer.sh` to set it beside the numpy script and
//! foramen in one sitting.

use std::time::Instant;

use foramen::accumulate::sink;
use foramen::outcome::{BINS_PER_DAY, DAY_FIXED_POINT, Id, MEANS, N, PROPORTIONS};
use foramen::rng::{PatientKey, Purpose, stream_of};
use foramen::scenario::{Intervention, Level, Scenario};
use foramen::simulate::engine::{RunSpec, Unobserved};
use rand::RngExt;

const SCENARIO: &str = "scenarios/reference/three-step.toml";
const CHECKED_PATIENTS: u64 = 200_000;
const BLOCK: usize = 256;

/// One patient's path through the three steps.
#[derive(Debug, Clone, Copy)]
struct Path {
    /// When the path ended: the end of its last attempt, or the horizon.
    t: f64,
    /// Steps (attempts) started.
    steps: u8,
    /// The last attempt responded (before the horizon or not).
    responded: bool,
    /// When the last attempt started.
    start: f64,
    /// Day of the first surgical attempt (infinite: none).
    surgery: f64,
}

impl Path {
    const NEW: Path = Path {
        t: 0.0,
        steps: 0,
        responded: false,
        start: 0.0,
        surgery: f64::INFINITY,
    };

    /// Attempt `iv` from `self.t`, with one stream as the engine opens it;
    /// true when the path goes on to the next step.
    #[inline(always)]
    fn attempt(&mut self, key: PatientKey, iv: &Intervention, horizon: f64) -> bool {
        let mut rng = stream_of(
            key,
            Purpose::Attempt {
                key: iv.key,
                attempt: 0,
            },
        );
        self.steps += 1;
        if iv.level == Level::Surgical && self.surgery.is_infinite() {
            self.surgery = self.t;
        }
        let u: f64 = rng.random();
        self.responded = u < iv.response.base;
        let d = if self.responded {
            iv.recovery_time.sample(&mut rng)
        } else {
            iv.failure_time.sample(&mut rng)
        };
        self.start = self.t;
        self.t = (self.t + d).min(horizon);
        !self.responded && self.t < horizon
    }
}

/// What foramen accumulates of a path of this model.
#[derive(Debug)]
struct Acc {
    sum: [i128; N],
    sum_sq: [u128; N],
    median: Vec<u64>,
    surgery: Vec<u64>,
    symptom_free: Vec<i64>,
    recovering: Vec<i64>,
    /// As the engine's: symptom-free (column 0) or, in this scenario
    /// without deaths, deficits or partial relief, symptomatic (column 3).
    pathway: [[u64; 5]; 4],
    /// Per number of steps taken: levels reached (conservative, minimally
    /// invasive, surgical) and fusion, 0 or 1 (not compared).
    by_steps: [[i64; 4]; 4],
}

impl PartialEq for Acc {
    fn eq(&self, other: &Acc) -> bool {
        (
            &self.sum,
            &self.sum_sq,
            &self.median,
            &self.surgery,
            &self.symptom_free,
            &self.recovering,
            &self.pathway,
        ) == (
            &other.sum,
            &other.sum_sq,
            &other.median,
            &other.surgery,
            &other.symptom_free,
            &other.recovering,
            &other.pathway,
        )
    }
}

impl Acc {
    fn new(ivs: &[Intervention], horizon: f64) -> Acc {
        let bins = (horizon * BINS_PER_DAY).ceil() as usize;
        // The daily grid 0..=horizon, and one past its end.
        let grid = horizon as usize + 2;
        Acc {
            sum: [0; N],
            sum_sq: [0; N],
            median: vec![0; bins],
            surgery: vec![0; bins],
            symptom_free: vec![0; grid],
            recovering: vec![0; grid],
            pathway: [[0; 5]; 4],
            by_steps: std::array::from_fn(|steps| {
                let taken = &ivs[..steps.min(ivs.len())];
                let any = |f: &dyn Fn(&Intervention) -> bool| i64::from(taken.iter().any(f));
                [
                    any(&|iv| iv.level == Level::Conservative),
                    any(&|iv| iv.level == Level::MinimallyInvasive),
                    any(&|iv| iv.level == Level::Surgical),
                    any(&|iv| iv.fusion),
                ]
            }),
        }
    }

    /// Adds the spell `[from, to)` to a difference array over the daily
    /// grid (to the end when `to` is the horizon).
    #[inline(always)]
    fn spell(diff: &mut [i64], from: f64, to: f64, horizon: f64) {
        let last = diff.len() - 1;
        let ceil = |t: f64| {
            let whole = t as i64;
            ((whole + i64::from((whole as f64) < t)) as usize).min(last)
        };
        let (first, end) = (ceil(from), if to >= horizon { last } else { ceil(to) });
        if first < end {
            diff[first] += 1;
            diff[end] -= 1;
        }
    }

    #[inline(always)]
    fn record(&mut self, p: &Path, ivs: &[Intervention], horizon: f64) {
        let recovered = p.responded && p.t < horizon;
        let fixed = |d: f64| (d * DAY_FIXED_POINT + 0.5) as i64;
        if recovered {
            self.median[(p.t * BINS_PER_DAY) as i64 as usize] += 1;
            Acc::spell(&mut self.symptom_free, p.t, horizon, horizon);
        }
        // Recovering: from the start of a procedure that responds.
        let recovering = p.responded && ivs[usize::from(p.steps) - 1].level != Level::Conservative;
        if recovering {
            Acc::spell(&mut self.recovering, p.start, p.t, horizon);
        }
        if let Some(c) = self.surgery.get_mut((p.surgery * BINS_PER_DAY) as i64 as usize) {
            *c += 1;
        }
        let [conservative, minimally_invasive, surgical, fusion] = self.by_steps[usize::from(p.steps)];
        let mut v = [0i64; N];
        v[Id::Recovered as usize] = i64::from(recovered);
        v[Id::SymptomaticDays as usize] = fixed(if recovered { p.t } else { horizon });
        v[Id::SymptomFree as usize] = i64::from(recovered);
        v[Id::ReachedConservative as usize] = conservative;
        v[Id::ReachedMinimallyInvasive as usize] = minimally_invasive;
        v[Id::ReachedSurgical as usize] = surgical;
        v[Id::Surgery as usize] = i64::from(p.surgery.is_finite());
        v[Id::Fusion as usize] = fusion;
        v[Id::Interventions as usize] = i64::from(p.steps);
        v[Id::SymptomFreeDays as usize] = if recovered { fixed(horizon - p.t) } else { 0 };
        v[Id::RecoveringDays as usize] = if recovering { fixed(p.t - p.start) } else { 0 };
        for k in PROPORTIONS {
            self.sum[k] += i128::from(v[k]);
        }
        for k in MEANS {
            self.sum[k] += i128::from(v[k]);
            let a = u128::from(v[k].unsigned_abs());
            self.sum_sq[k] += a * a;
        }
        self.pathway[usize::from(p.steps)][if recovered { 0 } else { 3 }] += 1;
    }
}

/// What the numpy script computes: the daily cumulative-recovery curve.
fn curve_only(ivs: &[Intervention], seed: u64, horizon: f64, n: u64) -> Vec<u64> {
    let mut days = vec![0u64; horizon as usize + 1];
    for patient in 0..n {
        let key = PatientKey::new(seed, patient);
        let mut t = 0.0;
        for iv in ivs {
            let mut rng = stream_of(
                key,
                Purpose::Attempt {
                    key: iv.key,
                    attempt: 0,
                },
            );
            let u: f64 = rng.random();
            if u < iv.response.base {
                t += iv.recovery_time.sample(&mut rng);
                days[(t as i64 as usize).min(horizon as usize)] += 1;
                break;
            }
            t += iv.failure_time.sample(&mut rng);
        }
    }
    days
}

/// Foramen's outputs, patient by patient.
fn outputs(ivs: &[Intervention], seed: u64, horizon: f64, n: u64) -> Acc {
    let mut acc = Acc::new(ivs, horizon);
    for patient in 0..n {
        let key = PatientKey::new(seed, patient);
        let mut path = Path::NEW;
        for iv in ivs {
            if !path.attempt(key, iv, horizon) {
                break;
            }
        }
        acc.record(&path, ivs, horizon);
    }
    acc
}

/// Foramen's outputs, a block of patients at a time.
fn outputs_in_blocks(ivs: &[Intervention], seed: u64, horizon: f64, n: u64) -> Acc {
    let mut acc = Acc::new(ivs, horizon);
    let mut keys = [PatientKey::new(0, 0); BLOCK];
    let mut paths = [Path::NEW; BLOCK];
    let (mut on, mut next): (Vec<u16>, Vec<u16>) = (Vec::with_capacity(BLOCK), Vec::with_capacity(BLOCK));
    let mut first = 0;
    while first < n {
        let m = (n - first).min(BLOCK as u64) as usize;
        on.clear();
        for i in 0..m {
            keys[i] = PatientKey::new(seed, first + i as u64);
            paths[i] = Path::NEW;
            on.push(i as u16);
        }
        for iv in ivs {
            next.clear();
            for &i in &on {
                if paths[usize::from(i)].attempt(keys[usize::from(i)], iv, horizon) {
                    next.push(i);
                }
            }
            std::mem::swap(&mut on, &mut next);
        }
        for path in &paths[..m] {
            acc.record(path, ivs, horizon);
        }
        first += m as u64;
    }
    acc
}

/// The engine's sums of the same patients, in the kernels' form.
fn engine(scenario: &Scenario, n: u64) -> Acc {
    let spec = RunSpec::new(n, scenario.simulation().seed);
    let run = sink::run(scenario, &spec, &Unobserved).expect("the engine runs");
    let acc = &run.accs[0];
    Acc {
        sum: acc.overall.sum,
        sum_sq: acc.overall.sum_sq,
        median: acc.overall.recovery().counts.clone(),
        surgery: acc.curves.surgery.counts.clone(),
        symptom_free: acc.curves.symptom_free_diff.clone(),
        recovering: acc.curves.recovering_diff.clone(),
        pathway: acc.overall.pathway,
        by_steps: [[0; 4]; 4],
    }
}

fn main() {
    let text = std::fs::read_to_string(SCENARIO).expect("run from the repository's root");
    let scenario = Scenario::from_toml(&text, SCENARIO).expect("the reference model is valid");
    let ivs = scenario.interventions();
    let (seed, horizon) = (scenario.simulation().seed, scenario.simulation().horizon_days);
    assert!(
        scenario.is_plain() && scenario.policies().len() == 1 && ivs.len() == 3 && horizon.fract() == 0.0,
        "the kernels are written for the three-step reference model"
    );
    // `cargo bench` passes `--bench` and any filter (`cargo bench --
    // patient_path` is meant for the criterion benches): the first number
    // given is the size; a filter that does not name this bench skips it.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args
        .iter()
        .filter(|a| !a.starts_with('-') && a.parse::<u64>().is_err())
        .collect();
    if !filters.is_empty() && !filters.iter().any(|f| "kernel".contains(f.as_str())) {
        return;
    }
    let n: u64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(10_000_000);

    let expected = engine(&scenario, CHECKED_PATIENTS);
    for (name, got) in [
        ("outputs", outputs(ivs, seed, horizon, CHECKED_PATIENTS)),
        (
            "outputs, blocks",
            outputs_in_blocks(ivs, seed, horizon, CHECKED_PATIENTS),
        ),
    ] {
        assert!(got == expected, "kernel `{name}` does not give the engine's sums");
    }
    let recovered = |days: &[u64]| days[..horizon as usize].iter().sum::<u64>();
    let by_engine = expected.pathway.iter().map(|row| row[0]).sum::<u64>();
    assert_eq!(recovered(&curve_only(ivs, seed, horizon, CHECKED_PATIENTS)), by_engine);
    println!("kernels checked against the engine on {CHECKED_PATIENTS} patients: the same sums");

    let time = |name: &str, run: &dyn Fn() -> u64| {
        let best = (0..3)
            .map(|_| {
                let start = Instant::now();
                std::hint::black_box(run());
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        println!(
            "kernel {name}, {n} patients, best of 3: {:.1} ns a path, {:.2} M patients/s on one core",
            best / n as f64 * 1e9,
            n as f64 / best / 1e6
        );
    };
    time("curve only", &|| recovered(&curve_only(ivs, seed, horizon, n)));
    time("outputs", &|| outputs(ivs, seed, horizon, n).pathway[1][0]);
    time("outputs, blocks", &|| {
        outputs_in_blocks(ivs, seed, horizon, n).pathway[1][0]
    });
}
