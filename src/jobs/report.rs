//! report.html: a run directory as one self-contained page (the scenario
//! in words, a methods paragraph, every chart and table, the comparison,
//! any economics, the provenance), written by `foramen run`, `merge` and
//! `foramen plot`.

use std::path::Path;

use crate::analysis::describe::{self, RunFacts};
use crate::error::Error;
use crate::jobs::{Loaded, Source, plot_error};
use crate::output::Manifest;
use crate::report::html::{self, Block, Page, Section};
use crate::report::plot::{self, Style};
use crate::report::tables::{self, run};
use crate::scenario::document::Overrides;

/// The report's file name.
pub const REPORT: &str = "report.html";

/// What each table of a run holds, for the report; tables not listed are
/// not in it.
const TABLES: [(&str, &str); 10] = [
    (
        run::SUMMARY.file,
        "every outcome per policy with its Monte Carlo 95% interval",
    ),
    (
        run::COMPARISON.file,
        "each policy minus the reference, for every outcome: the difference, its paired Monte Carlo 95% interval (the same patients under both policies) and the unpaired one",
    ),
    (
        run::CEA.file,
        "the incremental cost-effectiveness analysis, one row per policy in order of cost: discounted cost and QALYs, dominance status and the ICER on the frontier with Fieller's interval",
    ),
    (
        run::NMB.file,
        "net monetary benefit per policy at each willingness to pay, and its paired difference from the reference",
    ),
    (run::SUBGROUPS.file, "every outcome per policy and subgroup"),
    (run::SUBGROUP_DIFFERENCES.file, "the comparison within each subgroup"),
    (
        run::PATHWAY.file,
        "the pathway chart's data: patients by deepest level of care reached and status at the horizon",
    ),
    (
        run::TIME_TO_RECOVERY.file,
        "the time-to-recovery chart's data: patients first recovering in each weekly bin",
    ),
    (
        run::CURVES.file,
        "the curves' data: recovery, symptom-free, surgery-free and the health states on each day of the grid, with Monte Carlo 95% bands",
    ),
    (
        run::RECOVERY_DIFFERENCE.file,
        "the recovery difference chart's data: the difference from the reference on each day, with its paired band",
    ),
];

/// Which section a chart or table goes in: 0 results, 1 comparison, 2
/// economics, 3 subgroups, 4 chart data.
fn section_of(name: &str) -> usize {
    if name == run::SUMMARY.file {
        0
    } else if name == run::COMPARISON.file || matches!(name, "differences" | "recovery_difference") {
        1
    } else if [run::CEA.file, run::NMB.file, "differences_cost", "differences_qalys"].contains(&name) {
        2
    } else if name.starts_with("subgroup") {
        3
    } else if name.ends_with(".csv") {
        4
    } else {
        0
    }
}

