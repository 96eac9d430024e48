//! The model as a diagram (`foramen describe --graph FILE.svg`): the
//! reference (first) policy's steps as boxes in order, each with its
//! interventions side by side (the routes and the default, coloured by
//! level of care) and its skip condition on the arrow into it; failure
//! leads down to the next step, a response right to the symptom-free
//! state and a relapse back; the red flag's fast track on the left. Each
//! other policy is a column on the right: its steps (changed ones
//! outlined, removed ones dashed) and what differs from the reference in
//! words.
//!
//! Written as SVG by hand rather than with plotters, whose charts sit on
//! axes: boxes, arrows and labels are a few SVG elements each, and the
//! text stays text (searchable, and sharp at any size). Text widths are
//! estimated from character counts, generously, so labels fit their boxes.

use std::fmt::Write;

use crate::report::html::escape;
use crate::scenario::{Intervention, Level, Policy, Scenario};

/// Font sizes: box text and labels.
const TEXT: f64 = 13.0;
const SMALL: f64 = 11.0;
/// The width of a character as a share of the font size (generous for a
/// sans-serif face).
const CHAR: f64 = 0.62;
/// Line height as a multiple of the font size.
const LINE: f64 = 1.35;

const INK: &str = "#222222";
const MUTED: &str = "#666666";
const RED: &str = "#c0392b";

fn width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * CHAR
}

/// The fill of a level of care.
fn fill(level: Level) -> &'static str {
    match level {
        Level::Conservative => "#dff0d8",
        Level::MinimallyInvasive => "#d9e8f6",
        Level::Surgical => "#fbe0c8",
    }
}

/// An SVG picture being drawn: elements in order, and its extent.
#[derive(Default)]
struct Svg {
    body: String,
    right: f64,
    bottom: f64,
}

impl Svg {
    fn extend(&mut self, x: f64, y: f64) {
        self.right = self.right.max(x);
        self.bottom = self.bottom.max(y);
    }

    /// A rounded box `[x, y, width, height]`.
    fn rect(&mut self, [x, y, w, h]: [f64; 4], fill: &str, stroke: &str, stroke_width: f64, dashed: bool) {
        let dash = if dashed { " stroke-dasharray=\"5 4\"" } else { "" };
        let _ = writeln!(
            self.body,
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" rx=\"5\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{stroke_width}\"{dash}/>"
        );
        self.extend(x + w, y + h);
    }

    /// Text with its baseline at `y`; `anchor` is `start`, `middle` or
    /// `end`; `style` extra attributes (weight, style, colour).
    fn text(&mut self, x: f64, y: f64, size: f64, anchor: &str, style: &str, text: &str) {
        let _ = writeln!(
            self.body,
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" text-anchor=\"{anchor}\" {style}>{}</text>",
            escape(text)
        );
        let w = width(text, size);
        let right = match anchor {
            "start" => x + w,
            "middle" => x + w / 2.0,
            _ => x,
        };
        self.extend(right, y + size * 0.3);
    }

    /// A line through `points`, with an arrowhead at its end.
    fn arrow(&mut self, points: &[(f64, f64)], colour: &str, dashed: bool) {
        let path: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let dash = if dashed { " stroke-dasharray=\"6 4\"" } else { "" };
        let marker = if colour == RED { "head-red" } else { "head" };
        let _ = writeln!(
            self.body,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\"{dash} marker-end=\"url(#{marker})\"/>",
            path.join(" ")
        );
    }

    fn line(&mut self, points: &[(f64, f64)], colour: &str, dashed: bool) {
        let path: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let dash = if dashed { " stroke-dasharray=\"6 4\"" } else { "" };
        let _ = writeln!(
            self.body,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.6\"{dash}/>",
            path.join(" ")
        );
    }

    fn finish(self, margin: f64) -> String {
        let (w, h) = (self.right + margin, self.bottom + margin);
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.0} {h:.0}\" font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n\
             <defs>\n\
             <marker id=\"head\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{INK}\"/></marker>\n\
             <marker id=\"head-red\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"{RED}\"/></marker>\n\
             </defs>\n\
             <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{}</svg>\n",
            self.body
        )
    }
}

