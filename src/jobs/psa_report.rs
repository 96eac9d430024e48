//! report.html of a probabilistic analysis (`foramen psa` and the merge
//! of its shards; `foramen plot` on a psa directory can call
//! [`write_psa_report`]): the probability each policy is cost-effective
//! at the scenario's willingness-to-pay values, the EVPI, the largest
//! EVPPI, the charts by reference to their pictures, every input with its
//! distribution of belief and source, and the provenance.

use std::path::Path;

use crate::error::Error;
use crate::jobs::Loaded;
use crate::jobs::report::{files_section, inputs_section, picture, provenance, write_page};
use crate::output::Manifest;
use crate::report::findings::{self, PsaTables};
use crate::report::html::{self, Block, Page, Section};
use crate::report::tables;

/// The charts of a probabilistic analysis in the order shown, with a
/// title and a caption.
const PSA_CHARTS: [(&str, &str, &str); 7] = [
    (
        "ceac",
        "Cost-effectiveness acceptability",
        "for each willingness to pay per QALY, the share of draws in which each policy has the highest net monetary benefit (acceptability curves), with the frontier (the policy with the highest expected net benefit) marked.",
    ),
    (
        "ce_plane",
        "Cost-effectiveness plane",
        "each draw's incremental cost against incremental QALYs of each policy against the reference, with willingness-to-pay lines.",
    ),
    (
        "evpi",
        "Expected value of perfect information",
        "the EVPI per patient at each willingness to pay: what resolving all uncertainty in the inputs would be worth.",
    ),
    (
        "evppi",
        "Expected value of partial perfect information",
        "the EVPPI per patient of each parameter and group at the scenario's willingness-to-pay values: which inputs' uncertainty matters most to the decision.",
    ),
    (
        "evppi_curves",
        "EVPPI over willingness to pay",
        "the EVPPI of the parameters and groups that matter most, against willingness to pay, under the EVPI.",
    ),
    (
        "importance",
        "Parameter importance",
        "the partial rank correlation of each parameter with the incremental net benefit against the reference.",
    ),
    (
        "psa_recovery",
        "Recovery over time across draws",
        "the mean share recovered on each day over the draws, with the band holding 95% of draws.",
    ),
];

/// The files of a probabilistic analysis other than its pictures.
const PSA_FILES: [(&str, &str); 12] = [
    (
        "psa.csv",
        "each draw's parameters and outcomes, a row per draw and policy",
    ),
    ("psa_parameters.csv", "each draw's parameters (the dampack layout)"),
    ("psa_cost.csv", "each draw's discounted cost per policy"),
    ("psa_effect.csv", "each draw's discounted QALYs per policy"),
    (
        "psa_noise.csv",
        "how much of each outcome's spread over draws is Monte Carlo noise of the inner cohort",
    ),
    ("psa_curves.csv", "recovery over time across draws"),
    ("ceac.csv", "the acceptability curves and the frontier"),
    (
        "evpi.csv",
        "EVPI per patient (and population) at each willingness to pay",
    ),
    ("evppi.csv", "EVPPI of every parameter and group"),
    (
        "importance.csv",
        "partial rank correlations of the parameters with incremental net benefit",
    ),
    ("labels.csv", "what the charts call policies and parameters"),
    ("scenario.toml", "the scenario as analysed"),
];

/// The report of the probabilistic analysis whose tables are in `dir`,
/// written into `out/report.html` beside its pictures (shown by file
/// name; `out` is `dir` but for `foramen plot --out`): `loaded` is the
/// scenario analysed and `manifest` the analysis's.
///
/// # Errors
/// [`Error::Read`] or [`Error::Syntax`] for a table that cannot be read;
/// [`Error::Output`] when the page cannot be written.
pub fn write_psa_report(dir: &Path, out: &Path, loaded: &Loaded, manifest: &Manifest) -> Result<(), Error> {
    let scenario = &loaded.scenario;
    let labels = tables::labels_of(scenario);
    let read = |file: &str| -> Result<Option<html::Cells>, Error> {
        let path = dir.join(file);
        if path.is_file() {
            Ok(Some(tables::read_cells(&path)?))
        } else {
            Ok(None)
        }
    };
    let cost = read("psa_cost.csv")?;
    let draws = cost.as_ref().map_or(manifest.runs, |c| c.rows.len());
    let mut found = section("findings", "Findings");
    match (cost, read("psa_effect.csv")?, scenario.economics()) {
        (Some(cost), Some(effect), Some(economics)) => {
            let t = PsaTables {
                cost,
                effect,
                ceac: read("ceac.csv")?,
                evpi: read("evpi.csv")?,
                evppi: read("evppi.csv")?,
            };
            let sentences =
                findings::psa_findings(&t, &economics.willingness_to_pay, &economics.currency, &labels);
            found.blocks.push(Block::List(sentences));
        }
        _ => found.blocks.push(Block::Text(
            "The scenario has no economics: no acceptability, EVPI or EVPPI; the charts and tables below show the spread of the outcomes over the draws.".into(),
        )),
    }
    found.blocks.push(Block::Text(format!(
        "{draws} draws of the scenario's distributions of belief, {} patients per policy and draw. These probabilities and values of information are over the draws: they express uncertainty in the inputs, as the distributions of belief listed below state it, plus the Monte Carlo noise of each draw's cohort (psa_noise.csv says how much of each outcome's spread that noise is). They are not the Monte Carlo intervals of a single run.",
        manifest.patients_per_policy
    )));
    let mut charts = section("charts", "Charts");
    for (name, title, caption) in PSA_CHARTS {
        if let Some(file) = picture(out, name) {
            charts.blocks.push(Block::Chart {
                name: name.into(),
                title: title.into(),
                caption: caption.into(),
                file,
            });
        }
    }
    let mut sections = vec![found];
    if !charts.blocks.is_empty() {
        sections.push(charts);
    }
    sections.push(inputs_section(loaded, &labels));
    sections.push(files_section(
        &PSA_FILES,
        [dir, out],
        "The analysis's files",
        "Beside this page (keep them together: the page shows the charts from their files):",
    ));
    let m = manifest;
    let page = Page {
        title: format!("foramen psa: {}", m.scenario),
        subtitle: format!(
            "{draws} draws, {} patients per policy and draw, {} policies, seed {}, horizon {} days; foramen {}, started {}",
            m.patients_per_policy,
            m.policies.len(),
            m.seed,
            m.horizon_days,
            m.foramen_version,
            m.started_utc
        ),
        caveat: html::CAVEAT.into(),
        sections,
        provenance: provenance(m),
    };
    write_page(out, &page)
}

fn section(id: &str, heading: &str) -> Section {
    Section {
        id: id.into(),
        heading: heading.into(),
        blocks: Vec::new(),
    }
}
