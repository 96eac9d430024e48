//! `foramen plot RUN_DIR`: the run's charts drawn again from its tables.

use std::fs;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use crate::util::{SMALL, foramen, run_quiet, stderr_has};

/// The pictures (PNG, SVG, PDF) in `dir`, by name, sorted.
fn pictures(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".png") || n.ends_with(".svg") || n.ends_with(".pdf"))
        .collect();
    names.sort();
    names
}

/// A PNG's width and height, from its header.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = fs::read(path).unwrap();
    assert_eq!(&bytes[1..4], b"PNG", "{} is not a PNG", path.display());
    let word = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (word(16), word(20))
}

/// The chunks of a PNG file: (type, data), in order.
fn png_chunks(bytes: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
    let mut chunks = Vec::new();
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = bytes[at + 4..at + 8].try_into().unwrap();
        chunks.push((kind, bytes[at + 8..at + 8 + len].to_vec()));
        at += 12 + len;
    }
    chunks
}

/// The dots per inch a PNG's pHYs chunk says (pixels per metre x 0.0254),
/// if it has one.
fn png_dpi(path: &Path) -> Option<f64> {
    let bytes = fs::read(path).unwrap();
    png_chunks(&bytes)
        .into_iter()
        .find(|(k, _)| k == b"pHYs")
        .map(|(_, d)| {
            assert_eq!(d[8], 1, "the unit is the metre");
            f64::from(u32::from_be_bytes(d[0..4].try_into().unwrap())) * 0.0254
        })
}

/// A PNG's image: its chunks without pHYs (what two drawings at different
/// dpi but the same pixels share).
fn png_pixels(path: &Path) -> Vec<([u8; 4], Vec<u8>)> {
    let bytes = fs::read(path).unwrap();
    png_chunks(&bytes).into_iter().filter(|(k, _)| k != b"pHYs").collect()
}

/// A small run with two policies and subgroups: every kind of run chart.
fn small_run(tmp: &Path) -> PathBuf {
    run_quiet(tmp, "run", SMALL, &["--patients", "2000", "--by", "grade"])
}

/// The issue's "must hold": with the same options, `foramen plot` on a run
/// directory gives the same bytes as the run itself, for every picture.
#[test]
fn plot_draws_the_same_bytes_as_the_run() {
    let tmp = TempDir::new().unwrap();
    let run = small_run(tmp.path());
    let again = tmp.path().join("again");
    crate::util::plot(&run, &again, &[]).success();
    let names = pictures(&run);
    assert!(
        names.contains(&"subgroup_differences_recovered.png".to_string()) && names.len() >= 20,
        "the run drew {names:?}"
    );
    assert_eq!(pictures(&again), names, "plot drew other pictures than the run");
    for name in &names {
        let (a, b) = (fs::read(run.join(name)).unwrap(), fs::read(again.join(name)).unwrap());
        assert!(a == b, "{name} differs between the run and `foramen plot`");
    }
    // Into the run directory itself: the pictures are replaced by the same
    // bytes, and nothing is left beside them.
    let before: Vec<Vec<u8>> = names.iter().map(|n| fs::read(run.join(n)).unwrap()).collect();
    let entries = fs::read_dir(&run).unwrap().count();
    foramen().args(["plot", "-q"]).arg(&run).assert().success().stdout("");
    let after: Vec<Vec<u8>> = names.iter().map(|n| fs::read(run.join(n)).unwrap()).collect();
    assert!(before == after, "redrawing in place changed a picture");
    assert_eq!(fs::read_dir(&run).unwrap().count(), entries);
}

