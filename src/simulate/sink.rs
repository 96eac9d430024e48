//! Where the paths of a run go ([`Sink`]): what the engine and the
//! batched core hand each path to.

use crate::simulate::patient::Path;

/// Where the paths of a run go: told of every path, then of the end of each
/// patient; sinks of consecutive chunks are appended in order.
pub trait Sink: Send + Sized {
    /// The sink reads [`Path::events`] (the walk keeps them only then).
    const EVENTS: bool = false;
    /// One path of patient `patient`.
    fn path(&mut self, patient: u64, path: Path);
    /// Every policy's path of the current patient has been given.
    fn end_patient(&mut self) {}
    /// Appends the sink of the chunks that follow this one's.
    fn append(&mut self, later: Self);
}

impl<A: Sink, B: Sink> Sink for (A, B) {
    const EVENTS: bool = A::EVENTS || B::EVENTS;

    #[inline]
    fn path(&mut self, patient: u64, path: Path) {
        self.0.path(patient, path);
        self.1.path(patient, path);
    }

    #[inline]
    fn end_patient(&mut self) {
        self.0.end_patient();
        self.1.end_patient();
    }

    fn append(&mut self, later: Self) {
        self.0.append(later.0);
        self.1.append(later.1);
    }
}

/// An optional sink (per-patient records only when asked for).
impl<S: Sink> Sink for Option<S> {
    const EVENTS: bool = S::EVENTS;

    #[inline]
    fn path(&mut self, patient: u64, path: Path) {
        if let Some(s) = self {
            s.path(patient, path);
        }
    }

    #[inline]
    fn end_patient(&mut self) {
        if let Some(s) = self {
            s.end_patient();
        }
    }

    fn append(&mut self, later: Self) {
        if let (Some(a), Some(b)) = (self, later) {
            a.append(b);
        }
    }
}

/// No sink: a run that keeps nothing more (compiled away).
impl Sink for () {
    #[inline]
    fn path(&mut self, _patient: u64, _path: Path) {}

    fn append(&mut self, _later: Self) {}
}
