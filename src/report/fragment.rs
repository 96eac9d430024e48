//! fit.toml, the TOML fragment `foramen fit` writes for a scenario
//! (docs/fitting.md): the chosen family with its maximum-likelihood
//! parameters, and their uncertainty as a `[[joint_beliefs]]` multivariate
//! normal on the fitting scale (mean the estimates, covariance the inverse
//! observed information), or a response probability's beta belief or
//! logistic regression. Numbers are written in full (Rust's shortest
//! round-trip form), so the scenario gets the estimates exactly.

use crate::estimate::fit::response::{BetaBelief, Logistic};
use crate::estimate::fit::{Fit, Scale};

/// What a fragment says about where its numbers came from.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// The data file, as given.
    pub data: String,
    /// `rows, events` (or responses) as words, e.g. "400 rows, 261 events".
    pub counts: String,
    /// The key path the fragment is for, e.g.
    /// `interventions.tfesi.recovery_time`.
    pub key: String,
    /// Why this family (e.g. "lowest AIC of 7 families").
    pub why: String,
    /// The data's time unit: "days" or "weeks".
    pub unit: String,
    /// Numeric covariates (not 0/1) centred at their means before the
    /// fit, with those means: the fragment's baseline is at them.
    pub centred: Vec<(String, f64)>,
}

impl Provenance {
    /// Where the baseline of a fit with covariates is: each factor at its
    /// first level, a 0/1 covariate at 0, a number at its mean.
    fn baseline(&self) -> String {
        let means: Vec<String> = self.centred.iter().map(|(n, m)| format!("{n} {m:.4}")).collect();
        if means.is_empty() {
            "with each factor at its first level and each 0/1 covariate at 0".into()
        } else {
            format!(
                "with each factor at its first level, each 0/1 covariate at 0 and each number at its mean ({})",
                means.join(", ")
            )
        }
    }

    /// A joint belief's name: the key's last two parts, then `what`.
    fn belief_name(&self, what: &str) -> String {
        let parts: Vec<&str> = self.key.rsplit('.').take(2).collect();
        let stem: Vec<String> = parts.iter().rev().map(|p| p.replace('_', "-")).collect();
        format!("{}-{what}", stem.join("-"))
    }
}

/// The last element of a key path: the key the fragment's line sets.
fn leaf(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// `[[a, b], [c, d]]` with full-precision numbers.
fn matrix(rows: &[Vec<f64>]) -> String {
    let rows: Vec<String> = rows.iter().map(|r| list(r)).collect();
    format!("[{}]", rows.join(", "))
}

fn list(values: &[f64]) -> String {
    let cells: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    format!("[{}]", cells.join(", "))
}

fn quoted(values: &[String]) -> String {
    let cells: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
    format!("[{}]", cells.join(", "))
}

/// A `[[joint_beliefs]]` normal table over `paths` with `scales`, mean
/// `mean` and covariance `cov` (row-major), or, for one path, nothing (the
/// caller writes an inline belief).
fn joint(name: &str, paths: &[String], scales: &[&str], mean: &[f64], cov: &[f64], source: &str) -> String {
    let k = mean.len();
    let sd: Vec<f64> = (0..k).map(|i| cov[i * k + i].sqrt()).collect();
    let correlation: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            (0..k)
                // From the upper triangle, so the matrix is exactly symmetric.
                .map(|j| {
                    if i == j {
                        1.0
                    } else {
                        cov[i.min(j) * k + i.max(j)] / (sd[i] * sd[j])
                    }
                })
                .collect()
        })
        .collect();
    let scales: Vec<String> = scales.iter().map(|s| s.to_string()).collect();
    format!(
        "[[joint_beliefs]]\nname = \"{name}\"\nnormal = {}\nscale = {}\nmean = {}\nsd = {}\ncorrelation = {}\nsource = \"{source}\"\n",
        quoted(paths),
        quoted(&scales),
        list(mean),
        list(&sd),
        matrix(&correlation),
    )
}