#[test]
fn plot_options_set_size_resolution_title_and_format() {
    let tmp = TempDir::new().unwrap();
    let run = small_run(tmp.path());
    let plot = |name: &str, args: &[&str]| {
        let out = tmp.path().join(name);
        crate::util::plot(&run, &out, args)
            .success()
            .stdout(predicates::str::contains(" pictures and report.html into "));
        out
    };
    // 6 inches at 200 dpi is a 12-inch chart at 100 dpi scaled by one
    // half: the same pixels as the run's (the forest plots, 14.3 inches
    // wide with their column of estimates, are scaled to 6 inches).
    let same = plot("same", &["--format", "png", "--width", "6in", "--dpi", "200"]);
    let names = pictures(&same);
    assert_eq!(names.len(), 10);
    assert!(names.iter().all(|n| n.ends_with(".png")), "{names:?}");
    assert_eq!(png_size(&same.join("differences.png")).0, 1200);
    let forest = |n: &String| n.starts_with("differences") || n.starts_with("subgroup_differences");
    for name in names.iter().filter(|n| !forest(n)) {
        assert!(
            png_pixels(&same.join(name)) == png_pixels(&run.join(name)),
            "{name}: 6in at 200 dpi is not the run's 12in at 100 dpi"
        );
        // Each PNG says its dpi, so that it prints at the size asked for.
        let (asked, run_dpi) = (png_dpi(&same.join(name)), png_dpi(&run.join(name)));
        assert!((asked.unwrap() - 200.0).abs() < 0.01, "{name}: {asked:?}");
        assert!((run_dpi.unwrap() - 100.0).abs() < 0.01, "{name}: {run_dpi:?}");
    }
    // A font size of its own: the same size, other pixels.
    let small = plot(
        "small",
        &["--format", "png", "--width", "6in", "--dpi", "200", "--font-size", "9"],
    );
    assert_eq!(png_size(&small.join("symptom_free.png")), (1200, 800));
    assert_ne!(
        fs::read(small.join("symptom_free.png")).unwrap(),
        fs::read(run.join("symptom_free.png")).unwrap()
    );
    // Both sides given: exactly that size; the title is gone.
    let both = plot(
        "both",
        &[
            "--format",
            "svg,png",
            "--width",
            "900px",
            "--height",
            "5in",
            "--no-title",
        ],
    );
    assert_eq!(png_size(&both.join("pathway.png")), (900, 500));
    let text = fs::read_to_string(both.join("recovery_curves.svg")).unwrap();
    assert!(text.contains("stepwise") && !text.contains("Cumulative recovery by policy"));
    let slides = plot("slides", &["--theme", "slides", "--format", "png"]);
    assert_eq!(png_size(&slides.join("symptom_free.png")), (1280, 720));
    // The recovery curves are taller by their number-at-risk table (two
    // rows and a heading).
    assert_eq!(png_size(&run.join("recovery_curves.png")), (1200, 904));
    // PDF: one page of the picture's size in points (7 x 14/3 inches).
    let pdf = plot("pdf", &["--format", "pdf", "--width", "7in", "--dpi", "300"]);
    let bytes = fs::read(pdf.join("symptom_free.pdf")).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.contains("/MediaBox [0 0 504 336]"), "not a 7 x 4.67 in page");
    assert!(text.contains("DejaVuSans"), "the font is not embedded");
    assert_eq!(pictures(&pdf).len(), 10);
}

