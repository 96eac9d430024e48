//! # foramen
//!
//! A Monte Carlo outcomes simulator for the stepwise treatment of severe
//! foraminal stenosis: synthetic cohorts walk, event by event, through
//! treatment-pathway policies (conservative care, minimally invasive
//! decompression, surgery, fusion when unstable), and the policies are
//! compared with honest intervals. docs/model.md states the model.
//!
//! ## The API by purpose
//!
//! * Reading scenarios: [`scenario::Scenario::load`] turns a TOML file into a
//!   validated [`scenario::Scenario`]; [`scenario::dist`] and
//!   [`scenario::cond`] hold distributions and compiled conditions.
//! * Simulating: [`engine::run`] runs every policy over a cohort in parallel;
//!   [`pathway::simulate`] is one patient under one policy; [`rng`] is the
//!   only source of randomness; [`cohort`] draws covariates.
//! * Estimating: [`accumulate`] keeps exact mergeable counts;
//!   [`stats`] holds the estimators and intervals; [`summary`] turns counts
//!   into results.
//! * Writing: [`tables`] (polars: CSV, Parquet), [`plot`] (plotters: PNG,
//!   SVG), [`output`] (the run directory and manifest), [`run`] (the whole
//!   `foramen run` job).
//! * The command line: [`cli`] (clap).

pub mod accumulate;
pub mod bench;
pub mod cli;
pub mod cohort;
pub mod compare;
pub mod describe;
pub mod engine;
pub mod error;
pub mod output;
pub mod pathway;
pub mod plot;
pub mod progress;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod stats;
pub mod summary;
pub mod sweep;
pub mod tables;
pub mod verify;

pub use error::Error;
