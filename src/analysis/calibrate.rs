//! Calibration of the uncertain parameters to published targets.
//!
//! The parameters are the scenario's distributions of belief; each is
//! searched on an unbounded scale `t` ([`Prior::free`]: logit for
//! probabilities, log for positive numbers), where its prior density is
//! [`Prior::ln_density_free`]. The targets give a likelihood through
//! their z-scores ([`crate::estimate::targets`]):
//!
//! `ln L(θ) = -D(θ) / 2`, with `D = Σ w z²` the weighted distance over
//! the targets not held out (those held out are assessed after fitting,
//! as out-of-sample validation),
//!
//! each evaluated on a cohort with the same seed at every `θ` (common
//! random numbers: the objective changes only through the parameters).
//!
//! - **Posterior sample**: incremental mixture importance sampling (IMIS;
//!   Raftery and Bao 2010, *Biometrics* 66:1162; as used for health
//!   policy models by Menzies et al. 2017, *PharmacoEconomics* 35:613).
//!   `N0` points from the prior, weighted by `L`; then, round by round, a
//!   normal component centred on the point of largest weight, with the
//!   weighted covariance of its `B` nearest points (Mahalanobis distance
//!   under the prior's variances), adds `B` points, and every point is
//!   re-weighted by `L · prior / q` with `q` the mixture of the prior and
//!   every component so far, in proportion to the points each gave. It
//!   stops when resampling `J` points would be expected to give at least
//!   `(1 - 1/e) J` distinct ones, or after the last round; the posterior
//!   is `J` points drawn by systematic resampling.
//! - **Point fit**: the posterior mode on the `t` scale, minimising
//!   `D / 2 - Σ ln p(t_i)` by Nelder-Mead (argmin), started from the best
//!   point IMIS found.
//!
//! Parameters that cannot change a path (costs and utilities,
//! [`Belief::changes_paths`]) are not calibrated, nor those left out of
//! [`Plan::params`]: they stay at their mean while fitting, and the
//! posterior sample draws them from their prior.
//!
//! A joint belief ([`crate::scenario::joint`]) is calibrated whole or not
//! at all. Whole, its prior density on the free scale is its members' own
//! densities plus the Gaussian copula's
//! ([`JointBelief::ln_copula_density`]; for a `normal` joint belief, the
//! multivariate normal density on its scales). A comonotone or Dirichlet
//! joint belief has no density on the free scale (its members lie on a
//! line or a simplex) and is not calibrated: left out by default, refused
//! when named. Not calibrated, a joint belief stays at its means while
//! fitting and the posterior sample draws it from its joint prior.

use crate::analysis::psa::parameters;
use crate::analysis::targets::evaluate;
use crate::error::{Error, Setting};
use crate::estimate::targets::{Assessment, distance};
use crate::rng::{Purpose, draw_seed, stream};
use crate::scenario::belief::Belief;
use crate::scenario::dist::Prior;
use crate::scenario::document::{Document, Overrides};
use crate::scenario::joint::JointBelief;
use crate::scenario::targets::Targets;
use crate::simulate::engine::{Observer, RunSpec};
use crate::stats::cholesky;

use argmin::core::{CostFunction, Executor, State};
use argmin::solver::neldermead::NelderMead;
use rand::RngExt;
use rand_distr::StandardNormal;

/// The draw index whose seed draws the parameters no target informs.
const UNINFORMED: u64 = u64::MAX;

/// How much work a calibration does.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Patients per policy in each evaluation's cohort.
    pub patients: u64,
    /// Worker threads of each evaluation (0: one per core).
    pub threads: usize,
    /// IMIS: points drawn from the prior (`N0`).
    pub prior_points: u64,
    /// IMIS: points per round (`B`).
    pub batch: u64,
    /// IMIS: the most rounds.
    pub rounds: u32,
    /// Points in the posterior sample (`J`).
    pub posterior: u64,
    /// Nelder-Mead: the most iterations.
    pub iterations: u64,
    /// The key paths of the distributions of belief to calibrate; empty:
    /// every one that can change a path. The others stay at their mean
    /// while fitting, and the posterior sample draws them from their prior.
    pub params: Vec<String>,
}

