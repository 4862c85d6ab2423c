//! `--format json`: every diagnostic with its location, then the summary.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::Diagnostic;

use super::{Breakdown, Summary};

/// The wire shape of one finding: flat, with `null` for what is unknown, so `jq` filters stay simple.
#[derive(Serialize)]
pub(crate) struct JsonFinding<'a> {
    file: Option<String>,
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
    problem: String,
}

impl<'a> JsonFinding<'a> {
    pub(crate) fn from(d: &'a Diagnostic) -> Self {
        let ex = d.exchange.as_ref();
        JsonFinding {
            file: d.file.as_ref().map(|f| f.display().to_string()),
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
            problem: crate::problem::problem_id(d),
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

#[derive(Serialize)]
struct Document<'a> {
    findings: Vec<JsonFinding<'a>>,
    problems: Vec<crate::problem::Problem>,
    summary: SummaryDoc<'a>,
}

pub(super) fn render(
    diagnostics: &[Diagnostic],
    summary: &Summary,
    breakdown: &Breakdown,
    out: &mut dyn Write,
) -> io::Result<()> {
    let doc = Document {
        findings: diagnostics.iter().map(JsonFinding::from).collect(),
        problems: crate::problem::group(diagnostics),
        summary: SummaryDoc { summary, breakdown },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
