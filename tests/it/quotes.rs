//! Figures of the default run quoted in the docs, checked against a run of
//! the embedded default scenario made here (its 100,000 patients per
//! policy and its seed, as `cargo run --release -- run` makes it).
//!
//! Each quote is a passage of a doc with the numbers left out; the test
//! fills them from the run's tables and requires the doc to hold the
//! passage so filled. When the default changes, rewrite the quoted
//! figures with
//!
//! ```sh
//! FORAMEN_UPDATE_DOCS=1 cargo test --test it quotes
//! ```
//!
//! (docs/figures/regenerate.sh runs it too), read the diff and commit it.

use std::fs;
use std::path::Path;

use tempfile::TempDir;

use crate::util::{csv_column, foramen};

/// A passage of `doc` with `{}` where a number goes, and the numbers.
struct Quote {
    doc: &'static str,
    template: String,
    values: Vec<String>,
}

impl Quote {
    fn filled(&self) -> String {
        let mut out = String::new();
        let pieces: Vec<&str> = self.template.split("{}").collect();
        for (i, piece) in pieces.iter().enumerate() {
            out.push_str(piece);
            if let Some(v) = self.values.get(i) {
                out.push_str(v);
            }
        }
        assert_eq!(pieces.len(), self.values.len() + 1, "{}", self.template);
        out
    }

    /// Where the passage stands in `text` whatever its numbers: each
    /// `{}` matches a run of digits, signs, separators, points and
    /// minus signs, or, before a code fence, the block up to it.
    fn find(&self, text: &str) -> Option<(usize, usize)> {
        let pieces: Vec<&str> = self.template.split("{}").collect();
        let is_number = |c: char| c.is_ascii_digit() || matches!(c, '.' | ',' | '+' | '-' | '\u{2212}');
        text.match_indices(pieces[0]).find_map(|(start, _)| {
            let mut at = start + pieces[0].len();
            for piece in &pieces[1..] {
                // A block (a placeholder before a code fence): anything.
                if piece.starts_with("```") {
                    at += text[at..].find(piece)? + piece.len();
                    continue;
                }
                let number = text[at..]
                    .chars()
                    .take_while(|&c| is_number(c))
                    .map(char::len_utf8)
                    .sum::<usize>();
                // A number's trailing comma or point may be the passage's.
                let ends = (0..=number).rev().find(|&n| text[at + n..].starts_with(piece))?;
                if ends == 0 {
                    return None;
                }
                at += ends + piece.len();
            }
            Some((start, at))
        })
    }
}

/// `x` rounded to `decimals`, with thousands separators and a sign when
/// `signed`.
fn number(x: f64, decimals: usize, signed: bool) -> String {
    let text = format!("{:.*}", decimals, x.abs());
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if let Some(f) = fraction {
        grouped = format!("{grouped}.{f}");
    }
    let negative = x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    match (negative, signed) {
        (true, _) => format!("-{grouped}"),
        (false, true) => format!("+{grouped}"),
        (false, false) => grouped,
    }
}

/// `x` to three significant figures, as a whole number with separators.
fn three_figures(x: f64) -> String {
    let step = 10f64.powi((x.abs().log10().floor() as i32 - 2).max(0));
    number((x / step).round() * step, 0, false)
}

/// One table of a run directory, by column and row.
struct Table(String);

impl Table {
    fn read(dir: &Path, name: &str) -> Table {
        Table(fs::read_to_string(dir.join(name)).unwrap())
    }

    /// The number in `column` of the row whose `key` columns hold `values`.
    fn get(&self, key: &[(&str, &str)], column: &str) -> f64 {
        let rows = csv_column(&self.0, column);
        let found: Vec<usize> = (0..rows.len())
            .filter(|&i| key.iter().all(|(k, v)| csv_column(&self.0, k)[i] == *v))
            .collect();
        assert_eq!(found.len(), 1, "rows {key:?}");
        rows[found[0]].parse().unwrap()
    }
}