/// Splits `text` into lines of at most `chars` characters, at spaces.
fn wrap(text: &str, chars: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > chars {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// One intervention a step may give: its name, level and when.
struct Alternative<'a> {
    iv: &'a Intervention,
    when: String,
}

/// A step's interventions: the routes in order, then the default.
fn alternatives<'a>(step: &crate::scenario::Step, interventions: &'a [Intervention]) -> Vec<Alternative<'a>> {
    let mut out: Vec<Alternative> = step
        .routes
        .iter()
        .map(|(text, _, to)| Alternative {
            iv: &interventions[*to],
            when: format!("if {text}"),
        })
        .collect();
    out.push(Alternative {
        iv: &interventions[step.intervention],
        when: if step.routes.is_empty() {
            String::new()
        } else {
            "otherwise".into()
        },
    });
    out
}

/// The box of one alternative: width and height.
fn alternative_size(a: &Alternative) -> (f64, f64) {
    let w = width(&a.iv.name, TEXT).max(width(&a.when, SMALL)) + 20.0;
    let h = if a.when.is_empty() { 30.0 } else { 44.0 };
    (w, h)
}

/// A step's heading: number, name, attempts and wait.
/// "failure" beside the arrow from one step to the next, centred on `y`.
fn failure_label(g: &mut Svg, cx: f64, y: f64) {
    g.text(cx - 8.0, y + 4.0, SMALL, "end", &format!("fill=\"{MUTED}\""), "failure");
}

fn heading(i: usize, step: &crate::scenario::Step) -> String {
    let attempts = if step.attempts == 1 {
        "1 attempt".to_string()
    } else {
        format!("up to {} attempts", step.attempts)
    };
    let mut text = format!("{}. {}: {attempts}", i + 1, step.name);
    if let Some(w) = &step.wait {
        let _ = write!(text, ", wait {w}");
    }
    if let Some(f) = &step.failure_time {
        let _ = write!(text, ", failure after {f}");
    }
    text
}

