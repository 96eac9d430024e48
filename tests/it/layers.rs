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
    &["error", "rng", "stats", "outcome"],
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

/// Module id of a source file: `error`, `scenario`, `scenario::dist`.
fn module_of(rel: &Path) -> String {
    let parts: Vec<String> = rel
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    match parts.as_slice() {
        [file] => file.clone(),
        [dir, file] if file == "mod" => dir.clone(),
        [dir, file] => format!("{dir}::{file}"),
        _ => panic!("unexpected depth: {}", rel.display()),
    }
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

/// The modules `text` (of module `from`) refers to, outside `#[cfg(test)]`
/// code (unit tests may reach anywhere).
fn uses(from: &str, text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    let folder = from.split("::").next().unwrap();
    let resolve = |top: &str, sub: &str| {
        let both = format!("{top}::{sub}");
        if known.contains(&both) { both } else { top.to_string() }
    };
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + 7..];
        let top: String = rest.chars().take_while(|&c| ident(c)).collect();
        let after = &rest[top.len()..];
        if let Some(tail) = after.strip_prefix("::{") {
            let list = &tail[..tail.find('}').unwrap_or(tail.len())];
            for item in list.split(',') {
                let first: String = item.trim().chars().take_while(|&c| ident(c)).collect();
                out.insert(resolve(&top, &first));
            }
        } else if let Some(tail) = after.strip_prefix("::") {
            let sub: String = tail.chars().take_while(|&c| ident(c)).collect();
            out.insert(resolve(&top, &sub));
        } else {
            out.insert(top);
        }
    }
    let mut rest = text;
    while let Some(i) = rest.find("super::") {
        rest = &rest[i + 7..];
        let sub: String = rest.chars().take_while(|&c| ident(c)).collect();
        out.insert(resolve(folder, &sub));
    }
    out.remove(from);
    out.retain(|m| known.contains(m));
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
