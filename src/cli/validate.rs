//! `specsmith validate`: drift reports on recorded traffic.
//!
//! Arguments first (clap), then a plan: specs loaded, raw-body defaults checked, captures
//! listed; then the run. Whatever stops the run itself (an unreadable spec, a capture path that
//! does not exist, bad flags) exits 2; drift errors exit 1.

use std::path::PathBuf;

use clap::Args;

use crate::baseline::{self, Baseline};
use crate::diagnostic::problem::Treatment;
use crate::diagnostic::{Diagnostic, Severity, Tally};
use crate::error::Error;
use crate::problem::{Problem, ProblemSet};
use crate::report::{self, Breakdown, Case, Emitter, Ending, Format, Layout, Summary};
use crate::spec::Spec;
use crate::validate::{Options, RawMeta, Report, Validator};

use super::{Hooks, Outcome};

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
    /// The largest exchange read, in MiB (an NDJSON line, a HAR entry, a raw body file); a larger
    /// one is reported as a parse_error and skipped. A run holds about twice the largest entry
    /// in memory, so this bounds its peak.
    #[arg(long, value_name = "MIB", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_entry_mib: u64,
    /// Capture files or folders (walked recursively): HAR (.har), NDJSON (.ndjson, .jsonl) or
    /// raw JSON bodies (.json, described by a sibling NAME.meta.json or by --operation and
    /// --status). Default: the bundled captures/ folder.
    #[arg(value_name = "CAPTURE")]
    pub captures: Vec<PathBuf>,
}

/// Runs the validator: plan, execute, exit code.
pub fn run(args: ValidateArgs, hooks: Hooks) -> Result<Outcome, Error> {
    let plan = match Plan::of(args)? {
        Ok(plan) => plan,
        Err(unreadable) => return Ok(unreadable_specs(&unreadable)),
    };
    let finished = execute(&plan, hooks)?;
    let outcome = plan.exit_code(&finished.problems);
    if hooks.exits_after_run {
        std::mem::forget(plan);
    }
    Ok(outcome)
}

/// What a validate run will do, with every input read and every flag checked: nothing after
/// this fails for a reason the user could have fixed on the command line.
struct Plan {
    specs: Vec<Spec>,
    captures: Vec<PathBuf>,
    options: Options,
    baseline: Option<Baseline>,
    format: Format,
    write_baseline: Option<PathBuf>,
    deny_warnings: bool,
}

impl Plan {
    /// The plan for `args`; the inner `Err` holds the diagnostics of specs that could not be read.
    fn of(args: ValidateArgs) -> Result<Result<Plan, Vec<Diagnostic>>, Error> {
        let paths = super::spec_paths(&args.specs)?;
        let mut specs: Vec<Spec> = Vec::new();
        let mut unreadable: Vec<Diagnostic> = Vec::new();
        for path in &paths {
            match crate::spec::load(path) {
                Ok(mut spec) => {
                    spec.drop_examples();
                    specs.push(spec);
                }
                Err(d) => unreadable.push(*d),
            }
        }
        if !unreadable.is_empty() {
            return Ok(Err(unreadable));
        }
        let baseline = args.baseline.as_deref().map(Baseline::read).transpose()?;
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
            max_entry: usize::try_from(args.max_entry_mib * 1024 * 1024).ok(),
            on_huge_entry: None,
        };
        Ok(Ok(Plan {
            specs,
            captures: captures_or_default(args.captures),
            options,
            baseline,
            format: args.format,
            write_baseline: args.write_baseline,
            deny_warnings: args.deny_warnings,
        }))
    }

    /// How reports and the exit code treat the problem with `id`: where it stands against
    /// `--baseline`, and what follows from that.
    fn treatment(&self, id: &str, severity: Severity) -> Treatment {
        let state = self.baseline.as_ref().map(|b| b.state_of(id));
        baseline::treatment(state, severity)
    }

    /// 1 when an error problem is new (all are, without a baseline), or a warning one with
    /// `--deny-warnings`; 0 otherwise, and always 0 when the run records a baseline.
    fn exit_code(&self, problems: &[Problem]) -> Outcome {
        let fails = |p: &Problem| {
            p.treatment.fails
                && (p.severity == Severity::Error
                    || (self.deny_warnings && p.severity == Severity::Warning))
        };
        if self.write_baseline.is_none() && problems.iter().any(fails) {
            Outcome::Findings
        } else {
            Outcome::Clean
        }
    }
}

