//! report.html (issue 17, item 1; issue 34, items 3 and 5): in every run
//! and psa directory, with findings made from the tables, every input with
//! its source, the charts shown from their files beside the page, nothing
//! from outside the directory, made again by `foramen plot`, and rendered
//! by headless Chromium.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::economics::{small_with_beliefs, small_with_economics};
use crate::util::{csv_column, run_text};

/// A run with two policies, subgroups and economics: every section of the
/// report.
fn run_with_everything(tmp: &Path) -> PathBuf {
    run_text(tmp, "run", &small_with_economics(), &["--patients", "2000"])
}

/// The charts of a directory, by name (its PNG files).
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

/// What the page never has: a script, or anything loaded from elsewhere.
const OUTSIDE: [&str; 7] = [
    "<script",
    "<link",
    "<iframe",
    "href=\"http",
    "src=\"http",
    "url(",
    "@import",
];

/// Every `attr="..."` value of the page.
fn values<'a>(html: &'a str, attr: &str) -> Vec<&'a str> {
    html.split(&format!("{attr}=\""))
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap())
        .collect()
}

/// The page refers to nothing outside its directory: no script, no
/// stylesheet or font from elsewhere; every picture and link a file of
/// the directory by its plain name (or a section of the page).
fn only_its_directory(html: &str, dir: &Path) {
    for outside in OUTSIDE {
        assert!(!html.contains(outside), "report.html has `{outside}`");
    }
    for file in values(html, "src")
        .into_iter()
        .chain(values(html, "href").into_iter().filter(|h| !h.starts_with('#')))
    {
        assert!(
            !file.contains('/') && !file.contains(':') && dir.join(file).is_file(),
            "report.html refers to {file}, which is not a file beside it"
        );
    }
}

