//! One patient's path through one policy, event by event, in continuous time.
//!
//! The rules (docs/model.md states them in full):
//!
//! 1. Steps are taken in order. A step whose `skip_if` holds is skipped;
//!    otherwise its intervention is chosen by the first matching route, the
//!    patient waits, then attempts follow back to back.
//! 2. An attempt draws, from its own stream, the response (probability
//!    adjusted by odds ratios), then each complication, then the recovery
//!    time (responders without a failing complication) or the failure time.
//!    Complication delays extend either.
//! 3. A recovery may be followed by a relapse, which re-enters the policy at
//!    `relapse_to` (default: the step that brought the recovery).
//! 4. Natural history runs alongside: progression (once, only while
//!    symptomatic) sets a boolean covariate and, when the policy has a red
//!    flag and the patient has neither started surgery nor is waiting for a
//!    surgical step, interrupts the current phase and jumps to the red-flag
//!    step after its fast-track wait; spontaneous resolution ends the path
//!    symptom-free.
//! 5. Nothing happens at or after the horizon `H`: the patient is censored
//!    there. An event at the same instant as the end of a phase comes after
//!    it.
//! 6. Death ends the path: background death (drawn once per patient, the
//!    same under every policy) acts as the patient's own horizon; an
//!    attempt with a `death` probability may kill on the day it starts
//!    (drawn last from the attempt's stream).
//!
//! The walk is pure: it reads the scenario, draws from streams keyed by
//! (seed, patient, purpose) and writes only into the caller's [`Workspace`],
//! so it allocates nothing once the workspace has grown.

use crate::rng::{PatientKey, Purpose};
use crate::scenario::{Intervention, Level, OnPartial, PermanentDeficit, Policy, Scenario, WindowCap, shift_logit};
use crate::simulate::ledger::{Ledger, Valuation, settle};
pub use crate::simulate::spells::Spells;
use crate::simulate::tally::Tally;

/// A guard against paths that barely advance (relapse cycles of
/// vanishing length): a path is cut after this many step entries and
/// censored, symptomatic from then to the horizon. Cut paths are counted
/// ([`Workspace::stalled_paths`]) and reported in the manifest and on
/// stderr; cycles of exactly zero length are refused by validation.
pub const MAX_STEPS_PER_PATIENT: u32 = 100_000;

/// Natural-history times drawn once per patient, shared by every policy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NaturalDraws {
    /// Day of neurological progression, or infinity.
    pub progression: f64,
    /// Day of spontaneous resolution, or infinity.
    pub resolution: f64,
    /// Day of background death, or infinity.
    pub death: f64,
}

impl NaturalDraws {
    /// Nothing happens.
    pub const NONE: NaturalDraws = NaturalDraws {
        progression: f64::INFINITY,
        resolution: f64::INFINITY,
        death: f64::INFINITY,
    };
}

impl NaturalDraws {
    /// Draws both times from the patient's natural-history stream (always in
    /// the same order, so one does not shift the other).
    /// (Inlined: a scenario without natural history pays one test.)
    #[inline]
    pub fn draw(scenario: &Scenario, key: PatientKey, x: &[f64], tally: &mut impl Tally) -> NaturalDraws {
        let nh = &scenario.natural_history();
        if nh.progression.is_none() && nh.resolution.is_none() && nh.mortality.is_none() {
            return NaturalDraws::NONE;
        }
        NaturalDraws::draw_declared(scenario, key, x, tally)
    }

    /// [`NaturalDraws::draw`] when some natural history is declared.
    #[inline(never)]
    fn draw_declared(scenario: &Scenario, key: PatientKey, x: &[f64], tally: &mut impl Tally) -> NaturalDraws {
        let nh = &scenario.natural_history();
        let mut rng = tally.stream(key, Purpose::NaturalHistory);
        let progression = nh.progression.as_ref().map_or(f64::INFINITY, |p| {
            let t = tally.sample(&p.time, &mut rng);
            let eligible = x[p.slot] == 0.0 && p.condition.as_ref().is_none_or(|c| c.eval(x));
            if eligible { t } else { f64::INFINITY }
        });
        let resolution = nh.resolution.as_ref().map_or(f64::INFINITY, |r| {
            let t = tally.sample(&r.time, &mut rng);
            if r.condition.as_ref().is_none_or(|c| c.eval(x)) {
                t
            } else {
                f64::INFINITY
            }
        });
        // From its own stream: declaring mortality leaves the other draws
        // as they were.
        let death = nh.mortality.as_ref().map_or(f64::INFINITY, |m| {
            let mut rng = tally.stream(key, Purpose::Mortality);
            let e = -(1.0 - tally.uniform(&mut rng)).ln();
            m.death_day(m.slot.map_or(0.0, |s| x[s]), e)
        });
        NaturalDraws {
            progression,
            resolution,
            death,
        }
    }
}

