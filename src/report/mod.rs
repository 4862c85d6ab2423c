//! Renders diagnostics: one module per output format.
//!
//! Renderers know nothing of how the findings were made, so lint, generate and validate share
//! every format. Each format is an [`Emitter`]: findings are handed over one by one as a run
//! produces them and written at once where the format allows (JSON, SARIF, GitHub, human
//! findings), so a report on a huge capture never holds every finding in memory; the closing
//! parts (problems, summary, coverage) come with [`Emitter::finish`].

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;

use serde::Serialize;

use crate::diagnostic::coverage::Coverage;
use crate::diagnostic::problem::Treatment;
use crate::diagnostic::Problem;
use crate::diagnostic::{Diagnostic, ExchangeRef, Kind, OperationCounts, Tally};

mod coverage;
mod escape;
mod github;
mod human;
mod json;
mod junit;
mod sarif;

/// How many characters of a URL a finding shows; the full URL is in `--format json` only.
const URL_SHOWN: usize = 160;

/// A URL cut past [`URL_SHOWN`] characters, saying how long it was: a URL with 10,000 query
/// parameters is shown once per finding, and must not make the report grow with its square.
pub(crate) fn short_url(url: &str) -> std::borrow::Cow<'_, str> {
    let count = url.chars().count();
    if count <= URL_SHOWN {
        return std::borrow::Cow::Borrowed(url);
    }
    let head: String = url.chars().take(URL_SHOWN).collect();
    std::borrow::Cow::Owned(format!("{head}… ({count} characters)"))
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// rustc-style text with snippets (coloured on a terminal); validate shows one block per
    /// problem, with its count.
    Human,
    /// One JSON document: `{"findings": [...], "problems": [...], "summary": {...}}`, and
    /// `"coverage"` with --coverage.
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
    pub per_kind: BTreeMap<Kind, usize>,
    /// Exchanges skipped because they were not under `--server`.
    #[serde(skip_serializing_if = "is_zero")]
    pub outside_server: usize,
    /// Every exchange checked; filled only when a format that lists them is asked for.
    #[serde(skip)]
    pub cases: Vec<Case>,
    /// What the traffic exercised of the specs (`--coverage`); rendered apart from the summary.
    #[serde(skip)]
    pub coverage: Option<Coverage>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One checked exchange, named for reports that list every exchange.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Case {
    /// The capture file.
    pub file: PathBuf,
    /// Which exchange.
    pub exchange: ExchangeRef,
}

/// How the human format lays findings out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One block per finding, in order (lint, generate: every finding has its own place).
    Findings,
    /// One block per problem, worst first, with its count, first and last occurrence and
    /// samples (validate: one drift repeated in 409 exchanges is one block).
    Problems,
}

/// What a report closes with, once every finding has been handed over.
pub struct Ending<'a> {
    /// Totals and closing lines.
    pub summary: &'a Summary,
    /// What a validate run adds.
    pub breakdown: &'a Breakdown,
    /// The findings grouped by root cause, worst first.
    pub problems: &'a [Problem],
}

/// A report being written: findings arrive in order, then the ending.
pub trait Emitter {
    /// One finding, the id of its problem (a fingerprint of its root cause) and how the run
    /// treats it (its baseline state, whether it is shown, what it counts as in CI).
    fn finding(&mut self, d: &Diagnostic, problem: &str, treatment: Treatment) -> io::Result<()>;
    /// Writes what comes after the findings.
    fn finish(&mut self, ending: &Ending<'_>) -> io::Result<()>;
}

/// The emitter for `format`, writing to `out`; what it is handed is escaped first (see
/// `escape`), so no format prints a raw control character from a capture or a spec.
pub fn emitter<'w>(
    format: Format,
    layout: Layout,
    out: &'w mut dyn Write,
) -> Box<dyn Emitter + 'w> {
    let inner: Box<dyn Emitter + 'w> = match format {
        Format::Human => Box::new(human::Human::new(layout, out)),
        Format::Json => Box::new(json::Json::new(out)),
        Format::Sarif => Box::new(sarif::Sarif::new(out)),
        Format::Junit => Box::new(junit::Junit::new(out)),
        Format::Github => Box::new(github::Github::new(out)),
    };
    Box::new(escape::Escaping::new(inner))
}

/// Writes finished `diagnostics` in `format`, one block per finding. `ids[i]` is the problem id
/// of `diagnostics[i]` and `problems` their grouping: the caller groups, the report renders.
/// Nothing here is judged against a baseline, so each finding is treated plainly.
pub fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    ids: &[String],
    problems: &[Problem],
    summary: &Summary,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut emitter = emitter(format, Layout::Findings, out);
    for (d, id) in diagnostics.iter().zip(ids) {
        emitter.finding(d, id, Treatment::plain(d.severity))?;
    }
    emitter.finish(&Ending {
        summary,
        breakdown: &Breakdown::default(),
        problems,
    })
}
