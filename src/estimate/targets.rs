//! Each target's model value against its published band.
//!
//! The model value `p` and its Monte Carlo standard error `s_m`, by the
//! target's statistic: a share `k / n` with its Wilson interval and
//! `s_m = sqrt(p (1 - p) / n)`; a median time by Kaplan-Meier with its
//! Brookmeyer-Crowley interval, `s_m` its half-width over 1.96
//! ([`crate::stats::km_median_censored`]); a mean (or a paired mean
//! difference) with `s_m = sd / sqrt(n)`. The published value `v` has the
//! standard error `s_p` its band implies
//! ([`crate::scenario::targets::Band`]). The z-score is
//! `z = (p - v) / sqrt(s_p² + s_m²)`, and the distance of a set of
//! targets is `Σ w z²` over those the model can estimate; calibration
//! fits the targets not held out.

use crate::accumulate::targets::Tally;
use crate::outcome::{BINS_PER_DAY, YEAR_FIXED_POINT};
use crate::scenario::targets::Target;
use crate::stats::{Estimate, km_median_censored, mean, proportion};

/// One target's model value, from its counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assessment {
    /// Units in the population (patients or attempts).
    pub n: u64,
    /// The model value with its 95% Monte Carlo interval (NaN when the
    /// population is empty, or a median is not reached).
    pub model: Estimate,
    /// Standardised distance from the published value (NaN when the model
    /// value is).
    pub z: f64,
    /// The model value lies in the published band.
    pub in_band: bool,
}

/// Assesses `target` on its tally.
pub fn assess(target: &Target, tally: &Tally) -> Assessment {
    let (model, n) = match tally {
        &Tally::Share { k, n } => (proportion(k, n), n),
        &Tally::Mean { n, sum, sum_sq } => (mean(sum, sum_sq, n, YEAR_FIXED_POINT), n),
        Tally::Times { n, events, censored } => (km_median_censored(events, censored, *n, BINS_PER_DAY), *n),
    };
    let z = (model.value - target.published) / (target.band.se.powi(2) + model.se.powi(2)).sqrt();
    Assessment {
        n,
        model,
        // A zero standard error on both sides (a band of width 0 and a
        // model share of 0 or 1): equal or infinitely far.
        z: if z.is_nan() && model.value == target.published {
            0.0
        } else {
            z
        },
        in_band: (target.band.lo..=target.band.hi).contains(&model.value),
    }
}

/// How well some of the targets agree with the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Agreement {
    /// Targets whose model value lies in the published band.
    pub in_band: usize,
    /// Targets counted.
    pub targets: usize,
    /// The weighted sum of squared z-scores, `Σ w z²`, over those the
    /// model can estimate.
    pub distance: f64,
    /// Targets the model cannot estimate (no units).
    pub missing: usize,
}

/// What the agreement of targets reads of each besides its assessment: a
/// target, or a row of a targets table read back for its chart.
pub trait Counted {
    /// Its weight in the calibration distance.
    fn weight(&self) -> f64;
    /// No source of it gave an input of the scenario.
    fn independent(&self) -> bool;
}

impl Counted for Target {
    fn weight(&self) -> f64 {
        self.weight
    }
    fn independent(&self) -> bool {
        self.independent
    }
}

/// The agreement of the targets `keep` keeps.
pub fn agreement<T: Counted>(targets: &[T], assessed: &[Assessment], keep: impl Fn(&T) -> bool) -> Agreement {
    let mut all = Agreement {
        in_band: 0,
        targets: 0,
        distance: 0.0,
        missing: 0,
    };
    for (t, a) in targets.iter().zip(assessed).filter(|(t, _)| keep(t)) {
        all.targets += 1;
        all.in_band += usize::from(a.in_band);
        if a.z.is_finite() {
            all.distance += t.weight() * a.z * a.z;
        } else {
            all.missing += 1;
        }
    }
    all
}

/// The calibration distance: `Σ w z²` over the targets fitted (not held
/// out) that the model can estimate.
pub fn distance(targets: &[Target], assessed: &[Assessment]) -> f64 {
    agreement(targets, assessed, |t| !t.holdout).distance
}