/// The captures given, or the bundled `captures/` folder shown relative to where the user
/// stands, as a path they could have typed.
pub(crate) fn captures_or_default(given: Vec<PathBuf>) -> Vec<PathBuf> {
    if !given.is_empty() {
        return given;
    }
    let dir = super::project_root().join("captures");
    let shown = std::env::current_dir()
        .ok()
        .and_then(|cwd| dir.strip_prefix(cwd).ok().map(PathBuf::from))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(dir);
    vec![shown]
}

/// Shows why the specs could not be read (exit 2: validation did not run).
fn unreadable_specs(unreadable: &[Diagnostic]) -> Outcome {
    let summary = Summary {
        command: "validate",
        inputs: unreadable.len(),
        tally: Tally::of(unreadable),
        lines: vec!["validation did not run: a spec could not be read".to_string()],
    };
    let mut err = anstream::stderr();
    let _ = super::render(Format::Human, unreadable, &summary, &mut err);
    Outcome::Failure
}

/// What a run leaves for its exit code.
struct Finished {
    problems: Vec<Problem>,
}

/// Checks the captures and writes the report (and `--write-baseline`).
///
/// Findings stream: each is counted, grouped and written as its batch is checked, and dropped;
/// only the problems (one per root cause) stay in memory.
fn execute(plan: &Plan, hooks: Hooks) -> Result<Finished, Error> {
    let options = Options {
        on_huge_entry: Some(hooks.huge_entry),
        ..plan.options.clone()
    };
    let validator = Validator::new(&plan.specs, options)?;
    (hooks.specs_loaded)();
    let mut out = std::io::BufWriter::new(super::report_out(plan.format));
    let mut emitter = report::emitter(plan.format, Layout::Problems, &mut out);
    let mut problems = ProblemSet::new();
    let mut tally = Tally::default();
    let mut write_error: Option<std::io::Error> = None;
    let mut take = |d: Diagnostic, problems: &mut ProblemSet, emitter: &mut dyn Emitter| {
        tally.add(d.severity);
        let id = problems.add(&d);
        if write_error.is_none() {
            write_error = emitter
                .finding(&d, &id, plan.treatment(&id, d.severity))
                .err();
        }
    };
    let report = validator.run_with(&plan.captures, &mut |d| {
        take(d, &mut problems, emitter.as_mut());
    })?;
    let mut problems = problems.finish();
    if let Some(path) = &plan.write_baseline {
        Baseline::of(&problems).write(path)?;
    }
    if let Some(b) = &plan.baseline {
        let mut fixed = ProblemSet::new();
        for d in b.fixed(&problems) {
            take(d, &mut fixed, emitter.as_mut());
        }
        problems.extend(fixed.finish());
        for p in &mut problems {
            p.treatment = plan.treatment(&p.id, p.severity);
        }
    }
    let (summary, breakdown) = summarize(report, tally, &problems, &plan.specs);
    let finished = emitter.finish(&Ending {
        summary: &summary,
        breakdown: &breakdown,
        problems: &problems,
    });
    drop(emitter);
    match write_error {
        Some(e) => Err(e),
        None => finished.and_then(|()| std::io::Write::flush(&mut out)),
    }
    .map_err(Error::Report)?;
    if hooks.exits_after_run {
        std::mem::forget(validator);
    }
    Ok(Finished { problems })
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The summary of a validate run: totals, per operation (named here, for the report), per kind.
fn summarize(
    report: Report,
    tally: Tally,
    problems: &[Problem],
    specs: &[Spec],
) -> (Summary, Breakdown) {
    let stats = &report.stats;
    let per_operation = stats.per_operation_named(specs);
    let mut lines = vec![format!(
        "checked {} in {} against {}: {}, {}, {} ({})",
        plural(stats.exchanges, "exchange", "exchanges"),
        plural(stats.files, "capture file", "capture files"),
        plural(specs.len(), "spec", "specs"),
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
    for (op, s) in &per_operation {
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
            .map(|(k, n)| format!("{} {n}", k.as_str()))
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
        per_operation,
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
