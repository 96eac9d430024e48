//! The outcomes of a run, declared once.
//!
//! [`OUTCOMES`] is the one list: summary.csv and subgroups.csv columns,
//! comparison.csv rows, sweep.csv, `--outcome`, `[[expected]]`, verify, the
//! forest plots and the README's column table all come from it. Each
//! outcome says what kind of quantity it is, how it is estimated and given
//! its interval, whether policies are compared on it patient by patient,
//! and how charts label it.
//!
//! Adding an outcome is: declare it here (a variant of [`Id`] and an entry
//! of [`OUTCOMES`] at the same position), then accumulate it
//! (`accumulate::value`, which the compiler will not let you forget).
//!
//! Every per-patient value is kept as an exact integer: shares as 0 or 1,
//! counts as themselves, days in fixed point ([`DAY_FIXED_POINT`]) for
//! means and in bins of `1 / BINS_PER_DAY` day for medians.

/// Resolution of time histograms (Kaplan-Meier medians and curves): bins
/// per day.
pub const BINS_PER_DAY: f64 = 8.0;
/// Fixed-point scale of per-patient days whose mean is estimated.
pub const DAY_FIXED_POINT: f64 = 65_536.0;
/// Fixed-point scale of per-patient costs: 1/10,000 of a currency unit,
/// decimal so that an amount written with up to four decimals is kept
/// exactly (a binary 1/16 rounded 1.1 to 1.125 on every patient).
pub const MONEY_FIXED_POINT: f64 = 10_000.0;
/// The largest per-patient cost, of either sign, a run accepts (100
/// million units): within it the sums of squares and cross-products hold
/// every patient a run may have (`scenario::MAX_PATIENTS`) exactly.
pub const MONEY_RANGE: f64 = 1e8;
/// Fixed-point scale of per-patient QALYs and life-years: 2^-20 year
/// (about 30 seconds).
pub const YEAR_FIXED_POINT: f64 = 1_048_576.0;
/// The largest per-patient QALYs or life-years, of either sign, a run
/// accepts (a 200-year horizon at utility -2 is 400).
pub const YEARS_RANGE: f64 = 1e4;

/// Levels of care, in the order a pathway escalates through them.
pub const LEVELS: [&str; 3] = ["conservative", "minimally_invasive", "surgical"];

/// Where a patient is at the horizon, as the pathway table counts it:
/// symptom-free without and with a permanent deficit, improved (partial
/// relief), symptomatic (recovering from a procedure included), dead.
pub const HORIZON_STATUSES: [&str; 5] = ["symptom_free", "residual_deficit", "improved", "symptomatic", "dead"];

/// What kind of quantity an outcome is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A share of patients, a fraction in [0, 1] (charts show percent).
    Share,
    /// A time in days.
    Days,
    /// A count per patient.
    Count,
    /// A cost, in the scenario's currency.
    Money,
    /// QALYs or life-years.
    Years,
}

impl Kind {
    /// The fixed-point scale of per-patient values of this kind: a value
    /// `v` is kept as the integer `v x scale`.
    pub const fn scale(self) -> f64 {
        match self {
            Kind::Days => DAY_FIXED_POINT,
            Kind::Share | Kind::Count => 1.0,
            Kind::Money => MONEY_FIXED_POINT,
            Kind::Years => YEAR_FIXED_POINT,
        }
    }
}

/// How an outcome is estimated from its per-patient values, and its 95%
/// interval (formulas in `stats` and docs/model.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Estimator {
    /// `k / n` of patients with the value 1; Wilson score interval.
    Proportion,
    /// The mean of per-patient values; normal interval from the exact
    /// sample variance.
    Mean,
    /// The Kaplan-Meier median of a time, censored at the horizon;
    /// Brookmeyer-Crowley interval.
    Median,
}

impl Estimator {
    /// The interval's name, as documented.
    pub const fn interval(self) -> &'static str {
        match self {
            Estimator::Proportion => "Wilson",
            Estimator::Mean => "normal",
            Estimator::Median => "Brookmeyer-Crowley",
        }
    }
}

