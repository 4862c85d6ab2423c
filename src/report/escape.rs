//! Terminal and CI safety: no text from a capture or a spec reaches a report with a raw control
//! character in it.
//!
//! A key holding `"\n::error::injected"` would otherwise start a line of its own that GitHub
//! Actions reads as a workflow command, and a header value holding ESC or CR would drive the
//! terminal. Every emitter is wrapped in [`Escaping`], so each finding and problem, and the
//! report's ending (operation labels, exchanges, coverage), is escaped once, before any format
//! sees it: C0 and C1 control characters and DEL are written out the
//! way rustc writes them in string literals (`\n`, `\r`, `\t`, `\0`, `\u{1b}`). With no line
//! feed left in capture text, no rendered line can start with it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io;
use std::path::PathBuf;

use crate::diagnostic::coverage::Coverage;
use crate::diagnostic::problem::Treatment;
use crate::diagnostic::{Diagnostic, ExchangeRef, Problem};
use crate::source::Location;

use super::{Breakdown, Emitter, Ending, Summary};

/// `text` with its control characters written out; borrowed when it has none.
pub fn text(text: &str) -> Cow<'_, str> {
    if !needs(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push_str("\\0"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Whether `text` has a control character: `char::is_control` (C0, DEL and C1) read off the
/// UTF-8 bytes, since every finding's snippet line (a whole capture line, often kilobytes) is
/// checked and decoding it char by char cost a few percent of a run. C0 and DEL are single bytes
/// below 0x20 or 0x7F; C1 (U+0080 to U+009F) is 0xC2 then 0x80 to 0x9F.
fn needs(text: &str) -> bool {
    let bytes = text.as_bytes();
    let suspect = |b: u8| b < 0x20 || b == 0x7F || b == 0xC2;
    // Chunks folded without an early exit compile to vector code; the exact test runs only on
    // a chunk with a suspect byte (0xC2 also leads `£`, `°` and the no-break space). The
    // second byte of a C1 character may stand in the next chunk.
    bytes.chunks(64).enumerate().any(|(k, chunk)| {
        chunk.iter().fold(false, |any, &b| any | suspect(b))
            && chunk.iter().enumerate().any(|(i, &b)| {
                let next = bytes.get(k * 64 + i + 1);
                b < 0x20 || b == 0x7F || (b == 0xC2 && next.is_some_and(|&n| n < 0xA0))
            })
    })
}

fn escape_in_place(field: &mut String) {
    if needs(field) {
        *field = text(field).into_owned();
    }
}

fn diagnostic_needs(d: &Diagnostic) -> bool {
    let ex = d.exchange.as_ref();
    needs(&d.message)
        || d.suggestion.as_deref().is_some_and(needs)
        || d.notes.iter().any(|n| needs(n))
        || d.pointer.as_deref().is_some_and(needs)
        || d.key.as_deref().is_some_and(needs)
        || d.location.as_ref().is_some_and(|l| needs(&l.line_text))
        || d.file.as_ref().is_some_and(|f| needs(&f.to_string_lossy()))
        || ex.is_some_and(|e| {
            [&e.url, &e.method, &e.operation, &e.route]
                .into_iter()
                .any(|f| f.as_deref().is_some_and(needs))
        })
}

/// The snippet line escaped, its column and length moved to the same characters.
fn location(l: &mut Location) {
    if !needs(&l.line_text) {
        return;
    }
    let chars: Vec<char> = l.line_text.chars().collect();
    let start = l.column.saturating_sub(1).min(chars.len());
    let end = (start + l.len).min(chars.len());
    let width = |part: &[char]| text(&part.iter().collect::<String>()).chars().count();
    l.column = width(&chars[..start]) + 1;
    l.len = width(&chars[start..end]).max(1);
    l.line_text = text(&l.line_text).into_owned();
}

/// `d` with every text field escaped; borrowed when nothing needs it.
pub fn diagnostic(d: &Diagnostic) -> Cow<'_, Diagnostic> {
    if !diagnostic_needs(d) {
        return Cow::Borrowed(d);
    }
    let mut d = d.clone();
    escape_in_place(&mut d.message);
    d.suggestion.iter_mut().for_each(escape_in_place);
    d.notes.iter_mut().for_each(escape_in_place);
    d.pointer.iter_mut().for_each(escape_in_place);
    d.key.iter_mut().for_each(escape_in_place);
    if let Some(l) = d.location.as_mut() {
        location(l);
    }
    d.file.iter_mut().for_each(path_in_place);
    d.exchange.iter_mut().for_each(exchange_in_place);
    Cow::Owned(d)
}

fn path_in_place(path: &mut PathBuf) {
    if needs(&path.to_string_lossy()) {
        *path = text(&path.to_string_lossy()).into_owned().into();
    }
}

fn exchange_in_place(e: &mut ExchangeRef) {
    for f in [&mut e.url, &mut e.method, &mut e.operation, &mut e.route] {
        f.iter_mut().for_each(escape_in_place);
    }
}

fn keys_escaped<V>(map: BTreeMap<String, V>) -> BTreeMap<String, V> {
    map.into_iter()
        .map(|(k, v)| (text(&k).into_owned(), v))
        .collect()
}

/// The closing lines escaped: they name specs and files.
fn summary(s: &Summary) -> Summary {
    let mut s = s.clone();
    s.lines.iter_mut().for_each(escape_in_place);
    s
}

/// The run's breakdown escaped: operation labels come from specs, exchanges from captures.
/// Built once per run, so it is copied whole rather than checked field by field.
fn breakdown(b: &Breakdown) -> Breakdown {
    let mut b = b.clone();
    b.per_operation = keys_escaped(std::mem::take(&mut b.per_operation));
    for case in &mut b.cases {
        path_in_place(&mut case.file);
        exchange_in_place(&mut case.exchange);
    }
    b.coverage.iter_mut().for_each(coverage_in_place);
    b
}

fn coverage_in_place(c: &mut Coverage) {
    for op in &mut c.operations {
        for f in [
            &mut op.operation,
            &mut op.spec,
            &mut op.method,
            &mut op.path,
        ] {
            escape_in_place(f);
        }
        op.statuses = keys_escaped(std::mem::take(&mut op.statuses));
        op.undocumented_statuses = keys_escaped(std::mem::take(&mut op.undocumented_statuses));
        for r in &mut op.responses {
            escape_in_place(&mut r.status);
            r.media_type.iter_mut().for_each(escape_in_place);
        }
    }
    c.unexercised.iter_mut().for_each(escape_in_place);
    for p in &mut c.unobserved_properties {
        for f in [
            &mut p.operation,
            &mut p.status,
            &mut p.media_type,
            &mut p.pointer,
        ] {
            escape_in_place(f);
        }
    }
}

/// `p` with its texts and its example escaped.
fn problem(p: &Problem) -> Problem {
    let mut p = p.clone();
    escape_in_place(&mut p.message);
    p.suggestion.iter_mut().for_each(escape_in_place);
    p.pointer.iter_mut().for_each(escape_in_place);
    p.key.iter_mut().for_each(escape_in_place);
    p.operation.iter_mut().for_each(escape_in_place);
    *p.example = diagnostic(&p.example).into_owned();
    p
}

fn problem_needs(p: &Problem) -> bool {
    needs(&p.message)
        || p.suggestion.as_deref().is_some_and(needs)
        || p.pointer.as_deref().is_some_and(needs)
        || p.key.as_deref().is_some_and(needs)
        || p.operation.as_deref().is_some_and(needs)
        || diagnostic_needs(&p.example)
}

/// Wraps an emitter so everything it is handed is escaped first.
pub struct Escaping<'w> {
    inner: Box<dyn Emitter + 'w>,
}

