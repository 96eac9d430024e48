//! Synthetic patients walked through policies: covariates ([`cohort`]), one
//! path event by event ([`pathway`]), one patient under every policy
//! ([`patient`]), a cohort in parallel chunks ([`engine`]) and its shards
//! ([`shard`]). Every stream and draw goes through a [`tally::Tally`].
//!
//! The simulation knows nothing of what is accumulated from the paths
//! (the engine hands them to a [`engine::Sink`]), nor of files.

pub mod batch;
pub mod cohort;
pub mod engine;
pub mod ledger;
pub mod pathway;
pub mod patient;
pub mod shard;
pub mod sink;
pub mod spells;
pub mod tally;
