//! What a person reads: tables ([`tables`], the only polars code), charts
//! ([`plot`], the only plotters code), the model's diagram ([`diagram`]),
//! the run's page ([`html`]: report.html), the terminal ([`terminal`]) and the
//! progress bar ([`progress`], the only indicatif code).

pub mod diagram;
pub mod evidence;
pub mod findings;
pub mod fragment;
pub mod html;
pub mod plot;
pub mod progress;
pub mod tables;
pub mod terminal;
