//! `specsmith patch`: the drift `validate` finds, as a reviewed, format-preserving spec change.
//!
//! Specs and captures are read exactly as `validate` reads them (same readers, matcher,
//! `--server` and defaults). By default a unified diff goes to stdout and a summary to stderr;
//! `--apply` writes the files in place; `--format json` lists the edits and what was not
//! patched. Exit 0: nothing to patch; 1: a patch was proposed or applied; 2: the run could not
//! proceed.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::error::Error;
use crate::patch::{self, Edit, NotPatched, Patch};
use crate::spec::Spec;
use crate::validate::{Options, RawMeta, Validator};

use super::Outcome;

/// Exit codes of `patch`, which differ from the other commands' in what 1 means.
pub const AFTER_HELP: &str = "\
Exit status:
  0  nothing to patch
  1  a patch was proposed (or applied with --apply)
  2  the run could not proceed: unreadable spec or capture, bad flags";

/// How `patch` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PatchFormat {
    /// A unified diff on stdout (`git apply` reads it), a summary on stderr.
    Diff,
    /// The edits and what was not patched, as JSON on stdout.
    Json,
}

/// Arguments of `specsmith patch`.
#[derive(Debug, Args)]
pub struct PatchArgs {
    /// Spec to patch (repeatable). Default: every spec in spec/.
    #[arg(long = "spec", value_name = "FILE")]
    pub specs: Vec<PathBuf>,
    /// Write the edits into the spec files instead of printing a diff.
    #[arg(long)]
    pub apply: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = PatchFormat::Diff)]
    pub format: PatchFormat,
    /// Add values seen outside an enum to it (never a near-miss of an allowed value, which is a
    /// server bug).
    #[arg(long)]
    pub widen_enums: bool,
    /// An edit needs at least N exchanges showing it.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub min_occurrences: u64,
    /// Where the traffic was captured, as for `validate --server`.
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    /// The operation raw JSON bodies answer, as for `validate --operation`. Needs --status.
    #[arg(long, value_name = "ID", requires = "status")]
    pub operation: Option<String>,
    /// The response status of raw JSON bodies. Needs --operation.
    #[arg(long, value_name = "CODE", requires = "operation", value_parser = clap::value_parser!(u16).range(100..600))]
    pub status: Option<u16>,
    /// Capture files or folders, as for `validate`. Default: the bundled captures/ folder.
    #[arg(value_name = "CAPTURE")]
    pub captures: Vec<PathBuf>,
}

/// The JSON report.
#[derive(Serialize)]
struct JsonReport<'a> {
    exchanges: usize,
    capture_files: usize,
    applied: bool,
    edits: Vec<Edit>,
    not_patched: &'a [NotPatched],
}

/// Runs `patch`: propose, then print or apply; exit 1 when there is something to patch.
pub fn run(args: PatchArgs) -> Result<Outcome, Error> {
    let mut specs: Vec<Spec> = Vec::new();
    for path in super::spec_paths(&args.specs)? {
        let spec = crate::spec::load(&path).map_err(|d| {
            Error::Usage(format!(
                "cannot patch {}: {} (run specsmith lint for details)",
                path.display(),
                d.message
            ))
        })?;
        specs.push(spec);
    }
    let captures = super::validate::captures_or_default(args.captures.clone());
    let options = Options {
        raw: RawMeta {
            status: args.status,
            operation: args.operation.clone(),
            ..RawMeta::default()
        },
        server: args.server.clone(),
        ..Options::default()
    };
    let validator = Validator::new(&specs, options)?;
    let options = patch::Options {
        widen_enums: args.widen_enums,
        min_occurrences: usize::try_from(args.min_occurrences).unwrap_or(usize::MAX),
    };
    let p = patch::propose(&specs, &validator, &captures, options)?;
    finish(&args, &p)?;
    Ok(if p.edits.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

/// Applies or prints the patch, then the summary.
fn finish(args: &PatchArgs, p: &Patch) -> Result<(), Error> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if args.apply {
        for f in &p.files {
            std::fs::write(&f.path, &f.after).map_err(|source| Error::Write {
                what: "spec",
                path: f.path.clone(),
                source,
            })?;
        }
    }
    let text = match args.format {
        PatchFormat::Json => {
            let report = JsonReport {
                exchanges: p.exchanges,
                capture_files: p.capture_files,
                applied: args.apply,
                // Files as the diff names them: relative to where the user stands.
                edits: p
                    .edits
                    .iter()
                    .map(|e| Edit {
                        file: patch::relative_to(&e.file, &cwd),
                        ..e.clone()
                    })
                    .collect(),
                not_patched: &p.not_patched,
            };
            serde_json::to_string_pretty(&report).map_err(|e| Error::Report(e.into()))? + "\n"
        }
        PatchFormat::Diff if args.apply => String::new(),
        PatchFormat::Diff => patch::unified_diff(&p.files, &cwd),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Report)?;
    if args.format == PatchFormat::Diff {
        eprint!("{}", patch::summary(p, args.apply, &cwd));
    }
    Ok(())
}
