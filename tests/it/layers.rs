//! The house in layers: every module of src/ uses only modules of its own
//! layer or below, and no two modules use each other (directly or round a
//! longer cycle). Read from the source text: each `crate::a::b` and
//! `super::b` path is an edge from the file it is written in to module
//! `a::b` (or `a` when `b` is not a file of folder `a`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Layers from the bottom; a module may use its own layer and those below.
const LAYERS: [&[&str]; 9] = [
    &["error", "rng", "stats", "outcome", "lanes"],
    &["scenario"],
    &["simulate"],
    &["accumulate"],
    &["estimate"],
    &["analysis"],
    &["report", "output"],
    &["jobs"],
    &["cli"],
];

fn layer(top: &str) -> usize {
    LAYERS
        .iter()
        .position(|l| l.contains(&top))
        .unwrap_or_else(|| panic!("src/{top} is in no layer: add it to LAYERS"))
}

/// Module id of a source file: `error`, `scenario`, `scenario::dist`,
/// `report::plot::lines`.
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.len() > 1 && parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// Every module under src/ (lib.rs and main.rs excepted) with its text.
fn modules() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let src = Path::new("src");
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(src).unwrap();
                if rel != Path::new("lib.rs") && rel != Path::new("main.rs") {
                    out.insert(module_of(rel), fs::read_to_string(&path).unwrap());
                }
            }
        }
    }
    out
}

/// Identifier characters.
fn ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The longest prefix of `segments` that names a module.
fn resolve(segments: &[String], known: &BTreeSet<String>) -> Option<String> {
    (1..=segments.len())
        .rev()
        .map(|n| segments[..n].join("::"))
        .find(|m| known.contains(m))
}

/// The paths written after each `prefix` in `text`: `a::b::{c, d::e}` gives
/// `a::b::c` and `a::b::d::e`, as segments.
fn paths_after(text: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        // Not the tail of a longer name (`my_crate::`).
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(ident) {
            continue;
        }
        let mut segments = Vec::new();
        let mut tail = rest;
        loop {
            let name: String = tail.chars().take_while(|&c| ident(c)).collect();
            if name.is_empty() {
                break;
            }
            tail = &tail[name.len()..];
            segments.push(name);
            match tail.strip_prefix("::") {
                Some(t) => tail = t,
                None => break,
            }
        }
        if let Some(list) = tail.strip_prefix('{') {
            let list = &list[..list.find('}').unwrap_or(list.len())];
            for item in list.split(',') {
                let mut full = segments.clone();
                full.extend(
                    item.split("::")
                        .map(|s| s.trim().chars().take_while(|&c| ident(c)).collect::<String>())
                        .filter(|s| !s.is_empty()),
                );
                out.push(full);
            }
        } else {
            out.push(segments);
        }
    }
    out
}

/// The modules `text` (of module `from`) refers to, outside `#[cfg(test)]`
/// code (unit tests may reach anywhere).
fn uses(from: &str, text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut parent: Vec<String> = from.split("::").map(String::from).collect();
    parent.pop();
    let mut out = BTreeSet::new();
    for segments in paths_after(text, "crate::") {
        out.extend(resolve(&segments, known));
    }
    for segments in paths_after(text, "super::") {
        let full: Vec<String> = parent.iter().cloned().chain(segments).collect();
        out.extend(resolve(&full, known));
    }
    out.remove(from);
    out
}

#[test]
fn modules_use_only_their_layer_and_below_and_never_each_other() {
    let modules = modules();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let graph: BTreeMap<&str, BTreeSet<String>> = modules
        .iter()
        .map(|(m, text)| (m.as_str(), uses(m, text, &known)))
        .collect();
    let top = |m: &str| m.split("::").next().unwrap().to_string();
    // The reader finds the edges it should (a check of the check).
    assert!(graph["report::plot::lines"].contains("report::plot::chart"));
    assert!(graph["jobs::run"].contains("analysis"));
    assert!(graph["scenario::document"].contains("scenario"));
    let mut upward = Vec::new();
    for (from, tos) in &graph {
        for to in tos {
            if layer(&top(to)) > layer(&top(from)) {
                upward.push(format!("{from} -> {to}"));
            }
        }
    }
    assert!(upward.is_empty(), "modules use a higher layer:\n{}", upward.join("\n"));

    // Depth-first search for a cycle.
    fn visit<'a>(
        m: &'a str,
        graph: &'a BTreeMap<&'a str, BTreeSet<String>>,
        state: &mut BTreeMap<&'a str, u8>,
        path: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(m) {
            Some(2) => return None,
            Some(1) => {
                let start = path.iter().position(|p| *p == m).unwrap();
                let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
                cycle.push(m.to_string());
                return Some(cycle);
            }
            _ => {}
        }
        state.insert(m, 1);
        path.push(m);
        for to in &graph[m] {
            if let Some(c) = visit(to.as_str(), graph, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(m, 2);
        None
    }
    let mut state = BTreeMap::new();
    for m in graph.keys() {
        if let Some(cycle) = visit(m, &graph, &mut state, &mut Vec::new()) {
            panic!("import cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_core_knows_no_polars_plotters_clap_indicatif_or_files() {
    for (m, text) in modules() {
        let core =
            ["scenario", "simulate", "accumulate", "estimate", "analysis"].contains(&m.split("::").next().unwrap());
        if !core {
            continue;
        }
        let code: String = text
            .split("#[cfg(test)]")
            .next()
            .unwrap_or("")
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect();
        for banned in ["polars", "plotters", "clap", "indicatif", "std::fs", "File::"] {
            assert!(!code.contains(banned), "{m} uses {banned}");
        }
    }
}
