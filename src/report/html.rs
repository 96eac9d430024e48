//! report.html: one self-contained page of a run, readable in any browser
//! with no network and no scripts: the scenario in words, the methods,
//! every chart as inline SVG, every table, and the provenance.
//!
//! Only plain strings come in ([`Page`]); tables are shaped here for
//! reading (an estimate's `x`, `x_lo`, `x_hi` columns folded into one
//! `x (95% CI)` column, numbers to four significant digits, the summary
//! turned to one row per outcome) while the CSV files keep full precision.

use std::fmt::Write;

use crate::report::plot::ChartLabels;

/// A table as text cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cells {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// One part of the page.
#[derive(Debug, Clone)]
pub enum Block {
    /// A chart: its file name (without extension), caption and SVG text.
    Chart { name: String, caption: String, svg: String },
    /// A table of the run directory, by file name, with a sentence on
    /// what it holds; `by_outcome`: summary.csv turned to one row per
    /// outcome ([`summary_by_outcome`]).
    Table {
        file: String,
        about: String,
        cells: Cells,
        by_outcome: bool,
    },
    /// A paragraph of text.
    Text(String),
}

/// A section of the page: a heading and its blocks.
#[derive(Debug, Clone)]
pub struct Section {
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// Everything on the page.
#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    /// One line under the title.
    pub subtitle: String,
    /// The scenario in words (`foramen describe`), shown as preformatted
    /// text.
    pub scenario_words: String,
    /// The methods paragraph.
    pub methods: String,
    pub sections: Vec<Section>,
    /// Label and value, in order.
    pub provenance: Vec<(String, String)>,
}

/// Tables longer than this are shown folded away (`<details>`), as are
/// tables wider than [`WIDE`] columns.
pub const LONG: usize = 40;
pub const WIDE: usize = 14;

