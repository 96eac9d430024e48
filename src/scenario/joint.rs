//! Joint beliefs (`[[joint_beliefs]]`): several numbers of the scenario
//! drawn together by `foramen psa`, instead of each from its own
//! distribution of belief.
//!
//! | kind | members | draw | each member's mean (a plain run) |
//! |---|---|---|---|
//! | `shared` | distributions of belief written in place | Gaussian copula: `z = L ε` (`L Lᵀ = R`, `ε` standard normal), `x_i = Q_i(Φ(z_i))` with `Q_i` the member's own quantile; correlation 1: one `z` for all (comonotone: ranks identical) | its own |
//! | `normal` | plain numbers | `y = m + s ⊙ L ε` on each member's `scale`; `x = y`, `exp y` or `expit y` | `m`; `exp(m + s² / 2)`; `E expit(m + s z)` by quadrature |
//! | `dirichlet` | plain numbers (shares) | `g_i ~ Gamma(α_i, 1)`, `x_i = g_i / Σ g` | `α_i / Σ α` |
//!
//! `R` is the correlation of the normal scores `z` (for `shared`, not of
//! the values themselves: Spearman's rho of two members is `(6/π)
//! asin(ρ/2)`); one number is every pair's (exchangeable), else the full
//! matrix. Each member stays one [`Belief`] with its own marginal (a
//! `normal` member on the log scale is lognormal, on the logit scale
//! logit-normal; a `dirichlet` share is `Beta(α_i, Σα - α_i)`), so psa.csv,
//! importance and labels see it as before. References: Briggs, Claxton and
//! Sculpher, *Decision Modelling for Health Economic Evaluation* (2006),
//! ch. 4.4 (correlated parameters: Cholesky decomposition, Dirichlet for
//! multinomial shares); Nelsen, *An Introduction to Copulas* (2006), 2.5
//! and 5.1 (comonotonicity, the Gaussian copula).

use serde::Deserialize;
use toml::{Table, Value};

use crate::error::Invalid;
use crate::rng::Stream;
use crate::scenario::belief::Belief;
use crate::scenario::dist::{Beta, Family, Gamma, LogNormal, Normal, Prior, normal_cdf, normal_quantile};
use crate::scenario::paths;

/// `[[joint_beliefs]]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJointBelief {
    pub name: String,
    /// Key paths of distributions of belief written in place (a copula).
    #[serde(default)]
    pub shared: Option<Vec<String>>,
    /// Key paths of plain numbers, multivariate normal on `scale`.
    #[serde(default)]
    pub normal: Option<Vec<String>>,
    /// Key paths of plain numbers, shares that sum to one.
    #[serde(default)]
    pub dirichlet: Option<Vec<String>>,
    /// One number (every pair) or a full matrix.
    #[serde(default)]
    pub correlation: Option<Value>,
    /// Per path: `identity`, `log` or `logit`.
    #[serde(default)]
    pub scale: Option<Vec<String>>,
    #[serde(default)]
    pub mean: Option<Vec<f64>>,
    #[serde(default)]
    pub sd: Option<Vec<f64>>,
    #[serde(default)]
    pub alpha: Option<Vec<f64>>,
    #[serde(default)]
    pub source: Option<String>,
}

/// A validated joint belief.
#[derive(Debug, Clone, PartialEq)]
pub struct JointBelief {
    /// Names the group (psa streams, EVPPI groups, describe).
    pub name: String,
    /// Its key path in the document, `joint_beliefs.NAME`.
    pub key: String,
    /// The members' key paths, as written.
    pub paths: Vec<String>,
    /// The members' indices among the document's beliefs.
    pub members: Vec<usize>,
    pub kind: Kind,
    pub source: Option<String>,
}

/// How a joint belief draws.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Gaussian copula over the members' own priors; `chol` is `None` when
    /// comonotone (correlation 1).
    Shared {
        correlation: Vec<Vec<f64>>,
        chol: Option<Vec<Vec<f64>>>,
    },
    /// Multivariate normal on each member's scale.
    Normal {
        scale: Vec<Scale>,
        mean: Vec<f64>,
        sd: Vec<f64>,
        correlation: Vec<Vec<f64>>,
        chol: Vec<Vec<f64>>,
    },
    Dirichlet {
        alpha: Vec<f64>,
    },
}

/// The scale a `normal` member is normal on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    Identity,
    Log,
    Logit,
}

impl Scale {
    fn name(self) -> &'static str {
        match self {
            Scale::Identity => "identity",
            Scale::Log => "log",
            Scale::Logit => "logit",
        }
    }

    /// The member's marginal: normal, lognormal or logit-normal.
    fn prior(self, mean: f64, sd: f64) -> Prior {
        match self {
            Scale::Identity => Prior::of(Family::Normal(Normal { mean, sd })),
            Scale::Log => Prior::of(Family::LogNormal(LogNormal { mu: mean, sigma: sd })),
            Scale::Logit => Prior::logit_normal(Normal { mean, sd }),
        }
    }

    fn back(self, y: f64) -> f64 {
        match self {
            Scale::Identity => y,
            Scale::Log => y.exp(),
            Scale::Logit => 1.0 / (1.0 + (-y).exp()),
        }
    }
}