/// Names every outcome; `Id as usize` is its position in [`OUTCOMES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Id {
    Recovered,
    MedianDays,
    SymptomaticDays,
    SymptomFree,
    ReachedConservative,
    ReachedMinimallyInvasive,
    ReachedSurgical,
    Surgery,
    Fusion,
    Complication,
    Relapse,
    Interventions,
    PermanentDeficit,
    Improved,
    ImprovedDays,
    SymptomFreeDays,
    RecoveringDays,
    ResidualDeficitDays,
    Died,
    ProceduralDeath,
    AliveDays,
    Cost,
    Qalys,
    LifeYears,
    CostUndiscounted,
    QalysUndiscounted,
    LifeYearsUndiscounted,
}

/// One outcome of a group of patients.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutcomeDef {
    pub id: Id,
    /// Column name in summary.csv; the value of `--outcome`.
    pub name: &'static str,
    pub kind: Kind,
    pub estimator: Estimator,
    /// A mean of per-patient values, compared patient by patient under
    /// common random numbers (the paired mean difference). A median is not
    /// one: its paired interval is the delta method's
    /// (estimate/compare.rs).
    pub paired: bool,
    /// Shown in the `differences` forest plot.
    pub forest: bool,
    /// Words for charts (`median days`).
    pub label: &'static str,
    /// What it means, as README.md's summary.csv table says.
    pub meaning: &'static str,
    /// What the scenario must declare for the outcome to be reported
    /// (outputs leave it out otherwise).
    pub requires: Feature,
}

/// A part of the model an outcome exists only with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feature {
    /// Every scenario.
    Always,
    /// `[natural_history.permanent_deficit]`.
    PermanentDeficit,
    /// A `partial` response probability above 0.
    PartialRelief,
    /// `[natural_history.mortality]` or an intervention's `death`.
    Death,
    /// `[economics]`.
    Economics,
}

/// How many [`Feature`]s there are.
pub const FEATURES: usize = Feature::ALL.len();

// `Feature::ALL[i] as usize == i`, which arrays indexed by feature rely on.
const _: () = {
    let mut i = 0;
    while i < FEATURES {
        assert!(Feature::ALL[i] as usize == i);
        i += 1;
    }
};

impl Feature {
    /// Every feature, in declaration order (`Feature as usize`).
    pub const ALL: [Feature; 5] = [
        Feature::Always,
        Feature::PermanentDeficit,
        Feature::PartialRelief,
        Feature::Death,
        Feature::Economics,
    ];
}

impl OutcomeDef {
    const fn new(id: Id, name: &'static str, kind: Kind, estimator: Estimator, label: &'static str) -> OutcomeDef {
        OutcomeDef {
            id,
            name,
            kind,
            estimator,
            paired: !matches!(estimator, Estimator::Median),
            forest: false,
            label,
            meaning: "",
            requires: Feature::Always,
        }
    }

    const fn requires(mut self, feature: Feature) -> OutcomeDef {
        self.requires = feature;
        self
    }

    const fn forest(mut self) -> OutcomeDef {
        self.forest = true;
        self
    }

    const fn meaning(mut self, meaning: &'static str) -> OutcomeDef {
        self.meaning = meaning;
        self
    }

    /// Whether values are shares (shown in percent, differences in
    /// percentage points).
    pub const fn is_share(&self) -> bool {
        matches!(self.kind, Kind::Share)
    }
}

/// How many outcomes there are.
pub const N: usize = 27;