/// What one patient's path under one policy yields.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PathOutcome {
    /// Recovered (for the first time) before the horizon.
    pub recovered: bool,
    /// Day of first recovery; the horizon when censored.
    pub time_to_recovery: f64,
    pub symptom_free_at_horizon: bool,
    /// 0 none, 1 conservative, 2 minimally invasive, 3 surgical.
    pub deepest_level: u8,
    /// Bit `l - 1` set when an attempt of level `l` started.
    pub levels_started: u8,
    /// Attempts started before the horizon.
    pub interventions: u32,
    pub surgery: bool,
    /// Day the first surgical attempt started; infinity if none.
    pub surgery_time: f64,
    pub fusion: bool,
    pub complications: u32,
    pub relapses: u32,
    /// Days spent symptomatic within [0, H].
    pub symptomatic_days: f64,
    /// Progression happened before the horizon.
    pub progressed: bool,
    /// A red flag interrupted the pathway.
    pub red_flag: bool,
    /// Recovery came from spontaneous resolution.
    pub spontaneous: bool,
    /// The deficit became permanent (harm of delay).
    pub permanent_deficit: bool,
    /// Improved (partial relief) and not symptom-free at the horizon.
    pub improved_at_horizon: bool,
    /// Days improved within [0, H] (a part of `symptomatic_days`).
    pub improved_days: f64,
    /// Days recovering within [0, H] (a part of `symptomatic_days`).
    pub recovering_days: f64,
    /// Days symptom-free within [0, H] (alive days - `symptomatic_days`).
    pub symptom_free_days: f64,
    /// Died before the horizon (of any cause).
    pub died: bool,
    /// Died on the day an attempt started, of it.
    pub procedural_death: bool,
    /// Day of death; infinity when alive at the horizon.
    pub death_time: f64,
    /// Costs, QALYs and life-years within the horizon, discounted and
    /// not (0 without `[economics]`; see [`crate::simulate::ledger`]).
    pub valuation: Valuation,
}

impl PathOutcome {
    /// An attempt of `intervention` started on day `t`: counted, its
    /// level reached, surgery and fusion noted (the walk's and the
    /// batched core's bookkeeping).
    #[inline(always)]
    pub fn started(&mut self, intervention: &Intervention, t: f64) {
        self.interventions += 1;
        self.deepest_level = self.deepest_level.max(intervention.level as u8);
        self.levels_started |= 1 << (intervention.level as u8 - 1);
        if intervention.level == Level::Surgical && !self.surgery {
            self.surgery = true;
            self.surgery_time = t;
        }
        self.fusion |= intervention.fusion;
    }
}

/// One event of a path, as the event log keeps it
/// ([`Workspace::log_events`]): what the target statistics and the event
/// table read beyond the outcome and the spells. A path's events are kept
/// in the order they happen, all before its horizon (or death).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    /// The day it happened.
    pub day: f64,
    pub kind: EventKind,
}

/// What happened (docs/targets.md, "The event log", in words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// An attempt of intervention `intervention` (its index in the
    /// scenario) started at step `step` (its index in the policy), the
    /// path's `number`-th of that intervention (1-based), with this many
    /// complications and this fate.
    Attempt {
        intervention: usize,
        step: usize,
        number: u32,
        complications: u32,
        fate: Fate,
    },
    /// The last attempt ran to its end and the patient recovered: a
    /// symptom-free spell starts.
    Recovery,
    /// The last attempt ran to its end with a partial response: improved.
    Improved,
    /// The last attempt ran to its end without a response.
    Failure,
    /// Symptoms came back after a recovery.
    Relapse,
    /// Neurological progression (its covariate is set from now on).
    Progression,
    /// Progression raised the red flag: the pathway is fast-tracked.
    RedFlag,
    /// Spontaneous resolution: a symptom-free spell starts, the path ends.
    Resolution,
    /// The deficit that began on this day (at presentation, or at
    /// progression) became permanent.
    PermanentDeficit,
    /// Death, of any cause (after the attempt that caused it, if it did).
    Death,
}

impl EventKind {
    /// The kind as a word (events.parquet's `event`).
    pub fn word(self) -> &'static str {
        match self {
            EventKind::Attempt { .. } => "attempt",
            EventKind::Recovery => "recovery",
            EventKind::Improved => "improved",
            EventKind::Failure => "failure",
            EventKind::Relapse => "relapse",
            EventKind::Progression => "progression",
            EventKind::RedFlag => "red-flag",
            EventKind::Resolution => "resolution",
            EventKind::PermanentDeficit => "permanent-deficit",
            EventKind::Death => "death",
        }
    }
}

