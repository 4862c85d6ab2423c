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

/// Which case a finding belongs to: file, entry, and whether it is about an exchange.
type CaseKey = (Option<PathBuf>, Option<usize>, bool);

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

fn render(
    diagnostics: &[Diagnostic],
    summary: &Summary,
    breakdown: &Breakdown,
    coverage: Option<Vec<String>>,
    out: &mut dyn Write,
) -> io::Result<()> {
    // Cases in input order: every checked exchange, then any finding's own case.
    let mut cases: IndexMap<CaseKey, (String, Option<String>, Vec<&Diagnostic>)> = IndexMap::new();
    for case in &breakdown.cases {
        let key = (Some(case.file.clone()), case.exchange.entry, true);
        cases.entry(key).or_insert_with(|| {
            (
                case_name(Some(&case.file), Some(&case.exchange)),
                case.exchange.operation.clone(),
                Vec::new(),
            )
        });
    }
    for d in diagnostics {
        let ex = d.exchange.as_ref();
        let key = (d.file.clone(), ex.and_then(|e| e.entry), ex.is_some());
        cases
            .entry(key)
            .or_insert_with(|| {
                (
                    case_name(d.file.as_ref(), ex),
                    ex.and_then(|e| e.operation.clone()),
                    Vec::new(),
                )
            })
            .2
            .push(d);
    }
    let mut suites: IndexMap<String, TestSuite> = IndexMap::new();
    for ((file, _, _), (name, operation, found)) in cases {
        let suite_name = file
            .as_ref()
            .map_or_else(|| summary.command.to_string(), |f| f.display().to_string());
        let errors: Vec<&&Diagnostic> = found
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        let status = match errors.first() {
            None => TestCaseStatus::success(),
            Some(first) => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status
                    .set_message(format!("{}: {}", first.kind.as_str(), first.message))
                    .set_type(first.kind.as_str())
                    .set_description(
                        errors
                            .iter()
                            .map(|d| line_of(d))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    );
                status
            }
        };
        let mut case = TestCase::new(name, status);
        case.set_classname(operation.unwrap_or_else(|| summary.command.to_string()));
        let others: Vec<String> = found
            .iter()
            .filter(|d| d.severity != Severity::Error)
            .map(|d| line_of(d))
            .collect();
        if !others.is_empty() {
            case.set_system_out(others.join("\n"));
        }
        suites
            .entry(suite_name.clone())
            .or_insert_with(|| TestSuite::new(suite_name))
            .add_test_case(case);
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