impl Plan {
    /// Checks the sizes of the plan: at least 2 prior points, 1 point per
    /// round and 1 posterior point, at most 1,000,000 of each.
    ///
    /// # Errors
    /// [`Error::Setting`] naming the size out of range.
    pub fn check(&self) -> Result<(), Error> {
        for (setting, n, least) in [
            (Setting::PriorPoints, self.prior_points, 2),
            (Setting::Batch, self.batch, 1),
            (Setting::Posterior, self.posterior, 1),
        ] {
            if !(least..=1_000_000).contains(&n) {
                return Err(Error::setting(setting, n, format!("give from {least} to 1000000")));
            }
        }
        Ok(())
    }

    /// The most evaluations the plan can make (for a progress bar).
    pub fn max_evaluations(&self, parameters: usize) -> u64 {
        // Each Nelder-Mead iteration evaluates at most the shrunk simplex.
        2 + self.prior_points + u64::from(self.rounds) * self.batch + (parameters as u64 + 1) * (self.iterations + 1)
    }
}

/// The posterior sample.
#[derive(Debug, Clone)]
pub struct Posterior {
    /// `J` points, each the value of every parameter (document order).
    pub samples: Vec<Vec<f64>>,
    /// Each sample's weighted distance `D`.
    pub distances: Vec<f64>,
    /// Points evaluated.
    pub points: usize,
    /// IMIS rounds made.
    pub rounds: u32,
    /// The stopping rule held (else the last round was reached).
    pub converged: bool,
    /// Effective sample size of the final weights, `(Σ w)² / Σ w²`.
    pub ess: f64,
    /// Distinct points among the `J` resampled.
    pub distinct: usize,
}

impl Posterior {
    /// Parameter `i`'s posterior mean and 2.5% and 97.5% quantiles (the
    /// order statistics at `0.025 (J - 1)` and `0.975 (J - 1)`, linearly
    /// interpolated).
    pub fn summary(&self, i: usize) -> (f64, f64, f64) {
        let mut v: Vec<f64> = self.samples.iter().map(|s| s[i]).collect();
        v.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let h = p * (v.len() - 1) as f64;
            let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
            v[lo] + (h - lo as f64) * (v[hi] - v[lo])
        };
        (v.iter().sum::<f64>() / v.len() as f64, q(0.025), q(0.975))
    }
}

/// What a calibration found.
#[derive(Debug, Clone)]
pub struct Fit {
    pub parameters: Vec<Belief>,
    /// Per parameter, whether it was calibrated.
    pub calibrated: Vec<bool>,
    /// The values the scenario runs with as written (each prior's mean).
    pub start: Vec<f64>,
    pub before: Vec<Assessment>,
    /// The calibration distance (over the targets not held out) at `start`.
    pub distance_before: f64,
    /// The posterior mode found by Nelder-Mead.
    pub fitted: Vec<f64>,
    /// Every target at `fitted`, held out ones included.
    pub after: Vec<Assessment>,
    /// The calibration distance at `fitted`.
    pub distance_after: f64,
    /// Nelder-Mead iterations made, and why it stopped.
    pub iterations: u64,
    pub termination: String,
    pub posterior: Posterior,
    /// Evaluations in all (cohorts simulated).
    pub evaluations: u64,
    /// Paths the step guard cut short, over every evaluation.
    pub stalled_paths: u64,
}

/// Evaluates the targets at parameter values.
struct Objective<'a> {
    doc: &'a Document,
    overrides: &'a Overrides,
    targets: &'a Targets,
    spec: RunSpec,
    observer: &'a dyn Observer,
    /// The prior of each calibrated parameter.
    priors: Vec<Prior>,
    /// Indices (document order) of the calibrated parameters.
    calibrated: Vec<usize>,
    /// Every parameter's prior mean: the value of those not calibrated.
    means: Vec<f64>,
    /// Every distribution of belief (the copulas' marginals).
    beliefs: Vec<Belief>,
    /// The joint beliefs calibrated, each with its members' positions
    /// among the calibrated parameters.
    joint: Vec<(JointBelief, Vec<usize>)>,
    evaluations: std::sync::atomic::AtomicU64,
    /// Paths the step guard cut short, over every evaluation.
    stalled_paths: std::sync::atomic::AtomicU64,
}

