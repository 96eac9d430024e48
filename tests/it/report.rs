//! report.html (issue 17, item 1): in every run directory, self-contained
//! (inline SVG, no scripts, nothing from outside the file), made again by
//! `foramen plot`, and rendered by headless Chromium.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::economics::small_with_economics;
use crate::util::run_text;

/// A run with two policies, subgroups and economics: every section of the
/// report.
fn run_with_everything(tmp: &Path) -> PathBuf {
    run_text(tmp, "run", &small_with_economics(), &["--patients", "2000"])
}

/// The charts of a run directory, by name (its PNG files).
fn charts(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.strip_suffix(".png").map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// What a self-contained page never has: a script, or anything loaded
/// from elsewhere (the SVG namespace is a name, not a reference).
const OUTSIDE: [&str; 8] = [
    "<script",
    "<img",
    "<link",
    "<iframe",
    "src=",
    "href=\"http",
    "url(",
    "@import",
];

#[test]
fn every_run_directory_has_a_self_contained_report() {
    let tmp = TempDir::new().unwrap();
    let run = run_with_everything(tmp.path());
    let html = fs::read_to_string(run.join("report.html")).unwrap();
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(files.contains(&"report.html"), "the manifest does not list report.html");
    // Every chart, inline.
    let names = charts(&run);
    assert!(names.contains(&"differences_cost".to_string()), "{names:?}");
    for name in &names {
        let figure = format!("<figure id=\"chart-{name}\" class=\"chart\">\n<svg ");
        assert!(html.contains(&figure), "report.html lacks the chart {name}");
    }
    assert_eq!(html.matches("<svg ").count(), names.len());
    // Every table, the scenario in words, methods, provenance.
    for table in [
        "summary.csv",
        "comparison.csv",
        "cea.csv",
        "nmb.csv",
        "subgroups.csv",
        "subgroup_differences.csv",
        "pathway.csv",
        "time_to_recovery.csv",
        "curves.csv",
        "recovery_difference.csv",
    ] {
        assert!(html.contains(&format!("<h3 id=\"table-{table}\">")), "no table {table}");
    }
    let sha = manifest["scenario_sha256"].as_str().unwrap();
    for expected in [
        "<h2 id=\"methods\">Methods</h2>",
        "a synthetic cohort of 2000 patients per policy (random seed 7)",
        "Wilson score 95% intervals",
        "Each policy is compared with stepwise",
        "Costs (EUR) and quality-adjusted life-years were discounted",
        "<h2 id=\"scenario\">The scenario in words</h2>",
        "scenario small",
        "policy early-surgery",
        "Comparison with stepwise",
        "Economics",
        "<dt>scenario SHA-256</dt>",
        sha,
        "<dt>command line</dt>",
    ] {
        assert!(html.contains(expected), "report.html lacks `{expected}`");
    }
    for outside in OUTSIDE {
        assert!(!html.contains(outside), "report.html has `{outside}`");
    }
    // `foramen plot` makes the same page again from the directory alone.
    let again = tmp.path().join("again");
    crate::util::plot(&run, &again, &[]).success();
    assert!(
        fs::read(run.join("report.html")).unwrap() == fs::read(again.join("report.html")).unwrap(),
        "foramen plot made another report.html"
    );
}

/// `chromium` or `chromium-browser` on the PATH.
fn chromium() -> Option<String> {
    ["chromium", "chromium-browser"].into_iter().find_map(|name| {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .ok()?;
        found
            .status
            .success()
            .then(|| String::from_utf8_lossy(&found.stdout).trim().to_string())
    })
}

/// Chromium, or none with a note saying `what` was skipped; under CI (CI
/// set), where .ci/run installs it, a missing Chromium fails.
fn chromium_or_skip(what: &str) -> Option<String> {
    let browser = chromium();
    if browser.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but chromium is not installed (.ci/run installs Debian's chromium)"
        );
        eprintln!("skipped: chromium is not installed (apt-get install chromium), so {what}");
    }
    browser
}

