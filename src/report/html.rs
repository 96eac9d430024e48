//! report.html: one page of a run or of a probabilistic analysis, readable
//! in any browser with no network and no scripts, and printable: the
//! findings in sentences, the tables shaped for reading, every chart by
//! reference to its picture beside the page, every input with its source,
//! the methods and the provenance.
//!
//! Only plain strings come in ([`Page`]); tables are shaped here for
//! reading (an estimate's `x`, `x_lo`, `x_hi` columns folded into one
//! `x (MC 95%)` column, numbers to four significant digits with thousands
//! separators, shares in percent, the summary turned to one row per
//! outcome) while the CSV files keep full precision.
//!
//! Pictures are `<img>` elements naming a file in the page's own
//! directory (no path, no scheme), so the page keeps its charts when the
//! directory is moved or zipped whole; the page itself loads nothing else.

use std::fmt::Write;

use crate::outcome::Kind;
use crate::report::plot::ChartLabels;

/// A table as text cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cells {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// How a table is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// As its cells are.
    Plain,
    /// A label column, then one column per policy: cut into tables of
    /// [`SUMMARY_POLICIES`] policies each, every one with all the rows.
    ByPolicy,
}

/// One input of the scenario, for the inputs table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InputRow {
    /// Its key path, as in `[ranges]`, `--param` and the psa tables.
    pub path: String,
    /// Words for it, where the scenario gives some.
    pub label: Option<String>,
    /// The value as written in the scenario file.
    pub value: String,
    /// For a distribution of belief: the distribution in words.
    pub belief: Option<String>,
    /// The evidence IDs its note cites.
    pub ids: Vec<String>,
    /// The note the scenario file gives it (its `source`, or the comment
    /// beside or above it).
    pub note: String,
}

/// One part of the page.
#[derive(Debug, Clone)]
pub enum Block {
    /// A paragraph of text.
    Text(String),
    /// A heading within a section.
    Heading(String),
    /// Sentences, one item each.
    List(Vec<String>),
    /// A chart: its name (without extension), a title in words, a
    /// caption, and its picture's file name in the page's directory.
    Chart {
        name: String,
        title: String,
        caption: String,
        file: String,
    },
    /// A table: a title in words, the file it comes from, a sentence on
    /// what it holds, its cells and layout; `folded`: shown folded away
    /// (`<details>`, not printed).
    Table {
        title: String,
        file: String,
        about: String,
        cells: Cells,
        layout: Layout,
        folded: bool,
    },
    /// Every input of the scenario.
    Inputs(Vec<InputRow>),
    /// Evidence IDs with their references.
    References(Vec<(String, String)>),
    /// Preformatted text folded away under a summary line.
    Folded { summary: String, text: String },
    /// Files of the directory with what each holds, linked by name.
    Files(Vec<(String, String)>),
}

/// A section of the page: a heading, the id it is linked by, its blocks.
#[derive(Debug, Clone)]
pub struct Section {
    pub id: String,
    pub heading: String,
    pub blocks: Vec<Block>,
}

/// Everything on the page.
#[derive(Debug, Clone)]
pub struct Page {
    pub title: String,
    /// One line under the title.
    pub subtitle: String,
    /// The note set apart under the subtitle (what the numbers are for).
    pub caveat: String,
    pub sections: Vec<Section>,
    /// Label and value, in order.
    pub provenance: Vec<(String, String)>,
}

/// Tables longer than this are folded away (`<details>`).
pub const LONG: usize = 40;

/// The caveat at the top of every report.
pub const CAVEAT: &str = "Illustrative, not decision support. foramen is a teaching and research simulator: its default scenario's numbers come from published evidence (docs/evidence.md), with every assumption marked as one in the scenario file, and foraminal-specific data are thin. Read the results as what the model implies under the inputs listed below, not as advice for any patient or payer.";

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

