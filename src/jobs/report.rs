//! report.html of a run directory (written by `foramen run`, `merge` and
//! `foramen plot`) and of a probabilistic analysis (`foramen psa`,
//! `jobs::psa_report::write_psa_report`): the findings in sentences, the tables for
//! reading, the charts by reference to their pictures beside the page,
//! the inputs with their sources, the methods and the provenance.

use std::path::Path;

use crate::analysis::describe::{self, RunFacts};
use crate::error::Error;
use crate::jobs::{Loaded, Source};
use crate::output::Manifest;
use crate::report::evidence;
use crate::report::findings::{self, RunTables};
use crate::report::html::{self, Block, Cells, InputRow, Layout, Page, Section};
use crate::report::plot::{self, ChartLabels};
use crate::report::tables::{self, run};
use crate::scenario::document::Overrides;

/// The report's file name.
pub const REPORT: &str = "report.html";

/// The picture of the chart `name` in `dir`, by file name: its SVG (sharp
/// at any zoom and in print), else its PNG; none when neither was drawn.
pub fn picture(dir: &Path, name: &str) -> Option<String> {
    ["svg", "png"]
        .iter()
        .map(|ext| format!("{name}.{ext}"))
        .find(|file| dir.join(file).is_file())
}

/// A run chart's title in words.
fn chart_title(name: &str, labels: &ChartLabels) -> String {
    let fixed = match name {
        "recovery_curves" => "Recovery over time",
        "symptom_free" => "Symptom-free over time",
        "surgery_free" => "Free of surgery over time",
        "pathway" => "Deepest level of care and status at the horizon",
        "states" => "Health states over time",
        "time_to_recovery" => "When patients recover",
        "differences" => "Differences from the reference policy",
        "differences_cost" => "Differences in cost",
        "differences_qalys" => "Differences in QALYs",
        "recovery_difference" => "Difference in recovery over time",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    match name
        .strip_prefix("subgroup_differences_")
        .and_then(crate::outcome::find)
    {
        Some(def) => format!("Differences within subgroups: {}", labels.outcome(def)),
        None => name.replace('_', " "),
    }
}

/// Which section a run chart goes in: 0 outcomes, 1 comparison, 2
/// cost-effectiveness, 3 subgroups.
fn section_of(name: &str) -> usize {
    if matches!(name, "differences" | "recovery_difference") {
        1
    } else if name.starts_with("differences_") {
        2
    } else if name.starts_with("subgroup") {
        3
    } else {
        0
    }
}

/// The outcomes shown within subgroups, a table each (those the run has).
const SUBGROUP_OUTCOMES: [&str; 4] = ["recovered", "surgery", "cost", "qalys"];

/// The files of a run other than its pictures, with what each holds.
const RUN_FILES: [(&str, &str); 13] = [
    (
        run::SUMMARY.file,
        "every outcome per policy with its Monte Carlo 95% interval",
    ),
    (
        run::COMPARISON.file,
        "each policy minus the reference for every outcome, with paired and unpaired Monte Carlo 95% intervals",
    ),
    (
        run::CEA.file,
        "the incremental cost-effectiveness analysis: cost, QALYs, dominance and ICERs with Fieller's interval",
    ),
    (
        run::NMB.file,
        "net monetary benefit per policy at each willingness to pay",
    ),
    (run::SUBGROUPS.file, "every outcome per policy and subgroup"),
    (run::SUBGROUP_DIFFERENCES.file, "the comparison within each subgroup"),
    (run::PATHWAY.file, "the pathway chart's data"),
    (run::TIME_TO_RECOVERY.file, "the time-to-recovery chart's data"),
    (
        run::CURVES.file,
        "recovery, symptom-free, surgery-free and the health states on each day, with Monte Carlo 95% bands",
    ),
    (
        run::RECOVERY_DIFFERENCE.file,
        "the difference in recovery from the reference on each day",
    ),
    ("at_risk.csv", "patients at risk of a first recovery on each day"),
    (
        "labels.csv",
        "what the charts and tables call policies, outcomes, subgroups and parameters",
    ),
    ("scenario.toml", "the scenario as simulated"),
];

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

/// The table at `path`, if the run has it and it has rows.
fn read_if(path: &Path) -> Result<Option<Cells>, Error> {
    if !path.is_file() {
        return Ok(None);
    }
    let cells = tables::read_cells(path)?;
    Ok((!cells.rows.is_empty()).then_some(cells))
}

/// `cells` with each cell of the columns `columns` put in labels by
/// `label`.
fn relabel(mut cells: Cells, columns: &[&str], label: impl Fn(&str) -> String) -> Cells {
    let at: Vec<usize> = columns
        .iter()
        .filter_map(|c| cells.header.iter().position(|h| h == c))
        .collect();
    for r in &mut cells.rows {
        for &i in &at {
            if let Some(c) = r.get_mut(i) {
                *c = label(c);
            }
        }
    }
    cells
}

/// `cells` with only the columns `keep` (in its order), renamed as `keep`
/// says.
fn columns(cells: &Cells, keep: &[(&str, &str)]) -> Cells {
    let at: Vec<(usize, &str)> = keep
        .iter()
        .filter_map(|(from, to)| cells.header.iter().position(|h| h == from).map(|i| (i, *to)))
        .collect();
    Cells {
        header: at.iter().map(|(_, to)| to.to_string()).collect(),
        rows: cells
            .rows
            .iter()
            .map(|r| at.iter().map(|&(i, _)| r.get(i).cloned().unwrap_or_default()).collect())
            .collect(),
    }
}

/// The scenario's inputs for the inputs table: every number the file
/// writes ([`crate::scenario::inputs`]), then any distribution of belief
/// it does not write in place (members of a joint belief), each with its
/// label, its distribution in words and the evidence IDs of its note.
pub fn input_rows(loaded: &Loaded, labels: &ChartLabels) -> (Vec<InputRow>, Vec<(String, String)>) {
    let scenario = &loaded.scenario;
    let known = if evidence::refers_to_evidence(&loaded.source.text) {
        evidence::references()
    } else {
        Vec::new()
    };
    let words = |path: &str| -> Option<String> {
        let own = labels.parameter(path);
        if own != path {
            return Some(own.to_string());
        }
        // A label of the thing the path is in: `Injection: cost`.
        let named = |prefix: &str, name: &str, label: &str| {
            path.strip_prefix(&format!("{prefix}.{name}."))
                .filter(|_| label != name)
                .map(|rest| format!("{label}: {}", rest.replace(['.', '_'], " ")))
        };
        scenario
            .interventions()
            .iter()
            .find_map(|i| named("interventions", &i.name, &i.label))
            .or_else(|| {
                scenario
                    .policies()
                    .iter()
                    .find_map(|p| named("policies", &p.name, &p.label))
            })
            .or_else(|| {
                scenario
                    .covariates()
                    .iter()
                    .find_map(|c| named("cohort.covariates", &c.name, &c.label))
            })
    };
    let belief = |path: &str| {
        scenario.beliefs().iter().find(|b| b.path == path).map(|b| {
            format!(
                "{}, mean {} (95% of belief {} to {})",
                b.prior,
                html::significant(b.mean, 4),
                html::significant(b.prior.quantile(0.025), 3),
                html::significant(b.prior.quantile(0.975), 3)
            )
        })
    };
    let mut rows: Vec<InputRow> = crate::scenario::inputs::inputs(&loaded.source.text)
        .into_iter()
        .map(|i| InputRow {
            label: words(&i.path),
            belief: belief(&i.path),
            ids: evidence::cited(&i.note, &known),
            value: i.written,
            note: i.note,
            path: i.path,
        })
        .collect();
    for b in scenario.beliefs() {
        if rows.iter().any(|r| r.path == b.path) {
            continue;
        }
        let joint = scenario.joint_beliefs().iter().find(|j| j.paths.contains(&b.path));
        let note = joint.and_then(|j| j.source.clone()).unwrap_or_default();
        rows.push(InputRow {
            label: words(&b.path),
            value: joint.map_or(String::new(), |j| format!("drawn with the joint belief {}", j.name)),
            belief: belief(&b.path),
            ids: evidence::cited(&note, &known),
            note,
            path: b.path.clone(),
        });
    }
    let mut cited: Vec<(String, String)> = known
        .into_iter()
        .filter(|(id, _)| rows.iter().any(|r| r.ids.contains(id)))
        .collect();
    cited.sort_by(|a, b| a.0.cmp(&b.0));
    (rows, cited)
}

/// The inputs section: every input with its source, the references of
/// the IDs cited, and the scenario in words folded away.
/// The section listing those of `known` (file, what it holds) found in
/// either of `dirs`, under `heading` and `intro`.
pub fn files_section(known: &[(&str, &str)], dirs: [&Path; 2], heading: &str, intro: &str) -> Section {
    let files = known
        .iter()
        .filter(|(f, _)| dirs.iter().any(|d| d.join(f).is_file()))
        .map(|(f, a)| (f.to_string(), a.to_string()))
        .collect();
    Section {
        id: "files".into(),
        heading: heading.into(),
        blocks: vec![Block::Text(intro.into()), Block::Files(files)],
    }
}

pub fn inputs_section(loaded: &Loaded, labels: &ChartLabels) -> Section {
    let (rows, cited) = input_rows(loaded, labels);
    let beliefs = rows.iter().filter(|r| r.belief.is_some()).count();
    let mut blocks = vec![Block::Text(format!(
        "Every number of the scenario file: {} inputs, of which {beliefs} are distributions of belief (drawn by the probabilistic analysis, foramen psa; a single run uses each one's mean). Each is named by its key path (as in [ranges], --param and the psa tables), in words where the scenario gives a label; its value is as the file writes it, and its note is the file's own (its source string, or the comment beside or above it), with the evidence IDs it cites.",
        rows.len()
    ))];
    blocks.push(Block::Inputs(rows));
    if !cited.is_empty() {
        blocks.push(Block::Text(
            "The evidence IDs cited above, as docs/evidence.md (which the scenario refers to) gives them:".to_string(),
        ));
        blocks.push(Block::References(cited));
    }
    let words = describe::describe(&loaded.scenario);
    blocks.push(Block::Folded {
        summary: format!(
            "The scenario in words ({} lines: cohort, natural history, economics, every policy step by step; not printed)",
            words.lines().count()
        ),
        text: words,
    });
    Section {
        id: "inputs".into(),
        heading: "Inputs and their sources".into(),
        blocks,
    }
}

/// The provenance list of a manifest.
pub fn provenance(m: &Manifest) -> Vec<(String, String)> {
    [
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
        ("runs", m.runs.to_string()),
        ("started (UTC)", m.started_utc.clone()),
        ("simulation time (s)", format!("{:.2}", m.simulation_seconds)),
        ("stalled paths", m.stalled_paths.to_string()),
        ("files", m.files.join(", ")),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Writes `page` as `dir/report.html`, beside and renamed into place.
pub fn write_page(dir: &Path, page: &Page) -> Result<(), Error> {
    let path = dir.join(REPORT);
    let partial = dir.join(format!(".{REPORT}.partial"));
    std::fs::write(&partial, html::render(page)).map_err(|source| Error::Output {
        path: partial.clone(),
        source,
    })?;
    std::fs::rename(&partial, &path).map_err(|source| Error::Output { path, source })
}

fn section(id: &str, heading: impl Into<String>) -> Section {
    Section {
        id: id.into(),
        heading: heading.into(),
        blocks: Vec::new(),
    }
}

/// The report of the run whose tables are in `tables_dir`, written into
/// `dir/report.html` beside the run's pictures (which it shows by file
/// name): `loaded` is the scenario the run simulated (with its
/// overrides) and `manifest` the run's.
///
/// # Errors
/// As [`tables::read_run_charts`] and [`tables::read_cells`];
/// [`Error::Output`] when the page cannot be written.
pub fn write_report(tables_dir: &Path, dir: &Path, loaded: &Loaded, manifest: &Manifest) -> Result<(), Error> {
    let run = tables::read_run_charts(tables_dir, &manifest.scenario, manifest.horizon_days)?;
    let labels = &run.labels;
    let reference = run
        .comparisons
        .first()
        .map(|c| c.reference.clone())
        .or_else(|| run.policies.first().map(|p| p.name.clone()))
        .unwrap_or_default();
    let reference_label = labels.policy(&reference).to_string();
    let facts = RunFacts {
        version: &manifest.foramen_version,
        reference: &reference,
        independent: !manifest.common_random_numbers,
    };
    let read = |file: &str| read_if(&tables_dir.join(file));
    let found = RunTables {
        comparison: read(run::COMPARISON.file)?,
        cea: read(run::CEA.file)?,
        nmb: read(run::NMB.file)?,
    };
    let mut summary_of_findings = section("findings", "Findings");
    let (economics, differences) = findings::run_findings(&found, labels);
    if !economics.is_empty() {
        summary_of_findings
            .blocks
            .push(Block::Heading("Cost-effectiveness".into()));
        summary_of_findings.blocks.push(Block::List(economics));
    }
    if !differences.is_empty() {
        summary_of_findings.blocks.push(Block::Heading(format!(
            "The largest differences from {reference_label}"
        )));
        summary_of_findings.blocks.push(Block::List(differences));
    }
    if summary_of_findings.blocks.is_empty() {
        summary_of_findings.blocks.push(Block::Text(
            "One policy and no economics: the tables below say what the run found.".into(),
        ));
    }
    summary_of_findings.blocks.push(Block::Text(format!(
        "{} patients per policy. {}",
        html::grouped(&manifest.patients_per_policy.to_string()),
        findings::monte_carlo_sentence()
    )));
    let mut methods = section("methods", "Methods");
    for para in describe::methods(&loaded.scenario, &facts).split("\n\n") {
        if !para.trim().is_empty() {
            methods.blocks.push(Block::Text(para.trim().to_string()));
        }
    }
    let mut parts = [
        section("outcomes", "Outcomes by policy"),
        section("comparison", format!("Comparison with {reference_label}")),
        section("cost-effectiveness", "Cost-effectiveness"),
        section("subgroups", "Subgroups"),
    ];
    if let Some(summary) = read(run::SUMMARY.file)? {
        parts[0].blocks.push(Block::Table {
            title: "Every outcome by policy".into(),
            file: run::SUMMARY.file.into(),
            about: "Each outcome per policy with its Monte Carlo 95% interval under it; shares in percent, numbers to four significant digits (the CSV file holds them in full).".into(),
            cells: html::summary_by_outcome(&summary, labels),
            layout: Layout::ByPolicy,
            folded: false,
        });
    }
    if let Some(comparison) = &found.comparison {
        parts[1].blocks.push(Block::Table {
            title: format!("Each policy minus {reference_label}"),
            file: run::COMPARISON.file.into(),
            about: format!("The difference from {reference_label} for every outcome, with its paired Monte Carlo 95% interval (the same patients under both policies; medians have only the unpaired one); shares in percentage points."),
            cells: html::comparison_by_outcome(comparison, labels),
            layout: Layout::ByPolicy,
            folded: false,
        });
    }
    if let Some(cea) = &found.cea {
        let currency = cea.rows.first().and_then(|r| r.get(1)).cloned().unwrap_or_default();
        let cells = relabel(cea.clone(), &["policy", "compared_with"], |p| {
            labels.policy(p).to_string()
        });
        let folded = html::fold_estimates(&cells);
        let cells = columns(
            &folded,
            &[
                ("policy", "policy"),
                ("cost (MC 95%)", &format!("cost per patient, {currency} (MC 95%)")),
                ("qalys (MC 95%)", "QALYs per patient (MC 95%)"),
                ("status", "status"),
                ("compared_with", "compared with"),
                ("incremental_cost (MC 95%)", "incremental cost (MC 95%)"),
                ("incremental_qalys (MC 95%)", "incremental QALYs (MC 95%)"),
                ("icer (MC 95%)", &format!("ICER, {currency} per QALY (MC 95%)")),
            ],
        );
        parts[2].blocks.push(Block::Table {
            title: "Incremental cost-effectiveness".into(),
            file: run::CEA.file.into(),
            about: "One row per policy in order of discounted cost: its cost and QALYs, whether it is on the frontier or dominated, and against which policy its increments and ICER are (the ICER's interval is Fieller's).".into(),
            cells,
            layout: Layout::Plain,
            folded: false,
        });
    }
    if let Some(nmb) = &found.nmb {
        let cells = relabel(nmb.clone(), &["policy"], |p| labels.policy(p).to_string());
        let cells = relabel(
            cells,
            &["best"],
            |b| if b == "true" { "yes".into() } else { String::new() },
        );
        let cells = columns(
            &html::fold_estimates(&cells),
            &[
                ("willingness_to_pay", "willingness to pay per QALY"),
                ("policy", "policy"),
                ("nmb (MC 95%)", "net monetary benefit per patient (MC 95%)"),
                (
                    "incremental_nmb (MC 95%)",
                    &format!("minus {reference_label}'s, paired (MC 95%)"),
                ),
                ("best", "highest"),
            ],
        );
        parts[2].blocks.push(Block::Table {
            title: "Net monetary benefit".into(),
            file: run::NMB.file.into(),
            about: "Net monetary benefit (willingness to pay times QALYs, less cost) per policy at each willingness to pay.".into(),
            cells,
            layout: Layout::Plain,
            folded: false,
        });
    }
    if let Some(subgroups) = read(run::SUBGROUPS.file)? {
        // The main outcomes, a table each: a row per subgroup.
        for name in SUBGROUP_OUTCOMES {
            let cells = html::subgroups_by_outcome(&subgroups, name, labels);
            if cells.rows.is_empty() {
                continue;
            }
            parts[3].blocks.push(Block::Table {
                title: format!("Within subgroups: {}", html::outcome_title(name, labels)),
                folded: cells.rows.len() > html::LONG,
                file: run::SUBGROUPS.file.into(),
                about: "Per subgroup and policy, with the Monte Carlo 95% interval under each estimate (every outcome is in the CSV file).".into(),
                cells,
                layout: Layout::ByPolicy,
            });
        }
    }
    for (name, svg_or_png) in run_pictures(dir, &run) {
        let block = Block::Chart {
            title: chart_title(&name, labels),
            caption: plot::caption(&name),
            name: name.clone(),
            file: svg_or_png,
        };
        parts[section_of(&name)].blocks.push(block);
    }
    let mut sections = vec![summary_of_findings, methods];
    sections.extend(parts.into_iter().filter(|s| !s.blocks.is_empty()));
    sections.push(inputs_section(loaded, labels));
    sections.push(files_section(
        &RUN_FILES,
        [tables_dir, dir],
        "The run's files",
        "Beside this page, in the run directory (keep them together: the page shows the charts from their files):",
    ));
    let m = manifest;
    let page = Page {
        title: format!("foramen run: {}", m.scenario),
        subtitle: format!(
            "{} policies, {} patients each, seed {}, horizon {} days; foramen {}, started {}",
            m.policies.len(),
            html::grouped(&m.patients_per_policy.to_string()),
            m.seed,
            m.horizon_days,
            m.foramen_version,
            m.started_utc
        ),
        caveat: html::CAVEAT.into(),
        sections,
        provenance: provenance(m),
    };
    write_page(dir, &page)
}

/// The run's charts in drawing order, each with its picture in `dir`
/// (those without one left out).
fn run_pictures(dir: &Path, run: &crate::report::plot::RunCharts) -> Vec<(String, String)> {
    let mut names: Vec<String> = plot::RUN_CHARTS.iter().map(|n| n.to_string()).collect();
    if !run.comparisons.is_empty() {
        names.extend(
            [
                "differences",
                "differences_cost",
                "differences_qalys",
                "recovery_difference",
            ]
            .iter()
            .map(|n| n.to_string()),
        );
        for def in crate::outcome::OUTCOMES {
            names.push(format!("subgroup_differences_{}", def.name));
        }
    }
    names
        .into_iter()
        .filter_map(|n| picture(dir, &n).map(|f| (n, f)))
        .collect()
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
