//! Coverage as text: a compact table for the human, GitHub and JUnit formats (JSON and SARIF
//! carry the data itself).

use crate::diagnostic::coverage::Coverage;

/// How many unobserved properties, and never-exercised operations, the table lists before it
/// gives the rest as a count and points at `--format json` (GitHub's spec has 865 operations).
const MAX_UNOBSERVED: usize = 20;

/// The rest of a list as a count: `… and 845 more (--format json lists them all)`.
fn and_more(total: usize) -> Option<String> {
    (total > MAX_UNOBSERVED).then(|| {
        format!(
            "… and {} more (--format json lists them all)",
            total - MAX_UNOBSERVED
        )
    })
}

/// The coverage table, one line per documented response and media type.
pub fn table(coverage: &Coverage) -> Vec<String> {
    let ops = &coverage.operations;
    let exercised = ops.iter().filter(|o| o.exchanges > 0).count();
    let mut lines = vec![format!(
        "coverage: {exercised} of {} operations exercised",
        ops.len()
    )];
    lines.extend(aligned(&rows(coverage, exercised)));
    lines.extend(tails(coverage));
    lines
}

/// The table's rows, header first: every exercised operation with a row per documented response
/// and media type, and the never-exercised ones while they are few.
fn rows(coverage: &Coverage, exercised: usize) -> Vec<[String; 7]> {
    let ops = &coverage.operations;
    let mut rows: Vec<[String; 7]> = vec![[
        "operation".into(),
        "method".into(),
        "path".into(),
        "status".into(),
        "media type".into(),
        "exchanges".into(),
        "problems".into(),
    ]];
    let unexercised = ops.len() - exercised;
    // Exercised operations always get rows; the long tail of never-exercised ones only when short.
    let tail_rows = unexercised <= MAX_UNOBSERVED;
    for op in ops {
        let name = format!("{}:{}", op.spec, op.operation);
        if op.exchanges == 0 && !tail_rows {
            continue;
        }
        if op.exchanges == 0 {
            rows.push([
                name,
                op.method.clone(),
                op.path.clone(),
                "-".into(),
                "(never exercised)".into(),
                "0".into(),
                "-".into(),
            ]);
            continue;
        }
        let mut first = true;
        let mut lead = |rows: &mut Vec<[String; 7]>, cells: [String; 4]| {
            let [status, media, exchanges, problems] = cells;
            let (n, m, p) = if first {
                (name.clone(), op.method.clone(), op.path.clone())
            } else {
                (String::new(), String::new(), String::new())
            };
            first = false;
            rows.push([n, m, p, status, media, exchanges, problems]);
        };
        for r in &op.responses {
            lead(
                &mut rows,
                [
                    r.status.clone(),
                    match (&r.media_type, r.documented) {
                        (Some(m), _) => m.clone(),
                        (None, true) => "(no body)".into(),
                        (None, false) => "(undocumented media type)".into(),
                    },
                    r.exchanges.to_string(),
                    r.problems.to_string(),
                ],
            );
        }
        for (status, n) in &op.undocumented_statuses {
            lead(
                &mut rows,
                [
                    status.clone(),
                    "(undocumented status)".into(),
                    n.to_string(),
                    "-".into(),
                ],
            );
        }
    }
    rows
}

/// The rows as lines, columns padded: counts right-aligned, names left-aligned.
fn aligned(rows: &[[String; 7]]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut widths = [0usize; 7];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::from(" ");
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            // Counts are right-aligned, names left-aligned.
            if i >= 5 {
                line.push_str(&format!(" {cell:>w$}"));
            } else {
                line.push_str(&format!(" {cell:<w$}"));
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// What follows the table: never-exercised operations and unobserved properties, the long
/// tail as a count.
fn tails(coverage: &Coverage) -> Vec<String> {
    let mut lines = Vec::new();
    if !coverage.unexercised.is_empty() {
        let shown: Vec<&str> = coverage
            .unexercised
            .iter()
            .take(MAX_UNOBSERVED)
            .map(String::as_str)
            .collect();
        lines.push(format!(
            "never exercised: {} operations: {}",
            coverage.unexercised.len(),
            shown.join(", ")
        ));
        lines.extend(and_more(coverage.unexercised.len()).map(|m| format!("  {m}")));
    }
    let unobserved = &coverage.unobserved_properties;
    if !unobserved.is_empty() {
        lines.push(format!(
            "documented but never observed in a response body: {}",
            unobserved.len()
        ));
        for u in unobserved.iter().take(MAX_UNOBSERVED) {
            lines.push(format!(
                "  {} {} {} {}",
                u.operation, u.status, u.media_type, u.pointer
            ));
        }
        lines.extend(and_more(unobserved.len()).map(|m| format!("  {m}")));
    }
    lines
}