impl Objective<'_> {
    /// The targets at `values`; `None` when the scenario refuses them.
    fn assess(&self, values: &[f64]) -> Result<Option<Vec<Assessment>>, Error> {
        self.assess_on(values, &self.spec)
    }

    /// [`Objective::assess`] with the cohort of `spec` (its threads).
    fn assess_on(&self, values: &[f64], spec: &RunSpec) -> Result<Option<Vec<Assessment>>, Error> {
        self.evaluations.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let scenario = match self.doc.with_beliefs(values, "a calibration point") {
            Ok(doc) => doc.scenario(self.overrides),
            Err(e) => Err(e),
        };
        let scenario = match scenario {
            Ok(s) => s,
            Err(Error::Invalid { .. }) => return Ok(None),
            Err(e) => return Err(e),
        };
        let evaluated = evaluate(&scenario, self.targets, spec, self.observer)?;
        self.stalled_paths
            .fetch_add(evaluated.stalled_paths, std::sync::atomic::Ordering::Relaxed);
        Ok(Some(evaluated.assessed))
    }

    /// `D` at `values` (infinite where the scenario refuses them).
    fn distance(&self, values: &[f64]) -> Result<f64, Error> {
        Ok(self
            .assess(values)?
            .map_or(f64::INFINITY, |a| distance(&self.targets.targets, &a)))
    }

    /// The points at `ts` (free scale), evaluated in parallel: one cohort
    /// per thread, each on one thread of its own, the results in order
    /// (the same whatever the thread count).
    fn points(&self, ts: Vec<Vec<f64>>, threads: usize) -> Result<Vec<Point>, Error> {
        let one = RunSpec {
            threads: 1,
            ..self.spec.clone()
        };
        crate::analysis::in_order(ts.len(), threads, |i| {
            let t = &ts[i];
            let a = self.assess_on(&self.values(t), &one)?;
            let distance = a.map_or(f64::INFINITY, |a| distance(&self.targets.targets, &a));
            Ok(Point {
                ln_l: -distance / 2.0,
                ln_prior: self.ln_prior(t),
                t: t.clone(),
                distance,
            })
        })
    }

    /// Every parameter's value: the calibrated ones at `t` (free scale),
    /// the others at their prior mean.
    fn values(&self, t: &[f64]) -> Vec<f64> {
        let mut values = self.means.clone();
        for ((&i, f), &t) in self.calibrated.iter().zip(&self.priors).zip(t) {
            values[i] = f.from_free(t);
        }
        values
    }

    /// The prior's log density on the free scale: each parameter's own,
    /// plus each calibrated joint belief's copula.
    fn ln_prior(&self, t: &[f64]) -> f64 {
        let own: f64 = self.priors.iter().zip(t).map(|(f, &t)| f.ln_density_free(t)).sum();
        let joint: f64 = self
            .joint
            .iter()
            .map(|(j, at)| {
                let x: Vec<f64> = at.iter().map(|&k| self.priors[k].from_free(t[k])).collect();
                j.ln_copula_density(&self.beliefs, &x).unwrap_or(f64::NEG_INFINITY)
            })
            .sum();
        own + joint
    }
}

/// Nelder-Mead's cost: `D / 2 - ln prior` on the free scale.
struct Mode<'a, 'b>(&'a Objective<'b>);

impl CostFunction for Mode<'_, '_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, t: &Self::Param) -> Result<f64, argmin::core::Error> {
        let d = self.0.distance(&self.0.values(t))?;
        Ok(d / 2.0 - self.0.ln_prior(t))
    }
}

