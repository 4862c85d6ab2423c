//! `--format json`: every diagnostic with its location, then problems, summary and coverage.

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::Diagnostic;

use super::{Breakdown, Emitter, Ending, Summary};
use crate::diagnostic::problem::Treatment;

/// The wire shape of one finding: flat, with `null` for what is unknown, so `jq` filters stay simple.
#[derive(Serialize)]
pub(crate) struct JsonFinding<'a> {
    file: Option<Cow<'a, str>>,
    entry: Option<usize>,
    method: Option<&'a str>,
    url: Option<&'a str>,
    operation: Option<&'a str>,
    status: Option<u16>,
    severity: &'static str,
    kind: &'static str,
    pointer: Option<&'a str>,
    message: &'a str,
    suggestion: Option<&'a str>,
    notes: &'a [String],
    line: Option<usize>,
    column: Option<usize>,
    /// The id of the problem (root cause) this finding belongs to; see `problems`.
    problem: &'a str,
    /// `baseline`: `new` or `known`; absent without `--baseline`.
    #[serde(flatten)]
    treatment: Treatment,
}

impl<'a> JsonFinding<'a> {
    pub(crate) fn from(d: &'a Diagnostic, problem: &'a str, treatment: Treatment) -> Self {
        let ex = d.exchange.as_ref();
        JsonFinding {
            // What `display()` writes, borrowed when the path is UTF-8.
            file: d.file.as_ref().map(|f| f.to_string_lossy()),
            entry: ex.and_then(|e| e.entry),
            method: ex.and_then(|e| e.method.as_deref()),
            url: ex.and_then(|e| e.url.as_deref()),
            operation: ex.and_then(|e| e.operation.as_deref()),
            status: ex.and_then(|e| e.status),
            severity: d.severity.as_str(),
            kind: d.kind.as_str(),
            pointer: d.pointer.as_deref(),
            message: &d.message,
            suggestion: d.suggestion.as_deref(),
            notes: &d.notes,
            line: d.location.as_ref().map(|l| l.line),
            column: d.location.as_ref().map(|l| l.column),
            problem,
            treatment,
        }
    }
}

/// The summary object: the run's totals, then what a validate run adds.
#[derive(Serialize)]
struct SummaryDoc<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    #[serde(flatten)]
    breakdown: &'a Breakdown,
}

/// `--format json`: `{"findings": [...], "problems": [...], "summary": {...}, "coverage": {...}}`.
///
/// Findings are written as they arrive, one compact object per line, so a run that finds
/// something in every one of 40,000 exchanges never holds them all; problems, summary and
/// coverage close the document.
pub(super) struct Json<'w> {
    out: &'w mut dyn Write,
    findings: usize,
    /// One finding's text, written to `out` whole: serde_json writes a finding in some forty
    /// pieces, each a call through `dyn Write`, which cost more than the escaping itself.
    line: Vec<u8>,
}

impl<'w> Json<'w> {
    pub(super) fn new(out: &'w mut dyn Write) -> Self {
        Json {
            out,
            findings: 0,
            line: Vec::new(),
        }
    }
}

impl Emitter for Json<'_> {
    fn finding(&mut self, d: &Diagnostic, problem: &str, treatment: Treatment) -> io::Result<()> {
        let lead = if self.findings == 0 {
            "{\n  \"findings\": [\n    "
        } else {
            ",\n    "
        };
        self.line.clear();
        self.line.extend_from_slice(lead.as_bytes());
        serde_json::to_writer(&mut self.line, &JsonFinding::from(d, problem, treatment))?;
        self.findings += 1;
        self.out.write_all(&self.line)
    }

    fn finish(&mut self, ending: &Ending<'_>) -> io::Result<()> {
        let out = &mut *self.out;
        if self.findings == 0 {
            out.write_all(b"{\n  \"findings\": [],\n  \"problems\": [")?;
        } else {
            out.write_all(b"\n  ],\n  \"problems\": [")?;
        }
        for (i, p) in ending.problems.iter().enumerate() {
            out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
            serde_json::to_writer(&mut *out, p)?;
        }
        out.write_all(if ending.problems.is_empty() {
            b"],\n  \"summary\": "
        } else {
            b"\n  ],\n  \"summary\": "
        })?;
        serde_json::to_writer(
            &mut *out,
            &SummaryDoc {
                summary: ending.summary,
                breakdown: ending.breakdown,
            },
        )?;
        if let Some(coverage) = &ending.breakdown.coverage {
            out.write_all(b",\n  \"coverage\": ")?;
            serde_json::to_writer(&mut *out, coverage)?;
        }
        out.write_all(b"\n}\n")
    }
}
