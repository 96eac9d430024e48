//! Every stream and draw of the simulation goes through a [`Tally`].

use rand::RngExt;

use crate::rng::{PatientKey, Purpose, Stream, stream_of};
use crate::scenario::dist::Dist;

/// Makes the simulation's streams and takes its draws. The simulation is
/// generic over it: [`Untallied`] is the plain thing and compiles to direct
/// calls; `foramen bench` counts the streams and draws of a cohort with its
/// own implementation to build the draws-only baseline.
pub trait Tally {
    /// The stream of the patient of `key` for `purpose`.
    #[inline]
    fn stream(&mut self, key: PatientKey, purpose: Purpose) -> Stream {
        stream_of(key, purpose)
    }

    /// A uniform draw on [0, 1).
    #[inline]
    fn uniform(&mut self, rng: &mut Stream) -> f64 {
        rng.random()
    }

    /// One draw of `dist`.
    #[inline]
    fn sample(&mut self, dist: &Dist, rng: &mut Stream) -> f64 {
        dist.sample(rng)
    }
}

/// Streams and draws, counted by no one.
pub struct Untallied;

impl Tally for Untallied {}
