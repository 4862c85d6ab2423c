//! `--format human`: rustc-style blocks with a snippet of the file and a `help:` line.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::diagnostic::{Diagnostic, Severity};

use super::Summary;

/// Byte range in `line` of `len` characters starting at 1-based character `column`.
fn char_span(line: &str, column: usize, len: usize) -> std::ops::Range<usize> {
    let start = line
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(line.len(), |(i, _)| i);
    let end = line[start..]
        .char_indices()
        .nth(len)
        .map_or(line.len(), |(i, _)| start + i);
    start..end.max(start)
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// Renders one diagnostic as text (no trailing newline).
pub(crate) fn render_one(d: &Diagnostic, renderer: &Renderer) -> String {
    let title = format!("{}: {}", d.kind.as_str(), d.message);
    let path = d.file.as_ref().map(|f| f.display().to_string());
    let mut group = Group::with_title(level(d.severity).primary_title(&title));
    let origin;
    match (&d.location, &path) {
        (Some(loc), Some(path)) if !loc.line_text.is_empty() => {
            let span = char_span(&loc.line_text, loc.column, loc.len);
            let label = d.pointer.as_deref().unwrap_or("");
            group = group.element(
                Snippet::source(loc.line_text.as_str())
                    .line_start(loc.line)
                    .path(path.as_str())
                    .annotation(AnnotationKind::Primary.span(span).label(label)),
            );
        }
        (loc, Some(path)) => {
            origin = match loc {
                Some(l) => format!("{path}:{}:{}", l.line, l.column),
                None => path.clone(),
            };
            group = group.element(Level::NOTE.message(format!("in {origin}")));
        }
        _ => {}
    }
    if let Some(ex) = &d.exchange {
        let mut parts = Vec::new();
        if let Some(entry) = ex.entry {
            parts.push(format!("entry {entry}"));
        }
        if let (Some(m), Some(u)) = (&ex.method, &ex.url) {
            parts.push(format!("{m} {u}"));
        }
        if let Some(op) = &ex.operation {
            parts.push(format!("operation {op}"));
        }
        if let Some(s) = ex.status {
            parts.push(format!("status {s}"));
        }
        if !parts.is_empty() {
            group = group.element(Level::NOTE.message(parts.join(", ")));
        }
    }
    for note in &d.notes {
        group = group.element(Level::NOTE.message(note.as_str()));
    }
    if let Some(s) = &d.suggestion {
        group = group.element(Level::HELP.message(s.as_str()));
    }
    renderer.render(&[group])
}

pub(super) fn render(
    diagnostics: &[Diagnostic],
    summary: &Summary,
    out: &mut dyn Write,
) -> io::Result<()> {
    let renderer = Renderer::styled();
    for d in diagnostics {
        writeln!(out, "{}\n", render_one(d, &renderer))?;
    }
    for line in &summary.lines {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::char_span;

    #[test]
    fn char_span_counts_characters_not_bytes() {
        let line = "  \"имя\": 1";
        let r = char_span(line, 3, 5);
        assert_eq!(&line[r], "\"имя\"");
        assert_eq!(char_span("ab", 9, 2), 2..2);
    }
}