/// Every outcome, in summary.csv column order.
pub const OUTCOMES: [OutcomeDef; N] = {
    use Estimator::{Mean, Median, Proportion};
    use Kind::{Count, Days, Money, Share, Years};
    [
        OutcomeDef::new(Id::Recovered, "recovered", Share, Proportion, "recovered")
            .forest()
            .meaning("share whose symptoms resolved (first recovery) before the horizon"),
        OutcomeDef::new(Id::MedianDays, "median_days", Days, Median, "median days").meaning(
            "Kaplan-Meier median days to first recovery, censored at the horizon, interpolated within its 1/8-day bin",
        ),
        OutcomeDef::new(Id::SymptomaticDays, "symptomatic_days", Days, Mean, "symptomatic days")
            .meaning("restricted mean days not symptom-free within the horizon (improved and recovering days included)"),
        OutcomeDef::new(Id::SymptomFree, "symptom_free", Share, Proportion, "symptom free")
            .forest()
            .meaning("share symptom-free at the horizon (relapses count against)"),
        OutcomeDef::new(
            Id::ReachedConservative,
            "reached_conservative",
            Share,
            Proportion,
            "reached conservative",
        )
        .meaning("share that started at least one conservative intervention"),
        OutcomeDef::new(
            Id::ReachedMinimallyInvasive,
            "reached_minimally_invasive",
            Share,
            Proportion,
            "reached minimally invasive",
        )
        .meaning("share that started at least one minimally invasive intervention"),
        OutcomeDef::new(
            Id::ReachedSurgical,
            "reached_surgical",
            Share,
            Proportion,
            "reached surgical",
        )
        .meaning("share that started at least one surgical intervention"),
        OutcomeDef::new(Id::Surgery, "surgery", Share, Proportion, "surgery")
            .forest()
            .meaning("share operated on openly (a surgical-level intervention: open decompression or fusion; endoscopic decompression is minimally invasive and not counted): `reached_surgical` under the short name the printout and charts use"),
        OutcomeDef::new(Id::Fusion, "fusion", Share, Proportion, "fusion")
            .forest()
            .meaning("share with a fusion"),
        OutcomeDef::new(Id::Complication, "complication", Share, Proportion, "complication")
            .forest()
            .meaning("share with at least one complication"),
        OutcomeDef::new(Id::Relapse, "relapse", Share, Proportion, "relapse")
            .forest()
            .meaning("share with at least one relapse before the horizon"),
        OutcomeDef::new(Id::Interventions, "interventions", Count, Mean, "interventions")
            .meaning("mean intervention attempts started per patient"),
        OutcomeDef::new(
            Id::PermanentDeficit,
            "permanent_deficit",
            Share,
            Proportion,
            "permanent deficit",
        )
        .forest()
        .requires(Feature::PermanentDeficit)
        .meaning(
            "share whose deficit became permanent, after the delay from its onset to decompression (only with `[natural_history.permanent_deficit]`)",
        ),
        OutcomeDef::new(Id::Improved, "improved", Share, Proportion, "improved")
            .forest()
            .requires(Feature::PartialRelief)
            .meaning("share improved (partial relief, not symptom-free) at the horizon (only with `partial` responses)"),
        OutcomeDef::new(Id::ImprovedDays, "improved_days", Days, Mean, "improved days")
            .requires(Feature::PartialRelief)
            .meaning(
                "restricted mean days improved within the horizon, a part of `symptomatic_days` (only with `partial` responses)",
            ),
        OutcomeDef::new(Id::SymptomFreeDays, "symptom_free_days", Days, Mean, "symptom-free days").meaning(
            "restricted mean days symptom-free within the horizon (with a permanent deficit, those days are residual deficit instead)",
        ),
        OutcomeDef::new(Id::RecoveringDays, "recovering_days", Days, Mean, "recovering days").meaning(
            "restricted mean days recovering from a responding procedure within the horizon, a part of `symptomatic_days`",
        ),
        OutcomeDef::new(
            Id::ResidualDeficitDays,
            "residual_deficit_days",
            Days,
            Mean,
            "residual deficit days",
        )
        .requires(Feature::PermanentDeficit)
        .meaning(
            "restricted mean days symptom-free but with a permanent deficit within the horizon (only with `[natural_history.permanent_deficit]`)",
        ),
        OutcomeDef::new(Id::Died, "died", Share, Proportion, "died")
            .forest()
            .requires(Feature::Death)
            .meaning("share dead by the horizon, of any cause (only with mortality or procedural death)"),
        OutcomeDef::new(Id::ProceduralDeath, "procedural_death", Share, Proportion, "procedural death")
            .requires(Feature::Death)
            .meaning("share who died on the day an attempt started, of it (only with mortality or procedural death)"),
        OutcomeDef::new(Id::AliveDays, "alive_days", Days, Mean, "days alive")
            .requires(Feature::Death)
            .meaning(
                "restricted mean survival: days alive within the horizon (only with mortality or procedural death)",
            ),
        OutcomeDef::new(Id::Cost, "cost", Money, Mean, "cost")
            .forest()
            .requires(Feature::Economics)
            .meaning("mean discounted cost per patient within the horizon (only with `[economics]`)"),
        OutcomeDef::new(Id::Qalys, "qalys", Years, Mean, "QALYs")
            .forest()
            .requires(Feature::Economics)
            .meaning("mean discounted quality-adjusted life-years within the horizon (only with `[economics]`)"),
        OutcomeDef::new(Id::LifeYears, "life_years", Years, Mean, "life-years")
            .requires(Feature::Economics)
            .meaning("mean discounted life-years within the horizon (only with `[economics]`)"),
        OutcomeDef::new(Id::CostUndiscounted, "cost_undiscounted", Money, Mean, "undiscounted cost")
            .requires(Feature::Economics)
            .meaning("mean undiscounted cost per patient within the horizon (only with `[economics]`)"),
        OutcomeDef::new(Id::QalysUndiscounted, "qalys_undiscounted", Years, Mean, "undiscounted QALYs")
            .requires(Feature::Economics)
            .meaning("mean undiscounted QALYs within the horizon (only with `[economics]`)"),
        OutcomeDef::new(
            Id::LifeYearsUndiscounted,
            "life_years_undiscounted",
            Years,
            Mean,
            "undiscounted life-years",
        )
        .requires(Feature::Economics)
        .meaning("mean undiscounted life-years within the horizon (only with `[economics]`)"),
    ]
};

