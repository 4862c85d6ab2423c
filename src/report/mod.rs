//! Renders diagnostics: one module per output format.
//!
//! Renderers borrow finished diagnostics and a summary; they know nothing of how the findings
//! were made, so lint, generate and validate share every format.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::diagnostic::{Diagnostic, ExchangeRef, Tally};

mod github;
mod human;
mod json;
mod junit;
mod sarif;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style text with snippets (coloured on a terminal).
    Human,
    /// One JSON document: `{"findings": [...], "problems": [...], "summary": {...}}`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: one test case per exchange (per input file for lint).
    Junit,
    /// GitHub Actions workflow commands (`::error file=…,line=…,col=…::`).
    Github,
}

/// What a run did, for the closing lines of a report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// `lint`, `generate` or `validate`.
    pub command: &'static str,
    /// How many inputs (specs, captures) were read.
    pub inputs: usize,
    /// Counts by severity.
    pub tally: Tally,
    /// Human closing lines.
    #[serde(skip)]
    pub lines: Vec<String>,
}

/// What a validate run adds to its summary: exchanges checked, counts per operation and per
/// kind, and every exchange for formats with one entry per exchange (JUnit). Kept apart from
/// [`Summary`] so the other commands' summaries stay as they are.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Breakdown {
    /// Exchanges checked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exchanges: Option<usize>,
    /// Per operation: exchanges and findings.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub per_operation: BTreeMap<String, OperationCounts>,
    /// Findings per kind.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub per_kind: BTreeMap<String, usize>,
    /// Every exchange checked; filled only when a format that lists them is asked for.
    #[serde(skip)]
    pub cases: Vec<Case>,
}

/// Counts for one operation in a validate summary.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct OperationCounts {
    /// Exchanges matched to it.
    pub exchanges: usize,
    /// Error findings.
    pub errors: usize,
    /// Warning findings.
    pub warnings: usize,
}

/// One checked exchange, named for reports that list every exchange.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Case {
    /// The capture file.
    pub file: PathBuf,
    /// Which exchange.
    pub exchange: ExchangeRef,
}

/// Writes `diagnostics` in `format`.
pub fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_with(format, diagnostics, summary, &Breakdown::default(), out)
}

/// Writes `diagnostics` in `format`, with a validate run's [`Breakdown`].
pub fn render_with(
    format: Format,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    breakdown: &Breakdown,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(diagnostics, summary, out),
        Format::Json => json::render(diagnostics, summary, breakdown, out),
        Format::Sarif => sarif::render(diagnostics, summary, out),
        Format::Junit => junit::render(diagnostics, summary, breakdown, out),
        Format::Github => github::render(diagnostics, summary, out),
    }
}
