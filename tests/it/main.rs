//! The integration tests, one binary (tests/fuzz.rs is apart: it is slow).
//! Tests run with the package root as working directory.

mod util;

mod batch;
mod chart_numbers;
mod cli;
mod closed_form;
mod compare;
mod describe;
mod distributions;
mod economics;
mod edge_cases;
mod errors;
mod events;
mod evppi;
mod extends;
mod features;
mod fit;
mod joint;
mod key_paths;
mod labels;
mod layers;
mod outcomes;
mod plain;
mod plot;
mod quotes;
mod r_reading;
mod report;
mod shards;
mod shared;
mod targets;
mod validation;
mod variants;