/// What an attempt's draws make of it when it runs to its end (a red
/// flag, resolution, death or the horizon may cut it short first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// A full response: recovery at its end.
    Recovers,
    /// A partial response: improved at its end.
    Improves,
    /// No response (or a failing complication): failure at its end.
    Fails,
    /// Death on the day it starts.
    Dies,
}

impl Fate {
    /// The fate as a word (events.parquet's `outcome`).
    pub fn word(self) -> &'static str {
        match self {
            Fate::Recovers => "recovers",
            Fate::Improves => "improves",
            Fate::Fails => "fails",
            Fate::Dies => "dies",
        }
    }
}

/// An intervention's attempts started and waits so far in a path.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    attempts: u32,
    waits: u32,
}

/// Reusable per-thread buffers.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// Current covariates (progression may change one).
    x: Vec<f64>,
    /// Per intervention, attempts started and waits so far (one buffer:
    /// one fill per path).
    counts: Vec<Counts>,
    /// The path's spells in each health state but symptomatic.
    spells: Spells,
    /// Start times of the path's attempts of capped interventions, with the
    /// intervention's index.
    capped_starts: Vec<(usize, f64)>,
    /// One-off charges and symptom-free utilities (with `[economics]`).
    ledger: Ledger,
    /// The outcome of the last simulated path, written in place (an
    /// `PathOutcome` returned by value was copied twice per path).
    out: PathOutcome,
    /// Per intervention, the current patient's response probability at
    /// presentation (NaN until asked): the same under every policy, so
    /// computed once per patient ([`Workspace::new_patient`]; empty, and
    /// not kept, with a single policy).
    response: Vec<f64>,
    /// Paths cut short by [`MAX_STEPS_PER_PATIENT`] (never reset).
    stalled: u64,
    /// The furthest step the last path entered (the step count when its
    /// pathway was exhausted; `usize::MAX` when it was cut short).
    furthest: usize,
    /// Keep the path's events ([`Workspace::log_events`]).
    log: bool,
    /// The scenario is plain ([`Scenario::is_plain`]): paths are walked
    /// without the features it does not use ([`Workspace::plain`]).
    plain: bool,
    /// The path's events in time order, when kept.
    events: Vec<Event>,
}

impl Workspace {
    /// Paths cut short by [`MAX_STEPS_PER_PATIENT`] in this workspace.
    pub fn stalled_paths(&self) -> u64 {
        self.stalled
    }

    /// The spells of the last simulated path.
    pub fn spells(&self) -> &Spells {
        &self.spells
    }

    /// The outcome of the last simulated path.
    pub fn outcome(&self) -> &PathOutcome {
        &self.out
    }

    /// The ledger of the last simulated path (empty without
    /// `[economics]`).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The furthest step of its policy the last path entered, after the
    /// steps it skipped: the policy's step count when the pathway was
    /// exhausted, `usize::MAX` when the path was cut short. A policy whose
    /// first steps up to this one are walked alike
    /// ([`crate::scenario::Policy::shared_steps`]) has the same path.
    pub fn furthest_step(&self) -> usize {
        self.furthest
    }

    /// Keep each path's events from now on (off by default: the sums of a
    /// run do not need them). A logged path is walked with every feature
    /// compiled in (the same path), and a path that is not logged by a walk
    /// without the logging compiled in.
    pub fn log_events(&mut self) {
        self.log = true;
    }

    /// The events of the last simulated path, in time order (empty unless
    /// [`Workspace::log_events`] was called).
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Walk the paths of `scenario` without the features a plain scenario
    /// does not use, if it is plain (set once per run: the check reads the
    /// whole scenario).
    pub fn plain(&mut self, scenario: &Scenario) {
        self.plain = scenario.is_plain();
    }

    /// Forgets what was kept of the previous patient.
    pub fn new_patient(&mut self, interventions: usize) {
        self.response.clear();
        self.response.resize(interventions, f64::NAN);
    }

    /// Starts a new path. (Buffers of the right length, as after the
    /// first path, are refilled in place rather than cleared and regrown.)
    #[inline]
    fn reset(&mut self, baseline: &[f64], interventions: usize) {
        if self.x.len() == baseline.len() {
            // (Not even a call to copy nothing.)
            if !baseline.is_empty() {
                self.x.copy_from_slice(baseline);
            }
        } else {
            self.x.clear();
            self.x.extend_from_slice(baseline);
        }
        if self.counts.len() == interventions {
            self.counts.fill(Counts::default());
        } else {
            self.counts.clear();
            self.counts.resize(interventions, Counts::default());
        }
        self.spells.symptom_free.clear();
        self.spells.recovering.clear();
        self.spells.improved.clear();
        self.spells.dead.clear();
        self.capped_starts.clear();
        self.ledger.clear();
        self.events.clear();
        self.furthest = 0;
    }
}

