//! # foramen
//!
//! A Monte Carlo outcomes simulator for the stepwise treatment of severe
//! foraminal stenosis: synthetic cohorts walk, event by event, through
//! treatment-pathway policies (conservative care, minimally invasive
//! decompression, surgery, fusion when unstable), and the policies are
//! compared with honest intervals. docs/model.md states the model;
//! docs/architecture.md the layers below.
//!
//! ## The API by purpose, layer by layer (each uses only those above it)
//!
//! * Leaves: [`error`] (messages that say how to fix the input), [`rng`]
//!   (the only source of random streams), [`stats`] (estimators and
//!   intervals on plain numbers), [`outcome`] (the one list of outcomes).
//! * Reading scenarios: [`scenario::document::Document::parse`] reads TOML
//!   text once and [`scenario::document::Document::scenario`] validates it
//!   into an immutable [`scenario::Scenario`]; each concept (cohort,
//!   natural history, intervention, policy, economics) is one module of
//!   [`scenario`].
//! * Simulating: [`simulate::engine::run`] runs every policy over a cohort
//!   in parallel into sinks; [`simulate::pathway::walk`] is one patient
//!   under one policy.
//! * Accumulating: [`accumulate`] keeps exact mergeable sums;
//!   [`accumulate::sink::run`] runs the engine into them.
//! * Estimating: [`estimate::results`] turns sums into estimates, curves
//!   and paired comparisons.
//! * Analyses: [`analysis`] (sweeps, sensitivity, bench, verify, describe)
//!   return plain data.
//! * Writing: [`report`] (tables with polars, charts with plotters, the
//!   terminal) and [`output`] (the run directory, manifest and partials).
//! * Jobs and the command line: [`jobs`] (one skeleton, a file per
//!   command) and [`cli`] (clap).

pub mod error;
pub mod lanes;
pub mod outcome;
pub mod rng;
pub mod stats;

pub mod scenario;

pub mod simulate;

pub mod accumulate;

pub mod estimate;

pub mod analysis;

pub mod output;
pub mod report;

pub mod cli;
pub mod jobs;

pub use error::Error;
