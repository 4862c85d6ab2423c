//! `--format junit`: JUnit XML through `quick-junit` (no hand-written XML escaping).
//!
//! One test suite per input file and one test case per exchange (from `Breakdown::cases`), so CI
//! dashboards count clean exchanges as passes. Errors fail the case; warnings and notes go to
//! its `system-out`. Findings that belong to no exchange (a file that could not be read, a lint
//! finding) get a case of their own per file.

use std::io::{self, Write};
use std::path::PathBuf;

use indexmap::IndexMap;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::diagnostic::{Diagnostic, ExchangeRef, Severity};

use super::{Breakdown, Emitter, Ending, Summary};
use crate::diagnostic::problem::Treatment;

/// Which test case a finding belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CaseKey {
    /// The input file.
    file: Option<PathBuf>,
    /// The exchange's entry in it.
    entry: Option<usize>,
    /// Whether the finding is about an exchange (not the file as a whole).
    exchange: bool,
}

fn case_name(file: Option<&PathBuf>, ex: Option<&ExchangeRef>) -> String {
    match ex {
        Some(ex) => {
            let mut parts = Vec::new();
            if let Some(e) = ex.entry {
                parts.push(format!("entry {e}:"));
            }
            if let (Some(m), Some(u)) = (&ex.method, &ex.url) {
                parts.push(format!("{m} {}", super::short_url(u)));
            }
            if let Some(s) = ex.status {
                parts.push(format!("→ {s}"));
            }
            if parts.is_empty() {
                file.map_or_else(|| "exchange".to_string(), |f| f.display().to_string())
            } else {
                parts.join(" ")
            }
        }
        None => format!(
            "read {}",
            file.map_or_else(|| "input".to_string(), |f| f.display().to_string())
        ),
    }
}

fn line_of(d: &Diagnostic) -> String {
    let at = match (&d.file, &d.location) {
        (Some(f), Some(l)) => format!("{}:{}:{}: ", f.display(), l.line, l.column),
        (Some(f), None) => format!("{}: ", f.display()),
        _ => String::new(),
    };
    let pointer = d
        .pointer
        .as_deref()
        .map(|p| format!(" at {}", if p.is_empty() { "/" } else { p }))
        .unwrap_or_default();
    let help = d
        .suggestion
        .as_deref()
        .map(|s| format!(" (help: {s})"))
        .unwrap_or_default();
    format!(
        "{at}{}[{}]: {}{pointer}{help}",
        d.severity.as_str(),
        d.kind.as_str(),
        d.message
    )
}

/// `--format junit`: XML needs its counts up front, so findings are kept until the end (a
/// JUnit report lists every exchange anyway).
pub(super) struct Junit<'w> {
    out: &'w mut dyn Write,
    diagnostics: Vec<Diagnostic>,
}

impl<'w> Junit<'w> {
    pub(super) fn new(out: &'w mut dyn Write) -> Self {
        Junit {
            out,
            diagnostics: Vec::new(),
        }
    }
}

impl Emitter for Junit<'_> {
    fn finding(&mut self, d: &Diagnostic, _problem: &str, treatment: Treatment) -> io::Result<()> {
        // Every finding stays visible in its case, at the severity the case counts it at.
        let mut d = d.clone();
        d.severity = treatment.ci_severity;
        d.notes.extend(treatment.note.map(str::to_string));
        self.diagnostics.push(d);
        Ok(())
    }

    fn finish(&mut self, ending: &Ending<'_>) -> io::Result<()> {
        let coverage = ending
            .breakdown
            .coverage
            .as_ref()
            .map(super::coverage::table);
        render(
            &self.diagnostics,
            ending.summary,
            ending.breakdown,
            coverage,
            &mut *self.out,
        )
    }
}

/// One test case being gathered: its name, its class (the operation) and its findings.
struct CaseEntry<'d> {
    name: String,
    operation: Option<String>,
    found: Vec<&'d Diagnostic>,
}

/// The cases in input order: every checked exchange, then any finding's own case.
fn gather<'d>(
    diagnostics: &'d [Diagnostic],
    breakdown: &Breakdown,
) -> IndexMap<CaseKey, CaseEntry<'d>> {
    let mut cases: IndexMap<CaseKey, CaseEntry<'d>> = IndexMap::new();
    for case in &breakdown.cases {
        let key = CaseKey {
            file: Some(case.file.clone()),
            entry: case.exchange.entry,
            exchange: true,
        };
        cases.entry(key).or_insert_with(|| CaseEntry {
            name: case_name(Some(&case.file), Some(&case.exchange)),
            operation: case.exchange.operation.clone(),
            found: Vec::new(),
        });
    }
    for d in diagnostics {
        let ex = d.exchange.as_ref();
        let key = CaseKey {
            file: d.file.clone(),
            entry: ex.and_then(|e| e.entry),
            exchange: ex.is_some(),
        };
        cases
            .entry(key)
            .or_insert_with(|| CaseEntry {
                name: case_name(d.file.as_ref(), ex),
                operation: ex.and_then(|e| e.operation.clone()),
                found: Vec::new(),
            })
            .found
            .push(d);
    }
    cases
}

/// One test case: its errors fail it, its other findings go to its output.
fn test_case(entry: CaseEntry<'_>, command: &str) -> TestCase {
    let (errors, others): (Vec<&Diagnostic>, Vec<&Diagnostic>) = entry
        .found
        .iter()
        .partition(|d| d.severity == Severity::Error);
    let status = match errors.first() {
        None => TestCaseStatus::success(),
        Some(first) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let lines: Vec<String> = errors.iter().map(|d| line_of(d)).collect();
            status
                .set_message(format!("{}: {}", first.kind.as_str(), first.message))
                .set_type(first.kind.as_str())
                .set_description(lines.join("\n"));
            status
        }
    };
    let mut case = TestCase::new(entry.name, status);
    case.set_classname(entry.operation.unwrap_or_else(|| command.to_string()));
    if !others.is_empty() {
        let lines: Vec<String> = others.iter().map(|d| line_of(d)).collect();
        case.set_system_out(lines.join("\n"));
    }
    case
}

fn render(
    diagnostics: &[Diagnostic],
    summary: &Summary,
    breakdown: &Breakdown,
    coverage: Option<Vec<String>>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut suites: IndexMap<String, TestSuite> = IndexMap::new();
    for (key, entry) in gather(diagnostics, breakdown) {
        let suite_name = key
            .file
            .as_ref()
            .map_or_else(|| summary.command.to_string(), |f| f.display().to_string());
        suites
            .entry(suite_name.clone())
            .or_insert_with(|| TestSuite::new(suite_name))
            .add_test_case(test_case(entry, summary.command));
    }
    let mut report = Report::new(format!("specsmith {}", summary.command));
    report.add_test_suites(suites.into_values());
    if let Some(lines) = coverage {
        // Coverage is not a test: it rides along as the output of an empty suite.
        let mut suite = TestSuite::new("coverage");
        let lines: Vec<_> = lines.iter().map(|l| super::escape::text(l)).collect();
        suite.set_system_out(lines.join("\n"));
        report.add_test_suite(suite);
    }
    report
        .serialize(&mut *out)
        .map_err(|e| io::Error::other(e.to_string()))?;
    writeln!(out)
}