/// The stream key of a joint belief's draws: never a belief's key path
/// (nothing under `joint_beliefs` is one).
pub fn stream_name(name: &str) -> String {
    format!("joint_beliefs.{name}")
}

impl JointBelief {
    /// Whether the members are drawn from one normal score (correlation 1).
    pub fn comonotone(&self) -> bool {
        matches!(self.kind, Kind::Shared { chol: None, .. })
    }

    /// One draw of the members, in member order, from `rng` (the joint
    /// belief's own stream); `beliefs` are the document's (a `shared`
    /// member's quantile is its own prior's).
    pub fn draw(&self, beliefs: &[Belief], rng: &mut Stream) -> Vec<f64> {
        let n = self.members.len();
        let standard = Prior::of(Family::Normal(Normal { mean: 0.0, sd: 1.0 }));
        let mut correlated = |chol: &[Vec<f64>]| -> Vec<f64> {
            let e: Vec<f64> = (0..n).map(|_| standard.sample(rng)).collect();
            (0..n)
                .map(|i| (0..=i).map(|k| chol[i][k] * e[k]).sum::<f64>())
                .collect()
        };
        match &self.kind {
            Kind::Shared { chol, .. } => {
                let z = match chol {
                    Some(chol) => correlated(chol),
                    None => vec![standard.sample(rng); n],
                };
                self.members
                    .iter()
                    .zip(z)
                    .map(|(&m, z)| beliefs[m].prior.quantile(normal_cdf(z)))
                    .collect()
            }
            Kind::Normal {
                scale, mean, sd, chol, ..
            } => correlated(chol)
                .into_iter()
                .enumerate()
                .map(|(i, z)| scale[i].back(mean[i] + sd[i] * z))
                .collect(),
            Kind::Dirichlet { alpha } => {
                let g: Vec<f64> = alpha
                    .iter()
                    .map(|&a| Prior::of(Family::Gamma(Gamma { shape: a, scale: 1.0 })).sample(rng))
                    .collect();
                let total: f64 = g.iter().sum();
                g.iter().map(|x| x / total).collect()
            }
        }
    }

    /// `ln` of the copula density at the members' `values` (free-scale
    /// density of the group = the members' own free-scale densities plus
    /// this): `-zᵀ(R⁻¹ - I)z / 2 - ln |L|`, `z_i = Φ⁻¹(F_i(x_i))`. `None`
    /// when the group has no density on the free scale (comonotone, or
    /// shares that sum to one).
    pub fn ln_copula_density(&self, beliefs: &[Belief], values: &[f64]) -> Option<f64> {
        let chol = match &self.kind {
            Kind::Shared { chol: Some(chol), .. } | Kind::Normal { chol, .. } => chol,
            _ => return None,
        };
        let z: Vec<f64> = match &self.kind {
            Kind::Normal { scale, mean, sd, .. } => (0..values.len())
                .map(|i| {
                    let y = match scale[i] {
                        Scale::Identity => values[i],
                        Scale::Log => values[i].ln(),
                        Scale::Logit => (values[i] / (1.0 - values[i])).ln(),
                    };
                    (y - mean[i]) / sd[i]
                })
                .collect(),
            _ => self
                .members
                .iter()
                .zip(values)
                .map(|(&m, &x)| probit(beliefs[m].prior.cdf(x)))
                .collect(),
        };
        let n = z.len();
        let mut y = vec![0.0; n];
        for i in 0..n {
            let s: f64 = (0..i).map(|k| chol[i][k] * y[k]).sum();
            y[i] = (z[i] - s) / chol[i][i];
        }
        let quad: f64 = y.iter().map(|v| v * v).sum::<f64>() - z.iter().map(|v| v * v).sum::<f64>();
        let ln_det_l: f64 = (0..n).map(|i| chol[i][i].ln()).sum();
        Some(-0.5 * quad - ln_det_l)
    }

