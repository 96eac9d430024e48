//! evppi.csv: the expected value of partial perfect information of every
//! parameter and named group (`foramen psa`).

use polars::prelude::*;

use super::{ColumnKind, Schema, Table, TextTable};
use crate::analysis::evppi::GroupEvppi;
use crate::analysis::psa::PsaResults;
use crate::error::Error;
use crate::estimate::evppi::Evppi;

use ColumnKind::{Flag, Number, OptionalNumber, Text};

/// evppi.csv: per group, method and willingness to pay (the analysis's
/// grid, then the scenario's values with `scenario_value` true).
pub const EVPPI: Schema = Schema {
    file: "evppi.csv",
    columns: &[
        ("group", Text),
        ("parameters", Text),
        ("method", Text),
        ("willingness_to_pay", Number),
        ("scenario_value", Flag),
        ("evppi_per_patient", Number),
        ("evppi_se", OptionalNumber),
        ("evppi_population", OptionalNumber),
        ("evppi_population_se", OptionalNumber),
        ("evpi_per_patient", Number),
    ],
};

/// evppi.csv from the analysis and its groups' EVPPI: `group` (a single
/// parameter's key path, or the group's name), `parameters` (its key
/// paths joined by `;`), `method` (`gam`, `gp` or `binned`), the
/// willingness to pay, whether it is one of the scenario's values, the
/// EVPPI per patient and its standard error (none for `binned`), both
/// for the population (with `--population`), and the EVPI for reference.
///
/// # Errors
/// [`Error::Output`] when the frame cannot be built.
pub fn evppi_frame(r: &PsaResults, groups: &[GroupEvppi]) -> Result<DataFrame, Error> {
    let Some(e) = &r.economics else {
        return Table::default().finish(&EVPPI);
    };
    // (group, at scenario?, index)
    let rows: Vec<(&GroupEvppi, bool, usize)> = groups
        .iter()
        .flat_map(|g| {
            (0..g.grid.value.len())
                .map(move |i| (g, false, i))
                .chain((0..g.at_scenario.value.len()).map(move |i| (g, true, i)))
        })
        .collect();
    let evpi = |s: bool, i: usize| if s { &e.at_scenario[i] } else { &e.grid[i] };
    let mut t = Table::default();
    t.strings("group", rows.iter().map(|(g, _, _)| g.name.clone()).collect());
    t.strings(
        "parameters",
        rows.iter().map(|(g, _, _)| g.parameters.join(";")).collect(),
    );
    t.strings(
        "method",
        rows.iter().map(|(g, _, _)| g.grid.method.name().to_string()).collect(),
    );
    t.floats(
        "willingness_to_pay",
        rows.iter().map(|&(_, s, i)| evpi(s, i).wtp).collect(),
    );
    t.flags("scenario_value", rows.iter().map(|&(_, s, _)| s).collect());
    t.floats(
        "evppi_per_patient",
        rows.iter().map(|&(g, s, i)| part(g, s).value[i]).collect(),
    );
    t.optional_floats("evppi_se", rows.iter().map(|&(g, s, i)| part(g, s).se[i]).collect());
    t.optional_floats(
        "evppi_population",
        rows.iter()
            .map(|&(g, s, i)| e.population.map(|n| n * part(g, s).value[i]))
            .collect(),
    );
    t.optional_floats(
        "evppi_population_se",
        rows.iter()
            .map(|&(g, s, i)| e.population.and_then(|n| part(g, s).se[i].map(|v| n * v)))
            .collect(),
    );
    t.floats(
        "evpi_per_patient",
        rows.iter().map(|&(_, s, i)| evpi(s, i).evpi).collect(),
    );
    t.finish(&EVPPI)
}

/// The part of a group's EVPPI at the scenario's values or at the grid.
fn part(g: &GroupEvppi, at_scenario: bool) -> &Evppi {
    if at_scenario { &g.at_scenario } else { &g.grid }
}

/// The groups of evppi.csv in `dir`, in its order: each group's grid
/// rows, then its rows at the scenario's values.
///
/// # Errors
/// As [`TextTable::read`]; [`Error::Invalid`] naming the cell that is not
/// what `foramen psa` writes.
pub(super) fn read_evppi(dir: &std::path::Path) -> Result<Vec<crate::report::plot::EvppiGroup>, Error> {
    use crate::report::plot::EvppiGroup;
    let table = TextTable::read(dir, &EVPPI)?;
    let (group, parameters, method, at) = (
        table.text("group")?,
        table.text("parameters")?,
        table.text("method")?,
        table.text("scenario_value")?,
    );
    let (wtp, value, evpi) = (
        table.numbers("willingness_to_pay")?,
        table.numbers("evppi_per_patient")?,
        table.numbers("evpi_per_patient")?,
    );
    let se = table.optional_numbers("evppi_se")?;
    let mut groups: Vec<EvppiGroup> = Vec::new();
    for i in 0..group.len() {
        let binned = match method[i].as_str() {
            "binned" => true,
            "gam" | "gp" => false,
            other => return Err(table.invalid("method", i, other, "gam, gp or binned")),
        };
        let same = groups.last().is_some_and(|g| g.name == group[i] && g.binned == binned);
        if !same {
            let members: Vec<String> = parameters[i].split(';').map(str::to_string).collect();
            groups.push(EvppiGroup {
                named: !(members.len() == 1 && members[0] == group[i]),
                name: group[i].clone(),
                parameters: members,
                binned,
                grid: Vec::new(),
                at_scenario: Vec::new(),
            });
        }
        let g = groups.last_mut().expect("pushed");
        match at[i].as_str() {
            "false" => g.grid.push(value[i]),
            "true" => g.at_scenario.push((wtp[i], value[i], se[i], evpi[i])),
            other => return Err(table.invalid("scenario_value", i, other, "true or false")),
        }
    }
    Ok(groups)
}