/// The text of the page's findings, tags removed and entities read.
fn findings(html: &str) -> String {
    let start = html.find("<h2 id=\"findings\">").expect("a findings section");
    let end = html[start..]
        .find("<h2 id=\"methods\">")
        .map_or(html.len(), |e| start + e);
    let mut text = String::new();
    let mut tag = false;
    for c in html[start..end].chars() {
        match c {
            '<' => tag = true,
            '>' => tag = false,
            c if !tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&#39;", "'").replace("&amp;", "&")
}

/// An amount of euros as the findings write it: whole euros with
/// thousands separators from 100.
fn euros(v: f64) -> String {
    let whole = format!("{}", v.abs().round() as u64);
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}\u{20ac}{grouped}", if v < 0.0 { "-" } else { "" })
}

fn number(cell: &str) -> f64 {
    cell.parse().unwrap_or_else(|_| panic!("not a number: {cell}"))
}

#[test]
fn every_run_directory_has_a_report_with_its_findings() {
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
    // Every chart, from its SVG file beside the page.
    let names = charts(&run);
    assert!(names.contains(&"differences_cost".to_string()), "{names:?}");
    for name in &names {
        let figure = format!("<figure id=\"chart-{name}\" class=\"chart\">\n<img src=\"{name}.svg\"");
        assert!(html.contains(&figure), "report.html lacks the chart {name}");
    }
    assert_eq!(html.matches("<img ").count(), names.len());
    only_its_directory(&html, &run);
    // Small: the charts are files, not inline.
    assert!(html.len() < 150_000, "report.html is {} bytes", html.len());
    let sha = manifest["scenario_sha256"].as_str().unwrap();
    for expected in [
        "Illustrative, not decision support.",
        "<h2 id=\"findings\">Findings</h2>",
        "<h2 id=\"methods\">Methods</h2>",
        "a synthetic cohort of 2000 patients per policy (random seed 7)",
        "Wilson score 95% intervals",
        "Costs (EUR) and quality-adjusted life-years were discounted",
        "<h2 id=\"outcomes\">Outcomes by policy</h2>",
        "<h2 id=\"comparison\">Comparison with stepwise</h2>",
        "<h2 id=\"cost-effectiveness\">Cost-effectiveness</h2>",
        "<h2 id=\"inputs\">Inputs and their sources</h2>",
        "scenario small",
        "<dt>scenario SHA-256</dt>",
        sha,
        "<dt>command line</dt>",
    ] {
        assert!(html.contains(expected), "report.html lacks `{expected}`");
    }
    // No table is headed by its file name.
    assert!(!html.contains(">summary.csv</h3>") && !html.contains(">cea.csv</h3>"));
    // The findings say the best policy at each willingness to pay and its
    // net benefit, as nmb.csv has them.
    let said = findings(&html);
    let nmb = fs::read_to_string(run.join("nmb.csv")).unwrap();
    let (wtp, policy, value) = (
        csv_column(&nmb, "willingness_to_pay"),
        csv_column(&nmb, "policy"),
        csv_column(&nmb, "nmb"),
    );
    let mut told = 0;
    for w in ["20000.0", "30000.0"] {
        let best = (0..wtp.len())
            .filter(|&i| wtp[i] == w)
            .max_by(|&a, &b| number(&value[a]).total_cmp(&number(&value[b])))
            .unwrap();
        let sentence = format!(
            "At {} per QALY, {} has the highest expected net monetary benefit ({} per patient",
            euros(number(w)),
            policy[best],
            euros(number(&value[best]))
        );
        assert!(said.contains(&sentence), "no `{sentence}` in {said}");
        told += 1;
    }
    assert_eq!(told, 2);
    // Each policy's status as cea.csv says it, with its cost.
    let cea = fs::read_to_string(run.join("cea.csv")).unwrap();
    for ((p, status), cost) in csv_column(&cea, "policy")
        .iter()
        .zip(csv_column(&cea, "status"))
        .zip(csv_column(&cea, "cost"))
    {
        let expected = match status.as_str() {
            "dominated" => format!("{p} is dominated by"),
            _ => format!("{p} ({}", euros(number(&cost))),
        };
        assert!(said.contains(&expected), "no `{expected}` in {said}");
    }
    assert!(said.contains("Monte Carlo 95% interval (MC 95%: intervals of Monte Carlo error at this cohort size, not uncertainty in the inputs"));
    // `foramen plot` makes the same page again from the directory alone.
    let again = tmp.path().join("again");
    crate::util::plot(&run, &again, &[]).success();
    assert!(
        fs::read(run.join("report.html")).unwrap() == fs::read(again.join("report.html")).unwrap(),
        "foramen plot made another report.html"
    );
}

/// psa's report.html: the probability each policy is the most
/// cost-effective at each of the scenario's willingness-to-pay values, as
/// the draws of psa_cost.csv and psa_effect.csv give it; every
/// distribution of belief among the inputs with its distribution; the
/// charts from their files.
#[test]
fn psa_writes_a_report_with_its_findings() {
    let tmp = TempDir::new().unwrap();
    let file = tmp.path().join("psa.toml");
    fs::write(&file, small_with_beliefs()).unwrap();
    let out = tmp.path().join("psa");
    crate::util::foramen()
        .arg("psa")
        .arg(&file)
        .args(["--draws", "30", "--patients", "200", "-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    let html = fs::read_to_string(out.join("report.html")).expect("psa wrote report.html");
    only_its_directory(&html, &out);
    for name in ["ceac", "ce_plane", "evpi", "evppi"] {
        assert!(html.contains(&format!("<img src=\"{name}.svg\"")), "no chart {name}");
    }
    let (cost, effect) = (
        fs::read_to_string(out.join("psa_cost.csv")).unwrap(),
        fs::read_to_string(out.join("psa_effect.csv")).unwrap(),
    );
    let policies = ["stepwise", "early-surgery"];
    let said = findings(&html);
    for w in [20_000.0, 30_000.0] {
        let nmb: Vec<Vec<f64>> = policies
            .iter()
            .map(|p| {
                csv_column(&cost, p)
                    .iter()
                    .zip(csv_column(&effect, p))
                    .map(|(c, e)| w * number(&e) - number(c))
                    .collect()
            })
            .collect();
        let draws = nmb[0].len();
        assert_eq!(draws, 30);
        let first = (0..draws).filter(|&d| nmb[0][d] > nmb[1][d]).count();
        let share = |n: usize| format!("{}%", (100.0 * n as f64 / draws as f64).round());
        let mut chances: Vec<(usize, &str)> = vec![(first, policies[0]), (draws - first, policies[1])];
        chances.sort_by(|a, b| b.0.cmp(&a.0).then(std::cmp::Ordering::Greater));
        for (n, p) in chances.iter().filter(|(n, _)| *n > 0) {
            let expected = format!("{p} {}", share(*n));
            assert!(said.contains(&expected), "no `{expected}` in {said}");
        }
        assert!(said.contains(&format!("At {} per QALY,", euros(w))), "{said}");
    }
    for belief in [
        "interventions.surgery.cost",
        "interventions.surgery.response.probability",
        "economics.utility.symptomatic",
    ] {
        assert!(
            html.contains(&format!("<code>{belief}</code>")),
            "the inputs lack {belief}"
        );
    }
    assert_eq!(html.matches("distribution of belief: ").count(), 3);
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"report.html\""));
}

/// The default scenario's inputs: every distribution of belief and every
/// evidence ID of docs/evidence.md's table A that the scenario file cites
/// before its `[ranges]` (where the inputs end) is in the inputs table,
/// each ID with its reference under it.
fn default_inputs_are_listed(html: &str) {
    let text = include_str!("../../scenarios/foraminal-stenosis.toml");
    let inputs_part = &text[..text.find("\n[ranges]").unwrap()];
    let evidence = include_str!("../../docs/evidence.md");
    let table_a = &evidence[evidence.find("## A.").unwrap()..evidence.find("## B.").unwrap()];
    let ids: Vec<&str> = table_a
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(' ').next())
        .filter(|id| id.len() > 1 && id[1..].chars().all(|c| c.is_ascii_digit()))
        .collect();
    assert!(ids.len() > 40, "{ids:?}");
    let words: Vec<&str> = inputs_part.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    let table = &html[html.find("<table class=\"inputs\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let references = &html[html.find("<dl class=\"references\">").expect("references")..];
    // Two notes stand alone, beside no number: why oral steroids are not
    // a step (C1) and which injection events are not complications (T15).
    let alone = ["C1", "T15"];
    let cited: Vec<&&str> = ids
        .iter()
        .filter(|id| words.contains(id) && !alone.contains(id))
        .collect();
    assert!(cited.len() > 30, "{cited:?}");
    for id in cited {
        let in_column = table.contains(&format!("<td>{id}</td>"))
            || table.contains(&format!("<td>{id}, "))
            || table.contains(&format!(", {id}</td>"))
            || table.contains(&format!(", {id}, "));
        assert!(in_column, "no input cites {id}");
        assert!(references.contains(&format!("<dt>{id}</dt>")), "no reference for {id}");
    }
    let doc = foramen::scenario::document::Document::parse(text, "default").unwrap();
    for b in doc.beliefs() {
        assert!(
            table.contains(&format!("<code>{}</code>", b.path)),
            "the inputs lack {}",
            b.path
        );
    }
    assert_eq!(table.matches("distribution of belief: ").count(), doc.beliefs().len());
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
        assert!(dom[at..].trim_start_matches(&figure).trim_start().starts_with("<img"));
    }
    assert_eq!(
        dom.matches("<img").count(),
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

/// The default scenario's report, at 800 pixels wide as Chromium lays it
/// out: every table, the widest measured by a script added to a copy of
/// the page (report.html has none), is no wider than the page's text (the
/// window less the body's padding), so nothing is clipped or scrolls; and
/// every chart's picture loaded. Its inputs list every distribution of
/// belief and every evidence ID the file cites; it stays small. Skipped,
/// like the test above, without Chromium (but for the inputs and size).
#[test]
fn the_default_report_fits_a_page() {
    let tmp = TempDir::new().unwrap();
    let run = tmp.path().join("run");
    crate::util::foramen()
        .args(["run", "--patients", "300", "--quiet", "--out"])
        .arg(&run)
        .assert()
        .success();
    let html = fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.len() < 300_000, "report.html is {} bytes", html.len());
    only_its_directory(&html, &run);
    default_inputs_are_listed(&html);
    // Six policies: each table by policy (the summary, an outcome within
    // subgroups) cut into one of four and one of two; the comparison's
    // five (the reference is not compared with itself), four and one.
    let by_policy: Vec<usize> = html
        .split("<table class=\"summary\">")
        .skip(1)
        .map(|t| t[..t.find("</tr>").unwrap()].matches("<th>").count() - 1)
        .collect();
    assert!(by_policy.len() >= 4, "{by_policy:?}");
    assert!(
        by_policy.chunks(2).all(|pair| pair == [4, 2] || pair == [4, 1]),
        "{by_policy:?}"
    );
    assert_eq!(by_policy.iter().filter(|&&n| n == 1).count(), 1, "{by_policy:?}");
    let Some(browser) = chromium_or_skip("the tables' width was not measured") else {
        return;
    };
    let measure = "<script>document.body.setAttribute('data-widest', Math.max(...Array.from(\
        document.querySelectorAll('table'), t => t.getBoundingClientRect().width)));\
        window.addEventListener('load', () => document.body.setAttribute('data-unloaded', \
        Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).length));</script></body>";
    let page = run.join("measured.html");
    fs::write(&page, html.replace("</body>", measure)).unwrap();
    let dom = headless(
        &browser,
        &tmp.path().join("profile"),
        &page,
        &["--window-size=800,600".into(), "--dump-dom".into()],
    );
    let attribute = |name: &str| -> f64 {
        dom.split(&format!("{name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("the script did not set {name}"))
    };
    let widest = attribute("data-widest");
    assert!(widest > 300.0 && widest <= 768.0, "a table is {widest} pixels wide");
    assert_eq!(attribute("data-unloaded"), 0.0, "pictures did not load");
}
