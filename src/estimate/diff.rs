//! Two runs side by side: unpaired differences of their estimates.
//!
//! For an estimate `a` (standard error `s_a`) of run A and `b` (`s_b`) of
//! run B, the difference `a - b` has the standard error
//! `sqrt(s_a² + s_b²)` (independent cohorts: different seeds, or different
//! scenarios) and the 95% interval `a - b ± z sqrt(s_a² + s_b²)`.

use crate::stats::{Estimate, Z95};

/// One policy of a run: its name and, per outcome, `(outcome, value, se)`.
pub type PolicyEstimates = (String, Vec<(String, f64, f64)>);

/// One outcome of one policy in both runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunDifference {
    pub policy: String,
    pub outcome: String,
    pub a: f64,
    pub b: f64,
    /// `a - b` with its interval and standard error.
    pub difference: Estimate,
}

/// The differences of every outcome of every policy present in both runs,
/// in run A's order. Each run is, per policy, `(outcome, value, se)`.
pub fn unpaired(a: &[PolicyEstimates], b: &[PolicyEstimates]) -> Vec<RunDifference> {
    let mut out = Vec::new();
    for (policy, outcomes) in a {
        let Some((_, other)) = b.iter().find(|(p, _)| p == policy) else {
            continue;
        };
        for (outcome, va, sa) in outcomes {
            let Some((_, vb, sb)) = other.iter().find(|(o, _, _)| o == outcome) else {
                continue;
            };
            let value = va - vb;
            let se = (sa * sa + sb * sb).sqrt();
            out.push(RunDifference {
                policy: policy.clone(),
                outcome: outcome.clone(),
                a: *va,
                b: *vb,
                difference: Estimate {
                    value,
                    lo: value - Z95 * se,
                    hi: value + Z95 * se,
                    se,
                },
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_add_variances_and_keep_common_rows_only() {
        let a = vec![(
            "p".to_string(),
            vec![("x".to_string(), 0.5, 0.03), ("y".to_string(), 1.0, 0.1)],
        )];
        let b = vec![
            ("p".to_string(), vec![("x".to_string(), 0.4, 0.04)]),
            ("q".to_string(), vec![("x".to_string(), 0.1, 0.01)]),
        ];
        let d = unpaired(&a, &b);
        assert_eq!(d.len(), 1);
        assert!((d[0].difference.value - 0.1).abs() < 1e-12);
        assert!((d[0].difference.se - 0.05).abs() < 1e-12);
        assert!((d[0].difference.lo - (0.1 - Z95 * 0.05)).abs() < 1e-12);
    }
}