/// Every quote, filled from the default run in `run`; `printout` is what
/// the run printed.
fn quotes(run: &Path, printout: &str) -> Vec<Quote> {
    let mut out = vec![Quote {
        doc: "README.md",
        template: "prints a table like\n\n```\n{}```".into(),
        values: vec![printout.to_string()],
    }];
    let comparison = Table::read(run, "comparison.csv");
    for policy in [
        "open-first",
        "non-operative",
        "extended-conservative",
        "early-decompression",
        "early-surgery",
    ] {
        let get = |column: &str| 100.0 * comparison.get(&[("policy", policy), ("outcome", "surgery")], column);
        let (paired, unpaired) = (
            get("paired_hi") - get("paired_lo"),
            get("unpaired_hi") - get("unpaired_lo"),
        );
        out.push(Quote {
            doc: "docs/comparing.md",
            template: format!("| {policy} | {{}} pp | {{}} pp | {{}} pp | {{}}x |"),
            values: vec![
                number(get("difference"), 2, true),
                number(paired, 2, false),
                number(unpaired, 2, false),
                number(unpaired / paired, 1, false),
            ],
        });
    }
    let cea = Table::read(run, "cea.csv");
    let stepwise = |column: &str| cea.get(&[("policy", "stepwise")], column);
    out.push(Quote {
        doc: "docs/economics.md",
        template: "care costs {} USD more for {} QALY more, an ICER of {} USD per\n   QALY (Monte Carlo 95% {}-{})"
            .into(),
        values: vec![
            number(stepwise("incremental_cost"), 0, false),
            number(stepwise("incremental_qalys"), 4, false),
            number(stepwise("icer"), 0, false),
            three_figures(stepwise("icer_lo")),
            three_figures(stepwise("icer_hi")),
        ],
    });
    // Stepwise care's lead over the runner-up in net monetary benefit, the
    // base of `foramen sensitivity` (whose base run is the default run).
    let nmb = Table::read(run, "nmb.csv");
    let lead = |wtp: &str, column: &str| {
        -nmb.get(
            &[("willingness_to_pay", wtp), ("policy", "extended-conservative")],
            column,
        )
    };
    let lead_50k = vec![
        number(lead("50000.0", "incremental_nmb"), 0, false),
        number(lead("50000.0", "incremental_nmb_hi"), 0, false),
        number(lead("50000.0", "incremental_nmb_lo"), 0, false),
    ];
    out.push(Quote {
        doc: "docs/comparing.md",
        template: "base ${} per\npatient (Monte Carlo 95% ${}-{})".into(),
        values: lead_50k.clone(),
    });
    out.push(Quote {
        doc: "docs/comparing.md",
        template: "100000`, base ${}) at $100,000".into(),
        values: vec![number(lead("100000.0", "incremental_nmb"), 0, false)],
    });
    out.push(Quote {
        doc: "docs/economics.md",
        template: "50,000 USD per QALY is {} USD per patient (Monte Carlo 95% {}-{})".into(),
        values: lead_50k,
    });
    out
}

#[test]
fn quoted_default_run_figures_match_the_default_run() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    let output = foramen().arg("run").arg("--out").arg(&run).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // The tables, to the note on intervals (then come the time taken and
    // the run directory).
    let stdout = String::from_utf8(output.stdout).unwrap();
    let end = stdout
        .find("\n(MC 95%")
        .and_then(|i| Some(i + 1 + stdout[i + 1..].find('\n')? + 1));
    let printout = &stdout[..end.expect("the printout's note on intervals")];
    let update = std::env::var_os("FORAMEN_UPDATE_DOCS").is_some();
    let mut stale = Vec::new();
    for q in quotes(&run, printout) {
        let text = fs::read_to_string(q.doc).unwrap();
        let (start, end) = q.find(&text).unwrap_or_else(|| {
            panic!(
                "{}: no passage `{}` (was it reworded? change the quote in tests/it/quotes.rs too)",
                q.doc, q.template
            )
        });
        let filled = q.filled();
        if text[start..end] != filled {
            if update {
                fs::write(q.doc, format!("{}{filled}{}", &text[..start], &text[end..])).unwrap();
            } else {
                stale.push(format!(
                    "{}:\n  has    {}\n  should {}",
                    q.doc,
                    &text[start..end],
                    filled
                ));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "figures quoted from the default run have drifted (FORAMEN_UPDATE_DOCS=1 cargo test --test it quotes rewrites them):\n{}",
        stale.join("\n")
    );
}

#[test]
fn numbers_are_formatted_as_the_docs_quote_them() {
    assert_eq!(number(2856.8, 0, false), "2,857");
    assert_eq!(number(-0.004, 2, true), "+0.00");
    assert_eq!(number(-0.014, 2, true), "-0.01");
    assert_eq!(number(-1234567.5, 1, false), "-1,234,567.5");
    assert_eq!(three_figures(1320.16), "1,320");
    assert_eq!(three_figures(4419.58), "4,420");
    assert_eq!(three_figures(66.44), "66");
}