/// Digits with a comma every three from the right: `12345` -> `12,345`
/// (a sign and decimals kept as they are).
pub fn grouped(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (int, frac) = rest.split_at(rest.find('.').unwrap_or(rest.len()));
    if int.len() <= 3 || !int.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    out.push_str(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(frac);
    out
}

/// `v` to `digits` significant digits (at least whole units), trailing
/// zeros dropped, thousands grouped; `-` for NaN.
pub fn significant(v: f64, digits: i32) -> String {
    if v.is_nan() {
        return "-".to_string();
    }
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == 0.0 {
        return "0".to_string();
    }
    let decimals = (digits - 1 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{v:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    let text = if text == "-0" { "0".to_string() } else { text };
    grouped(&text)
}

/// A cell for reading: a number to four significant digits with
/// thousands grouped (whole numbers whole, `NaN` as a dash), anything
/// else as written.
pub fn readable(cell: &str) -> String {
    let Ok(v) = cell.parse::<f64>() else {
        return cell.to_string();
    };
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        return grouped(&format!("{v}"));
    }
    significant(v, 4)
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

/// What a folded estimate's column is called: `x (MC 95%)`.
const MC: &str = " (MC 95%)";

/// Every estimate `x` with `x_lo` and `x_hi` beside it folded into one
/// column `x (MC 95%)`; `x_se` columns left out; other cells readable.
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
        let bounds = match (col(&format!("{h}_lo")), col(&format!("{h}_hi"))) {
            (Some(lo), Some(hi)) => Some((lo, hi)),
            _ => None,
        };
        header.push(if bounds.is_some() {
            format!("{h}{MC}")
        } else {
            h.clone()
        });
        plan.push((i, bounds));
    }
    let rows = t
        .rows
        .iter()
        .map(|r| {
            let cell = |i: usize| r.get(i).map_or("", String::as_str);
            plan.iter()
                .map(|&(i, b)| match b {
                    Some((lo, hi)) => interval(cell(i), cell(lo), cell(hi)),
                    None => readable(cell(i)),
                })
                .collect()
        })
        .collect();
    Cells { header, rows }
}

/// The kind of the outcome a column of summary.csv holds (`x`, `x_lo`,
/// `x_hi`, `x_se`).
fn column_kind(column: &str) -> Option<Kind> {
    let base = ["_lo", "_hi", "_se"]
        .iter()
        .find_map(|s| column.strip_suffix(s))
        .filter(|b| crate::outcome::find(b).is_some())
        .unwrap_or(column);
    crate::outcome::find(base).map(|d| d.kind)
}

/// A number cell times 100 (shares to percent); other cells as they are.
fn percent(cell: &str) -> String {
    match cell.parse::<f64>() {
        Ok(v) => format!("{}", 100.0 * v),
        Err(_) => cell.to_string(),
    }
}

/// The label of an outcome with its unit, for a row: shares `(%)`.
fn outcome_label(name: &str, labels: &ChartLabels, difference: bool) -> String {
    match crate::outcome::find(name) {
        Some(d) => {
            let label = labels.outcome(d);
            match d.kind {
                Kind::Share if difference => format!("{label} (percentage points)"),
                Kind::Share => format!("{label} (%)"),
                Kind::Days => format!("{label} (days)"),
                _ => label.to_string(),
            }
        }
        None => name.to_string(),
    }
}

/// summary.csv turned for reading: one row per outcome (by its label,
/// shares in percent), one column per policy (by its label), each cell
/// `value (lo to hi)`.
pub fn summary_by_outcome(t: &Cells, labels: &ChartLabels) -> Cells {
    let shares = Cells {
        header: t.header.clone(),
        rows: t
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .zip(&t.header)
                    .map(|(c, h)| {
                        if column_kind(h) == Some(Kind::Share) {
                            percent(c)
                        } else {
                            c.clone()
                        }
                    })
                    .collect()
            })
            .collect(),
    };
    let folded = fold_estimates(&shares);
    let Some(p) = folded.header.iter().position(|h| h == "policy") else {
        return folded;
    };
    let mut header = vec!["outcome".to_string()];
    header.extend(folded.rows.iter().map(|r| labels.policy(&r[p]).to_string()));
    let rows = folded
        .header
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != p)
        .map(|(i, h)| {
            let name = h.strip_suffix(MC).unwrap_or(h);
            let label = match name {
                "patients" => "patients".to_string(),
                _ => outcome_label(name, labels, false),
            };
            std::iter::once(label)
                .chain(folded.rows.iter().map(|r| r[i].clone()))
                .collect()
        })
        .collect();
    Cells { header, rows }
}

