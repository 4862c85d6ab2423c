//! Renders diagnostics: one module per output format.
//!
//! Renderers borrow finished diagnostics and a summary; they know nothing of how the findings
//! were made, so lint, generate and validate share every format.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Tally};

mod github;
mod human;
mod json;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style text with snippets (coloured on a terminal).
    Human,
    /// One JSON document: `{"findings": [...], "summary": {...}}`.
    Json,
    /// GitHub Actions workflow commands (`::error file=…,line=…,col=…::`).
    Github,
}

/// What a run did, for the closing lines of a report.
#[derive(Debug, Clone, Serialize)]
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

/// Writes `diagnostics` in `format`.
pub fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(diagnostics, summary, out),
        Format::Json => json::render(diagnostics, summary, out),
        Format::Github => github::render(diagnostics, summary, out),
    }
}
