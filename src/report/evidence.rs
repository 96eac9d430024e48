//! The evidence IDs of docs/evidence.md (table A's studies, table B's
//! proposed set, section D's structural assumptions) and the references
//! they stand for, for report.html's inputs table: a scenario that says
//! its IDs refer to docs/evidence.md (the default does, in its header)
//! has each note's IDs listed and their references under the table.

/// docs/evidence.md, as built into the binary.
const EVIDENCE: &str = include_str!("../../docs/evidence.md");

/// Whether a scenario's IDs refer to docs/evidence.md: its text names it.
pub fn refers_to_evidence(scenario_text: &str) -> bool {
    scenario_text.contains("docs/evidence.md")
}

/// Whether `cell` is an evidence ID: a capital letter and a number.
fn is_id(cell: &str) -> bool {
    let mut chars = cell.chars();
    chars.next().is_some_and(|c| c.is_ascii_uppercase())
        && cell.len() > 1
        && cell.len() <= 4
        && chars.all(|c| c.is_ascii_digit())
}

/// Every ID of docs/evidence.md with its reference: table A's source
/// (author, year, journal and address), section D's structural
/// assumptions; and `B`, the proposed default set of table B.
pub fn references() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut table_a = false;
    for line in EVIDENCE.lines() {
        if let Some(heading) = line.strip_prefix("## ") {
            table_a = heading.starts_with("A.");
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        // `| ID | ... |` splits into an empty first and last cell.
        if cells.len() < 4 || !is_id(cells[1]) || out.iter().any(|(id, _)| id == cells[1]) {
            continue;
        }
        let reference = match (table_a, cells.len()) {
            (true, n) if n >= 7 => format!("{} ({}; {}): {}", cells[4], cells[3], cells[2], cells[5]),
            _ => format!("structural assumption: {}", cells[2]),
        };
        out.push((cells[1].to_string(), reference.replace('*', "")));
    }
    out.push((
        "B".to_string(),
        "docs/evidence.md, table B: the proposed default parameter set, from table A".to_string(),
    ));
    out
}

/// The IDs `note` cites, in order of first mention, among `known`: `T1`,
/// ranges such as `K1-K5` or `N1–N4` (each ID in them), and `B` (table B)
/// as a word of its own (`B:`, `B's`).
pub fn cited(note: &str, known: &[(String, String)]) -> Vec<String> {
    let is_known = |id: &str| known.iter().any(|(k, _)| k == id);
    // Words: runs of ASCII letters and digits, with where each starts.
    let mut all: Vec<(usize, &str)> = Vec::new();
    let mut begun: Option<usize> = None;
    for (at, c) in note.char_indices().chain(std::iter::once((note.len(), ' '))) {
        match (begun, c.is_ascii_alphanumeric()) {
            (None, true) => begun = Some(at),
            (Some(s), false) => {
                all.push((s, &note[s..at]));
                begun = None;
            }
            _ => {}
        }
    }
    let mut out: Vec<String> = Vec::new();
    let mut add = |id: String| {
        if is_known(&id) && !out.contains(&id) {
            out.push(id);
        }
    };
    for (k, &(start, word)) in all.iter().enumerate() {
        if word == "B" {
            add(word.to_string());
            continue;
        }
        if !is_id(word) {
            continue;
        }
        add(word.to_string());
        // A range: `K1-K5`, `N1–N4`.
        let after = &note[start + word.len()..];
        let dash = after.starts_with('-') || after.starts_with('\u{2013}');
        if let (true, Some(&(_, next))) = (dash, all.get(k + 1))
            && is_id(next)
            && next[..1] == word[..1]
        {
            let (from, to) = (word[1..].parse::<u32>(), next[1..].parse::<u32>());
            if let (Ok(from), Ok(to)) = (from, to)
                && from < to
                && to - from < 20
            {
                for n in from + 1..to {
                    add(format!("{}{n}", &word[..1]));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_a_ids_have_their_references() {
        let refs = references();
        let get = |id: &str| refs.iter().find(|(k, _)| k == id).map(|(_, r)| r.clone());
        assert!(get("N1").unwrap().contains("Radhakrishnan 1994"));
        assert!(get("K5").is_some() && get("E8").is_some() && get("B").is_some());
        assert!(get("S5").unwrap().starts_with("structural assumption: "));
        let ids = cited(
            "B, F3, N1: full motor recovery; K1-K3 and N1–N2 (E8); B's; assumption; ASA1 Z9 T1",
            &refs,
        );
        assert_eq!(ids, ["B", "F3", "N1", "K1", "K2", "K3", "N2", "E8", "T1"]);
    }
}