/// Runs headless Chromium on `page` with `args` and a fresh profile;
/// its standard output (through a file: a dumped DOM overfills a pipe),
/// or a failure after two minutes.
fn headless(browser: &str, profile: &Path, page: &Path, args: &[String]) -> String {
    let out = profile.with_extension("out");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdout(fs::File::create(&out).unwrap())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium failed ({status})");
            return fs::read_to_string(&out).unwrap();
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("chromium took more than two minutes on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The page as Chromium renders it: the DOM it built holds every chart's
/// SVG and nothing from outside the file, and its screenshot is a picture
/// of the page. Skipped, with a note, where Chromium is not installed,
/// except under CI (CI set), where .ci/run installs it.
#[test]
fn headless_chromium_renders_the_report() {
    let Some(browser) = chromium_or_skip("report.html was not rendered") else {
        return;
    };
    let tmp = TempDir::new().unwrap();
    let run = run_with_everything(tmp.path());
    let page = fs::canonicalize(run.join("report.html")).unwrap();
    let dom = headless(&browser, &tmp.path().join("profile-dom"), &page, &["--dump-dom".into()]);
    assert!(
        dom.contains("<h1>foramen run: small</h1>"),
        "chromium did not build the page"
    );
    let names = charts(&run);
    for name in &names {
        let figure = format!("<figure id=\"chart-{name}\" class=\"chart\">");
        let at = dom
            .find(&figure)
            .unwrap_or_else(|| panic!("the rendered page lacks {name}"));
        assert!(dom[at..].trim_start_matches(&figure).trim_start().starts_with("<svg"));
    }
    assert_eq!(
        dom.matches("<svg").count(),
        names.len(),
        "charts lost or added by rendering"
    );
    for outside in OUTSIDE {
        assert!(!dom.contains(outside), "the rendered page has `{outside}`");
    }
    let shot = tmp.path().join("report.png");
    headless(
        &browser,
        &tmp.path().join("profile-shot"),
        &page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
        ],
    );
    let png = fs::read(&shot).expect("chromium wrote no screenshot");
    assert_eq!(&png[1..4], b"PNG");
    let word = |i: usize| u32::from_be_bytes(png[i..i + 4].try_into().unwrap());
    assert_eq!((word(16), word(20)), (1280, 2000));
    assert!(
        png.len() > 50_000,
        "the screenshot is almost empty ({} bytes)",
        png.len()
    );
}

/// The summary of the default scenario's four policies fits a page 800
/// pixels wide as Chromium lays it out: the widest summary table, measured
/// by a script added to a copy of the page (report.html has none), is
/// narrower than the page's text (the window less the body's padding).
/// Skipped, like the test above, without Chromium.
#[test]
fn the_summary_fits_a_page() {
    let Some(browser) = chromium_or_skip("the summary's width was not measured") else {
        return;
    };
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    crate::util::foramen()
        .args(["run", "--patients", "300", "--quiet", "--out"])
        .arg(&run)
        .assert()
        .success();
    let html = fs::read_to_string(run.join("report.html")).unwrap();
    assert_eq!(
        html.matches("<table class=\"summary\">").count(),
        2,
        "six policies: a table of four and one of two"
    );
    let measure = "<script>document.body.setAttribute('data-widest', Math.max(...Array.from(\
        document.querySelectorAll('table.summary'), t => t.getBoundingClientRect().width)));</script></body>";
    let page = tmp.path().join("measured.html");
    fs::write(&page, html.replace("</body>", measure)).unwrap();
    let dom = headless(
        &browser,
        &tmp.path().join("profile"),
        &page,
        &["--window-size=800,600".into(), "--dump-dom".into()],
    );
    let widest: f64 = dom
        .split("data-widest=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|w| w.parse().ok())
        .expect("the script measured the summary");
    assert!(widest > 300.0 && widest <= 768.0, "the summary is {widest} pixels wide");
}
