//! The tables of `foramen fit` (docs/fitting.md): the data file read as
//! text, and fits.csv, covariance.csv, km.csv and response.csv.

use std::path::Path;

use polars::prelude::*;

use super::{ColumnKind, Schema, Table, TextTable};
use crate::error::Error;
use crate::estimate::fit::data::TextColumns;
use crate::estimate::fit::km::Step;
use crate::estimate::fit::response::{BetaBelief, Logistic};
use crate::estimate::fit::{Fit, Scale};
use crate::stats::Z95;

use ColumnKind::{Count, Flag, Number, Text};

/// fits.csv: one row per family and estimated quantity.
pub const FITS: Schema = Schema {
    file: "fits.csv",
    columns: &[
        ("family", Text),
        ("converged", Flag),
        ("convergence", Text),
        ("log_likelihood", Number),
        ("aic", Number),
        ("bic", Number),
        ("delta_aic", Number),
        ("parameter", Text),
        ("kind", Text),
        ("estimate", Number),
        ("lower", Number),
        ("upper", Number),
        ("fitting_scale", Text),
        ("fitting_estimate", Number),
        ("fitting_se", Number),
    ],
};

/// covariance.csv: each family's covariance of its estimates on the
/// fitting scale, one row per entry.
pub const COVARIANCE: Schema = Schema {
    file: "covariance.csv",
    columns: &[
        ("family", Text),
        ("row", Text),
        ("column", Text),
        ("covariance", Number),
    ],
};

/// km.csv: the Kaplan-Meier curve at each event time.
pub const KM: Schema = Schema {
    file: "km.csv",
    columns: &[
        ("time", Number),
        ("at_risk", Count),
        ("events", Count),
        ("survival", Number),
        ("lower", Number),
        ("upper", Number),
    ],
};

/// response.csv: the response probability's belief, or the logistic
/// regression's terms.
pub const RESPONSE: Schema = Schema {
    file: "response.csv",
    columns: &[
        ("term", Text),
        ("kind", Text),
        ("estimate", Number),
        ("lower", Number),
        ("upper", Number),
        ("fitting_scale", Text),
        ("fitting_estimate", Number),
        ("fitting_se", Number),
        ("log_likelihood", Number),
        ("converged", Flag),
        ("convergence", Text),
    ],
};