/// The fragment for a time-to-event fit.
pub fn survival(fit: &Fit, p: &Provenance) -> String {
    let parameters = fit.family.parameters();
    let n = parameters.len();
    let natural = fit.natural();
    let unit = if p.unit == "weeks" { ", unit = \"weeks\"" } else { "" };
    let values: Vec<String> = parameters
        .iter()
        .zip(&natural)
        .map(|((name, _), v)| format!("{name} = {v:?}"))
        .collect();
    let source = format!(
        "foramen fit: {} to {} ({}); {}",
        fit.family.name(),
        p.data,
        p.counts,
        p.why
    );
    let mut out = format!(
        "# foramen fit: {family} fitted to {data} ({counts}); {why}.\n\
         # Maximum-likelihood estimates; their uncertainty below is a multivariate normal on\n\
         # the fitting scale (the log of each positive parameter) with the inverse observed\n\
         # information as covariance. A plain run uses each member's mean on the natural scale\n\
         # (exp(mean + sd^2 / 2) on the log scale), a psa draws them together.\n\
         #\n\
         # At {key} (times in {unit_name}):\n",
        family = fit.family.name(),
        data = p.data,
        counts = p.counts,
        why = p.why,
        key = p.key,
        unit_name = p.unit,
    );
    if fit.family == crate::estimate::fit::Family::Gompertz && natural[0] < 0.0 {
        out += "# The fitted shape is below 0: some patients would never have the event, which a\n\
                # duration cannot express, so a scenario refuses it. Choose another family (--choose).\n";
    }
    if n == 1 {
        let (mean, sd) = (fit.estimate[0], fit.se(0));
        out += &format!(
            "{} = {{ family = \"{}\", {} = {{ lognormal = [{mean:?}, {sd:?}] }}{unit} }}   # {source}\n",
            leaf(&p.key),
            fit.family.name(),
            parameters[0].0,
        );
    } else {
        out += &format!(
            "{} = {{ family = \"{}\", {}{unit} }}\n\n",
            leaf(&p.key),
            fit.family.name(),
            values.join(", ")
        );
        let paths: Vec<String> = parameters.iter().map(|(name, _)| format!("{}.{name}", p.key)).collect();
        let scales: Vec<&str> = parameters.iter().map(|(_, s)| s.name()).collect();
        let cov: Vec<f64> = (0..n * n).map(|rc| fit.covariance[rc / n * fit.k() + rc % n]).collect();
        let name = p.belief_name(fit.family.name());
        out += &joint(&name, &paths, &scales, &fit.estimate[..n], &cov, &source);
    }
    if fit.k() > n {
        out += &format!(
            "\n# The distribution above is {}.\n\
             # The scenario format gives durations no covariate effects, so the fitted {} are for the report:\n",
            p.baseline(),
            if fit.family.time_ratio() {
                "time ratios"
            } else {
                "hazard ratios"
            }
        );
        for i in n..fit.k() {
            let (b, se) = (fit.estimate[i], fit.se(i));
            out += &format!(
                "#   {}: {:.4} (95% {:.4} to {:.4})\n",
                fit.names[i],
                b.exp(),
                (b - crate::stats::Z95 * se).exp(),
                (b + crate::stats::Z95 * se).exp()
            );
        }
    }
    out
}

/// A design column's name (`grade=severe`, or a 0/1 covariate's) as a
/// scenario condition, or `None` for a number that acts linearly.
fn condition(name: &str, binary: bool) -> Option<String> {
    match name.split_once('=') {
        Some((covariate, level)) => Some(format!("{covariate} == '{level}'")),
        None => binary.then(|| name.to_string()),
    }
}

/// The fragment for a response probability: a beta belief, or a logistic
/// regression's baseline probability, odds ratios and their joint belief.
/// `binary[j]` says covariate `j` only takes 0 and 1.
pub fn response(beta: Option<&BetaBelief>, logistic: Option<&Logistic>, binary: &[bool], p: &Provenance) -> String {
    let mut out = format!(
        "# foramen fit --response: {data} ({counts}); {why}.\n#\n# At {key}:\n",
        data = p.data,
        counts = p.counts,
        why = p.why,
        key = p.key,
    );
    let source = format!("foramen fit --response to {} ({})", p.data, p.counts);
    if let Some(b) = beta {
        out += &format!(
            "probability = {{ beta = [{:?}, {:?}] }}   # {source}{}\n",
            b.a,
            b.b,
            if b.jeffreys {
                "; Jeffreys' prior added, as no row or every row responded"
            } else {
                ""
            }
        );
    }
    if let Some(l) = logistic {
        let k = l.estimate.len();
        let expressible: Vec<usize> = (1..k)
            .filter(|&j| condition(&l.names[j], binary[j - 1]).is_some())
            .collect();
        let p0 = 1.0 / (1.0 + (-l.estimate[0]).exp());
        let at_zero = p.baseline();
        if expressible.is_empty() {
            // No odds ratio to draw with it: the probability's own belief,
            // a beta with the delta method's sd, p (1 - p) se(logit p).
            let sd = p0 * (1.0 - p0) * l.se(0);
            out += &format!("probability = {{ beta_mean = {p0:?}, sd = {sd:?} }}   # {at_zero}; {source}\n");
        } else {
            out += &format!("probability = {p0:?}   # {at_zero}\n");
            let ors: Vec<String> = expressible
                .iter()
                .map(|&j| {
                    let when = condition(&l.names[j], binary[j - 1]).unwrap_or_default();
                    format!("{{ if = \"{when}\", or = {:?} }}", l.estimate[j].exp())
                })
                .collect();
            out += &format!("odds_ratios = [{}]\n", ors.join(", "));
        }
        for j in (1..k).filter(|j| !expressible.contains(j)) {
            out += &format!(
                "# {}: odds ratio {:.4} per unit; the scenario's odds ratios act through conditions, so a\n\
                 # number acting linearly has no place there: cut it into groups in the data to use it.\n",
                l.names[j],
                l.estimate[j].exp()
            );
        }
        if !expressible.is_empty() {
            let kept: Vec<usize> = std::iter::once(0).chain(expressible.iter().copied()).collect();
            let mut paths = vec![format!("{}.probability", p.key)];
            paths.extend((0..expressible.len()).map(|i| format!("{}.odds_ratios[{i}].or", p.key)));
            let mut scales = vec![Scale::Log.name(); kept.len()];
            scales[0] = "logit";
            let mean: Vec<f64> = kept.iter().map(|&j| l.estimate[j]).collect();
            let cov: Vec<f64> = kept
                .iter()
                .flat_map(|&r| kept.iter().map(move |&c| l.covariance[r * k + c]))
                .collect();
            out += "\n";
            out += &joint(&p.belief_name("fit"), &paths, &scales, &mean, &cov, &source);
        }
    }
    out
}