#[test]
fn plot_refuses_bad_options_and_bad_tables_and_writes_nothing() {
    let tmp = TempDir::new().unwrap();
    let run = small_run(tmp.path());
    let out = tmp.path().join("out");
    let plot = |args: &[&str]| crate::util::plot(&run, &out, args).code(2);
    stderr_has(plot(&["--dpi", "5"]), &["--dpi 5: give from 10 to 1200 dots per inch"]);
    stderr_has(
        plot(&["--width", "7 inches"]),
        &["`7 inches` is not a length: give inches (7in), centimetres (18cm) or pixels (2100px or 2100)"],
    );
    stderr_has(plot(&["--format", "gif"]), &["`gif` is not a picture format"]);
    stderr_has(
        plot(&["--theme", "dark"]),
        &["`dark` is not a theme: use paper or slides"],
    );
    stderr_has(
        plot(&["--font-size", "0"]),
        &["--font-size 0: give from 4 to 72 points"],
    );
    // A cell that is not a number: the file, column, line and value named.
    let curves = fs::read_to_string(run.join("curves.csv")).unwrap();
    let broken = curves.replacen("stepwise,recovered,7.0,", "stepwise,recovered,seven,", 1);
    assert_ne!(broken, curves);
    fs::write(run.join("curves.csv"), broken).unwrap();
    stderr_has(plot(&[]), &["curves.csv: column day, line 3 = seven: not a number"]);
    // A policy the summary does not have.
    fs::write(
        run.join("curves.csv"),
        curves.replace("early-surgery,", "late-surgery,"),
    )
    .unwrap();
    stderr_has(
        plot(&[]),
        &[
            "curves.csv: column policy, line",
            "= late-surgery: a policy summary.csv does not have",
        ],
    );
    fs::write(run.join("curves.csv"), curves).unwrap();
    // A number at risk that is not a count of patients.
    let at_risk = fs::read_to_string(run.join("at_risk.csv")).unwrap();
    fs::write(
        run.join("at_risk.csv"),
        at_risk.replacen("stepwise,0.0,2000", "stepwise,0.0,-3", 1),
    )
    .unwrap();
    stderr_has(
        plot(&[]),
        &["at_risk.csv: column at_risk, line 2 = -3: not a whole number of patients"],
    );
    fs::write(run.join("at_risk.csv"), at_risk).unwrap();
    let pathway = fs::read(run.join("pathway.csv")).unwrap();
    fs::remove_file(run.join("pathway.csv")).unwrap();
    stderr_has(plot(&[]), &["cannot read run table", "pathway.csv"]);
    // Nothing was written where the pictures would have gone.
    assert_eq!(fs::read_dir(&out).map(|d| d.count()).unwrap_or(0), 0);
    fs::write(run.join("pathway.csv"), &pathway).unwrap();
    // A run directory from before runs carried their scenario: its
    // pictures, no report, and a note saying why.
    fs::remove_file(run.join("scenario.toml")).unwrap();
    let assert = foramen()
        .arg("plot")
        .arg(&run)
        .args(["--format", "png", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicates::str::contains("wrote 10 pictures into"));
    stderr_has(assert, &["note: no report.html:", "has no scenario.toml"]);
    assert_eq!(pictures(&out).len(), 10);
    assert!(!out.join("report.html").exists());
    // A shard: nothing to draw until merged.
    let shard = tmp.path().join("shard");
    foramen()
        .args(["run", SMALL, "--patients", "2000", "--shard", "1/2", "-q", "--out"])
        .arg(&shard)
        .assert()
        .success();
    stderr_has(
        foramen().arg("plot").arg(&shard).assert().code(2),
        &["is one shard of a run", "merge the shards first"],
    );
    // Not a run directory.
    let empty = tmp.path().join("empty");
    fs::create_dir(&empty).unwrap();
    stderr_has(
        foramen().arg("plot").arg(&empty).assert().code(2),
        &["has none of the tables foramen plot draws from (looked for summary.csv"],
    );
}

/// The number-at-risk table under the recovery curves: at_risk.csv holds,
/// per policy and whole day, the patients neither recovered nor dead before
/// that day, equal to the count made here from patients.parquet; the chart
/// prints them at its ticks, the last of which is the horizon (365 days),
/// and gives each policy's n in its legend.
#[test]
fn number_at_risk_is_counted_from_the_patients() {
    let tmp = TempDir::new().unwrap();
    let text = include_str!("../../scenarios/validation/death.toml");
    let out = crate::util::run_text(tmp.path(), "death", text, &["--patients", "3000", "--patients-out"]);
    let frame = crate::util::patients(&out);
    let column = |name: &str| frame.column(name).unwrap().clone();
    let (policy, recovered, recovery, death) = (
        column("policy"),
        column("recovered"),
        column("time_to_recovery_days"),
        column("death_day"),
    );
    let gone = |i: usize, day: f64| {
        let recovered_before =
            recovered.bool().unwrap().get(i).unwrap() && recovery.f64().unwrap().get(i).unwrap() < day;
        let dead_before = death.f64().unwrap().get(i).is_some_and(|d| d < day);
        recovered_before || dead_before
    };
    let by_hand = |name: &str, day: f64| {
        (0..frame.height())
            .filter(|&i| policy.str().unwrap().get(i) == Some(name) && !gone(i, day))
            .count()
            .to_string()
    };
    let table = fs::read_to_string(out.join("at_risk.csv")).unwrap();
    let (names, days, counts) = (
        crate::util::csv_column(&table, "policy"),
        crate::util::csv_column(&table, "day"),
        crate::util::csv_column(&table, "at_risk"),
    );
    assert_eq!(counts.len(), 2 * 366, "days 0 to 365 for each of two policies");
    for ((name, day), count) in names.iter().zip(&days).zip(&counts) {
        assert_eq!(*count, by_hand(name, day.parse().unwrap()), "{name} on day {day}");
    }
    let svg = fs::read_to_string(out.join("recovery_curves.svg")).unwrap();
    assert!(svg.contains(">\nNumber at risk\n</text>"), "no table");
    // A year's axis is in months: the horizon, day 365, is the tick "12".
    assert!(svg.contains(">\n12\n</text>"), "the horizon is not a tick");
    assert!(
        svg.contains("Months since presentation"),
        "the axis does not say its unit"
    );
    for name in ["wait_and_see", "operate"] {
        assert!(svg.contains(&format!("{name} (n = 3,000)")), "no n for {name}");
        for day in [0.0, 122.0, 365.0] {
            let n: usize = by_hand(name, day).parse().unwrap();
            // (With a thousands separator.)
            let text = if n >= 1000 {
                format!("{},{:03}", n / 1000, n % 1000)
            } else {
                n.to_string()
            };
            assert!(
                svg.contains(&format!(">\n{text}\n</text>")),
                "{name}: {n} at risk on day {day} is not in the table"
            );
        }
    }
}

/// `COMMAND ARGS... -q --out DIR/NAME` on the default scenario, asserted
/// to succeed; returns the directory.
fn command_quiet(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    foramen().args(args).args(["-q", "--out"]).arg(&out).assert().success();
    out
}

/// A command draws its charts in the style asked for, and `foramen plot`
/// on its directory with the same options draws the same bytes (each PNG
/// saying its dpi); the directory's own files are left alone.
fn redrawn_alike(command: &[&str], expected: &[&str]) {
    let tmp = TempDir::new().unwrap();
    let style = ["--theme", "slides", "--format", "svg,png", "--dpi", "120"];
    let args: Vec<&str> = command.iter().chain(&style).copied().collect();
    let dir = command_quiet(tmp.path(), "made", &args);
    let names = pictures(&dir);
    for e in expected {
        assert!(names.contains(&e.to_string()), "{} drew {names:?}", command[0]);
    }
    let again = tmp.path().join("again");
    crate::util::plot(&dir, &again, &style).success();
    assert_eq!(pictures(&again), names, "plot drew other pictures than {}", command[0]);
    for name in &names {
        let (a, b) = (fs::read(dir.join(name)).unwrap(), fs::read(again.join(name)).unwrap());
        assert!(a == b, "{name} of plot differs from {}'s own", command[0]);
        if name.ends_with(".png") {
            // Slides are 16:9: 12.8 x 7.2 inches at 120 dpi.
            assert_eq!(png_size(&dir.join(name)), (1536, 864), "{name}");
            let dpi = png_dpi(&dir.join(name)).expect("a pHYs chunk");
            // Pixels per metre, rounded: 4724 is 119.99 dpi.
            assert!((dpi - 120.0).abs() < 0.05, "{name} says {dpi} dpi");
        }
    }
    // report.html for a psa directory (the same page its command wrote),
    // none for the others; no staging folder left.
    let report = command[0] == "psa";
    assert_eq!(again.join("report.html").exists(), report);
    if report {
        assert_eq!(
            fs::read(again.join("report.html")).unwrap(),
            fs::read(dir.join("report.html")).unwrap(),
            "psa's report.html and plot's differ"
        );
    }
    let left: Vec<_> = fs::read_dir(&again).unwrap().filter_map(Result::ok).collect();
    assert_eq!(left.len(), names.len() + usize::from(report), "{left:?}");
}

#[test]
fn plot_redraws_a_psa_directory_as_psa_drew_it() {
    redrawn_alike(
        &["psa", "--draws", "12", "--patients", "200"],
        &[
            "ce_plane.svg",
            "ceac.png",
            "evpi.svg",
            "importance.png",
            "psa_recovery.svg",
            "evppi.svg",
        ],
    );
}

#[test]
fn plot_redraws_a_bench_directory_as_bench_drew_it() {
    redrawn_alike(
        &["bench", "--patients", "200", "--threads", "1,2", "--repeats", "1"],
        &["scaling.svg", "scaling.png"],
    );
}

#[test]
fn plot_redraws_a_sensitivity_directory_as_sensitivity_drew_it() {
    redrawn_alike(&["sensitivity", "--patients", "300"], &["tornado.svg", "tornado.png"]);
}

#[test]
fn plot_redraws_a_sweep_directory_as_sweep_drew_it() {
    redrawn_alike(
        &[
            "sweep",
            "--param",
            "policies.stepwise.steps[1].attempts",
            "--values",
            "1,2",
            "--outcome",
            "recovered,surgery",
            "--patients",
            "300",
        ],
        &["sweep_recovered.svg", "sweep_recovered.png", "sweep_surgery.svg"],
    );
}

#[test]
fn plot_redraws_a_variants_directory_as_variants_drew_it() {
    redrawn_alike(&["variants", "--patients", "300"], &["decision.svg", "decision.png"]);
}

#[test]
fn plot_redraws_a_targets_directory_as_targets_drew_it() {
    redrawn_alike(&["targets", "--patients", "300"], &["targets.svg", "targets.png"]);
}

#[test]
fn plot_redraws_a_calibrate_directory_as_calibrate_drew_it() {
    redrawn_alike(
        &[
            "calibrate",
            "--patients",
            "300",
            "--prior-points",
            "10",
            "--batch",
            "5",
            "--rounds",
            "1",
            "--posterior",
            "10",
            "--iterations",
            "3",
        ],
        &["calibration.svg", "calibration.png"],
    );
}

/// A directory no command of foramen wrote is refused with the tables
/// looked for.
#[test]
fn plot_names_the_tables_it_looks_for() {
    let tmp = TempDir::new().unwrap();
    stderr_has(
        crate::util::plot(tmp.path(), &tmp.path().join("out"), &[]).failure(),
        &[
            "has none of the tables foramen plot draws from (looked for summary.csv, psa.csv, sensitivity.csv, bench.csv, sweep.csv, variants.csv, targets.csv, calibration.csv",
        ],
    );
}

/// The drawn marks of one colour in a chart's SVG: how light the colour
/// is in grayscale and what else tells it apart.
#[derive(Debug, Default)]
struct Ink {
    /// 0.299 R + 0.587 G + 0.114 B of the colour at its most opaque,
    /// over white (0 black, 255 white).
    luminance: f64,
    /// The shapes of its points (small marks): tag, corners, pointing up.
    markers: std::collections::BTreeSet<String>,
    /// The most common length of its two-point line pieces (a dashed
    /// line is drawn as dashes), when it has at least five.
    dash: Option<i64>,
}

/// The value of attribute `name` in an SVG element's text.
fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let at = element.find(&format!(" {name}=\""))? + name.len() + 3;
    element[at..].split('"').next()
}