/// `a 'b c'`: a command line as it could be typed again.
fn shell_words(argv: &[String]) -> String {
    let quote = |a: &String| {
        let plain = !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=,:@+%".contains(c));
        if plain {
            a.clone()
        } else {
            format!("'{}'", a.replace('\'', "'\\''"))
        }
    };
    argv.iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// The report of the run whose tables are in `tables_dir`, written into
/// `dir/report.html`: `loaded` is the scenario the run simulated (with its
/// overrides) and `manifest` the run's. Charts are drawn in `style`.
///
/// # Errors
/// As [`tables::read_run_charts`]; [`Error::Output`] when the page cannot
/// be written.
pub fn write_report(
    tables_dir: &Path,
    dir: &Path,
    loaded: &Loaded,
    manifest: &Manifest,
    style: &Style,
) -> Result<(), Error> {
    let run = tables::read_run_charts(tables_dir, &manifest.scenario, manifest.horizon_days)?;
    let reference = run
        .comparisons
        .first()
        .map(|c| c.reference.clone())
        .or_else(|| run.policies.first().map(|p| p.name.clone()))
        .unwrap_or_default();
    let reference_label = run.labels.policy(&reference).to_string();
    let facts = RunFacts {
        version: &manifest.foramen_version,
        reference: &reference,
        independent: !manifest.common_random_numbers,
    };
    let headings = [
        "Results".to_string(),
        format!("Comparison with {reference_label}"),
        "Economics".to_string(),
        "Subgroups".to_string(),
        "The charts' data".to_string(),
    ];
    let mut sections: Vec<Section> = headings
        .iter()
        .map(|h| Section {
            heading: h.clone(),
            blocks: Vec::new(),
        })
        .collect();
    sections[0].blocks.push(Block::Text(format!(
        "{} patients per policy; estimates with Monte Carlo 95% intervals (how precisely the simulation has computed the model's answer at this cohort size, not uncertainty in the inputs; numbers to four significant digits here; the CSV files beside this page hold them in full).",
        manifest.patients_per_policy
    )));
    for (file, about) in TABLES {
        let path = tables_dir.join(file);
        if !path.exists() {
            continue;
        }
        let raw = tables::read_cells(&path)?;
        let by_outcome = file == run::SUMMARY.file;
        let cells = if by_outcome {
            html::summary_by_outcome(&raw, &run.labels)
        } else {
            html::fold_estimates(&raw)
        };
        if cells.rows.is_empty() {
            continue;
        }
        sections[section_of(file)].blocks.push(Block::Table {
            file: file.to_string(),
            about: about.to_string(),
            cells,
            by_outcome,
        });
    }
    for (name, svg) in plot::run_svgs(&run, style).map_err(plot_error)? {
        let block = Block::Chart {
            caption: plot::caption(&name),
            name: name.clone(),
            svg,
        };
        sections[section_of(&name)].blocks.push(block);
    }
    sections.retain(|s| s.blocks.iter().any(|b| !matches!(b, Block::Text(_))));
    let m = manifest;
    let provenance: Vec<(String, String)> = [
        ("foramen version", m.foramen_version.clone()),
        ("command", m.command.clone()),
        ("command line", shell_words(&m.argv)),
        ("scenario", m.scenario.clone()),
        ("scenario file", m.scenario_file.clone()),
        ("scenario SHA-256", m.scenario_sha256.clone()),
        ("seed", m.seed.to_string()),
        ("patients per policy", m.patients_per_policy.to_string()),
        ("policies", m.policies.join(", ")),
        ("horizon (days)", m.horizon_days.to_string()),
        ("subgroups by", m.subgroups_by.join(", ")),
        ("common random numbers", m.common_random_numbers.to_string()),
        ("threads", m.threads.to_string()),
        ("started (UTC)", m.started_utc.clone()),
        ("simulation time (s)", format!("{:.2}", m.simulation_seconds)),
        ("stalled paths", m.stalled_paths.to_string()),
        ("files", m.files.join(", ")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let page = Page {
        title: format!("foramen run: {}", m.scenario),
        subtitle: format!(
            "{} policies, {} patients each, seed {}, horizon {} days; foramen {}, started {}",
            m.policies.len(),
            m.patients_per_policy,
            m.seed,
            m.horizon_days,
            m.foramen_version,
            m.started_utc
        ),
        scenario_words: describe::describe(&loaded.scenario),
        methods: describe::methods(&loaded.scenario, &facts),
        sections,
        provenance,
    };
    let path = dir.join(REPORT);
    std::fs::write(&path, html::render(&page)).map_err(|source| Error::Output { path, source })
}

/// The scenario a finished run simulated: its scenario.toml validated
/// with the overrides its manifest records.
///
/// # Errors
/// As [`crate::jobs::read_text`] and [`Loaded::from_source`].
pub fn load_run(run_dir: &Path, manifest: &Manifest) -> Result<Loaded, Error> {
    let path = run_dir.join(crate::jobs::SCENARIO_COPY);
    let source = Source {
        text: crate::jobs::read_text(&path, "scenario")?,
        file: path.display().to_string(),
    };
    let overrides = Overrides {
        patients: Some(manifest.patients_per_policy),
        seed: Some(manifest.seed),
        horizon_days: Some(manifest.horizon_days),
        by: Some(manifest.subgroups_by.clone()),
    };
    Loaded::from_source(source, overrides)
}