/// The diagram of the scenario, as an SVG document.
pub fn svg(s: &Scenario) -> String {
    let mut g = Svg::default();
    let interventions = s.interventions();
    let Some((reference, others)) = s.policies().split_first() else {
        return g.finish(20.0);
    };
    let has_red_flag = reference.red_flag.is_some();
    let x0 = if has_red_flag { 250.0 } else { 40.0 };
    g.text(
        20.0,
        30.0,
        17.0,
        "start",
        "font-weight=\"bold\"",
        &format!("scenario {}", s.name()),
    );
    let title = if others.is_empty() {
        format!("policy {}", reference.label)
    } else {
        format!("policy {} ({}), the reference", reference.label, reference.name)
    };
    g.text(20.0, 52.0, TEXT, "start", &format!("fill=\"{MUTED}\""), &title);

    // The step boxes: heading, then the alternatives side by side.
    let alts: Vec<Vec<Alternative>> = reference
        .steps
        .iter()
        .map(|st| alternatives(st, interventions))
        .collect();
    let head_h = 26.0;
    let inner = |a: &[Alternative]| -> (f64, f64) {
        let w: f64 = a.iter().map(|a| alternative_size(a).0).sum::<f64>() + 10.0 * (a.len() as f64 + 1.0);
        let h = a.iter().map(|a| alternative_size(a).1).fold(0.0, f64::max);
        (w, h)
    };
    let box_w = reference
        .steps
        .iter()
        .enumerate()
        .map(|(i, st)| width(&heading(i, st), TEXT) + 20.0)
        .chain(alts.iter().map(|a| inner(a).0))
        .fold(260.0, f64::max);
    let gap: f64 = 52.0;
    let mut y = 76.0;
    let start_w = 150.0;
    g.rect(
        [x0 + (box_w - start_w) / 2.0, y, start_w, 30.0],
        "#f4f4f4",
        INK,
        1.0,
        false,
    );
    g.text(x0 + box_w / 2.0, y + 20.0, TEXT, "middle", "", "presentation");
    y += 30.0;
    let cx = x0 + box_w / 2.0;
    // (top, bottom) of each step box.
    let mut boxes: Vec<(f64, f64)> = Vec::new();
    // A skip condition is written beside the arrow into its step, wrapped
    // to the half of the box right of the arrow.
    let skip_chars = ((box_w / 2.0 - 16.0) / (SMALL * CHAR)).floor() as usize;
    for (i, (step, alts)) in reference.steps.iter().zip(&alts).enumerate() {
        let skip = step
            .skip_if
            .as_ref()
            .map_or(Vec::new(), |(text, _)| wrap(&format!("skipped if {text}"), skip_chars));
        let gap = gap.max(skip.len() as f64 * SMALL * LINE + 22.0);
        g.arrow(&[(cx, y), (cx, y + gap)], INK, false);
        if i > 0 {
            failure_label(&mut g, cx, y + gap / 2.0);
        }
        let first = y + gap / 2.0 + 4.0 - (skip.len() as f64 - 1.0) * SMALL * LINE / 2.0;
        for (k, line) in skip.iter().enumerate() {
            g.text(
                cx + 8.0,
                first + k as f64 * SMALL * LINE,
                SMALL,
                "start",
                &format!("font-style=\"italic\" fill=\"{MUTED}\""),
                line,
            );
        }
        y += gap;
        let (_, alt_h) = inner(alts);
        let h = head_h + alt_h + 10.0;
        g.rect([x0, y, box_w, h], "white", INK, 1.2, false);
        g.text(
            x0 + 10.0,
            y + 18.0,
            TEXT,
            "start",
            "font-weight=\"bold\"",
            &heading(i, step),
        );
        let mut ax = x0 + 10.0;
        for a in alts {
            let (w, ah) = alternative_size(a);
            g.rect([ax, y + head_h, w, ah], fill(a.iv.level), MUTED, 0.8, false);
            g.text(ax + 10.0, y + head_h + 19.0, TEXT, "start", "", &a.iv.name);
            if !a.when.is_empty() {
                g.text(
                    ax + 10.0,
                    y + head_h + 36.0,
                    SMALL,
                    "start",
                    &format!("fill=\"{MUTED}\""),
                    &a.when,
                );
            }
            ax += w + 10.0;
        }
        boxes.push((y, y + h));
        y += h;
    }
    g.arrow(&[(cx, y), (cx, y + gap)], INK, false);
    failure_label(&mut g, cx, y + gap / 2.0);
    y += gap;
    let end = "symptomatic until the horizon";
    let end_w = width(end, TEXT) + 24.0;
    g.rect([x0 + (box_w - end_w) / 2.0, y, end_w, 30.0], "#eeeeee", INK, 1.0, false);
    g.text(cx, y + 20.0, TEXT, "middle", "", end);
    let main_bottom = y + 30.0;

    // Response and relapse: to and from the symptom-free state.
    let (first_top, last_bottom) = (boxes[0].0, boxes[boxes.len() - 1].1);
    let bar_x = x0 + box_w + 110.0;
    let bar_w = 120.0;
    g.rect(
        [bar_x, first_top, bar_w, last_bottom - first_top],
        "#e8f5e9",
        INK,
        1.2,
        false,
    );
    let mid = (first_top + last_bottom) / 2.0;
    g.text(
        bar_x + bar_w / 2.0,
        mid - 4.0,
        TEXT,
        "middle",
        "font-weight=\"bold\"",
        "symptom-free",
    );
    g.text(
        bar_x + bar_w / 2.0,
        mid + 14.0,
        SMALL,
        "middle",
        &format!("fill=\"{MUTED}\""),
        "to the horizon",
    );
    let relapses = |i: usize| alts[i].iter().any(|a| a.iv.relapse.is_some());
    for (i, &(top, bottom)) in boxes.iter().enumerate() {
        let m = (top + bottom) / 2.0;
        g.arrow(&[(x0 + box_w, m - 9.0), (bar_x, m - 9.0)], INK, false);
        g.text(
            x0 + box_w + 8.0,
            m - 14.0,
            SMALL,
            "start",
            &format!("fill=\"{MUTED}\""),
            "response",
        );
        if reference.relapse_to.is_none() && relapses(i) {
            g.arrow(&[(bar_x, m + 9.0), (x0 + box_w, m + 9.0)], INK, true);
            g.text(
                x0 + box_w + 8.0,
                m + 24.0,
                SMALL,
                "start",
                &format!("fill=\"{MUTED}\""),
                "relapse",
            );
        }
    }
    if let Some(j) = reference.relapse_to {
        let (top, bottom) = boxes[j];
        let m = (top + bottom) / 2.0 + 9.0;
        let below = last_bottom + 24.0;
        g.arrow(
            &[
                (bar_x + bar_w / 2.0, last_bottom),
                (bar_x + bar_w / 2.0, below),
                (x0 + box_w + 55.0, below),
                (x0 + box_w + 55.0, m),
                (x0 + box_w, m),
            ],
            INK,
            true,
        );
        g.text(
            bar_x + bar_w / 2.0 + 6.0,
            below + 16.0,
            SMALL,
            "middle",
            &format!("fill=\"{MUTED}\""),
            &format!("relapse: re-enter at {}", reference.steps[j].name),
        );
    }

    // The red flag: progression before surgery fast-tracks to its step.
    if let Some(rf) = &reference.red_flag {
        let line_x = x0 - 34.0;
        let (target_top, target_bottom) = boxes[rf.jump_to];
        let target_m = (target_top + target_bottom) / 2.0;
        let before_surgery: Vec<usize> = (0..boxes.len())
            .filter(|&i| i != rf.jump_to && alts[i].iter().any(|a| a.iv.level != Level::Surgical))
            .collect();
        let top = before_surgery
            .iter()
            .map(|&i| (boxes[i].0 + boxes[i].1) / 2.0)
            .fold(target_m, f64::min);
        let bottom = before_surgery
            .iter()
            .map(|&i| (boxes[i].0 + boxes[i].1) / 2.0)
            .fold(target_m, f64::max);
        for &i in &before_surgery {
            let m = (boxes[i].0 + boxes[i].1) / 2.0;
            g.line(&[(x0, m), (line_x, m)], RED, true);
        }
        g.line(&[(line_x, top), (line_x, bottom)], RED, true);
        g.arrow(&[(line_x, target_m), (x0, target_m)], RED, true);
        let wait = rf.wait.as_ref().map_or("at once".to_string(), |w| format!("after {w}"));
        let mut label = vec![
            "red flag".to_string(),
            "progression before surgery".to_string(),
            format!("jumps to {}", reference.steps[rf.jump_to].name),
            wait,
        ];
        if let Some(after) = rf.after_surgery {
            label.push(format!("after surgery: to {}", reference.steps[after].name));
        }
        if rf.at_presentation.is_some() {
            label.push("and from presentation".to_string());
        }
        for (k, text) in label.iter().enumerate() {
            let style = if k == 0 {
                format!("font-weight=\"bold\" fill=\"{RED}\"")
            } else {
                format!("fill=\"{RED}\"")
            };
            g.text(
                line_x - 10.0,
                top + 4.0 + k as f64 * SMALL * LINE,
                SMALL,
                "end",
                &style,
                text,
            );
        }
    }

    // The other policies: one column each.
    let mut px = bar_x + bar_w + 70.0;
    let column = 300.0;
    let mut panels_bottom: f64 = 0.0;
    for p in others {
        panels_bottom = panels_bottom.max(policy_column(&mut g, px, 76.0, column, p, reference, interventions));
        px += column + 30.0;
    }

    // The legend.
    let mut ly = main_bottom.max(panels_bottom) + 40.0;
    let mut lx = 20.0;
    for level in [Level::Conservative, Level::MinimallyInvasive, Level::Surgical] {
        g.rect([lx, ly - 12.0, 22.0, 16.0], fill(level), MUTED, 0.8, false);
        let name = level.name().replace('_', " ");
        g.text(lx + 30.0, ly, SMALL, "start", "", &name);
        lx += 30.0 + width(&name, SMALL) + 24.0;
    }
    g.arrow(&[(lx, ly - 4.0), (lx + 40.0, ly - 4.0)], RED, true);
    g.text(lx + 48.0, ly, SMALL, "start", "", "red flag fast track");
    lx += 48.0 + width("red flag fast track", SMALL) + 24.0;
    g.arrow(&[(lx, ly - 4.0), (lx + 40.0, ly - 4.0)], INK, true);
    g.text(lx + 48.0, ly, SMALL, "start", "", "relapse");
    if !others.is_empty() {
        lx += 48.0 + width("relapse", SMALL) + 24.0;
        g.text(
            lx,
            ly,
            SMALL,
            "start",
            "",
            "other policies: a step outlined and marked * differs from the reference; a dashed one is removed",
        );
    }
    ly += 22.0;
    g.text(
        20.0,
        ly,
        SMALL,
        "start",
        &format!("fill=\"{MUTED}\""),
        "Within a step the first route whose condition holds gives the intervention; attempts follow back to back, and after the last one fails the patient goes on to the next step.",
    );
    g.finish(20.0)
}