/// Every colour of an SVG's marks but black and white (axes, grid, text,
/// background, hatching), with its [`Ink`].
fn inks(svg: &str) -> std::collections::BTreeMap<String, Ink> {
    let mut inks: std::collections::BTreeMap<String, Ink> = std::collections::BTreeMap::new();
    let mut pieces: std::collections::BTreeMap<String, Vec<i64>> = std::collections::BTreeMap::new();
    for element in svg.split('<').skip(1) {
        let tag = element.split([' ', '>', '/']).next().unwrap_or("");
        if !["polyline", "polygon", "circle", "rect", "line", "path"].contains(&tag) {
            continue;
        }
        let colour = attribute(element, "fill")
            .filter(|c| *c != "none")
            .or_else(|| attribute(element, "stroke"))
            .unwrap_or("none");
        if ["none", "#000000", "#FFFFFF"].contains(&colour) {
            continue;
        }
        let opacity: f64 = attribute(element, "opacity")
            .and_then(|o| o.parse().ok())
            .unwrap_or(1.0);
        let hex = |i: usize| f64::from(u8::from_str_radix(&colour[i..i + 2], 16).unwrap());
        let lum = 0.299 * hex(1) + 0.587 * hex(3) + 0.114 * hex(5);
        let ink = inks.entry(colour.to_string()).or_insert_with(|| Ink {
            luminance: 255.0,
            ..Ink::default()
        });
        ink.luminance = ink.luminance.min(255.0 - opacity * (255.0 - lum));
        let points: Vec<(i64, i64)> = attribute(element, "points")
            .unwrap_or("")
            .split_whitespace()
            .filter_map(|p| {
                let (x, y) = p.split_once(',')?;
                Some((x.parse().ok()?, y.parse().ok()?))
            })
            .collect();
        let number = |n: &str| attribute(element, n).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
        match tag {
            "circle" if number("r") <= 12 => {
                let open = attribute(element, "fill") == Some("none");
                ink.markers.insert(format!("circle open={open}"));
            }
            "rect" if number("width") <= 24 && number("height") <= 24 => {
                ink.markers.insert("square".into());
            }
            "polygon" if points.len() <= 4 => {
                let (xs, ys): (Vec<i64>, Vec<i64>) = points.iter().copied().unzip();
                let small = xs.iter().max().unwrap() - xs.iter().min().unwrap() <= 30
                    && ys.iter().max().unwrap() - ys.iter().min().unwrap() <= 30;
                if small {
                    let centre = ys.iter().sum::<i64>() / ys.len() as i64;
                    ink.markers
                        .insert(format!("polygon {} up={}", points.len(), points[0].1 < centre));
                }
            }
            "polyline" if points.len() == 2 => {
                let (dx, dy) = (points[1].0 - points[0].0, points[1].1 - points[0].1);
                pieces
                    .entry(colour.to_string())
                    .or_default()
                    .push(((dx * dx + dy * dy) as f64).sqrt().round() as i64);
            }
            _ => {}
        }
    }
    for (colour, lengths) in pieces {
        if lengths.len() >= 5 {
            let mut counts: std::collections::BTreeMap<i64, usize> = std::collections::BTreeMap::new();
            for l in lengths {
                *counts.entry(l).or_default() += 1;
            }
            let dash = counts.iter().max_by_key(|&(l, n)| (*n, -l)).map(|(l, _)| *l);
            if let Some(ink) = inks.get_mut(&colour) {
                ink.dash = dash;
            }
        }
    }
    inks
}

