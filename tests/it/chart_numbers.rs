//! Every estimate a chart prints is its table's value at the printed
//! precision: the text of each SVG is read back and checked against the
//! CSV the chart was drawn from.

use std::fs;
use std::path::Path;

use tempfile::TempDir;

use crate::util::{csv_column, foramen};

/// The text elements of an SVG file, in document order.
fn texts(svg: &Path) -> Vec<String> {
    let svg = fs::read_to_string(svg).unwrap();
    let mut out = Vec::new();
    let mut rest = svg.as_str();
    while let Some(start) = rest.find("<text") {
        let body = &rest[start..];
        let open = body.find('>').unwrap() + 1;
        let close = body.find("</text>").unwrap();
        out.push(body[open..close].trim().to_string());
        rest = &body[close..];
    }
    out
}

/// A printed number: its value and its decimals (`+1,055.2`, `−0.04`).
fn printed(text: &str) -> Option<(f64, i32)> {
    let plain: String = text.replace('\u{2212}', "-").replace([',', '+'], "");
    let value = plain.parse().ok()?;
    let decimals = plain.split_once('.').map_or(0, |(_, f)| f.len() as i32);
    Some((value, decimals))
}

/// Whether `x` rounds to the printed number `(value, decimals)`.
fn rounds_to(x: f64, (value, decimals): (f64, i32)) -> bool {
    (x - value).abs() <= 0.5 * 10f64.powi(-decimals) * (1.0 + 1e-9)
}

/// The forest rows' texts of a chart: `estimate (lo to hi)`.
fn estimates(svg: &Path) -> Vec<[(f64, i32); 3]> {
    texts(svg)
        .iter()
        .filter_map(|t| {
            let (value, interval) = t.split_once(" (")?;
            let (lo, hi) = interval.strip_suffix(')')?.split_once(" to ")?;
            Some([printed(value)?, printed(lo)?, printed(hi)?])
        })
        .collect()
}

/// Checks every estimate of forest chart `svg` against the rows of
/// `table` (`difference`, `paired_lo`, `paired_hi`, shares shown in
/// percentage points): each must be some row at the printed precision,
/// and a printed zero is a zero estimate or a zero interval.
fn check_forest(svg: &Path, table: &str) -> usize {
    let rows: Vec<[f64; 3]> = {
        let column = |name| -> Vec<f64> { csv_column(table, name).iter().map(|c| c.parse().unwrap()).collect() };
        let (d, lo, hi) = (column("difference"), column("paired_lo"), column("paired_hi"));
        (0..d.len()).map(|i| [d[i], lo[i], hi[i]]).collect()
    };
    let found = estimates(svg);
    assert!(!found.is_empty(), "{}: no estimates printed", svg.display());
    for e in &found {
        let matched: Vec<&[f64; 3]> = rows
            .iter()
            .filter(|r| {
                [1.0, 100.0]
                    .iter()
                    .any(|scale| r.iter().zip(e).all(|(x, p)| rounds_to(scale * x, *p)))
            })
            .collect();
        assert!(
            !matched.is_empty(),
            "{}: printed {e:?} is no row of its table",
            svg.display()
        );
        if e[0].0 == 0.0 && !(e[1].0 == 0.0 && e[2].0 == 0.0) {
            assert!(
                matched.iter().any(|r| r[0] == 0.0),
                "{}: printed a zero estimate {e:?} for a non-zero one",
                svg.display()
            );
        }
    }
    found.len()
}

#[test]
fn charts_print_their_tables_numbers() {
    let tmp = TempDir::new().unwrap();
    // The embedded default scenario.
    let run = tmp.path().join("run");
    foramen()
        .args([
            "run",
            "--patients",
            "20000",
            "--by",
            "motor_deficit",
            "--quiet",
            "--out",
        ])
        .arg(&run)
        .assert()
        .success();
    let comparison = fs::read_to_string(run.join("comparison.csv")).unwrap();
    let mut printed_rows = 0;
    for chart in ["differences", "differences_cost", "differences_qalys"] {
        printed_rows += check_forest(&run.join(format!("{chart}.svg")), &comparison);
    }
    let subgroups = fs::read_to_string(run.join("subgroup_differences.csv")).unwrap();
    for entry in fs::read_dir(&run).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.starts_with("subgroup_differences_") && name.ends_with(".svg") {
            printed_rows += check_forest(&path, &subgroups);
        }
    }
    // Five policies against stepwise: nine shares, then cost and QALYs.
    assert!(printed_rows >= 5 * 11, "{printed_rows} estimates checked");

    // The numbers at risk under the recovery curves are at_risk.csv's.
    let at_risk = fs::read_to_string(run.join("at_risk.csv")).unwrap();
    let counts: Vec<f64> = csv_column(&at_risk, "at_risk")
        .iter()
        .map(|c| c.parse().unwrap())
        .collect();
    let texts = texts(&run.join("recovery_curves.svg"));
    let table = texts
        .iter()
        .position(|t| t == "Number at risk")
        .expect("a table of numbers at risk");
    let numbers: Vec<(f64, i32)> = texts[table..].iter().filter_map(|t| printed(t)).collect();
    assert!(numbers.len() >= 6 * 5, "{numbers:?}");
    for n in numbers {
        assert!(
            counts.contains(&n.0),
            "recovery_curves prints {} at risk, not in at_risk.csv",
            n.0
        );
    }
}

#[test]
fn printed_numbers_are_read_back() {
    assert_eq!(printed("+1,055.25"), Some((1055.25, 2)));
    assert_eq!(printed("\u{2212}0.04"), Some((-0.04, 2)));
    assert_eq!(printed("20,000"), Some((20000.0, 0)));
    assert!(rounds_to(0.0449, (0.04, 2)) && !rounds_to(0.0451, (0.04, 2)));
}