impl<'w> Escaping<'w> {
    /// Escapes what reaches `inner`.
    pub fn new(inner: Box<dyn Emitter + 'w>) -> Self {
        Escaping { inner }
    }
}

impl Emitter for Escaping<'_> {
    fn finding(&mut self, d: &Diagnostic, problem: &str, treatment: Treatment) -> io::Result<()> {
        self.inner.finding(&diagnostic(d), problem, treatment)
    }

    fn finish(&mut self, ending: &Ending<'_>) -> io::Result<()> {
        let problems: Cow<'_, [Problem]> = if ending.problems.iter().any(problem_needs) {
            Cow::Owned(ending.problems.iter().map(problem).collect())
        } else {
            Cow::Borrowed(ending.problems)
        };
        self.inner.finish(&Ending {
            summary: &summary(ending.summary),
            breakdown: &breakdown(ending.breakdown),
            problems: &problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_written_out() {
        assert_eq!(
            text("a\nb\r\u{1b}[31m\u{9b}\t"),
            "a\\nb\\r\\u{1b}[31m\\u{9b}\\t"
        );
        assert!(matches!(text("plain ünïcode"), Cow::Borrowed(_)));
    }

    /// The byte test agrees with `char::is_control` on every character, alone and among others.
    #[test]
    fn control_characters_are_found_in_the_bytes() {
        for c in (0..0x3000)
            .filter_map(char::from_u32)
            .chain(['\u{10ffff}', '\u{1f600}'])
        {
            let long = format!("{}{c}{}", "x".repeat(63), "y".repeat(70));
            for text in [c.to_string(), format!("aé{c}z"), format!("{c}\u{a0}"), long] {
                let by_char = text.chars().any(char::is_control);
                assert_eq!(needs(&text), by_char, "{:x}", u32::from(c));
            }
        }
    }

    #[test]
    fn snippet_columns_follow_the_escapes() {
        let mut l = Location {
            line: 1,
            column: 4,
            len: 3,
            line_text: "a\nbkey".to_string(),
        };
        location(&mut l);
        assert_eq!(l.line_text, "a\\nbkey");
        let underlined: String = l.line_text.chars().skip(l.column - 1).take(l.len).collect();
        assert_eq!(underlined, "key");
    }
}
