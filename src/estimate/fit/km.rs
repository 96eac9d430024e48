//! The Kaplan-Meier estimate of survival from individual times, with left
//! truncation (a row is at risk at `t` when `entry < t <= time`),
//! Greenwood's variance and the log-log 95% band ([`crate::stats::loglog_band`]):
//!
//! ```text
//! S(t) = Π_{t_j <= t} (1 - d_j / n_j),   Var S(t) = S(t)² Σ_{t_j <= t} d_j / (n_j (n_j - d_j))
//! ```

use super::Sample;
use crate::stats::loglog_band;

/// One step of the curve: at `time`, after its events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub time: f64,
    pub at_risk: usize,
    pub events: usize,
    pub survival: f64,
    /// The log-log 95% band; `survival` itself where it is undefined (no
    /// event yet, or everyone had one).
    pub lower: f64,
    pub upper: f64,
}

/// The curve at each distinct event time, in order.
pub fn kaplan_meier(sample: &Sample) -> Vec<Step> {
    let mut order: Vec<usize> = (0..sample.len()).collect();
    order.sort_by(|&a, &b| sample.time[a].total_cmp(&sample.time[b]));
    let mut entries: Vec<f64> = sample.entry.clone().unwrap_or_else(|| vec![0.0; sample.len()]);
    entries.sort_by(f64::total_cmp);
    let (mut s, mut greenwood) = (1.0, 0.0);
    let (mut left, mut entered) = (0, 0);
    let mut steps = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let t = sample.time[order[i]];
        let mut events = 0;
        let mut j = i;
        while j < order.len() && sample.time[order[j]] == t {
            events += usize::from(sample.event[order[j]]);
            j += 1;
        }
        while entered < entries.len() && entries[entered] < t {
            entered += 1;
        }
        let at_risk = entered - left;
        if events > 0 {
            s *= 1.0 - events as f64 / at_risk as f64;
            if at_risk > events {
                greenwood += events as f64 / (at_risk as f64 * (at_risk - events) as f64);
            }
            let (lower, upper) = loglog_band(s, s * greenwood.sqrt()).unwrap_or((s, s));
            steps.push(Step {
                time: t,
                at_risk,
                events,
                survival: s,
                lower,
                upper,
            });
        }
        left += j - i;
        i = j;
    }
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Times 1, 2+, 3, 3, 4, 5+ (+ censored), with the products and
    /// Greenwood's sum worked by hand.
    #[test]
    fn products_and_greenwood_by_hand() {
        let sample = Sample {
            time: vec![1.0, 2.0, 3.0, 3.0, 4.0, 5.0],
            event: vec![true, false, true, true, true, false],
            ..Sample::default()
        };
        let km = kaplan_meier(&sample);
        let times: Vec<(f64, usize, usize)> = km.iter().map(|s| (s.time, s.at_risk, s.events)).collect();
        assert_eq!(times, vec![(1.0, 6, 1), (3.0, 4, 2), (4.0, 2, 1)]);
        let s = [5.0 / 6.0, 5.0 / 6.0 * 0.5, 5.0 / 6.0 * 0.5 * 0.5];
        for (step, want) in km.iter().zip(s) {
            assert!((step.survival - want).abs() < 1e-15);
        }
        // Greenwood after t = 3: S² (1/(6·5) + 2/(4·2)).
        let var = s[1] * s[1] * (1.0 / 30.0 + 2.0 / 8.0);
        let (lo, hi) = loglog_band(s[1], var.sqrt()).unwrap();
        assert_eq!((km[1].lower, km[1].upper), (lo, hi));
    }

    /// With entry times the risk set grows as rows enter: a row entering
    /// at 2 is not at risk at 1.
    #[test]
    fn late_entries_join_the_risk_set() {
        let sample = Sample {
            time: vec![1.0, 3.0, 4.0],
            event: vec![true, true, true],
            entry: Some(vec![0.0, 2.0, 0.0]),
            covariates: vec![],
        };
        let km = kaplan_meier(&sample);
        let at_risk: Vec<usize> = km.iter().map(|s| s.at_risk).collect();
        assert_eq!(at_risk, vec![2, 2, 1]);
        assert!((km[1].survival - 0.25).abs() < 1e-15);
    }
}