/// How a phase (a wait or an attempt) ended.
enum End {
    /// It ran to its end.
    Done,
    Horizon,
    RedFlag,
    Resolved,
}

/// What the walk does after a phase.
enum Flow {
    Go,
    Jump,
    Stop,
}

enum Attempt {
    Responds {
        end: f64,
        relapse_after: Option<f64>,
    },
    /// A partial response: improved from `end`.
    Partial {
        end: f64,
    },
    Fails {
        end: f64,
    },
    /// The patient dies of the attempt on the day it starts.
    Dies,
}

/// One path's walk. With `PLAIN` (a plain scenario,
/// [`Scenario::is_plain`]) the features such a scenario lacks are compiled
/// out: the same walk, without the tests of options that are constant for
/// the run. With `LOG` (never with `PLAIN`) it keeps the path's events.
struct Walk<'a, T, const PLAIN: bool, const LOG: bool> {
    scenario: &'a Scenario,
    tally: &'a mut T,
    key: PatientKey,
    horizon: f64,
    ws: &'a mut Workspace,
    t: f64,
    progression: f64,
    resolution: f64,
    symptomatic_since: f64,
    /// When the deficit of [`crate::scenario::PermanentDeficit`] began
    /// (infinity: no deficit, or none declared).
    deficit_onset: f64,
    /// The first start of a minimally invasive or surgical attempt at or
    /// after the deficit's onset.
    decompression: f64,
    /// Since when the patient is improved (partial relief); infinity when
    /// not.
    improved_since: f64,
    /// The scenario declares `[economics]`: keep the ledger.
    economics: bool,
    /// The utility of the intervention whose response is being recovered
    /// from, if it declares one (`None` after a spontaneous resolution).
    recovered_utility: Option<f64>,
}

/// Simulates patient `patient` (covariates `baseline`, natural history `nh`)
/// under `policy`. The outcome and the spells are left in `ws`
/// ([`Workspace::outcome`], [`Workspace::spells`]); streams and draws come
/// from `tally`.
#[allow(clippy::too_many_arguments)]
#[inline]
pub fn walk(
    scenario: &Scenario,
    policy: &Policy,
    key: PatientKey,
    baseline: &[f64],
    nh: NaturalDraws,
    ws: &mut Workspace,
    tally: &mut impl Tally,
) {
    match (ws.plain, ws.log) {
        (_, true) => walk_compiled::<false, true>(scenario, policy, key, baseline, nh, ws, tally),
        (true, false) => walk_compiled::<true, false>(scenario, policy, key, baseline, nh, ws, tally),
        (false, false) => walk_compiled::<false, false>(scenario, policy, key, baseline, nh, ws, tally),
    }
}

/// [`walk`], with the features of a non-plain scenario compiled in or
/// out, and the event log compiled in or out. (Not inlined: one function
/// per instantiation, as `walk` was before it had several.)
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn walk_compiled<const PLAIN: bool, const LOG: bool>(
    scenario: &Scenario,
    policy: &Policy,
    key: PatientKey,
    baseline: &[f64],
    nh: NaturalDraws,
    ws: &mut Workspace,
    tally: &mut impl Tally,
) {
    ws.reset(baseline, scenario.interventions().len());
    ws.out = PathOutcome {
        recovered: false,
        time_to_recovery: scenario.simulation().horizon_days,
        symptom_free_at_horizon: false,
        deepest_level: 0,
        levels_started: 0,
        interventions: 0,
        surgery: false,
        surgery_time: f64::INFINITY,
        fusion: false,
        complications: 0,
        relapses: 0,
        symptomatic_days: 0.0,
        progressed: false,
        red_flag: false,
        spontaneous: false,
        permanent_deficit: false,
        improved_at_horizon: false,
        improved_days: 0.0,
        recovering_days: 0.0,
        symptom_free_days: 0.0,
        died: false,
        procedural_death: false,
        death_time: f64::INFINITY,
        valuation: Valuation::default(),
    };
    let horizon = scenario.simulation().horizon_days;
    // Background death is the patient's own horizon.
    let end = horizon.min(nh.death);
    let deficit = scenario.natural_history().permanent_deficit;
    let deficit_onset = match deficit {
        Some(d) if baseline[d.slot] != 0.0 => 0.0,
        _ => f64::INFINITY,
    };
    let mut walk = Walk::<_, PLAIN, LOG> {
        scenario,
        tally,
        key,
        horizon: end,
        ws,
        t: 0.0,
        progression: nh.progression,
        resolution: nh.resolution,
        symptomatic_since: 0.0,
        deficit_onset,
        decompression: f64::INFINITY,
        improved_since: f64::INFINITY,
        economics: !PLAIN && scenario.economics().is_some(),
        recovered_utility: None,
    };
    walk.run(policy);
    if PLAIN {
        return;
    }
    if let Some(d) = deficit
        && walk.deficit_onset < walk.horizon
    {
        walk.settle_deficit(d);
    }
    if walk.horizon < horizon {
        // Died (the walk's horizon was moved to the day of death).
        let out = &mut walk.ws.out;
        out.died = true;
        out.death_time = walk.horizon;
        out.symptom_free_at_horizon = false;
        out.improved_at_horizon = false;
        walk.ws.spells.dead.push((walk.horizon, horizon));
        walk.note(walk.horizon, EventKind::Death);
    }
    if let Some(econ) = scenario.economics() {
        let ws = &mut *walk.ws;
        let out = &mut ws.out;
        let alive_until = out.death_time.min(horizon);
        let died = out.died.then_some(out.death_time);
        out.valuation = settle(
            econ,
            &ws.spells,
            &ws.ledger,
            econ.adjustment(baseline),
            alive_until,
            died,
            out.permanent_deficit,
        );
    }
}