impl Id {
    /// Every id, in [`OUTCOMES`] order.
    pub const ALL: [Id; N] = {
        let mut all = [Id::Recovered; N];
        let mut k = 0;
        while k < N {
            all[k] = OUTCOMES[k].id;
            k += 1;
        }
        all
    };

    /// The outcome's declaration.
    pub const fn def(self) -> &'static OutcomeDef {
        &OUTCOMES[self as usize]
    }
}

/// A subset of [`OUTCOMES`], chosen at compile time.
#[derive(Clone, Copy)]
enum Select {
    /// Outcomes every scenario has, with this estimator.
    Estimated(Estimator),
    /// Outcomes every scenario has, compared patient by patient.
    Paired,
    /// Outcomes that need a feature of the scenario.
    Optional,
    /// Outcomes every scenario has.
    Always,
}

/// Whether the outcome at `k` is in `select`.
const fn selects(k: usize, select: Select) -> bool {
    let o = &OUTCOMES[k];
    let always = matches!(o.requires, Feature::Always);
    match select {
        Select::Estimated(e) => always && o.estimator as u8 == e as u8,
        Select::Paired => always && o.paired,
        Select::Optional => !always,
        Select::Always => always,
    }
}

/// How many outcomes `select` has.
const fn count(select: Select) -> usize {
    let (mut n, mut k) = (0, 0);
    while k < N {
        n += selects(k, select) as usize;
        k += 1;
    }
    n
}

/// The positions of the outcomes `select` has, in order.
const fn positions<const M: usize>(select: Select) -> [usize; M] {
    let mut out = [0; M];
    let (mut n, mut k) = (0, 0);
    while k < N {
        if selects(k, select) {
            out[n] = k;
            n += 1;
        }
        k += 1;
    }
    out
}

