//! `specsmith validate`: drift reports on recorded traffic.
//!
//! Arguments first (clap), then a plan: specs loaded, raw-body defaults checked, captures
//! listed; then the run. Whatever stops the run itself (an unreadable spec, a capture path that
//! does not exist, bad flags) exits 2; drift errors exit 1.

use std::path::PathBuf;

use clap::Args;

use crate::baseline::{Baseline, State};
use crate::diagnostic::{Diagnostic, Severity, Tally};
use crate::problem::{Problem, ProblemSet};
use crate::report::{
    self, Breakdown, Case, Emitter, Ending, Format, Layout, OperationCounts, Summary,
};
use crate::spec::Spec;
use crate::validate::{Options, RawMeta, Report, Validator};

use super::Outcome;

/// Arguments of `specsmith validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Spec to match against (repeatable; several are matched together). Default: every spec in
    /// spec/.
    #[arg(long = "spec", value_name = "FILE")]
    pub specs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Undocumented and moved properties are errors, not warnings.
    #[arg(long)]
    pub strict: bool,
    /// Warnings fail the run (exit 1) too.
    #[arg(long)]
    pub deny_warnings: bool,
    /// The operation raw JSON bodies answer (`ID`, or `SPEC:ID` when several specs share the
    /// id); overrides their NAME.meta.json. Needs --status.
    #[arg(long, value_name = "ID", requires = "status")]
    pub operation: Option<String>,
    /// The response status of raw JSON bodies. Needs --operation.
    #[arg(long, value_name = "CODE", requires = "operation", value_parser = clap::value_parser!(u16).range(100..600))]
    pub status: Option<u16>,
    /// Record the current problems (root causes) in FILE, a small sorted JSON file meant to be
    /// committed; the run then exits 0 unless the report could not be written.
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
    /// Fail (exit 1) only on error problems not recorded in FILE; problems in FILE that no
    /// longer occur are reported as info. An unreadable FILE exits 2.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Add coverage to the report: per operation, each documented status and media type with
    /// the exchanges seen and problems found; operations never exercised; documented response
    /// properties no body carried.
    #[arg(long)]
    pub coverage: bool,
    /// Where the traffic was captured (`http://localhost:9000/api` behind a gateway): only
    /// exchanges under this base URL are checked, the rest of their path matched against the
    /// spec's paths (the spec's servers are set aside); others are skipped and counted.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// Capture files or folders (walked recursively): HAR (.har), NDJSON (.ndjson, .jsonl) or
    /// raw JSON bodies (.json, described by a sibling NAME.meta.json or by --operation and
    /// --status). Default: the bundled captures/ folder.
    #[arg(value_name = "CAPTURE")]
    pub captures: Vec<PathBuf>,
}