/// Text with `&`, `<`, `>` and quotes escaped for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A cell for reading: a number to four significant digits (whole
/// numbers as they are, `NaN` as a dash), anything else as written.
pub fn readable(cell: &str) -> String {
    let Ok(v) = cell.parse::<f64>() else {
        return cell.to_string();
    };
    if v.is_nan() {
        return "-".to_string();
    }
    if !v.is_finite() || (v.fract() == 0.0 && v.abs() < 1e15) {
        return format!("{v}");
    }
    let digits = (4 - 1 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{v:.digits$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// `value (lo to hi)` for reading.
fn interval(value: &str, lo: &str, hi: &str) -> String {
    let (v, l, h) = (readable(value), readable(lo), readable(hi));
    if l == "-" || h == "-" || (l == v && h == v) {
        v
    } else {
        format!("{v} ({l} to {h})")
    }
}

/// Every estimate `x` with `x_lo` and `x_hi` beside it folded into one
/// column `x (95% CI)`; `x_se` columns left out; other cells readable.
pub fn fold_estimates(t: &Cells) -> Cells {
    let col = |name: &str| t.header.iter().position(|h| h == name);
    let mut header = Vec::new();
    let mut plan: Vec<(usize, Option<(usize, usize)>)> = Vec::new();
    for (i, h) in t.header.iter().enumerate() {
        let is_part = ["_lo", "_hi", "_se"]
            .iter()
            .any(|s| h.strip_suffix(s).is_some_and(|base| col(base).is_some()));
        if is_part {
            continue;
        }
        // comparison.csv's `difference` has paired_ and unpaired_ bounds.
        let bounds = match (col(&format!("{h}_lo")), col(&format!("{h}_hi"))) {
            (Some(lo), Some(hi)) => Some((lo, hi)),
            _ => None,
        };
        header.push(if bounds.is_some() {
            format!("{h} (Monte Carlo 95% CI)")
        } else {
            h.clone()
        });
        plan.push((i, bounds));
    }
    let paired = [
        col("paired_lo"),
        col("paired_hi"),
        col("unpaired_lo"),
        col("unpaired_hi"),
    ];
    let extra = col("difference").is_some() && paired.iter().all(Option::is_some);
    if extra {
        header.retain(|h| !h.starts_with("paired_") && !h.starts_with("unpaired_"));
        plan.retain(|(i, _)| !t.header[*i].starts_with("paired_") && !t.header[*i].starts_with("unpaired_"));
        header.push("paired Monte Carlo 95% CI".into());
        header.push("unpaired Monte Carlo 95% CI".into());
    }
    let rows = t
        .rows
        .iter()
        .map(|r| {
            let cell = |i: usize| r.get(i).map_or("", String::as_str);
            let mut out: Vec<String> = plan
                .iter()
                .map(|&(i, b)| match b {
                    Some((lo, hi)) => interval(cell(i), cell(lo), cell(hi)),
                    None => readable(cell(i)),
                })
                .collect();
            if let [Some(pl), Some(ph), Some(ul), Some(uh)] = paired
                && extra
            {
                for (lo, hi) in [(pl, ph), (ul, uh)] {
                    let (l, h) = (readable(cell(lo)), readable(cell(hi)));
                    out.push(if l == "-" { l } else { format!("{l} to {h}") });
                }
            }
            out
        })
        .collect();
    Cells { header, rows }
}

/// summary.csv turned for reading: one row per outcome, one column per
/// policy, each cell `value (lo to hi)`.
pub fn summary_by_outcome(t: &Cells, labels: &ChartLabels) -> Cells {
    let folded = fold_estimates(t);
    let Some(p) = folded.header.iter().position(|h| h == "policy") else {
        return folded;
    };
    // Policies and outcomes by their labels, with the column of
    // summary.csv beside each outcome.
    let mut header = vec!["outcome".to_string(), "column".to_string()];
    header.extend(folded.rows.iter().map(|r| labels.policy(&r[p]).to_string()));
    let rows = folded
        .header
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != p)
        .map(|(i, h)| {
            let name = h.strip_suffix(" (Monte Carlo 95% CI)").unwrap_or(h).to_string();
            let label = crate::outcome::find(&name).map_or(name.clone(), |d| labels.outcome(d).to_string());
            [label, name]
                .into_iter()
                .chain(folded.rows.iter().map(|r| r[i].clone()))
                .collect()
        })
        .collect();
    Cells { header, rows }
}

fn table_html(out: &mut String, cells: &Cells) {
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    for h in &cells.header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in &cells.rows {
        out.push_str("<tr>");
        for c in r {
            let _ = write!(out, "<td>{}</td>", escape(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

/// Policies per table of the summary: with more, the summary is cut into
/// tables of this many policies each, every one with the outcomes.
pub const SUMMARY_POLICIES: usize = 4;

/// The summary ([`summary_by_outcome`]: the outcome's label and its column
/// of summary.csv, then one column per policy) narrow enough for a page:
/// the column under the label, headings wrapping, each estimate on one
/// line and its interval under it, and at most [`SUMMARY_POLICIES`]
/// policies per table.
fn summary_html(out: &mut String, cells: &Cells) {
    let two_lines =
        |first: &str, second: &str| format!("{}<br><span class=\"ci\">{}</span>", escape(first), escape(second));
    let policies: Vec<usize> = (2..cells.header.len()).collect();
    for chunk in policies.chunks(SUMMARY_POLICIES) {
        out.push_str("<table class=\"summary\">\n<thead><tr><th>outcome<br><span class=\"ci\">column</span></th>");
        for &i in chunk {
            let _ = write!(out, "<th>{}</th>", escape(&cells.header[i]));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for r in cells.rows.iter().filter(|r| r.len() == cells.header.len()) {
            let _ = write!(out, "<tr><td>{}</td>", two_lines(&r[0], &r[1]));
            for &i in chunk {
                // `value (lo to hi)`: the interval on a line of its own.
                let cell = match r[i].split_once(" (") {
                    Some((value, interval)) => two_lines(value, &format!("({interval}")),
                    None => escape(&r[i]),
                };
                let _ = write!(out, "<td>{cell}</td>");
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n");
    }
}

/// An SVG as it goes inline: without any XML prologue, scaled to the
/// page's width.
fn inline_svg(svg: &str) -> &str {
    let start = svg.find("<svg").unwrap_or(0);
    svg[start..].trim_end()
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\
.subtitle{color:#555;margin-top:0}pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:.85em;white-space:pre-wrap}\
figure{margin:1.5em 0}figure svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#444;font-size:.95em}\
.scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.85em;margin:.5em 0}\
th,td{border:1px solid #ddd;padding:.25em .5em;text-align:right;white-space:nowrap}th{background:#f0f0f0}\
td:first-child,th:first-child{text-align:left}details{margin:.5em 0}summary{cursor:pointer;color:#0a4f8a}\
.summary th{white-space:normal;vertical-align:bottom}.summary th,.summary td{padding:.2em .3em}.ci{color:#555;font-size:.85em;font-weight:normal}\
nav a{margin-right:1em}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}";

/// The page as HTML: no script, no stylesheet, image or font from
/// anywhere else, no link out but to its own sections.
pub fn render(page: &Page) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&page.title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&page.title));
    let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", escape(&page.subtitle));
    out.push_str("<nav><a href=\"#methods\">Methods</a><a href=\"#scenario\">Scenario</a>");
    for (i, s) in page.sections.iter().enumerate() {
        let _ = write!(out, "<a href=\"#section-{i}\">{}</a>", escape(&s.heading));
    }
    out.push_str("<a href=\"#provenance\">Provenance</a></nav>\n");
    out.push_str("<h2 id=\"methods\">Methods</h2>\n");
    for para in page.methods.split("\n\n").filter(|p| !p.trim().is_empty()) {
        let _ = writeln!(out, "<p>{}</p>", escape(para.trim()));
    }
    out.push_str("<h2 id=\"scenario\">The scenario in words</h2>\n");
    let words = page.scenario_words.trim_end();
    let lines = words.lines().count();
    // A long description (every step of every policy) is folded away
    // after its first lines: the scenario, the cohort.
    let head: Vec<&str> = words.lines().take_while(|l| !l.is_empty()).collect();
    if lines > LONG && head.len() < lines {
        let _ = writeln!(out, "<pre>{}</pre>", escape(&head.join("\n")));
        let _ = writeln!(
            out,
            "<details><summary>Show the whole scenario in words ({lines} lines: cohort, natural history, economics, every policy step by step)</summary>\n<pre>{}</pre>\n</details>",
            escape(words)
        );
    } else {
        let _ = writeln!(out, "<pre>{}</pre>", escape(words));
    }
    for (i, s) in page.sections.iter().enumerate() {
        let _ = writeln!(out, "<h2 id=\"section-{i}\">{}</h2>", escape(&s.heading));
        for b in &s.blocks {
            match b {
                Block::Text(text) => {
                    let _ = writeln!(out, "<p>{}</p>", escape(text));
                }
                Block::Chart { name, caption, svg } => {
                    let _ = writeln!(
                        out,
                        "<figure id=\"chart-{}\" class=\"chart\">\n{}\n<figcaption><b>{}</b>: {}</figcaption>\n</figure>",
                        escape(name),
                        inline_svg(svg),
                        escape(name),
                        escape(caption)
                    );
                }
                Block::Table {
                    file,
                    about,
                    cells,
                    by_outcome,
                } => {
                    let rows = cells.rows.len();
                    let big = rows > LONG || cells.header.len() > WIDE;
                    let _ = writeln!(
                        out,
                        "<h3 id=\"table-{}\">{}</h3>\n<p>{} ({} rows)</p>",
                        escape(file),
                        escape(file),
                        escape(about),
                        rows
                    );
                    if big {
                        let _ = writeln!(
                            out,
                            "<details><summary>Show the {rows} rows of {}</summary>",
                            escape(file)
                        );
                    }
                    if *by_outcome && cells.header.starts_with(&["outcome".into(), "column".into()]) {
                        summary_html(&mut out, cells);
                    } else {
                        table_html(&mut out, cells);
                    }
                    if big {
                        out.push_str("</details>\n");
                    }
                }
            }
        }
    }
    out.push_str("<h2 id=\"provenance\">Provenance</h2>\n<dl>\n");
    for (label, value) in &page.provenance {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(label), escape(value));
    }
    out.push_str("</dl>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(header: &[&str], rows: &[&[&str]]) -> Cells {
        Cells {
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: rows.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect(),
        }
    }

    /// summary.csv's columns with one outcome.
    const SUMMARY_HEADER: [&str; 6] = [
        "policy",
        "patients",
        "recovered",
        "recovered_lo",
        "recovered_hi",
        "recovered_se",
    ];

    #[test]
    fn numbers_read_to_four_significant_digits() {
        assert_eq!(readable("0.0012000000000000001"), "0.0012");
        assert_eq!(readable("106.85576923076903"), "106.9");
        assert_eq!(readable("-0.006099999999999994"), "-0.0061");
        assert_eq!(readable("100000"), "100000");
        assert_eq!(readable("12345.678"), "12346");
        assert_eq!(readable("NaN"), "-");
        assert_eq!(readable("stepwise"), "stepwise");
    }

    #[test]
    fn estimates_fold_into_one_column() {
        let t = cells(&SUMMARY_HEADER, &[&["a", "10", "0.5", "0.4", "0.6", "0.05"]]);
        let f = fold_estimates(&t);
        assert_eq!(f.header, ["policy", "patients", "recovered (Monte Carlo 95% CI)"]);
        assert_eq!(f.rows, [["a", "10", "0.5 (0.4 to 0.6)"]]);
        let s = summary_by_outcome(&t, &ChartLabels::default());
        assert_eq!(s.header, ["outcome", "column", "a"]);
        assert_eq!(
            s.rows,
            [
                ["patients", "patients", "10"],
                ["recovered", "recovered", "0.5 (0.4 to 0.6)"]
            ]
        );
        // Policies and outcomes by their labels.
        let mut labels = ChartLabels::default();
        labels.insert("policy", "a", "Policy A");
        labels.insert("outcome", "recovered", "Recovered by a year");
        let s = summary_by_outcome(&t, &labels);
        assert_eq!(s.header, ["outcome", "column", "Policy A"]);
        assert_eq!(s.rows[1], ["Recovered by a year", "recovered", "0.5 (0.4 to 0.6)"]);
        let c = cells(
            &[
                "policy",
                "outcome",
                "difference",
                "paired_lo",
                "paired_hi",
                "paired_se",
                "unpaired_lo",
                "unpaired_hi",
                "unpaired_se",
            ],
            &[&["b", "median_days", "3.5", "NaN", "NaN", "NaN", "1", "6", "1.2"]],
        );
        let f = fold_estimates(&c);
        assert_eq!(
            f.header,
            [
                "policy",
                "outcome",
                "difference",
                "paired Monte Carlo 95% CI",
                "unpaired Monte Carlo 95% CI"
            ]
        );
        assert_eq!(f.rows, [["b", "median_days", "3.5", "-", "1 to 6"]]);
    }

    /// The summary on a page: six policies make a table of four and one of
    /// two, each with every outcome, every estimate and its interval (on a
    /// line of its own) and the summary.csv column under the outcome.
    #[test]
    fn the_summary_is_cut_into_tables_of_four_policies() {
        let names = ["a", "b", "c", "d", "e", "f"];
        let rows: Vec<Vec<String>> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let v = |x: f64| format!("{}", x + i as f64 / 100.0);
                vec![n.to_string(), "10".into(), v(0.5), v(0.4), v(0.6), "0.05".into()]
            })
            .collect();
        let t = Cells {
            header: SUMMARY_HEADER.iter().map(|h| h.to_string()).collect(),
            rows,
        };
        let mut html = String::new();
        summary_html(&mut html, &summary_by_outcome(&t, &ChartLabels::default()));
        assert_eq!(html.matches("<table class=\"summary\">").count(), 2);
        let first = &html[..html.find("</table>").unwrap()];
        assert!(first.contains("<th>d</th>") && !first.contains("<th>e</th>"));
        assert!(html.contains("<td>recovered<br><span class=\"ci\">recovered</span></td>"));
        for i in 0..6 {
            let cell = format!("<td>0.5{i}<br><span class=\"ci\">(0.4{i} to 0.6{i})</span></td>");
            let cell = cell
                .replace("0.50<", "0.5<")
                .replace("0.40 ", "0.4 ")
                .replace("0.60)", "0.6)");
            assert_eq!(html.matches(&cell).count(), 1, "no {cell} in {html}");
        }
        assert_eq!(html.matches("<td>10</td>").count(), 6);
    }

    #[test]
    fn the_page_escapes_text_and_refers_to_nothing_outside() {
        let page = Page {
            title: "run <a & b>".into(),
            subtitle: "x".into(),
            scenario_words: "policy \"p\"".into(),
            methods: "one\n\ntwo".into(),
            sections: vec![Section {
                heading: "Charts".into(),
                blocks: vec![Block::Chart {
                    name: "c".into(),
                    caption: "a < b".into(),
                    svg: "<?xml version=\"1.0\"?>\n<svg width=\"1\" height=\"1\"></svg>\n".into(),
                }],
            }],
            provenance: vec![("seed".into(), "7".into())],
        };
        let html = render(&page);
        assert!(html.contains("<h1>run &lt;a &amp; b&gt;</h1>"));
        assert!(html.contains("<figure id=\"chart-c\" class=\"chart\">\n<svg width=\"1\""));
        assert!(!html.contains("<?xml"));
        assert!(html.contains("<p>one</p>\n<p>two</p>"));
        for outside in ["<script", "<img", "<link", "src=", "http://", "https://", "url("] {
            assert!(!html.contains(outside), "the page has {outside}");
        }
    }
}