/// Grayscale: in every chart of a run and of a probabilistic analysis,
/// any two colours of its marks differ in luminance by at least 30 (of
/// 255), or in their points' shapes, or in their lines' dashes. The
/// forest plots are left out (each row is named), and so is `pathway`
/// (its levels are told apart by hatching: a unit test holds it).
#[test]
fn every_chart_reads_in_grayscale() {
    let tmp = TempDir::new().unwrap();
    let run = small_run(tmp.path());
    let psa = command_quiet(tmp.path(), "psa", &["psa", "--draws", "12", "--patients", "200"]);
    let mut checked = 0;
    for dir in [&run, &psa] {
        for name in pictures(dir).iter().filter(|n| n.ends_with(".svg")) {
            if name.starts_with("differences") || name.starts_with("subgroup_differences") || name == "pathway.svg" {
                continue;
            }
            let inks = inks(&fs::read_to_string(dir.join(name)).unwrap());
            let inks: Vec<(&String, &Ink)> = inks.iter().collect();
            for (i, (a, x)) in inks.iter().enumerate() {
                for (b, y) in &inks[i + 1..] {
                    let apart = (x.luminance - y.luminance).abs() >= 30.0 || x.markers != y.markers || x.dash != y.dash;
                    assert!(apart, "{name}: {a} {x:?} and {b} {y:?} look alike in grayscale");
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 12, "only {checked} charts checked");
}

/// Every chart of a run in the slides theme is 16:9 (1280 x 720 at 100
/// dpi), whatever its panels and rows.
#[test]
fn every_slide_is_16_by_9() {
    let tmp = TempDir::new().unwrap();
    let run = small_run(tmp.path());
    let slides = tmp.path().join("slides");
    crate::util::plot(&run, &slides, &["--theme", "slides", "--format", "png"]).success();
    let names = pictures(&slides);
    assert!(names.len() >= 10, "{names:?}");
    for name in names {
        assert_eq!(png_size(&slides.join(&name)), (1280, 720), "{name}");
    }
}