impl<T: Tally, const PLAIN: bool, const LOG: bool> Walk<'_, T, PLAIN, LOG> {
    /// The walk (one call site, in [`walk`]).
    #[inline(always)]
    fn run(&mut self, policy: &Policy) {
        let steps = &policy.steps;
        let mut step = 0;
        let mut fast_track = false;
        if !PLAIN
            && let Some(rf) = &policy.red_flag
            && rf.at_presentation.as_ref().is_some_and(|(_, c)| c.eval(&self.ws.x))
        {
            step = rf.jump_to;
            fast_track = true;
        }
        let mut taken = 0;
        'path: loop {
            taken += 1;
            if taken > MAX_STEPS_PER_PATIENT {
                self.ws.stalled += 1;
                self.ws.furthest = usize::MAX;
                return self.finish_symptomatic();
            }
            while step < steps.len() && steps[step].skip_if.as_ref().is_some_and(|(_, c)| c.eval(&self.ws.x)) {
                step += 1;
            }
            self.ws.furthest = self.ws.furthest.max(step);
            if step == steps.len() {
                // Pathway exhausted: symptomatic until resolution, a red flag or H.
                let armed = !PLAIN && self.armed(policy);
                match self.phase(f64::INFINITY, armed) {
                    Flow::Jump => {
                        step = self.jump(policy, &mut fast_track);
                        continue 'path;
                    }
                    Flow::Go | Flow::Stop => return,
                }
            }
            let st = &steps[step];
            let iv = st
                .routes
                .iter()
                .find(|r| r.1.eval(&self.ws.x))
                .map_or(st.intervention, |r| r.2);
            let wait = if !PLAIN && std::mem::take(&mut fast_track) {
                let wait = policy.red_flag.as_ref().and_then(|rf| rf.wait.as_ref());
                wait.map_or(0.0, |d| self.draw_once(d, Purpose::RedFlagWait))
            } else {
                let visit = self.ws.counts[iv].waits;
                self.ws.counts[iv].waits += 1;
                let key = self.scenario.interventions()[iv].key;
                st.wait
                    .as_ref()
                    .map_or(0.0, |d| self.draw_once(d, Purpose::Wait { key, visit }))
            };
            let armed = !PLAIN && self.armed(policy);
            let wait_end = self.t + wait;
            let flow = if wait == 0.0 && self.t < self.horizon {
                // No wait: an empty phase, in which nothing can happen (no
                // natural-history event is ever pending before `t`).
                Flow::Go
            } else {
                match self.phase(wait_end, armed) {
                    // (Surgical waits are fast-tracked: asked only here.)
                    Flow::Jump if self.scenario.interventions()[iv].level == Level::Surgical => {
                        self.fast_track(policy, wait_end)
                    }
                    flow => flow,
                }
            };
            match flow {
                Flow::Go => {}
                Flow::Jump => {
                    step = self.jump(policy, &mut fast_track);
                    continue 'path;
                }
                Flow::Stop => return,
            }
            for _ in 0..st.attempts {
                if !PLAIN
                    && let Some(cap) = &self.scenario.interventions()[iv].max_per_window
                    && !self.within_cap(iv, *cap)
                {
                    // Not started: on to the next step as after a failure.
                    break;
                }
                let start = self.t;
                let attempt = self.attempt(iv, step, st.failure_time.as_ref());
                let armed = !PLAIN && self.armed(policy);
                let (end, responds) = match attempt {
                    Attempt::Responds { end, .. } | Attempt::Partial { end } => (end, true),
                    Attempt::Fails { end } => (end, false),
                    Attempt::Dies => return self.die(),
                };
                // Recovering: from the start of a procedure (a minimally
                // invasive or surgical attempt) that responds; it replaces
                // improved while it runs.
                let recovering = responds && self.scenario.interventions()[iv].level != Level::Conservative;
                let was_improved = !PLAIN && recovering && self.improved_since.is_finite();
                if was_improved {
                    self.end_improvement(start);
                }
                let flow = self.phase(end, armed);
                if recovering {
                    self.ws.spells.recovering.push((start, self.t));
                    self.ws.out.recovering_days += self.t - start;
                }
                match flow {
                    Flow::Go => {}
                    Flow::Jump => {
                        if was_improved {
                            // The attempt is abandoned: improved again.
                            self.improved_since = self.t;
                        }
                        step = self.jump(policy, &mut fast_track);
                        continue 'path;
                    }
                    Flow::Stop => return,
                }
                match attempt {
                    Attempt::Responds { relapse_after, .. } => {
                        self.recovered_utility = self.scenario.interventions()[iv].utility;
                        self.note(self.t, EventKind::Recovery);
                        self.recover();
                        match relapse_after {
                            Some(after) if self.relapse(self.t + after) => {
                                step = policy.relapse_to.unwrap_or(step);
                                continue 'path;
                            }
                            _ => return self.finish_symptom_free(),
                        }
                    }
                    Attempt::Partial { .. } => {
                        self.note(self.t, EventKind::Improved);
                        self.improved_since = self.improved_since.min(self.t);
                        if st.on_partial == OnPartial::Stay {
                            // No further steps: the exhausted pathway, improved.
                            step = steps.len();
                            continue 'path;
                        }
                    }
                    Attempt::Fails { .. } => self.note(self.t, EventKind::Failure),
                    Attempt::Dies => {}
                }
            }
            step += 1;
        }
    }

    /// Progression while waiting for surgery: the surgery is fast-tracked
    /// to the red flag's wait if that ends before `wait_end` (rare, kept
    /// out of the hot path).
    #[cold]
    #[inline(never)]
    fn fast_track(&mut self, policy: &Policy, wait_end: f64) -> Flow {
        let fast = policy.red_flag.as_ref().and_then(|rf| rf.wait.as_ref());
        let fast = fast.map_or(0.0, |d| self.draw_once(d, Purpose::RedFlagWait));
        self.phase((self.t + fast).min(wait_end), false)
    }

    /// Whether the deficit became permanent: the delay runs from its onset
    /// to the first decompression at or after it, or to the horizon.
    #[cold]
    fn settle_deficit(&mut self, deficit: PermanentDeficit) {
        let delay = self.decompression.min(self.horizon) - self.deficit_onset;
        let mut rng = self.tally.stream(self.key, Purpose::Deficit);
        self.ws.out.permanent_deficit = self.tally.uniform(&mut rng) < deficit.probability_after(delay);
        if LOG && self.ws.out.permanent_deficit {
            // On the day of the onset, after what happened by then.
            let onset = self.deficit_onset;
            let at = self.ws.events.partition_point(|e| e.day <= onset);
            self.ws.events.insert(
                at,
                Event {
                    day: onset,
                    kind: EventKind::PermanentDeficit,
                },
            );
        }
    }

    /// Whether an attempt of `iv` may start now under its cap: fewer than
    /// `cap.count` of its attempts started in (t - days, t]. If so, the
    /// start is recorded. Called only for capped interventions.
    fn within_cap(&mut self, iv: usize, cap: WindowCap) -> bool {
        let t = self.t;
        let recent = self
            .ws
            .capped_starts
            .iter()
            .filter(|&&(i, s)| i == iv && t - s < cap.days)
            .count();
        let allowed = recent < cap.count as usize;
        if allowed {
            self.ws.capped_starts.push((iv, t));
        }
        allowed
    }

    /// Runs a phase (a wait or an attempt) to `t_end` and says how the walk
    /// goes on: to the next thing, to the red-flag step, or not at all (the
    /// path has ended: resolved, or censored at the horizon; an endless
    /// phase that reaches the horizon also ends it).
    ///
    /// (With natural history, the usual phase, which ends before the
    /// horizon with no natural-history event before its end, is inlined:
    /// it only moves the clock. The rest is [`Walk::phase_events`], which a
    /// plain walk inlines whole.)
    #[inline(always)]
    fn phase(&mut self, t_end: f64, armed: bool) -> Flow {
        let pending = self.progression.min(self.resolution) < t_end;
        if !PLAIN && t_end < self.horizon && t_end.is_finite() && !pending {
            self.t = t_end;
            return Flow::Go;
        }
        self.phase_events(t_end, armed)
    }

    /// [`Walk::phase`] when something may happen in it or it reaches the
    /// horizon.
    fn phase_events(&mut self, t_end: f64, armed: bool) -> Flow {
        match self.run_until(t_end, armed) {
            End::Done if t_end.is_finite() => Flow::Go,
            End::RedFlag => Flow::Jump,
            End::Resolved => {
                self.resolve();
                Flow::Stop
            }
            End::Done | End::Horizon => {
                self.finish_symptomatic();
                Flow::Stop
            }
        }
    }

    /// Advances to `t_end` unless natural history or the horizon comes
    /// first. Progression sets its covariate and, if `armed`, raises the red
    /// flag.
    fn run_until(&mut self, t_end: f64, armed: bool) -> End {
        loop {
            let first = self.progression.min(self.resolution);
            if !PLAIN && first < t_end.min(self.horizon) {
                self.t = first;
                if self.resolution <= self.progression {
                    return End::Resolved;
                }
                self.progression = f64::INFINITY;
                if let Some(p) = &self.scenario.natural_history().progression {
                    self.ws.x[p.slot] = 1.0;
                    if self
                        .scenario
                        .natural_history()
                        .permanent_deficit
                        .is_some_and(|d| d.slot == p.slot)
                    {
                        self.deficit_onset = self.deficit_onset.min(self.t);
                    }
                }
                self.ws.out.progressed = true;
                self.note(self.t, EventKind::Progression);
                if armed {
                    self.ws.out.red_flag = true;
                    self.note(self.t, EventKind::RedFlag);
                    return End::RedFlag;
                }
                continue;
            }
            if t_end >= self.horizon {
                self.t = self.horizon;
                return End::Horizon;
            }
            self.t = t_end;
            return End::Done;
        }
    }

    fn jump(&self, policy: &Policy, fast_track: &mut bool) -> usize {
        *fast_track = true;
        let operated = self.ws.out.surgery;
        policy
            .red_flag
            .as_ref()
            .and_then(|rf| rf.target(operated))
            .unwrap_or(policy.steps.len())
    }

    /// Whether progression now raises the red flag: the policy has one,
    /// and no surgical attempt has started or the flag has a step for
    /// after surgery.
    #[inline(always)]
    fn armed(&self, policy: &Policy) -> bool {
        policy
            .red_flag
            .as_ref()
            .is_some_and(|rf| !self.ws.out.surgery || rf.after_surgery.is_some())
    }

    /// Starts an attempt of intervention `iv` at `self.t`, at step `step`,
    /// and draws its fate (`failure_time` overrides the intervention's, for
    /// this step).
    fn attempt(&mut self, iv: usize, step: usize, failure_time: Option<&crate::scenario::dist::Dist>) -> Attempt {
        let intervention = &self.scenario.interventions()[iv];
        let attempt = self.ws.counts[iv].attempts;
        self.ws.counts[iv].attempts += 1;
        let purpose = Purpose::Attempt {
            key: intervention.key,
            attempt,
        };
        let tally = &mut *self.tally;
        let mut rng = tally.stream(self.key, purpose);
        let out = &mut self.ws.out;
        let complications_before = out.complications;
        out.started(intervention, self.t);
        if !PLAIN
            && intervention.level != Level::Conservative
            && self.t >= self.deficit_onset
            && self.decompression.is_infinite()
        {
            self.decompression = self.t;
        }
        let x = &self.ws.x;
        // Until progression changes a covariate, the patient's covariates
        // are those at presentation, for which the probability is kept.
        let response = &intervention.response;
        let mut p = match self.ws.response.get_mut(iv) {
            Some(kept) if response.varies() && !out.progressed => {
                if kept.is_nan() {
                    *kept = response.for_patient(x);
                }
                *kept
            }
            _ => response.for_patient(x),
        };
        if !PLAIN && intervention.frailty_loading != 0.0 {
            // The frailty sits after the covariates (Scenario::slot_count).
            p = shift_logit(p, intervention.frailty_loading * x[self.scenario.covariates().len()]);
        }
        // One uniform: full below p x full_share, partial below p.
        let u = tally.uniform(&mut rng);
        let responds = u < p * intervention.full_share;
        let partial = !PLAIN && !responds && u < p;
        let mut delay = 0.0;
        let mut failed = false;
        let mut charge = (self.t, intervention.cost, intervention.qaly_loss);
        for c in intervention.complications.iter().filter(|_| !PLAIN) {
            if tally.uniform(&mut rng) < c.probability.for_patient(x) {
                out.complications += 1;
                charge.1 += c.cost;
                charge.2 += c.qaly_loss;
                if let Some(d) = &c.delay {
                    delay += tally.sample(d, &mut rng);
                }
                failed |= c.fails_attempt;
            }
        }
        // One sampling site per distribution: the recovery time serves full
        // and partial responses alike.
        let fate = if (responds || partial) && !failed {
            let end = self.t + tally.sample(&intervention.recovery_time, &mut rng) + delay;
            if responds {
                let relapse_after = intervention.relapse.as_ref().filter(|_| !PLAIN).and_then(|r| {
                    let relapses = tally.uniform(&mut rng) < r.probability.for_patient(x);
                    relapses.then(|| tally.sample(&r.time, &mut rng))
                });
                Attempt::Responds { end, relapse_after }
            } else {
                Attempt::Partial { end }
            }
        } else {
            let failure_time = failure_time.unwrap_or(&intervention.failure_time);
            Attempt::Fails {
                end: self.t + tally.sample(failure_time, &mut rng) + delay,
            }
        };
        if !PLAIN && self.economics {
            self.ws.ledger.charges.push(charge);
        }
        let complications = out.complications - complications_before;
        // Drawn last, so declaring it leaves the attempt's other draws as
        // they were.
        let fate = match &intervention.death {
            Some(death) if !PLAIN && tally.uniform(&mut rng) < death.for_patient(x) => Attempt::Dies,
            _ => fate,
        };
        if LOG {
            let kind = EventKind::Attempt {
                intervention: iv,
                step,
                number: attempt + 1,
                complications,
                fate: match fate {
                    Attempt::Responds { .. } => Fate::Recovers,
                    Attempt::Partial { .. } => Fate::Improves,
                    Attempt::Fails { .. } => Fate::Fails,
                    Attempt::Dies => Fate::Dies,
                },
            };
            self.note(self.t, kind);
        }
        fate
    }

    /// Keeps event `kind` on `day` in the path's log (nothing without
    /// `LOG`: compiled out).
    #[inline(always)]
    fn note(&mut self, day: f64, kind: EventKind) {
        if LOG {
            self.ws.events.push(Event { day, kind });
        }
    }

    /// One draw of `dist` from the fresh stream for `purpose`.
    fn draw_once(&mut self, dist: &crate::scenario::dist::Dist, purpose: Purpose) -> f64 {
        let mut rng = self.tally.stream(self.key, purpose);
        self.tally.sample(dist, &mut rng)
    }

    /// The patient becomes symptom-free at `self.t`.
    fn recover(&mut self) {
        self.end_improvement(self.t);
        if !self.ws.out.recovered {
            self.ws.out.recovered = true;
            self.ws.out.time_to_recovery = self.t;
        }
        self.ws.out.symptomatic_days += self.t - self.symptomatic_since;
    }

    /// Relapse at `at`; false (and nothing changes) if that is at or after H.
    fn relapse(&mut self, at: f64) -> bool {
        if at >= self.horizon {
            return false;
        }
        self.ws.spells.symptom_free.push((self.t, at));
        self.note_symptom_free();
        self.ws.out.symptom_free_days += at - self.t;
        // Natural-history events that fell in the symptom-free spell did not happen.
        if self.progression < at {
            self.progression = f64::INFINITY;
        }
        if self.resolution < at {
            self.resolution = f64::INFINITY;
        }
        self.ws.out.relapses += 1;
        self.note(at, EventKind::Relapse);
        self.t = at;
        self.symptomatic_since = at;
        true
    }

    fn resolve(&mut self) {
        self.note(self.t, EventKind::Resolution);
        self.ws.out.spontaneous = true;
        self.recovered_utility = None;
        self.recover();
        self.finish_symptom_free();
    }

    fn finish_symptom_free(&mut self) {
        self.ws.spells.symptom_free.push((self.t, self.horizon));
        self.note_symptom_free();
        self.ws.out.symptom_free_days += self.horizon - self.t;
        self.ws.out.symptom_free_at_horizon = true;
    }

    /// Keeps the utility of the symptom-free spell just pushed.
    #[inline]
    fn note_symptom_free(&mut self) {
        if !PLAIN && self.economics {
            self.ws.ledger.symptom_free_utility.push(self.recovered_utility);
        }
    }

    /// Death of an attempt at `self.t`, its start: the path ends here.
    #[cold]
    fn die(&mut self) {
        self.ws.out.procedural_death = true;
        self.horizon = self.t;
        self.finish_symptomatic();
    }

    fn finish_symptomatic(&mut self) {
        self.ws.out.symptomatic_days += self.horizon - self.symptomatic_since;
        self.ws.out.improved_at_horizon = self.improved_since < self.horizon;
        self.end_improvement(self.horizon);
    }

    /// Closes an improved spell at `t`, if one is open.
    #[inline]
    fn end_improvement(&mut self, t: f64) {
        if !PLAIN && self.improved_since.is_finite() {
            self.ws.out.improved_days += t - self.improved_since;
            self.ws.spells.improved.push((self.improved_since, t));
            self.improved_since = f64::INFINITY;
        }
    }
}
