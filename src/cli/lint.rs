//! `specsmith lint`: load each spec and report what is wrong with it.

use std::path::PathBuf;

use clap::Args;

use crate::diagnostic::{Diagnostic, Tally};
use crate::error::Error;
use crate::report::{Format, Summary};

use super::Outcome;

/// Arguments of `specsmith lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Spec to lint (repeatable). Default: every *.yaml, *.yml and *.json in spec/.
    #[arg(long = "spec", value_name = "FILE")]
    pub specs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Lints every spec; exit 0 clean, 1 findings, 2 when any spec could not be read.
pub fn run(args: LintArgs) -> Result<Outcome, Error> {
    let paths = super::spec_paths(&args.specs)?;
    let (diagnostics, unreadable) = lint_paths(&paths);
    let tally = Tally::of(&diagnostics);
    let summary = Summary {
        command: "lint",
        inputs: paths.len(),
        tally,
        lines: vec![format!(
            "{} spec(s) linted: {} error(s), {} warning(s)",
            paths.len(),
            tally.errors,
            tally.warnings
        )],
    };
    let mut out = super::report_out(args.format);
    super::render(args.format, &diagnostics, &summary, &mut out).map_err(Error::Report)?;
    Ok(if unreadable {
        Outcome::Failure
    } else if tally.errors > 0 {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Loads and lints each path (in parallel); returns the diagnostics in path order and whether any
/// spec could not be read at all.
pub fn lint_paths(paths: &[PathBuf]) -> (Vec<Diagnostic>, bool) {
    use rayon::prelude::*;
    let results: Vec<(Vec<Diagnostic>, bool)> = paths
        .par_iter()
        .map(|path| match crate::spec::load(path) {
            Ok(spec) => (crate::spec::lint::lint(&spec), false),
            Err(d) => (vec![*d], true),
        })
        .collect();
    let unreadable = results.iter().any(|(_, u)| *u);
    (
        results.into_iter().flat_map(|(d, _)| d).collect(),
        unreadable,
    )
}