/// Calibrates the distributions of belief of `doc` to `targets`.
///
/// # Errors
/// [`Error::Usage`] when the scenario has no distribution of belief or
/// the plan is empty; run failures; [`Error::Interrupted`].
pub fn calibrate(
    doc: &Document,
    overrides: &Overrides,
    targets: &Targets,
    plan: &Plan,
    observer: &dyn Observer,
) -> Result<Fit, Error> {
    let beliefs = doc.beliefs().to_vec();
    if beliefs.is_empty() {
        return Err(Error::Usage(format!(
            "{} declares no distribution of belief: calibration fits the uncertain parameters, written e.g. probability = {{ beta_mean = 0.6, sd = 0.1 }} (see docs/targets.md)",
            doc.file()
        )));
    }
    if plan.prior_points < 2 || plan.posterior == 0 || plan.patients == 0 {
        return Err(Error::Usage(
            "calibration needs at least 2 prior points, 1 posterior point and 1 patient".into(),
        ));
    }
    if targets.targets.iter().all(|t| t.holdout) {
        return Err(Error::Usage(format!(
            "{}: every target is held out, so none is left to fit: hold out fewer",
            targets.file
        )));
    }
    // Any spelling of a path the path parser takes, compared as beliefs
    // spell theirs.
    let params: Vec<String> = plan.params.iter().map(|p| doc.canonical(p)).collect();
    let calibrated = chosen(&beliefs, doc.joint_beliefs(), &params, doc.file())?;
    let order: Vec<usize> = (0..beliefs.len()).filter(|&i| calibrated[i]).collect();
    let joint = doc
        .joint_beliefs()
        .iter()
        .filter(|j| j.members.iter().all(|&m| calibrated[m]))
        .map(|j| {
            let at = j
                .members
                .iter()
                .map(|m| order.iter().position(|o| o == m).unwrap_or_default())
                .collect();
            (j.clone(), at)
        })
        .collect();
    let base = doc.scenario(overrides)?;
    let seed = base.simulation().seed;
    let objective = Objective {
        doc,
        overrides,
        targets,
        spec: RunSpec {
            threads: plan.threads,
            ..RunSpec::new(plan.patients, seed)
        },
        observer,
        priors: (0..beliefs.len())
            .filter(|&i| calibrated[i])
            .map(|i| beliefs[i].prior)
            .collect(),
        calibrated: (0..beliefs.len()).filter(|&i| calibrated[i]).collect(),
        means: beliefs.iter().map(|b| b.mean).collect(),
        beliefs: beliefs.clone(),
        joint,
        evaluations: 0.into(),
        stalled_paths: 0.into(),
    };
    if objective.calibrated.is_empty() {
        return Err(Error::Usage(format!(
            "{}: none of its distributions of belief can change a path (costs and utilities only value paths), so no target can inform them",
            doc.file()
        )));
    }
    let start: Vec<f64> = beliefs.iter().map(|b| b.mean).collect();
    let before = objective
        .assess(&start)?
        .ok_or_else(|| Error::Runtime("the scenario as written was refused with its own values".into()))?;
    let distance_before = distance(&targets.targets, &before);

    let posterior = imis(&objective, doc, seed, plan)?;

    // Nelder-Mead from the best point found, a quarter of the prior's sd
    // along each axis.
    let first = posterior.best.clone();
    let scales = posterior.prior_sd.clone();
    let mut simplex = vec![first.clone()];
    for (i, s) in scales.iter().enumerate() {
        let mut v = first.clone();
        v[i] += 0.25 * s.max(1e-3);
        simplex.push(v);
    }
    let solver = NelderMead::new(simplex)
        .with_sd_tolerance(1e-3)
        .map_err(|e| Error::Runtime(format!("Nelder-Mead: {e}")))?;
    let result = Executor::new(Mode(&objective), solver)
        .configure(|state| state.max_iters(plan.iterations))
        .run();
    let result = match result {
        Ok(r) => r,
        Err(e) => {
            return Err(match e.downcast::<Error>() {
                Ok(own) => own,
                Err(other) => Error::Runtime(format!("Nelder-Mead: {other}")),
            });
        }
    };
    let state = result.state();
    let best_t = state.get_best_param().cloned().unwrap_or(first);
    let iterations = state.get_iter();
    let termination = state
        .get_termination_reason()
        .map_or_else(|| "-".to_string(), |r| r.to_string());
    let fitted = objective.values(&best_t);
    let after = objective
        .assess(&fitted)?
        .ok_or_else(|| Error::Runtime("the fitted values were refused by the scenario".into()))?;
    let distance_after = distance(&targets.targets, &after);
    Ok(Fit {
        parameters: beliefs,
        calibrated,
        start,
        before,
        distance_before,
        fitted,
        after,
        distance_after,
        iterations,
        termination,
        posterior: posterior.posterior,
        evaluations: objective.evaluations.into_inner(),
        stalled_paths: objective.stalled_paths.into_inner(),
    })
}