/// One outcome of subgroups.csv turned for reading: one row per subgroup
/// (by its label), one column per policy (by its label), each cell
/// `value (lo to hi)`, shares in percent.
pub fn subgroups_by_outcome(t: &Cells, outcome: &str, labels: &ChartLabels) -> Cells {
    let col = |name: &str| t.header.iter().position(|h| h == name);
    let (Some(p), Some(s), Some(v), Some(lo), Some(hi)) = (
        col("policy"),
        col("subgroup"),
        col(outcome),
        col(&format!("{outcome}_lo")),
        col(&format!("{outcome}_hi")),
    ) else {
        return Cells::default();
    };
    let share = column_kind(outcome) == Some(Kind::Share);
    let f = |c: &str| if share { percent(c) } else { c.to_string() };
    let mut policies: Vec<&str> = Vec::new();
    let mut subgroups: Vec<&str> = Vec::new();
    for r in &t.rows {
        if !policies.contains(&r[p].as_str()) {
            policies.push(&r[p]);
        }
        if !subgroups.contains(&r[s].as_str()) {
            subgroups.push(&r[s]);
        }
    }
    let mut header = vec!["subgroup".to_string()];
    header.extend(policies.iter().map(|n| labels.policy(n).to_string()));
    let rows = subgroups
        .iter()
        .map(|subgroup| {
            std::iter::once(labels.subgroup(subgroup))
                .chain(policies.iter().map(|policy| {
                    t.rows
                        .iter()
                        .find(|r| r[p] == *policy && r[s] == *subgroup)
                        .map_or(String::new(), |r| interval(&f(&r[v]), &f(&r[lo]), &f(&r[hi])))
                }))
                .collect()
        })
        .collect();
    Cells { header, rows }
}

/// The label of an outcome with its unit, as a title: `recovered (%)`.
pub fn outcome_title(name: &str, labels: &ChartLabels) -> String {
    outcome_label(name, labels, false)
}

/// comparison.csv turned for reading: one row per outcome (by its label,
/// share differences in percentage points), one column per policy, each
/// cell the difference from the reference and its paired Monte Carlo 95%
/// interval (the unpaired one, marked so, where there is no paired one:
/// medians).
pub fn comparison_by_outcome(t: &Cells, labels: &ChartLabels) -> Cells {
    let col = |name: &str| t.header.iter().position(|h| h == name);
    let (Some(p), Some(o), Some(d), Some(pl), Some(ph), Some(ul), Some(uh)) = (
        col("policy"),
        col("outcome"),
        col("difference"),
        col("paired_lo"),
        col("paired_hi"),
        col("unpaired_lo"),
        col("unpaired_hi"),
    ) else {
        return fold_estimates(t);
    };
    let mut policies: Vec<&str> = Vec::new();
    let mut outcomes: Vec<&str> = Vec::new();
    for r in &t.rows {
        if !policies.contains(&r[p].as_str()) {
            policies.push(&r[p]);
        }
        if !outcomes.contains(&r[o].as_str()) {
            outcomes.push(&r[o]);
        }
    }
    let mut header = vec!["outcome".to_string()];
    header.extend(policies.iter().map(|n| labels.policy(n).to_string()));
    let rows = outcomes
        .iter()
        .map(|outcome| {
            let share = crate::outcome::find(outcome).is_some_and(|d| d.kind == Kind::Share);
            let v = |c: &str| if share { percent(c) } else { c.to_string() };
            let mut row = vec![outcome_label(outcome, labels, true)];
            for policy in &policies {
                let cell = t
                    .rows
                    .iter()
                    .find(|r| r[p] == *policy && r[o] == *outcome)
                    .map_or(String::new(), |r| {
                        let paired = r[pl].parse::<f64>().is_ok_and(|x| !x.is_nan());
                        if paired {
                            interval(&v(&r[d]), &v(&r[pl]), &v(&r[ph]))
                        } else {
                            let text = interval(&v(&r[d]), &v(&r[ul]), &v(&r[uh]));
                            match text.strip_suffix(')') {
                                Some(open) => format!("{open}, unpaired)"),
                                None => text,
                            }
                        }
                    });
                row.push(cell);
            }
            row
        })
        .collect();
    Cells { header, rows }
}