/// Positions of the outcomes every scenario has estimated as proportions
/// (fixed at compile time, so the accumulators' loops have no branch per
/// outcome). Outcomes that need a feature ([`OPTIONAL`]) are accumulated
/// only in scenarios that declare it.
pub const PROPORTIONS: [usize; count(Select::Estimated(Estimator::Proportion))] =
    positions(Select::Estimated(Estimator::Proportion));
/// Positions of the outcomes every scenario has estimated as means.
pub const MEANS: [usize; count(Select::Estimated(Estimator::Mean))] = positions(Select::Estimated(Estimator::Mean));
/// Positions of the outcomes estimated as Kaplan-Meier medians.
pub const MEDIANS: [usize; count(Select::Estimated(Estimator::Median))] =
    positions(Select::Estimated(Estimator::Median));
/// Positions of the outcomes every scenario has.
pub const ALWAYS: [usize; count(Select::Always)] = positions(Select::Always);
/// Positions of the outcomes every scenario has compared patient by
/// patient.
pub const PAIRED: [usize; count(Select::Paired)] = positions(Select::Paired);
/// Positions of the outcomes that need a feature of the scenario.
pub const OPTIONAL: [usize; count(Select::Optional)] = positions(Select::Optional);

/// The outcome called `name`.
pub fn find(name: &str) -> Option<&'static OutcomeDef> {
    OUTCOMES.iter().find(|o| o.name == name)
}

/// The outcome named `name`, or what names are allowed.
///
/// # Errors
/// The rule, with the closest name and every name.
pub fn parse(name: &str) -> Result<&'static OutcomeDef, String> {
    find(name).ok_or_else(|| {
        format!(
            "unknown outcome{}; choose from {}",
            crate::error::did_you_mean(name, names()),
            names().collect::<Vec<_>>().join(", ")
        )
    })
}

/// Every outcome's name, in column order.
pub fn names() -> impl Iterator<Item = &'static str> + Clone {
    OUTCOMES.iter().map(|o| o.name)
}

/// README.md's table of the summary.csv columns after `policy` and
/// `patients`, one row per outcome (a test holds the README to it).
pub fn markdown_rows() -> String {
    OUTCOMES
        .iter()
        .map(|o| format!("| `{}` | {} | {} |\n", o.name, o.meaning, o.estimator.interval()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positions() {
        for (k, o) in OUTCOMES.iter().enumerate() {
            assert_eq!(o.id as usize, k, "{} is declared out of place", o.name);
            assert_eq!(Id::ALL[k], o.id);
        }
    }

    #[test]
    fn names_are_unique_and_described() {
        for (k, o) in OUTCOMES.iter().enumerate() {
            assert!(!o.meaning.is_empty(), "{} has no meaning", o.name);
            assert_eq!(
                OUTCOMES.iter().position(|p| p.name == o.name),
                Some(k),
                "{} twice",
                o.name
            );
        }
    }

    #[test]
    fn positions_partition_the_outcomes() {
        let mut all: Vec<usize> = PROPORTIONS
            .iter()
            .chain(&MEANS)
            .chain(&MEDIANS)
            .chain(&OPTIONAL)
            .copied()
            .collect();
        all.sort_unstable();
        assert_eq!(all, (0..N).collect::<Vec<_>>());
        let paired: Vec<usize> = (0..N)
            .filter(|&k| OUTCOMES[k].paired && OUTCOMES[k].requires == Feature::Always)
            .collect();
        assert_eq!(PAIRED.to_vec(), paired);
        // The accumulators treat optional outcomes as proportions or means,
        // all paired.
        for k in OPTIONAL {
            assert!(OUTCOMES[k].estimator != Estimator::Median && OUTCOMES[k].paired);
        }
    }

    #[test]
    fn level_outcomes_follow_the_level_names() {
        let reached = [
            Id::ReachedConservative,
            Id::ReachedMinimallyInvasive,
            Id::ReachedSurgical,
        ];
        for (level, id) in LEVELS.iter().zip(reached) {
            assert_eq!(id.def().name, format!("reached_{level}"));
        }
    }
}