/// Runs the validator.
pub fn run(args: ValidateArgs) -> Outcome {
    let paths = match super::spec_paths(&args.specs) {
        Ok(p) => p,
        Err(message) => {
            eprintln!("error: {message}");
            return Outcome::Failure;
        }
    };
    let mut specs: Vec<Spec> = Vec::new();
    let mut unreadable: Vec<Diagnostic> = Vec::new();
    for path in &paths {
        match crate::spec::load(path) {
            Ok(spec) => specs.push(spec),
            Err(d) => unreadable.push(*d),
        }
    }
    if !unreadable.is_empty() {
        let summary = Summary {
            command: "validate",
            inputs: paths.len(),
            tally: Tally::of(&unreadable),
            lines: vec!["validation did not run: a spec could not be read".to_string()],
        };
        let mut err = anstream::stderr();
        let _ = super::render(Format::Human, &unreadable, &summary, &mut err);
        return Outcome::Failure;
    }
    let captures = if args.captures.is_empty() {
        // Shown relative to where the user stands, as a path they could have typed.
        let dir = super::project_root().join("captures");
        let shown = std::env::current_dir()
            .ok()
            .and_then(|cwd| dir.strip_prefix(cwd).ok().map(PathBuf::from))
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(dir);
        vec![shown]
    } else {
        args.captures.clone()
    };
    let options = Options {
        strict: args.strict,
        raw: RawMeta {
            status: args.status,
            operation: args.operation.clone(),
            ..RawMeta::default()
        },
        record_exchanges: args.format == Format::Junit,
        coverage: args.coverage,
        skip_requests: false,
        server: args.server.clone(),
    };
    let baseline = match args.baseline.as_deref().map(Baseline::read).transpose() {
        Ok(b) => b,
        Err(message) => {
            eprintln!("error: {message}");
            return Outcome::Failure;
        }
    };
    let validator = match Validator::new(&specs, options) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Failure;
        }
    };
    let mut out = std::io::BufWriter::new(anstream::stdout().lock());
    let mut emitter = report::emitter(args.format, Layout::Problems, &mut out);
    // Findings stream: each is counted, grouped and written as its batch is checked, and
    // dropped; only the problems (one per root cause) stay in memory.
    let mut problems = ProblemSet::new();
    let mut tally = Tally::default();
    let mut write_error: Option<std::io::Error> = None;
    let state_of = |id: &str| baseline.as_ref().map(|b| b.state_of(id));
    let mut take = |d: Diagnostic, problems: &mut ProblemSet, emitter: &mut dyn Emitter| {
        tally.add(d.severity);
        let id = problems.add(&d);
        if write_error.is_none() {
            write_error = emitter.finding(&d, &id, state_of(&id)).err();
        }
    };
    let result = validator.run_with(&captures, &mut |d| {
        take(d, &mut problems, emitter.as_mut());
    });
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return Outcome::Failure;
        }
    };
    let mut problems = problems.finish();
    if let Some(path) = &args.write_baseline {
        if let Err(message) = Baseline::of(&problems).write(path) {
            eprintln!("error: {message}");
            return Outcome::Failure;
        }
    }
    if let Some(b) = &baseline {
        let mut fixed = ProblemSet::new();
        for d in b.fixed(&problems) {
            take(d, &mut fixed, emitter.as_mut());
        }
        problems.extend(fixed.finish());
        for p in &mut problems {
            p.baseline = state_of(&p.id);
        }
    }
    // Errors that fail the run: all of them, or with a baseline only those of new problems.
    let is_new = |p: &Problem| p.baseline != Some(State::Known);
    let failing_errors: usize = problems
        .iter()
        .filter(|p| p.severity == Severity::Error && is_new(p))
        .map(|p| p.occurrences)
        .sum();
    let new_warnings = problems
        .iter()
        .any(|p| p.severity == Severity::Warning && is_new(p));
    let (summary, breakdown) = summarize(report, tally, &problems, specs.len());
    let finished = emitter.finish(&Ending {
        summary: &summary,
        breakdown: &breakdown,
        problems: &problems,
    });
    drop(emitter);
    let written = match write_error {
        Some(e) => Err(e),
        None => finished.and_then(|()| std::io::Write::flush(&mut out)),
    };
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write the report: {e}");
        }
        return Outcome::Failure;
    }
    if args.write_baseline.is_some() {
        Outcome::Clean
    } else if failing_errors > 0 || (args.deny_warnings && new_warnings) {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The summary of a validate run: totals, per operation, per kind.
pub fn summarize(
    report: Report,
    tally: Tally,
    problems: &[Problem],
    specs: usize,
) -> (Summary, Breakdown) {
    let stats = &report.stats;
    let mut lines = vec![format!(
        "checked {} in {} against {}: {}, {}, {} ({})",
        plural(stats.exchanges, "exchange", "exchanges"),
        plural(stats.files, "capture file", "capture files"),
        plural(specs, "spec", "specs"),
        plural(tally.errors, "error", "errors"),
        plural(tally.warnings, "warning", "warnings"),
        plural(tally.infos, "note", "notes"),
        plural(problems.len(), "problem", "problems"),
    )];
    if stats.outside_server > 0 {
        lines.push(format!(
            "  skipped {} outside --server",
            plural(stats.outside_server, "exchange", "exchanges")
        ));
    }
    for (op, s) in &stats.per_operation {
        lines.push(format!(
            "  {op}: {}, {}, {}",
            plural(s.exchanges, "exchange", "exchanges"),
            plural(s.errors, "error", "errors"),
            plural(s.warnings, "warning", "warnings")
        ));
    }
    if !stats.per_kind.is_empty() {
        let kinds: Vec<String> = stats
            .per_kind
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        lines.push(format!("  by kind: {}", kinds.join(", ")));
    }
    let summary = Summary {
        command: "validate",
        inputs: stats.files,
        tally,
        lines,
    };
    let breakdown = Breakdown {
        exchanges: Some(stats.exchanges),
        per_operation: stats
            .per_operation
            .iter()
            .map(|(k, s)| {
                (
                    k.clone(),
                    OperationCounts {
                        exchanges: s.exchanges,
                        errors: s.errors,
                        warnings: s.warnings,
                    },
                )
            })
            .collect(),
        per_kind: stats.per_kind.clone(),
        outside_server: stats.outside_server,
        cases: report
            .exchanges
            .into_iter()
            .map(|(file, exchange)| Case { file, exchange })
            .collect(),
        coverage: report.coverage,
    };
    (summary, breakdown)
}