/// Per belief, whether to calibrate it: those `params` names, or every one
/// that can change a path (and, of a joint belief, only a whole one with
/// a density whose every member can).
///
/// # Errors
/// [`Error::Usage`] for a name that is not a distribution of belief of the
/// scenario, or one that cannot change a path; a joint belief named in
/// part, or one without a density on the free scale.
fn chosen(beliefs: &[Belief], joint: &[JointBelief], params: &[String], file: &str) -> Result<Vec<bool>, Error> {
    let has_density = |j: &JointBelief| {
        let means: Vec<f64> = j.members.iter().map(|&m| beliefs[m].mean).collect();
        j.ln_copula_density(beliefs, &means).is_some()
    };
    if params.is_empty() {
        let mut out: Vec<bool> = beliefs.iter().map(Belief::changes_paths).collect();
        for j in joint {
            let whole = j.members.iter().all(|&m| out[m]) && has_density(j);
            for &m in &j.members {
                out[m] = whole;
            }
        }
        return Ok(out);
    }
    for j in joint {
        let named: Vec<&str> = j
            .paths
            .iter()
            .filter(|p| params.contains(p))
            .map(String::as_str)
            .collect();
        if named.is_empty() {
            continue;
        }
        if named.len() < j.paths.len() {
            return Err(Error::setting(
                Setting::Params,
                named.join(","),
                format!(
                    "joint belief `{}` ties {}: calibrate all of its members or none (their prior is joint)",
                    j.name,
                    j.paths.join(", ")
                ),
            ));
        }
        if !has_density(j) {
            return Err(Error::setting(
                Setting::Params,
                named.join(","),
                format!(
                    "joint belief `{}` is {}: its members have no joint density on the free scale, so calibration cannot weigh them; leave them out (the posterior sample draws them from their joint prior)",
                    j.name,
                    if j.comonotone() {
                        "comonotone (one draw drives all)"
                    } else {
                        "a Dirichlet (shares that sum to one)"
                    }
                ),
            ));
        }
    }
    for p in params {
        match beliefs.iter().find(|b| &b.path == p) {
            None => {
                return Err(Error::setting(
                    Setting::Params,
                    p,
                    format!(
                        "not a distribution of belief of {file}{}",
                        crate::error::did_you_mean(p, beliefs.iter().map(|b| b.path.as_str()))
                    ),
                ));
            }
            Some(b) if !b.changes_paths() => {
                return Err(Error::setting(
                    Setting::Params,
                    p,
                    "a cost or utility cannot change a path, so no target informs it",
                ));
            }
            Some(_) => {}
        }
    }
    Ok(beliefs.iter().map(|b| params.contains(&b.path)).collect())
}

/// What IMIS hands on: the posterior, the best point (free scale) and the
/// prior's sd per coordinate (free scale).
struct Imis {
    posterior: Posterior,
    best: Vec<f64>,
    prior_sd: Vec<f64>,
}

/// A normal component of the mixture: its mean and the Cholesky factor of
/// its covariance.
struct Component {
    mean: Vec<f64>,
    chol: Vec<Vec<f64>>,
    ln_det: f64,
}

impl Component {
    /// `ln φ(t)`: `-(d ln 2π + ln|Σ| + |L⁻¹(t - μ)|²) / 2`.
    fn ln_density(&self, t: &[f64]) -> f64 {
        let d = t.len();
        let mut y = vec![0.0; d];
        for i in 0..d {
            let s: f64 = (0..i).map(|k| self.chol[i][k] * y[k]).sum();
            y[i] = (t[i] - self.mean[i] - s) / self.chol[i][i];
        }
        let q: f64 = y.iter().map(|v| v * v).sum();
        -0.5 * (d as f64 * (2.0 * std::f64::consts::PI).ln() + self.ln_det + q)
    }
}

/// `ln Σ exp(x)`, `-inf` for nothing finite.
fn log_sum_exp(xs: impl Iterator<Item = f64> + Clone) -> f64 {
    let m = xs.clone().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + xs.map(|x| (x - m).exp()).sum::<f64>().ln()
}

