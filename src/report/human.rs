//! `--format human`: rustc-style blocks with a snippet of the file and a `help:` line.
//!
//! Lint and generate show one block per finding as it arrives. Validate shows one block per
//! problem, worst first: the first occurrence's snippet, titled with `×N`, then where it was
//! first and last seen and up to three sample locations, so 409 copies of one drift read as one
//! block a person can act on.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use crate::diagnostic::{Diagnostic, Severity};
use crate::diagnostic::{Occurrence, Problem};

use super::{Emitter, Ending, Layout};
use crate::diagnostic::problem::Treatment;

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
            parts.push(format!("{m} {}", super::short_url(u)));
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

/// `×N` and where a problem was seen, as note lines under its first occurrence.
fn problem_notes(p: &Problem) -> Vec<String> {
    let mut notes = Vec::new();
    if p.occurrences > 1 {
        notes.push(format!(
            "{} occurrences: first {}, last {}",
            p.occurrences,
            place(&p.first),
            place(&p.last)
        ));
        let samples: Vec<String> = p.samples.iter().map(place).collect();
        notes.push(format!("samples: {}", samples.join(", ")));
    }
    notes
}

/// `file:line:col (entry N)`.
fn place(o: &Occurrence) -> String {
    let mut text = o
        .file
        .as_ref()
        .map_or_else(|| "?".to_string(), |f| f.display().to_string());
    if let (Some(line), Some(column)) = (o.line, o.column) {
        text.push_str(&format!(":{line}:{column}"));
    }
    if let Some(entry) = o.entry {
        text.push_str(&format!(" (entry {entry})"));
    }
    text
}

/// Renders one problem: its first occurrence's block, titled with the count.
pub(crate) fn render_problem(p: &Problem, renderer: &Renderer) -> String {
    let mut d = (*p.example).clone();
    if p.occurrences > 1 {
        d.message = format!("{} (×{})", d.message, p.occurrences);
    }
    d.notes.extend(problem_notes(p));
    render_one(&d, renderer)
}

/// `--format human`.
pub(super) struct Human<'w> {
    layout: Layout,
    out: &'w mut dyn Write,
    renderer: Renderer,
}

impl<'w> Human<'w> {
    pub(super) fn new(layout: Layout, out: &'w mut dyn Write) -> Self {
        Human {
            layout,
            out,
            renderer: Renderer::styled(),
        }
    }
}

impl Emitter for Human<'_> {
    fn finding(&mut self, d: &Diagnostic, _problem: &str, treatment: Treatment) -> io::Result<()> {
        if self.layout == Layout::Findings && treatment.shown {
            writeln!(self.out, "{}\n", render_one(d, &self.renderer))?;
        }
        Ok(())
    }

    fn finish(&mut self, ending: &Ending<'_>) -> io::Result<()> {
        if self.layout == Layout::Problems {
            for p in ending.problems.iter().filter(|p| p.treatment.shown) {
                writeln!(self.out, "{}\n", render_problem(p, &self.renderer))?;
            }
            let hidden = ending
                .problems
                .iter()
                .filter(|p| !p.treatment.shown)
                .count();
            if hidden > 0 {
                writeln!(
                    self.out,
                    "{hidden} known problem{} accepted in the baseline not shown\n",
                    if hidden == 1 { "" } else { "s" }
                )?;
            }
        }
        if let Some(coverage) = &ending.breakdown.coverage {
            for line in super::coverage::table(coverage) {
                writeln!(self.out, "{}", super::escape::text(&line))?;
            }
            writeln!(self.out)?;
        }
        for line in &ending.summary.lines {
            writeln!(self.out, "{}", super::escape::text(line))?;
        }
        Ok(())
    }
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