/// A cell `value (interval)` as the value with its interval on a line of
/// its own, in grey; other cells as they are.
fn cell_html(cell: &str) -> String {
    match cell.split_once(" (") {
        Some((value, rest)) if rest.ends_with(')') => {
            format!("{}<span class=\"ci\">({}</span>", escape(value), escape(rest))
        }
        _ => escape(cell),
    }
}

fn table_html(out: &mut String, cells: &Cells) {
    out.push_str("<table>\n<thead><tr>");
    for h in &cells.header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in &cells.rows {
        out.push_str("<tr>");
        for (c, h) in r.iter().zip(&cells.header) {
            let text = if h.ends_with(MC) { cell_html(c) } else { escape(c) };
            // Words read from the left, numbers from the right.
            let first = c.split([' ', '%']).next().unwrap_or("").replace(',', "");
            let number = first == "-" || first.parse::<f64>().is_ok();
            if number || c.is_empty() {
                let _ = write!(out, "<td>{text}</td>");
            } else {
                let _ = write!(out, "<td class=\"t\">{text}</td>");
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
}

/// Policies per table of a [`Layout::ByPolicy`] table: with more, it is
/// cut into tables of this many policies each, every one with all rows.
pub const SUMMARY_POLICIES: usize = 4;

/// A table with a label column and one column per policy, narrow enough
/// for a page: headings wrapping, each estimate on one line and its
/// interval under it, and at most [`SUMMARY_POLICIES`] policies a table.
fn by_policy_html(out: &mut String, cells: &Cells) {
    let policies: Vec<usize> = (1..cells.header.len()).collect();
    for chunk in policies.chunks(SUMMARY_POLICIES) {
        let _ = write!(
            out,
            "<table class=\"summary\">\n<thead><tr><th>{}</th>",
            escape(&cells.header[0])
        );
        for &i in chunk {
            let _ = write!(out, "<th>{}</th>", escape(&cells.header[i]));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for r in cells.rows.iter().filter(|r| r.len() == cells.header.len()) {
            let _ = write!(out, "<tr><td>{}</td>", escape(&r[0]));
            for &i in chunk {
                let _ = write!(out, "<td>{}</td>", cell_html(&r[i]));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table>\n");
    }
}

fn inputs_html(out: &mut String, rows: &[InputRow]) {
    out.push_str("<table class=\"inputs\">\n<colgroup><col style=\"width:25%\"><col style=\"width:24%\"><col style=\"width:8%\"><col style=\"width:43%\"></colgroup>\n<thead><tr><th>parameter</th><th>value in the scenario</th><th>source IDs</th><th>the scenario's note</th></tr></thead>\n<tbody>\n");
    for r in rows {
        let name = match &r.label {
            Some(label) => format!("{}<br><code>{}</code>", escape(label), escape(&r.path)),
            None => format!("<code>{}</code>", escape(&r.path)),
        };
        let value = match &r.belief {
            Some(words) => format!(
                "<code>{}</code><br><span class=\"ci\">distribution of belief: {}</span>",
                escape(&r.value),
                escape(words)
            ),
            None => format!("<code>{}</code>", escape(&r.value)),
        };
        let _ = writeln!(
            out,
            "<tr><td>{name}</td><td>{value}</td><td>{}</td><td>{}</td></tr>",
            escape(&r.ids.join(", ")),
            escape(&r.note)
        );
    }
    out.push_str("</tbody></table>\n");
}

const STYLE: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\
.subtitle{color:#555;margin-top:0}.caveat{border-left:4px solid #b35900;background:#fff6ec;padding:.6em 1em}\
pre{background:#f6f6f6;padding:1em;font-size:.85em;white-space:pre-wrap;overflow-wrap:anywhere}\
figure{margin:1.5em 0;break-inside:avoid;page-break-inside:avoid}figure img{display:block;max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#444;font-size:.95em}\
table{border-collapse:collapse;font-size:.85em;margin:.5em 0;max-width:100%}\
th,td{border:1px solid #ddd;padding:.25em .45em;text-align:right;vertical-align:top;overflow-wrap:break-word}th{background:#f0f0f0;vertical-align:bottom}\
td:first-child,th:first-child{text-align:left}details{margin:.5em 0}summary{cursor:pointer;color:#0a4f8a}\
.ci{display:block;color:#555;font-size:.85em;font-weight:normal}td.t{text-align:left}\
.inputs{table-layout:fixed;width:100%}.inputs td,.inputs th{text-align:left;overflow-wrap:anywhere}code{font-size:.9em}\
li{margin:.3em 0}nav a{margin-right:1em}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}\
@media print{@page{margin:14mm}body{max-width:none;margin:0;padding:0;font-size:9.5pt}nav{display:none}h2,h3{break-after:avoid;page-break-after:avoid}\
tr,li{break-inside:avoid;page-break-inside:avoid}figure img{max-height:205mm;width:auto}a{color:inherit;text-decoration:none}.caveat{border:1px solid #b35900}}";

/// The page as HTML: no script, no stylesheet or font from anywhere
/// else; pictures only by file name in the page's directory.
pub fn render(page: &Page) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&page.title)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&page.title));
    let _ = writeln!(out, "<p class=\"subtitle\">{}</p>", escape(&page.subtitle));
    let _ = writeln!(out, "<p class=\"caveat\"><b>{}</b></p>", escape(&page.caveat));
    out.push_str("<nav>");
    for s in &page.sections {
        let _ = write!(out, "<a href=\"#{}\">{}</a>", escape(&s.id), escape(&s.heading));
    }
    out.push_str("<a href=\"#provenance\">Provenance</a></nav>\n");
    for s in &page.sections {
        let _ = writeln!(out, "<h2 id=\"{}\">{}</h2>", escape(&s.id), escape(&s.heading));
        for b in &s.blocks {
            block_html(&mut out, b);
        }
    }
    out.push_str("<h2 id=\"provenance\">Provenance</h2>\n<dl>\n");
    for (label, value) in &page.provenance {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(label), escape(value));
    }
    out.push_str("</dl>\n</body>\n</html>\n");
    out
}

fn block_html(out: &mut String, b: &Block) {
    match b {
        Block::Text(text) => {
            let _ = writeln!(out, "<p>{}</p>", escape(text));
        }
        Block::Heading(text) => {
            let _ = writeln!(out, "<h3>{}</h3>", escape(text));
        }
        Block::List(items) => {
            out.push_str("<ul class=\"findings\">\n");
            for item in items {
                let _ = writeln!(out, "<li>{}</li>", escape(item));
            }
            out.push_str("</ul>\n");
        }
        Block::Chart {
            name,
            title,
            caption,
            file,
        } => {
            let _ = writeln!(
                out,
                "<figure id=\"chart-{}\" class=\"chart\">\n<img src=\"{}\" alt=\"{}\">\n<figcaption><b>{}</b>: {} <span class=\"ci\">({})</span></figcaption>\n</figure>",
                escape(name),
                escape(file),
                escape(title),
                escape(title),
                escape(caption),
                escape(file)
            );
        }
        Block::Table {
            title,
            file,
            about,
            cells,
            layout,
            folded,
        } => {
            let rows = cells.rows.len();
            let slug: String = title
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "<h3 id=\"table-{}\">{}</h3>\n<p>{} <span class=\"ci\">(from {}, {} rows)</span></p>",
                escape(&slug),
                escape(title),
                escape(about),
                escape(file),
                rows
            );
            if *folded {
                let _ = writeln!(
                    out,
                    "<details><summary>Show the {rows} rows (folded away and not printed: every row is in {})</summary>",
                    escape(file)
                );
            }
            match layout {
                Layout::ByPolicy => by_policy_html(out, cells),
                Layout::Plain => table_html(out, cells),
            }
            if *folded {
                out.push_str("</details>\n");
            }
        }
        Block::Inputs(rows) => inputs_html(out, rows),
        Block::References(refs) => {
            out.push_str("<dl class=\"references\">\n");
            for (id, reference) in refs {
                let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(id), escape(reference));
            }
            out.push_str("</dl>\n");
        }
        Block::Folded { summary, text } => {
            let _ = writeln!(
                out,
                "<details><summary>{}</summary>\n<pre>{}</pre>\n</details>",
                escape(summary),
                escape(text.trim_end())
            );
        }
        Block::Files(files) => {
            out.push_str("<dl class=\"files\">\n");
            for (file, about) in files {
                let _ = writeln!(
                    out,
                    "<dt><a href=\"{}\">{}</a></dt><dd>{}</dd>",
                    escape(file),
                    escape(file),
                    escape(about)
                );
            }
            out.push_str("</dl>\n");
        }
    }
}

/// The print styles of [`render`]'s page (for tests: no scroll box).
pub fn print_css() -> &'static str {
    STYLE.split("@media print").nth(1).unwrap_or("")
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

    /// summary.csv's columns with two outcomes.
    const SUMMARY_HEADER: [&str; 10] = [
        "policy",
        "patients",
        "recovered",
        "recovered_lo",
        "recovered_hi",
        "recovered_se",
        "median_days",
        "median_days_lo",
        "median_days_hi",
        "median_days_se",
    ];

    #[test]
    fn numbers_read_to_four_significant_digits_with_separators() {
        assert_eq!(readable("0.0012000000000000001"), "0.0012");
        assert_eq!(readable("106.85576923076903"), "106.9");
        assert_eq!(readable("-0.006099999999999994"), "-0.0061");
        assert_eq!(readable("100000"), "100,000");
        assert_eq!(readable("12345.678"), "12,346");
        assert_eq!(readable("-2856.83089901881"), "-2,857");
        assert_eq!(readable("NaN"), "-");
        assert_eq!(readable("stepwise"), "stepwise");
        assert_eq!(significant(0.0085185, 2), "0.0085");
        assert_eq!(significant(-0.0000001, 2), "-0.0000001");
        assert_eq!(grouped("1234567.5"), "1,234,567.5");
        assert_eq!(grouped("-1000"), "-1,000");
    }

    #[test]
    fn estimates_fold_into_one_column_and_shares_read_in_percent() {
        let t = cells(
            &SUMMARY_HEADER,
            &[&["a", "10", "0.5", "0.4", "0.6", "0.05", "30", "28", "33", "1"]],
        );
        let f = fold_estimates(&t);
        assert_eq!(
            f.header,
            ["policy", "patients", "recovered (MC 95%)", "median_days (MC 95%)"]
        );
        assert_eq!(f.rows, [["a", "10", "0.5 (0.4 to 0.6)", "30 (28 to 33)"]]);
        let mut labels = ChartLabels::default();
        labels.insert("policy", "a", "Policy A");
        labels.insert("outcome", "recovered", "Recovered by a year");
        let s = summary_by_outcome(&t, &labels);
        let median = format!("{} (days)", crate::outcome::Id::MedianDays.def().label);
        assert_eq!(s.header, ["outcome", "Policy A"]);
        assert_eq!(
            s.rows,
            [
                ["patients", "10"],
                ["Recovered by a year (%)", "50 (40 to 60)"],
                [median.as_str(), "30 (28 to 33)"],
            ]
        );
    }

    /// comparison.csv by outcome: share differences in percentage points
    /// with the paired interval, a median with the unpaired one marked.
    #[test]
    fn comparisons_read_by_outcome() {
        let c = cells(
            &[
                "policy",
                "reference",
                "outcome",
                "policy_value",
                "reference_value",
                "difference",
                "paired_lo",
                "paired_hi",
                "paired_se",
                "unpaired_lo",
                "unpaired_hi",
                "unpaired_se",
            ],
            &[
                &[
                    "b",
                    "a",
                    "recovered",
                    "0.6",
                    "0.5",
                    "0.1",
                    "0.08",
                    "0.12",
                    "0.01",
                    "0.05",
                    "0.15",
                    "0.02",
                ],
                &[
                    "b",
                    "a",
                    "median_days",
                    "30",
                    "33",
                    "-3",
                    "NaN",
                    "NaN",
                    "NaN",
                    "-6",
                    "0",
                    "1.5",
                ],
            ],
        );
        let f = comparison_by_outcome(&c, &ChartLabels::default());
        let median = format!("{} (days)", crate::outcome::Id::MedianDays.def().label);
        assert_eq!(f.header, ["outcome", "b"]);
        assert_eq!(
            f.rows,
            [
                ["recovered (percentage points)", "10 (8 to 12)"],
                [median.as_str(), "-3 (-6 to 0, unpaired)"],
            ]
        );
    }

    /// Six policies make a table of four and one of two, each with every
    /// row, every estimate with its interval on a line of its own.
    #[test]
    fn by_policy_tables_are_cut_into_tables_of_four_policies() {
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
            header: SUMMARY_HEADER[..6].iter().map(|h| h.to_string()).collect(),
            rows,
        };
        let mut html = String::new();
        by_policy_html(&mut html, &summary_by_outcome(&t, &ChartLabels::default()));
        assert_eq!(html.matches("<table class=\"summary\">").count(), 2);
        let first = &html[..html.find("</table>").unwrap()];
        assert!(first.contains("<th>d</th>") && !first.contains("<th>e</th>"));
        for i in 0..6 {
            let cell = format!("<td>5{i}<span class=\"ci\">(4{i} to 6{i})</span></td>");
            assert_eq!(html.matches(&cell).count(), 1, "no {cell} in {html}");
        }
        assert_eq!(html.matches("<td>10</td>").count(), 6);
    }

    #[test]
    fn the_page_escapes_text_and_refers_only_to_files_beside_it() {
        let page = Page {
            title: "run <a & b>".into(),
            subtitle: "x".into(),
            caveat: CAVEAT.into(),
            sections: vec![Section {
                id: "charts".into(),
                heading: "Charts".into(),
                blocks: vec![
                    Block::Chart {
                        name: "c".into(),
                        title: "C".into(),
                        caption: "a < b".into(),
                        file: "c.svg".into(),
                    },
                    Block::Text("one".into()),
                ],
            }],
            provenance: vec![("seed".into(), "7".into())],
        };
        let html = render(&page);
        assert!(html.contains("<h1>run &lt;a &amp; b&gt;</h1>"));
        assert!(html.contains("<figure id=\"chart-c\" class=\"chart\">\n<img src=\"c.svg\" alt=\"C\">"));
        assert!(html.contains("<b>C</b>: a &lt; b"));
        assert!(html.contains("Illustrative, not decision support."));
        for outside in ["<script", "<link", "http://", "https://", "url(", "src=\"/", "src=\"."] {
            assert!(!html.contains(outside), "the page has {outside}");
        }
    }

    /// In print nothing scrolls and nothing is cut: no overflow rule at
    /// all (nor anywhere on the page), charts and rows kept whole.
    #[test]
    fn print_styles_have_no_scroll_boxes() {
        let print = print_css();
        assert!(print.contains("@page"), "{print}");
        assert!(!STYLE.contains("overflow:") && !STYLE.contains("overflow-x") && !STYLE.contains("overflow-y"));
        assert!(STYLE.contains("figure{margin:1.5em 0;break-inside:avoid"));
        assert!(print.contains("tr,li{break-inside:avoid"));
    }
}
