//! The health states of a path, as spells.

/// A path's time in each health state, as spells `[from, to)` within the
/// horizon (a spell ending at the horizon includes it). The states do not
/// overlap; the rest of [0, H] is symptomatic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spells {
    /// Symptom-free: from a recovery to a relapse or the horizon.
    pub symptom_free: Vec<(f64, f64)>,
    /// Recovering: from the start of a procedure (a minimally invasive or
    /// surgical attempt) that responds, fully or partially, to its end, or
    /// to what cut it short.
    pub recovering: Vec<(f64, f64)>,
    /// Improved: from a partial response to a recovery, the start of a
    /// responding attempt, or the horizon.
    pub improved: Vec<(f64, f64)>,
    /// Dead: from death to the horizon (at most one spell).
    pub dead: Vec<(f64, f64)>,
}