    /// The joint belief in words, for `foramen describe`.
    pub fn words(&self) -> String {
        let what = match &self.kind {
            Kind::Shared { chol: None, .. } => "comonotone (one draw drives all)".to_string(),
            Kind::Shared { correlation, .. } => format!("Gaussian copula, correlation {}", corr_words(correlation)),
            Kind::Normal { scale, correlation, .. } => {
                let scales: Vec<&str> = scale.iter().map(|s| s.name()).collect();
                format!(
                    "multivariate normal on scales {}, correlation {}",
                    scales.join(", "),
                    corr_words(correlation)
                )
            }
            Kind::Dirichlet { alpha } => format!(
                "Dirichlet({})",
                alpha.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
        };
        format!("{}: {what} over {}", self.name, self.paths.join(", "))
    }
}

/// One number when every pair shares it, else the matrix's rows.
fn corr_words(r: &[Vec<f64>]) -> String {
    let first = r.first().and_then(|row| row.get(1)).copied().unwrap_or(1.0);
    let exchangeable = r
        .iter()
        .enumerate()
        .all(|(i, row)| row.iter().enumerate().all(|(j, &v)| i == j || v == first));
    if exchangeable {
        first.to_string()
    } else {
        let rows: Vec<String> = r
            .iter()
            .map(|row| {
                format!(
                    "[{}]",
                    row.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        format!("[{}]", rows.join(", "))
    }
}

/// `Φ⁻¹(p)` with `p` kept inside (0, 1).
fn probit(p: f64) -> f64 {
    normal_quantile(p.clamp(f64::MIN_POSITIVE, 1.0 - f64::EPSILON / 2.0))
}

/// Reads `[[joint_beliefs]]`: checks each against the document (`table`,
/// each belief's mean in place) and its `beliefs`, appends a belief for
/// each member of a `normal` or `dirichlet` joint belief (its marginal,
/// its mean) and sets its number in `table` to that mean.
///
/// # Errors
/// Every problem, with the key path `joint_beliefs.NAME.KEY`, the value
/// and what is allowed.
pub fn read(
    raw: &[RawJointBelief],
    table: &mut Table,
    beliefs: &mut Vec<Belief>,
) -> Result<Vec<JointBelief>, Vec<Invalid>> {
    let mut out: Vec<JointBelief> = Vec::new();
    let mut problems = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let at = paths::named("joint_beliefs", i, Some(&r.name));
        match one(r, &at, table, beliefs, &out) {
            Ok(j) => {
                if let Kind::Normal { .. } | Kind::Dirichlet { .. } = j.kind {
                    for (k, (m, path)) in j.members.iter().zip(&j.paths).enumerate() {
                        if let Err(problem) = paths::set_number(table, path, beliefs[*m].mean) {
                            problems.push(Invalid::new(
                                format!("{at}.{}[{k}]", kind_name(&j.kind)),
                                format!("\"{path}\""),
                                format!(
                                    "{problem}: a drawn number is rarely whole, so write this one with a decimal point"
                                ),
                            ));
                        }
                    }
                }
                out.push(j);
            }
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// One joint belief checked; the beliefs of its `normal` or `dirichlet`
/// members appended to `beliefs` only when it is valid.
fn one(
    r: &RawJointBelief,
    at: &str,
    table: &Table,
    beliefs: &mut Vec<Belief>,
    earlier: &[JointBelief],
) -> Result<JointBelief, Invalid> {
    let key = |k: &str| format!("{at}.{k}");
    let list = |v: &[String]| format!("{v:?}");
    if r.name.trim().is_empty() || earlier.iter().any(|j| j.name == r.name) {
        return Err(Invalid::new(
            key("name"),
            format!("\"{}\"", r.name),
            "each joint belief needs a name of its own (psa draws it from a stream keyed by the name)",
        ));
    }
    let (kind, paths) = match (&r.shared, &r.normal, &r.dirichlet) {
        (Some(p), None, None) => ("shared", p),
        (None, Some(p), None) => ("normal", p),
        (None, None, Some(p)) => ("dirichlet", p),
        _ => {
            return Err(Invalid::new(
                at,
                format!("name = \"{}\"", r.name),
                "give exactly one of `shared` (distributions of belief written in place, drawn by a Gaussian copula), `normal` (plain numbers, multivariate normal on a scale) or `dirichlet` (plain numbers that are shares summing to one)",
            ));
        }
    };
    // Each path spelt as every message spells it (named elements by
    // name), so that any spelling the path parser takes finds its belief.
    let canonical: Vec<String> = paths.iter().map(|p| super::paths::canonical(table, p)).collect();
    let paths = &canonical;
    if paths.len() < 2 {
        return Err(Invalid::new(
            key(kind),
            list(paths),
            "a joint belief ties at least two key paths",
        ));
    }
    let n = paths.len();
    // The keys each kind takes.
    let allowed: &[&str] = match kind {
        "shared" => &["correlation"],
        "normal" => &["correlation", "scale", "mean", "sd"],
        _ => &["alpha"],
    };
    for (k, given) in [
        ("correlation", r.correlation.is_some()),
        ("scale", r.scale.is_some()),
        ("mean", r.mean.is_some()),
        ("sd", r.sd.is_some()),
        ("alpha", r.alpha.is_some()),
    ] {
        if given && !allowed.contains(&k) {
            return Err(Invalid::new(
                key(k),
                "given",
                format!(
                    "a `{kind}` joint belief takes {}",
                    allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
        if !given && allowed.contains(&k) {
            return Err(Invalid::new(
                key(k),
                "missing",
                format!("a `{kind}` joint belief needs `{k}`"),
            ));
        }
    }
    let mut members = Vec::with_capacity(n);
    for (i, path) in paths.iter().enumerate() {
        let here = format!("{}[{i}]", key(kind));
        if paths[..i].contains(path) {
            return Err(Invalid::new(here, format!("\"{path}\""), "each key path appears once"));
        }
        if let Some(j) = earlier.iter().find(|j| j.paths.contains(path)) {
            return Err(Invalid::new(
                here,
                format!("\"{path}\""),
                format!(
                    "already in joint belief `{}`: a number belongs to one joint belief at most",
                    j.name
                ),
            ));
        }
        let belief = beliefs.iter().position(|b| &b.path == path);
        match (kind, belief) {
            ("shared", Some(b)) => members.push(b),
            ("shared", None) => {
                return Err(Invalid::new(
                    here,
                    format!("\"{path}\""),
                    if paths::get_number(table, path).is_some() {
                        "a `shared` joint belief ties distributions of belief written in place, and this number is plain: write its distribution there (e.g. { beta_mean = 0.8, sd = 0.05 }), or tie plain numbers with `normal`".to_string()
                    } else {
                        format!(
                            "not the key path of a distribution of belief{}",
                            crate::error::did_you_mean(path, beliefs.iter().map(|b| b.path.as_str()))
                        )
                    },
                ));
            }
            (_, Some(_)) => {
                return Err(Invalid::new(
                    here,
                    format!("\"{path}\""),
                    format!(
                        "a `{kind}` joint belief gives the distribution of its members, and this one is written as a distribution of belief: write a plain number there, or tie it with `shared`"
                    ),
                ));
            }
            (_, None) if path.starts_with("simulation.") => {
                return Err(Invalid::new(
                    here,
                    format!("\"{path}\""),
                    "the simulation's settings are the same for every draw: a joint belief cannot vary them",
                ));
            }
            (_, None) => {
                if paths::get_number(table, path).is_none() {
                    let numbers = paths::numeric_paths(table);
                    return Err(Invalid::new(
                        here,
                        format!("\"{path}\""),
                        format!(
                            "does not lead to a number of the scenario{}",
                            crate::error::did_you_mean(path, numbers.iter().map(String::as_str))
                        ),
                    ));
                }
                members.push(usize::MAX);
            }
        }
    }
    let sized = |k: &str, v: &[f64]| -> Result<(), Invalid> {
        if v.len() == n && v.iter().all(|x| x.is_finite()) {
            Ok(())
        } else {
            Err(Invalid::new(
                key(k),
                format!("{v:?}"),
                format!("give {n} finite numbers, one per key path of `{kind}`"),
            ))
        }
    };
    let kind = match kind {
        "shared" => {
            let correlation = correlation(r.correlation.as_ref(), n, &key("correlation"))?;
            let chol = if correlation.iter().flatten().all(|&v| v == 1.0) {
                None
            } else {
                Some(positive_definite(&correlation, &key("correlation"), true)?)
            };
            Kind::Shared { correlation, chol }
        }
        "normal" => {
            let names = r.scale.clone().unwrap_or_default();
            if names.len() != n {
                return Err(Invalid::new(
                    key("scale"),
                    list(&names),
                    format!("give {n} scales, one per key path of `normal`: identity, log or logit"),
                ));
            }
            let mut scale = Vec::with_capacity(n);
            for (i, s) in names.iter().enumerate() {
                scale.push(match s.as_str() {
                    "identity" => Scale::Identity,
                    "log" => Scale::Log,
                    "logit" => Scale::Logit,
                    _ => {
                        return Err(Invalid::new(
                            format!("{}[{i}]", key("scale")),
                            format!("\"{s}\""),
                            "a scale is identity, log (costs, times, ratios: positive numbers) or logit (probabilities, between 0 and 1)",
                        ));
                    }
                });
            }
            let (mean, sd) = (r.mean.clone().unwrap_or_default(), r.sd.clone().unwrap_or_default());
            sized("mean", &mean)?;
            sized("sd", &sd)?;
            if let Some(i) = sd.iter().position(|&s| s <= 0.0) {
                return Err(Invalid::new(
                    format!("{}[{i}]", key("sd")),
                    sd[i].to_string(),
                    "an sd must be > 0 (on its path's scale)",
                ));
            }
            let correlation = correlation(r.correlation.as_ref(), n, &key("correlation"))?;
            let chol = positive_definite(&correlation, &key("correlation"), false)?;
            Kind::Normal {
                scale,
                mean,
                sd,
                correlation,
                chol,
            }
        }
        _ => {
            let alpha = r.alpha.clone().unwrap_or_default();
            sized("alpha", &alpha)?;
            if let Some(i) = alpha.iter().position(|&a| a <= 0.0) {
                return Err(Invalid::new(
                    format!("{}[{i}]", key("alpha")),
                    alpha[i].to_string(),
                    "a Dirichlet's alpha must be > 0 (alpha_i / sum is the share's mean; a larger sum, less spread)",
                ));
            }
            Kind::Dirichlet { alpha }
        }
    };
    // The members that are new beliefs, with their marginals and means.
    let total: f64 = match &kind {
        Kind::Dirichlet { alpha } => alpha.iter().sum(),
        _ => 0.0,
    };
    let mut new = Vec::new();
    for (i, &m) in members.iter().enumerate() {
        if m != usize::MAX {
            continue;
        }
        let prior = match &kind {
            Kind::Normal { scale, mean, sd, .. } => scale[i].prior(mean[i], sd[i]),
            Kind::Dirichlet { alpha } => Prior::of(Family::Beta(Beta {
                a: alpha[i],
                b: total - alpha[i],
            })),
            Kind::Shared { .. } => unreachable!("shared members are beliefs already"),
        };
        let member = format!("{}[{i}]", key(kind_name(&kind)));
        let prior = prior.checked().map_err(|e| {
            Invalid::new(
                &member,
                format!("\"{}\"", paths[i]),
                format!("its marginal {prior} cannot be drawn from: {e}"),
            )
        })?;
        let mean = prior.mean();
        if !mean.is_finite() {
            return Err(Invalid::new(
                &member,
                format!("\"{}\"", paths[i]),
                format!("the mean of its marginal {prior} overflows: give a smaller mean or sd on its scale"),
            ));
        }
        new.push((i, prior, mean));
    }
    for (i, prior, mean) in new {
        members[i] = beliefs.len();
        beliefs.push(Belief {
            path: paths[i].clone(),
            prior,
            mean,
        });
    }
    Ok(JointBelief {
        key: at.to_string(),
        name: r.name.clone(),
        paths: paths.clone(),
        members,
        kind,
        source: r.source.clone(),
    })
}

/// The correlation matrix: one number for every pair, or `n` rows of `n`
/// numbers, symmetric with a unit diagonal and entries in [-1, 1].
fn correlation(v: Option<&Value>, n: usize, key: &str) -> Result<Vec<Vec<f64>>, Invalid> {
    let number = |v: &Value| {
        v.as_float()
            .or_else(|| v.as_integer().map(|i| i as f64))
            .filter(|x| x.is_finite())
    };
    let shown = v.map_or_else(|| "missing".to_string(), ToString::to_string);
    let bad = |problem: String| Invalid::new(key, &shown, problem);
    let m: Vec<Vec<f64>> = match v {
        Some(v) if number(v).is_some() => {
            let r = number(v).unwrap_or_default();
            (0..n)
                .map(|i| (0..n).map(|j| if i == j { 1.0 } else { r }).collect())
                .collect()
        }
        Some(Value::Array(rows)) => rows
            .iter()
            .map(|row| {
                row.as_array()
                    .and_then(|row| row.iter().map(number).collect::<Option<Vec<f64>>>())
            })
            .collect::<Option<Vec<_>>>()
            .filter(|m| m.len() == n && m.iter().all(|row| row.len() == n))
            .ok_or_else(|| {
                bad(format!(
                    "a correlation is one number (every pair's) or {n} rows of {n} numbers"
                ))
            })?,
        _ => {
            return Err(bad(format!(
                "a correlation is one number (every pair's) or {n} rows of {n} numbers"
            )));
        }
    };
    for (i, row) in m.iter().enumerate() {
        if row[i] != 1.0 {
            return Err(bad(format!("the diagonal must be 1: row {} has {}", i + 1, row[i])));
        }
        for (j, &v) in row.iter().enumerate() {
            if !(-1.0..=1.0).contains(&v) {
                return Err(bad(format!(
                    "correlations lie in [-1, 1]: row {}, column {} has {v}",
                    i + 1,
                    j + 1
                )));
            }
            if v != m[j][i] {
                return Err(bad(format!(
                    "the matrix must be symmetric: row {}, column {} has {v} and row {}, column {} has {}",
                    i + 1,
                    j + 1,
                    j + 1,
                    i + 1,
                    m[j][i]
                )));
            }
        }
    }
    Ok(m)
}

/// The Cholesky factor of a correlation matrix, or why it has none.
fn positive_definite(m: &[Vec<f64>], key: &str, comonotone_allowed: bool) -> Result<Vec<Vec<f64>>, Invalid> {
    crate::stats::cholesky(m, 1e-12).ok_or_else(|| {
        let n = m.len();
        let lowest = -1.0 / (n as f64 - 1.0);
        Invalid::new(
            key,
            format!("{m:?}"),
            format!(
                "the correlation matrix must be positive definite (its Cholesky factorisation fails): one number r for every pair must lie in ({lowest}, 1){}",
                if comonotone_allowed {
                    ", or be exactly 1 (comonotone: one draw drives every member)"
                } else {
                    "; a `normal` joint belief of perfectly correlated numbers is one number: tie distributions of belief with `shared` and correlation 1 instead"
                }
            ),
        )
    })
}

/// What a scenario writes for the kind: `shared`, `normal`, `dirichlet`.
pub fn kind_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Shared { .. } => "shared",
        Kind::Normal { .. } => "normal",
        Kind::Dirichlet { .. } => "dirichlet",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Purpose, stream};
    use crate::scenario::dist::normal_cdf;

    /// The joint beliefs of `members` (distributions of belief written in
    /// place as `x.NAME = ...`) and `joint` (`[[joint_beliefs]]` entries),
    /// read as a document reads them.
    fn read_text(text: &str) -> Result<(Vec<JointBelief>, Vec<Belief>), Vec<Invalid>> {
        #[derive(Deserialize)]
        struct Doc {
            #[serde(default)]
            joint_beliefs: Vec<RawJointBelief>,
        }
        let mut table: Table = toml::from_str(text).unwrap();
        let mut beliefs = crate::scenario::belief::extract(&mut table)?;
        let doc: Doc = toml::Value::Table(table.clone()).try_into().unwrap();
        let joint = read(&doc.joint_beliefs, &mut table, &mut beliefs)?;
        Ok((joint, beliefs))
    }

    /// `n` draws of joint belief 0, one stream per draw as psa makes them.
    fn draws(j: &JointBelief, beliefs: &[Belief], n: u64) -> Vec<Vec<f64>> {
        (0..n)
            .map(|d| {
                let mut rng = stream(11, d, Purpose::Parameter { key: 5 });
                j.draw(beliefs, &mut rng)
            })
            .collect()
    }

    fn mean(x: &[f64]) -> f64 {
        x.iter().sum::<f64>() / x.len() as f64
    }

    fn sd(x: &[f64]) -> f64 {
        let m = mean(x);
        (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() as f64 - 1.0)).sqrt()
    }

    fn pearson(x: &[f64], y: &[f64]) -> f64 {
        let (mx, my) = (mean(x), mean(y));
        let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
        sxy / ((x.len() as f64 - 1.0) * sd(x) * sd(y))
    }

    fn column(rows: &[Vec<f64>], i: usize) -> Vec<f64> {
        rows.iter().map(|r| r[i]).collect()
    }

    /// Moment tests, 100,000 draws from a fixed seed, at 4 Monte Carlo
    /// standard errors (a false alarm about once in 16,000 per check): a
    /// mean's SE is `sd / sqrt(n)`; an sd's about `sd / sqrt(2n)` (doubled
    /// for the skewed marginals); a correlation's `(1 - ρ²) / sqrt(n)`.
    const N: u64 = 100_000;

    fn close(what: &str, got: f64, want: f64, se: f64) {
        assert!(
            (got - want).abs() < 4.0 * se,
            "{what}: {got} against {want} (4 SE = {})",
            4.0 * se
        );
    }

    /// A Gaussian copula keeps each member's own marginal (mean and sd of
    /// its distribution of belief) and gives its normal scores `Φ⁻¹(F(x))`
    /// the stated correlation.
    #[test]
    fn a_shared_draw_keeps_the_marginals_and_correlates_the_scores() {
        let (joint, beliefs) = read_text(
            "a = { beta_mean = 0.8, sd = 0.05 }\nb = { gamma_mean = 1000, sd = 300 }\nc = { beta_mean = 0.3, sd = 0.1 }\n\
             [[joint_beliefs]]\nname = \"g\"\nshared = [\"a\", \"b\", \"c\"]\n\
             correlation = [[1, 0.6, -0.3], [0.6, 1, 0.2], [-0.3, 0.2, 1]]",
        )
        .unwrap();
        let j = &joint[0];
        let rows = draws(j, &beliefs, N);
        let n = N as f64;
        for (i, (m, s)) in [(0.8, 0.05), (1000.0, 300.0), (0.3, 0.1)].into_iter().enumerate() {
            let x = column(&rows, i);
            assert_eq!(beliefs[j.members[i]].path, ["a", "b", "c"][i]);
            close(&format!("mean {i}"), mean(&x), m, s / n.sqrt());
            close(&format!("sd {i}"), sd(&x), s, 2.0 * s / (2.0 * n).sqrt());
        }
        let scores: Vec<Vec<f64>> = (0..3)
            .map(|i| {
                column(&rows, i)
                    .iter()
                    .map(|&x| probit(beliefs[j.members[i]].prior.cdf(x)))
                    .collect()
            })
            .collect();
        for (a, b, r) in [(0, 1, 0.6), (0, 2, -0.3), (1, 2, 0.2)] {
            close(
                &format!("correlation {a}{b}"),
                pearson(&scores[a], &scores[b]),
                r,
                (1.0 - r * r) / n.sqrt(),
            );
        }
    }

    /// Correlation 1: one draw drives every member, so their ranks over
    /// the draws are identical (and each keeps its marginal).
    #[test]
    fn a_comonotone_draw_gives_identical_ranks() {
        let (joint, beliefs) = read_text(
            "a = { beta_mean = 0.8, sd = 0.05 }\nb = { one_minus_gamma_mean = 0.7, sd = 0.05 }\nc = { lognormal_mean = 2, sd = 1 }\n\
             [[joint_beliefs]]\nname = \"g\"\nshared = [\"a\", \"b\", \"c\"]\ncorrelation = 1",
        )
        .unwrap();
        assert!(joint[0].comonotone());
        let rows = draws(&joint[0], &beliefs, 2_000);
        let rank = |i: usize| {
            let mut order: Vec<usize> = (0..rows.len()).collect();
            order.sort_by(|&x, &y| rows[x][i].total_cmp(&rows[y][i]));
            order
        };
        assert_eq!(rank(0), rank(1));
        assert_eq!(rank(0), rank(2));
        let x = column(&rows, 1);
        close("one minus gamma's mean", mean(&x), 0.7, 0.05 / 2_000f64.sqrt());
    }

    /// A multivariate normal on the identity, log and logit scales: on
    /// each scale the stated means, sds and correlations; each member's
    /// mean (a plain run's value) is the mean of its draws.
    #[test]
    fn a_normal_draw_has_its_moments_on_its_scales() {
        let (joint, beliefs) = read_text(
            "x = 1.0\ny = 100.0\np = 0.5\n\
             [[joint_beliefs]]\nname = \"n\"\nnormal = [\"x\", \"y\", \"p\"]\nscale = [\"identity\", \"log\", \"logit\"]\n\
             mean = [2.0, 4.6, -1.0]\nsd = [0.5, 0.3, 0.4]\ncorrelation = [[1, -0.4, 0.5], [-0.4, 1, 0], [0.5, 0, 1]]",
        )
        .unwrap();
        let j = &joint[0];
        let rows = draws(j, &beliefs, N);
        let n = N as f64;
        let on_scale: Vec<Vec<f64>> = vec![
            column(&rows, 0),
            column(&rows, 1).iter().map(|v| v.ln()).collect(),
            column(&rows, 2).iter().map(|v| (v / (1.0 - v)).ln()).collect(),
        ];
        for (i, (m, s)) in [(2.0, 0.5), (4.6, 0.3), (-1.0, 0.4)].into_iter().enumerate() {
            close(&format!("mean {i} on its scale"), mean(&on_scale[i]), m, s / n.sqrt());
            close(
                &format!("sd {i} on its scale"),
                sd(&on_scale[i]),
                s,
                s / (2.0 * n).sqrt(),
            );
            let x = column(&rows, i);
            let b = &beliefs[j.members[i]];
            close(&format!("mean {i}"), mean(&x), b.mean, sd(&x) / n.sqrt());
        }
        assert!((beliefs[j.members[1]].mean - (4.6f64 + 0.045).exp()).abs() < 1e-9);
        for (a, b, r) in [(0, 1, -0.4), (0, 2, 0.5), (1, 2, 0.0)] {
            close(
                &format!("correlation {a}{b}"),
                pearson(&on_scale[a], &on_scale[b]),
                r,
                (1.0 - r * r) / n.sqrt(),
            );
        }
    }

    /// A Dirichlet's shares sum to one in every draw and have means
    /// `α_i / α0` and variances `α_i (α0 - α_i) / (α0² (α0 + 1))`.
    #[test]
    fn dirichlet_shares_sum_to_one_with_their_moments() {
        let (joint, beliefs) = read_text(
            "w = [0.2, 0.3, 0.5]\n[[joint_beliefs]]\nname = \"d\"\n\
             dirichlet = [\"w[0]\", \"w[1]\", \"w[2]\"]\nalpha = [20, 30, 50]",
        )
        .unwrap();
        let rows = draws(&joint[0], &beliefs, N);
        for r in &rows {
            assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{r:?}");
        }
        let (a0, n) = (100.0_f64, N as f64);
        for (i, a) in [20.0, 30.0, 50.0].into_iter().enumerate() {
            let x = column(&rows, i);
            let s = (a * (a0 - a) / (a0 * a0 * (a0 + 1.0))).sqrt();
            close(&format!("mean {i}"), mean(&x), a / a0, s / n.sqrt());
            close(&format!("sd {i}"), sd(&x), s, s / (2.0 * n).sqrt());
            assert_eq!(beliefs[joint[0].members[i]].mean, a / a0);
        }
    }

    /// The logit-normal's mean by quadrature, against a closed form it
    /// must reproduce: `E expit(s z) = 1/2` by symmetry, and against the
    /// mean of 1,000,000 draws at 4 SE.
    #[test]
    fn the_logit_normal_mean_is_its_integral() {
        assert!((Prior::logit_normal(Normal { mean: 0.0, sd: 1.7 }).mean() - 0.5).abs() < 1e-14);
        let p = Prior::logit_normal(Normal { mean: 1.2, sd: 0.8 });
        let n = 1_000_000;
        let mut rng = stream(3, 0, Purpose::Cohort);
        let xs: Vec<f64> = (0..n).map(|_| p.sample(&mut rng)).collect();
        close("logit-normal mean", mean(&xs), p.mean(), sd(&xs) / f64::from(n).sqrt());
        assert!((p.cdf(p.quantile(0.3)) - 0.3).abs() < 1e-12);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-15);
    }

    /// The copula density integrates the Gaussian copula: at the members'
    /// medians (scores 0) it is `-ln |L|`, `-ln(1 - ρ²) / 2` for two.
    #[test]
    fn the_copula_density_at_the_medians() {
        let (joint, beliefs) = read_text(
            "a = { normal = [0, 1] }\nb = { normal = [5, 2] }\n\
             [[joint_beliefs]]\nname = \"g\"\nshared = [\"a\", \"b\"]\ncorrelation = 0.6",
        )
        .unwrap();
        let got = joint[0].ln_copula_density(&beliefs, &[0.0, 5.0]).unwrap();
        assert!((got + 0.5 * (1.0f64 - 0.36).ln()).abs() < 1e-12, "{got}");
        // Bivariate normal density = marginals x copula, at another point.
        let (x, y, r) = (0.7_f64, 3.0_f64, 0.6_f64);
        let (zx, zy) = (x, (y - 5.0) / 2.0);
        let bivariate = -(zx * zx - 2.0 * r * zx * zy + zy * zy) / (2.0 * (1.0 - r * r))
            - (2.0 * std::f64::consts::PI * 2.0 * (1.0 - r * r).sqrt()).ln();
        let marginals = beliefs[0].prior.ln_density_free(x) + beliefs[1].prior.ln_density_free(y);
        let copula = joint[0].ln_copula_density(&beliefs, &[x, y]).unwrap();
        assert!(
            (marginals + copula - bivariate).abs() < 1e-9,
            "{} against {bivariate}",
            marginals + copula
        );
    }

    /// Each rule, with its key path and what is allowed.
    #[test]
    fn bad_joint_beliefs_say_what_is_allowed() {
        let beliefs =
            "a = { beta_mean = 0.8, sd = 0.05 }\nb = { beta_mean = 0.6, sd = 0.05 }\nx = 1.0\ny = 2.0\nw = 3\n";
        let cases: &[(&str, &str, &str)] = &[
            (
                "shared = [\"a\", \"b\"]\ncorrelation = 1.5",
                "joint_beliefs.g.correlation",
                "lie in [-1, 1]",
            ),
            (
                "shared = [\"a\", \"b\"]\ncorrelation = [[1, 0.5], [0.4, 1]]",
                "joint_beliefs.g.correlation",
                "symmetric",
            ),
            (
                "shared = [\"a\", \"b\"]\ncorrelation = [[0.9, 0.5], [0.5, 1]]",
                "joint_beliefs.g.correlation",
                "diagonal must be 1",
            ),
            (
                "shared = [\"a\", \"b\"]\ncorrelation = [[1, 0.5]]",
                "joint_beliefs.g.correlation",
                "2 rows of 2 numbers",
            ),
            (
                "shared = [\"a\", \"b\"]\ncorrelation = -1",
                "joint_beliefs.g.correlation",
                "positive definite",
            ),
            (
                "shared = [\"a\", \"x\"]\ncorrelation = 0.5",
                "joint_beliefs.g.shared[1]",
                "this number is plain",
            ),
            (
                "shared = [\"a\", \"nope\"]\ncorrelation = 0.5",
                "joint_beliefs.g.shared[1]",
                "not the key path of a distribution of belief",
            ),
            (
                "shared = [\"a\"]\ncorrelation = 0.5",
                "joint_beliefs.g.shared",
                "at least two",
            ),
            (
                "shared = [\"a\", \"a\"]\ncorrelation = 0.5",
                "joint_beliefs.g.shared[1]",
                "appears once",
            ),
            (
                "shared = [\"a\", \"b\"]",
                "joint_beliefs.g.correlation",
                "needs `correlation`",
            ),
            (
                "shared = [\"a\", \"b\"]\ncorrelation = 0.5\nalpha = [1, 2]",
                "joint_beliefs.g.alpha",
                "takes `correlation`",
            ),
            (
                "normal = [\"a\", \"x\"]\nscale = [\"logit\", \"log\"]\nmean = [0, 0]\nsd = [1, 1]\ncorrelation = 0",
                "joint_beliefs.g.normal[0]",
                "written as a distribution of belief",
            ),
            (
                "normal = [\"x\", \"y\"]\nscale = [\"log\"]\nmean = [0, 0]\nsd = [1, 1]\ncorrelation = 0",
                "joint_beliefs.g.scale",
                "give 2 scales",
            ),
            (
                "normal = [\"x\", \"y\"]\nscale = [\"log\", \"exp\"]\nmean = [0, 0]\nsd = [1, 1]\ncorrelation = 0",
                "joint_beliefs.g.scale[1]",
                "identity, log",
            ),
            (
                "normal = [\"x\", \"y\"]\nscale = [\"log\", \"log\"]\nmean = [0, 0]\nsd = [1, 0]\ncorrelation = 0",
                "joint_beliefs.g.sd[1]",
                "must be > 0",
            ),
            (
                "normal = [\"x\", \"y\"]\nscale = [\"log\", \"log\"]\nmean = [0]\nsd = [1, 1]\ncorrelation = 0",
                "joint_beliefs.g.mean",
                "give 2 finite numbers",
            ),
            (
                "normal = [\"x\", \"y\"]\nscale = [\"log\", \"log\"]\nmean = [0, 0]\nsd = [1, 1]\ncorrelation = 1",
                "joint_beliefs.g.correlation",
                "is one number",
            ),
            (
                "normal = [\"x\", \"zz\"]\nscale = [\"log\", \"log\"]\nmean = [0, 0]\nsd = [1, 1]\ncorrelation = 0",
                "joint_beliefs.g.normal[1]",
                "does not lead to a number",
            ),
            (
                "normal = [\"x\", \"w\"]\nscale = [\"log\", \"log\"]\nmean = [0, 0]\nsd = [1, 1]\ncorrelation = 0",
                "joint_beliefs.g.normal[1]",
                "decimal point",
            ),
            (
                "dirichlet = [\"x\", \"y\"]\nalpha = [2, -1]",
                "joint_beliefs.g.alpha[1]",
                "must be > 0",
            ),
            (
                "dirichlet = [\"x\", \"y\"]\nalpha = [2, 1]\ncorrelation = 0.5",
                "joint_beliefs.g.correlation",
                "takes `alpha`",
            ),
            ("correlation = 0.5", "joint_beliefs.g", "exactly one of"),
        ];
        for (body, path, words) in cases {
            let text = format!("{beliefs}[[joint_beliefs]]\nname = \"g\"\n{body}");
            let problems = read_text(&text).err().unwrap_or_else(|| panic!("accepted: {body}"));
            assert_eq!(problems[0].path, *path, "{body}: {}", problems[0].problem);
            assert!(problems[0].problem.contains(words), "{body}: {}", problems[0].problem);
        }
        // A number in two joint beliefs; a name twice.
        let twice = format!(
            "{beliefs}[[joint_beliefs]]\nname = \"g\"\nshared = [\"a\", \"b\"]\ncorrelation = 0.5\n\
             [[joint_beliefs]]\nname = \"h\"\nshared = [\"b\", \"a\"]\ncorrelation = 0.5"
        );
        let problems = read_text(&twice).unwrap_err();
        assert_eq!(problems[0].path, "joint_beliefs.h.shared[0]");
        assert!(problems[0].problem.contains("already in joint belief `g`"));
        let named = twice.replace("name = \"h\"", "name = \"g\"");
        assert!(read_text(&named).unwrap_err()[0].problem.contains("a name of its own"));
    }
}