/// One evaluated point.
struct Point {
    t: Vec<f64>,
    ln_l: f64,
    ln_prior: f64,
    distance: f64,
}

fn imis(objective: &Objective, doc: &Document, seed: u64, plan: &Plan) -> Result<Imis, Error> {
    let priors = &objective.priors;
    let d = priors.len();
    let prior_ts = (0..plan.prior_points)
        .map(|draw| {
            let x = parameters(doc, seed, draw);
            objective
                .calibrated
                .iter()
                .zip(priors)
                .map(|(&i, f)| f.free(x[i]))
                .collect()
        })
        .collect();
    let mut points = objective.points(prior_ts, plan.threads)?;
    // The prior's variance per coordinate, from its points.
    let n0 = points.len() as f64;
    let prior_var: Vec<f64> = (0..d)
        .map(|i| {
            let finite = points.iter().map(|p| p.t[i]).filter(|v| v.is_finite());
            let mean = finite.clone().sum::<f64>() / n0;
            (finite.map(|v| (v - mean).powi(2)).sum::<f64>() / (n0 - 1.0)).max(1e-12)
        })
        .collect();
    let mut components: Vec<Component> = Vec::new();
    let j = plan.posterior as f64;
    let mut rounds = 0;
    let mut converged = false;
    let weights = |points: &[Point], components: &[Component]| -> Vec<f64> {
        let n = points.len() as f64;
        let ln_w: Vec<f64> = points
            .iter()
            .map(|p| {
                if components.is_empty() {
                    return p.ln_l;
                }
                let prior_part = (n0 / n).ln() + p.ln_prior;
                let parts = components
                    .iter()
                    .map(|c| (plan.batch as f64 / n).ln() + c.ln_density(&p.t));
                let q = log_sum_exp(std::iter::once(prior_part).chain(parts));
                p.ln_l + p.ln_prior - q
            })
            .collect();
        let total = log_sum_exp(ln_w.iter().copied());
        ln_w.iter().map(|w| (w - total).exp()).collect()
    };
    let mut w = weights(&points, &components);
    loop {
        let expected_distinct: f64 = w.iter().map(|&w| 1.0 - (1.0 - w).powf(j)).sum();
        if expected_distinct >= (1.0 - (-1.0f64).exp()) * j {
            converged = true;
            break;
        }
        if rounds >= plan.rounds || w.iter().all(|w| !w.is_finite()) {
            break;
        }
        rounds += 1;
        let (k, _) = w
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |b, (i, &v)| if v > b.1 { (i, v) } else { b });
        let centre = points[k].t.clone();
        let mut near: Vec<(f64, usize)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let m: f64 = (0..d).map(|c| (p.t[c] - centre[c]).powi(2) / prior_var[c]).sum();
                (m, i)
            })
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        near.truncate(plan.batch.max(d as u64 + 1) as usize);
        let n = points.len() as f64;
        let omega: Vec<f64> = near.iter().map(|&(_, i)| w[i] + 1.0 / n).collect();
        let total: f64 = omega.iter().sum();
        let omega: Vec<f64> = omega.iter().map(|o| o / total).collect();
        let unbias = 1.0 - omega.iter().map(|o| o * o).sum::<f64>();
        let mut cov = vec![vec![0.0; d]; d];
        for (&(_, i), o) in near.iter().zip(&omega) {
            for a in 0..d {
                for b in 0..=a {
                    let v = o * (points[i].t[a] - centre[a]) * (points[i].t[b] - centre[b]) / unbias;
                    cov[a][b] += v;
                    if a != b {
                        cov[b][a] += v;
                    }
                }
            }
        }
        // A ridge until the covariance factors (coinciding points).
        let mut ridge = 1e-9;
        let chol = loop {
            let mut c = cov.clone();
            for (a, row) in c.iter_mut().enumerate() {
                row[a] += ridge * prior_var[a];
            }
            if let Some(l) = cholesky(&c, 0.0) {
                break l;
            }
            ridge *= 10.0;
            if ridge > 1.0 {
                break cholesky(
                    &(0..d)
                        .map(|a| {
                            let mut row = vec![0.0; d];
                            row[a] = prior_var[a];
                            row
                        })
                        .collect::<Vec<_>>(),
                    0.0,
                )
                .expect("a positive diagonal factors");
            }
        };
        let ln_det = 2.0 * (0..d).map(|a| chol[a][a].ln()).sum::<f64>();
        let component = Component {
            mean: centre,
            chol,
            ln_det,
        };
        let batch = (0..plan.batch)
            .map(|point| {
                let mut rng = stream(seed, point, Purpose::Proposal { round: rounds });
                let z: Vec<f64> = (0..d).map(|_| rng.sample(StandardNormal)).collect();
                (0..d)
                    .map(|a| component.mean[a] + (0..=a).map(|b| component.chol[a][b] * z[b]).sum::<f64>())
                    .collect()
            })
            .collect();
        points.extend(objective.points(batch, plan.threads)?);
        components.push(component);
        w = weights(&points, &components);
    }
    // Systematic resampling of J points.
    let mut rng = stream(seed, 0, Purpose::Resample);
    let u0: f64 = rng.random::<f64>() / j;
    let mut chosen = Vec::with_capacity(plan.posterior as usize);
    let mut cumulative = 0.0;
    let mut i = 0;
    for m in 0..plan.posterior {
        let u = u0 + m as f64 / j;
        while i + 1 < w.len() && cumulative + w[i] < u {
            cumulative += w[i];
            i += 1;
        }
        chosen.push(i);
    }
    let mut distinct = chosen.clone();
    distinct.dedup();
    // In random order, so that any first rows (`psa --draws` fewer than
    // the sample) are a random subsample (Fisher-Yates).
    for i in (1..chosen.len()).rev() {
        let k = rng.random_range(0..=i);
        chosen.swap(i, k);
    }
    let sum_sq: f64 = w.iter().map(|w| w * w).sum();
    let best = w
        .iter()
        .zip(&points)
        .fold((f64::NEG_INFINITY, &points[0]), |b, (&wi, p)| {
            let score = p.ln_l + p.ln_prior;
            if wi.is_finite() && score > b.0 { (score, p) } else { b }
        })
        .1
        .t
        .clone();
    // The parameters no target informs keep their prior: drawn from it.
    let samples = chosen
        .iter()
        .enumerate()
        .map(|(m, &i)| {
            let mut values = objective.values(&points[i].t);
            let prior = parameters(doc, draw_seed(seed, UNINFORMED), m as u64);
            for (k, v) in values.iter_mut().enumerate() {
                if !objective.calibrated.contains(&k) {
                    *v = prior[k];
                }
            }
            values
        })
        .collect();
    Ok(Imis {
        posterior: Posterior {
            samples,
            distances: chosen.iter().map(|&i| points[i].distance).collect(),
            points: points.len(),
            rounds,
            converged,
            ess: 1.0 / sum_sq,
            distinct: distinct.len(),
        },
        best,
        prior_sd: prior_var.iter().map(|v| v.sqrt()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_factors_and_densities_are_normal() {
        let a = vec![vec![4.0, 2.0], vec![2.0, 3.0]];
        let l = cholesky(&a, 0.0).unwrap();
        for i in 0..2 {
            for j in 0..2 {
                let v: f64 = (0..2).map(|k| l[i][k] * l[j][k]).sum();
                assert!((v - a[i][j]).abs() < 1e-12);
            }
        }
        assert!(cholesky(&[vec![1.0, 2.0], vec![2.0, 1.0]], 0.0).is_none());
        // At the mean, ln φ = -(d ln 2π + ln|Σ|) / 2 with |Σ| = 8.
        let c = Component {
            mean: vec![1.0, -1.0],
            ln_det: 2.0 * (l[0][0].ln() + l[1][1].ln()),
            chol: l,
        };
        let expected = -0.5 * (2.0 * (2.0 * std::f64::consts::PI).ln() + 8f64.ln());
        assert!((c.ln_density(&[1.0, -1.0]) - expected).abs() < 1e-12);
    }

    #[test]
    fn log_sum_exp_is_stable() {
        let v = [1000.0, 1000.0];
        assert!((log_sum_exp(v.iter().copied()) - (1000.0 + 2f64.ln())).abs() < 1e-12);
        assert_eq!(log_sum_exp([f64::NEG_INFINITY].iter().copied()), f64::NEG_INFINITY);
    }
}