/// A policy's column at `(x, y)`, `w` wide: its name and label, its steps
/// (added or changed ones outlined, the reference's removed ones dashed)
/// and what differs from the reference in words. Returns its bottom.
fn policy_column(
    g: &mut Svg,
    x: f64,
    y: f64,
    w: f64,
    p: &Policy,
    reference: &Policy,
    interventions: &[Intervention],
) -> f64 {
    let chars = (w / (SMALL * CHAR)).floor() as usize;
    let mut y = y;
    g.text(x, y + 14.0, TEXT, "start", "font-weight=\"bold\"", &p.name);
    y += 20.0;
    if p.label != p.name {
        for line in wrap(&p.label, chars) {
            g.text(x, y + 12.0, SMALL, "start", &format!("fill=\"{MUTED}\""), &line);
            y += SMALL * LINE;
        }
    }
    y += 8.0;
    let differences = p.differences(reference, interventions);
    let touched = |name: &str| differences.iter().any(|d| d.step.as_deref() == Some(name));
    let in_policy = |q: &Policy, name: &str| q.steps.iter().position(|s| s.name == name);
    // The policy's steps in order, the reference's removed steps in their
    // place.
    let mut rows: Vec<(String, Level, bool, bool)> = Vec::new();
    let mut shown_removed = 0;
    let removed: Vec<usize> = (0..reference.steps.len())
        .filter(|&j| in_policy(p, &reference.steps[j].name).is_none())
        .collect();
    let removed_row = |j: usize| {
        let st = &reference.steps[j];
        (
            format!("{} (removed)", st.name),
            interventions[st.intervention].level,
            false,
            true,
        )
    };
    for (i, st) in p.steps.iter().enumerate() {
        if let Some(j) = in_policy(reference, &st.name) {
            while shown_removed < removed.len() && removed[shown_removed] < j {
                rows.push(removed_row(removed[shown_removed]));
                shown_removed += 1;
            }
        }
        let mark = if touched(&st.name) { " *" } else { "" };
        rows.push((
            format!("{}. {}{mark}", i + 1, st.name),
            interventions[st.intervention].level,
            touched(&st.name),
            false,
        ));
    }
    rows.extend(removed[shown_removed..].iter().map(|&j| removed_row(j)));
    for (text, level, changed, gone) in rows {
        let (fill_colour, stroke, stroke_w) = match (changed, gone) {
            (_, true) => ("white", MUTED, 1.0),
            (true, false) => (fill(level), INK, 2.4),
            (false, false) => (fill(level), MUTED, 0.8),
        };
        g.rect([x, y, w, 24.0], fill_colour, stroke, stroke_w, gone);
        let style = if gone {
            format!("fill=\"{MUTED}\" text-decoration=\"line-through\"")
        } else {
            String::new()
        };
        g.text(x + 8.0, y + 16.5, SMALL, "start", &style, &text);
        y += 30.0;
    }
    y += 6.0;
    if differences.is_empty() {
        g.text(
            x,
            y + 12.0,
            SMALL,
            "start",
            "",
            &format!("the same pathway as {}", reference.name),
        );
        y += SMALL * LINE;
    }
    for d in &differences {
        g.text(x, y + 12.0, SMALL, "start", "", "-");
        for line in wrap(&d.text, chars - 2) {
            g.text(x + 12.0, y + 12.0, SMALL, "start", "", &line);
            y += SMALL * LINE;
        }
        y += 4.0;
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_whole_and_lines_short() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("one", 2), ["one"]);
        assert_eq!(wrap("", 5), Vec::<String>::new());
    }
}