/// The data file at `path`, every cell as text (empty cells `None`).
///
/// # Errors
/// [`Error::Read`] for a file that cannot be read, [`Error::Syntax`] for
/// one that is not a CSV table with a header.
pub fn read_data(path: &Path) -> Result<TextColumns, Error> {
    let table = TextTable::read_csv(path, None, "data file", "give a comma-separated file with a header row")?;
    let columns = table
        .df
        .columns()
        .iter()
        .map(|c| {
            let cells = c.str().map(|s| s.iter().map(|v| v.map(str::to_string)).collect());
            cells.map(|cells| (c.name().to_string(), cells))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Syntax {
            file: table.file.clone(),
            message: format!("a column could not be read as text ({e})"),
        })?;
    Ok(TextColumns { columns })
}

/// `(estimate, lower, upper)` on the natural scale of `x ± z se` on a
/// fitting scale.
fn natural(scale: Scale, x: f64, se: f64) -> (f64, f64, f64) {
    (
        scale.natural(x),
        scale.natural(x - Z95 * se),
        scale.natural(x + Z95 * se),
    )
}

/// What a fit's `converged` column says: the Newton steps, or why not.
fn convergence(converged: &Result<usize, String>) -> String {
    match converged {
        Ok(1) => "converged in 1 Newton step".into(),
        Ok(steps) => format!("converged in {steps} Newton steps"),
        Err(why) => why.clone(),
    }
}

/// fits.csv: per family (in `fits`' order) its parameters, then its
/// covariates' coefficients as ratios (`exp β`: a time ratio, or a hazard
/// ratio for the exponential's and Gompertz's rate), each with its 95%
/// interval from `β ± 1.96 se` on the fitting scale; `delta_aic` against
/// the lowest AIC among the fits that converged.
pub fn fits_frame(fits: &[Fit]) -> Result<DataFrame, Error> {
    let best = fits
        .iter()
        .filter(|f| f.converged.is_ok())
        .map(Fit::aic)
        .fold(f64::INFINITY, f64::min);
    let mut rows: Vec<(&Fit, usize)> = Vec::new();
    for f in fits {
        rows.extend((0..f.k()).map(|i| (f, i)));
    }
    let mut t = Table::default();
    let each = |g: &dyn Fn(&Fit, usize) -> f64| rows.iter().map(|&(f, i)| g(f, i)).collect::<Vec<f64>>();
    let scale_of = |f: &Fit, i: usize| f.family.parameters().get(i).map_or(Scale::Log, |(_, s)| *s);
    let value = |f: &Fit, i: usize| natural(scale_of(f, i), f.estimate[i], f.se(i));
    t.strings(
        "family",
        rows.iter().map(|(f, _)| f.family.name().to_string()).collect(),
    );
    t.flags("converged", rows.iter().map(|(f, _)| f.converged.is_ok()).collect());
    t.strings(
        "convergence",
        rows.iter().map(|(f, _)| convergence(&f.converged)).collect(),
    );
    t.floats("log_likelihood", each(&|f, _| f.log_likelihood));
    t.floats("aic", each(&|f, _| f.aic()));
    t.floats("bic", each(&|f, _| f.bic()));
    t.floats("delta_aic", each(&|f, _| f.aic() - best));
    t.strings("parameter", rows.iter().map(|(f, i)| f.names[*i].clone()).collect());
    let kind = |f: &Fit, i: usize| match (i < f.family.parameters().len(), f.family.time_ratio()) {
        (true, _) => "parameter",
        (false, true) => "time ratio",
        (false, false) => "hazard ratio",
    };
    t.strings("kind", rows.iter().map(|&(f, i)| kind(f, i).to_string()).collect());
    t.floats("estimate", each(&|f, i| value(f, i).0));
    t.floats("lower", each(&|f, i| value(f, i).1));
    t.floats("upper", each(&|f, i| value(f, i).2));
    t.strings(
        "fitting_scale",
        rows.iter().map(|&(f, i)| scale_of(f, i).name().to_string()).collect(),
    );
    t.floats("fitting_estimate", each(&|f, i| f.estimate[i]));
    t.floats("fitting_se", each(&|f, i| f.se(i)));
    t.finish(&FITS)
}

/// covariance.csv: every family's covariance matrix, row by row.
pub fn covariance_frame(fits: &[Fit]) -> Result<DataFrame, Error> {
    let mut cells: Vec<(&Fit, usize, usize)> = Vec::new();
    for f in fits {
        cells.extend((0..f.k() * f.k()).map(|rc| (f, rc / f.k(), rc % f.k())));
    }
    let mut t = Table::default();
    t.strings(
        "family",
        cells.iter().map(|(f, _, _)| f.family.name().to_string()).collect(),
    );
    t.strings("row", cells.iter().map(|&(f, r, _)| f.names[r].clone()).collect());
    t.strings("column", cells.iter().map(|&(f, _, c)| f.names[c].clone()).collect());
    t.floats(
        "covariance",
        cells.iter().map(|&(f, r, c)| f.covariance[r * f.k() + c]).collect(),
    );
    t.finish(&COVARIANCE)
}

/// km.csv.
pub fn km_frame(steps: &[Step]) -> Result<DataFrame, Error> {
    let mut t = Table::default();
    let col = |g: fn(&Step) -> f64| steps.iter().map(g).collect::<Vec<f64>>();
    t.floats("time", col(|s| s.time));
    t.integers("at_risk", steps.iter().map(|s| s.at_risk as u64).collect());
    t.integers("events", steps.iter().map(|s| s.events as u64).collect());
    t.floats("survival", col(|s| s.survival));
    t.floats("lower", col(|s| s.lower));
    t.floats("upper", col(|s| s.upper));
    t.finish(&KM)
}

/// response.csv for a beta belief: one row, `probability`, its mean and
/// central 95% interval (`fitting_scale` "beta", no fitting estimate).
pub fn beta_frame(b: &BetaBelief) -> Result<DataFrame, Error> {
    let (lo, hi) = b.interval();
    let mut t = Table::default();
    t.strings("term", vec!["probability".into()]);
    t.strings("kind", vec![format!("beta({}, {})", b.a, b.b)]);
    t.floats("estimate", vec![b.mean()]);
    t.floats("lower", vec![lo]);
    t.floats("upper", vec![hi]);
    t.strings("fitting_scale", vec!["beta".into()]);
    t.floats("fitting_estimate", vec![f64::NAN]);
    t.floats("fitting_se", vec![f64::NAN]);
    let ll = b.successes * b.mean().ln() + (b.trials - b.successes) * (1.0 - b.mean()).ln();
    t.floats("log_likelihood", vec![ll]);
    t.flags("converged", vec![true]);
    t.strings(
        "convergence",
        vec![format!("{} of {} from the counts", b.successes, b.trials)],
    );
    t.finish(&RESPONSE)
}

/// response.csv for a logistic regression: the probability with every
/// covariate at 0 (`expit β₀`), then each odds ratio (`exp β`), each with
/// its 95% interval from the fitting scale.
pub fn logistic_frame(l: &Logistic) -> Result<DataFrame, Error> {
    let k = l.estimate.len();
    let expit = |x: f64| 1.0 / (1.0 + (-x).exp());
    let value = |i: usize, x: f64| if i == 0 { expit(x) } else { x.exp() };
    let mut t = Table::default();
    t.strings("term", l.names.clone());
    t.strings(
        "kind",
        (0..k)
            .map(|i| if i == 0 { "probability" } else { "odds ratio" }.to_string())
            .collect(),
    );
    let at = |z: f64| {
        (0..k)
            .map(|i| value(i, l.estimate[i] + z * l.se(i)))
            .collect::<Vec<f64>>()
    };
    t.floats("estimate", at(0.0));
    t.floats("lower", at(-Z95));
    t.floats("upper", at(Z95));
    t.strings(
        "fitting_scale",
        (0..k)
            .map(|i| if i == 0 { "logit" } else { "log" }.to_string())
            .collect(),
    );
    t.floats("fitting_estimate", l.estimate.clone());
    t.floats("fitting_se", (0..k).map(|i| l.se(i)).collect());
    t.floats("log_likelihood", vec![l.log_likelihood; k]);
    t.flags("converged", vec![l.converged.is_ok(); k]);
    t.strings("convergence", vec![convergence(&l.converged); k]);
    t.finish(&RESPONSE)
}
