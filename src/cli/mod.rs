//! Defines specsmith's command line and runs it.
//!
//! Each subcommand has its own module: clap arguments, then a plan (specs loaded, inputs listed,
//! format chosen), then the run. Exit codes are the contract CI scripts rely on:
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | clean (warnings allowed unless `--deny-warnings`) |
//! | 1 | findings: lint errors, drift errors, or a stale `generated/` with `--check` |
//! | 2 | the run could not proceed: unreadable spec or capture folder, bad flags |

use std::path::{Path, PathBuf};

use clap::builder::PossibleValue;
use clap::{Parser, Subcommand, ValueEnum};

use crate::diagnostic::{Diagnostic, Problem};
use crate::error::Error;
use crate::report::{self, Format, Summary};

pub mod generate;
pub mod lint;
pub mod patch;
pub mod validate;

/// What a run ended with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Outcome {
    /// Nothing failing was found.
    Clean = 0,
    /// Findings that fail the run.
    Findings = 1,
    /// The run could not proceed.
    Failure = 2,
}

const AFTER_HELP: &str = "\
Exit status:
  0  clean (warnings allowed unless --deny-warnings)
  1  findings: lint errors, drift errors, or generated code out of date (--check)
  2  the run could not proceed: unreadable spec or input, bad flags";

/// specsmith keeps API clients and API reality in step.
#[derive(Debug, Parser)]
#[command(name = "specsmith", version, about, after_help = AFTER_HELP)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check specs for broken references, duplicate operationIds, undeclared path parameters and
    /// examples that do not match their schemas.
    #[command(after_help = AFTER_HELP)]
    Lint(lint::LintArgs),
    /// Generate Rust client code from specs.
    #[command(after_help = AFTER_HELP)]
    Generate(generate::GenerateArgs),
    /// Check recorded traffic (HAR, NDJSON, raw JSON) against the specs and report drift.
    #[command(after_help = AFTER_HELP)]
    Validate(validate::ValidateArgs),
    /// Turn the drift validate finds into a format-preserving spec change (a diff, or --apply).
    #[command(after_help = patch::AFTER_HELP)]
    Patch(patch::PatchArgs),
}

/// Moments of a run the program hosting the library may act on: the binary tunes its allocator
/// once the specs are loaded and when a huge exchange comes (`src/allocator.rs`), which the
/// library, not choosing its users' allocator, cannot do itself.
#[derive(Debug, Clone, Copy)]
pub struct Hooks {
    /// Called once `validate` has loaded its specs and built its validator, before it reads a
    /// capture: the end of the run's big wave of allocations.
    pub specs_loaded: fn(),
    /// Called once, before the first exchange of `validate::HUGE_ENTRY` bytes or more is
    /// checked (see `validate::Options::on_huge_entry`).
    pub huge_entry: fn(),
    /// The process ends once the run returns: `validate` then leaves what it built (specs,
    /// compiled schemas) to the system rather than freeing it value by value, which on GitHub's
    /// load was 25 M instructions on one thread after the report was written (NOTES-load.md).
    pub exits_after_run: bool,
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks {
            specs_loaded: || {},
            huge_entry: || {},
            exits_after_run: false,
        }
    }
}

/// Parses the process arguments and runs; returns the exit code.
pub fn main() -> Outcome {
    main_with(Hooks::default())
}

/// [`main`], calling `hooks` at their moments.
pub fn main_with(hooks: Hooks) -> Outcome {
    let args = match Args::try_parse() {
        Ok(args) => args,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    Outcome::Clean
                }
                _ => Outcome::Failure,
            };
        }
    };
    let result = match args.command {
        Command::Lint(a) => lint::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Validate(a) => validate::run(a, hooks),
        Command::Patch(a) => patch::run(a),
    };
    result.unwrap_or_else(|e| fail(&e))
}

/// The one place an [`Error`] becomes exit status 2: its message and causes on stderr (nothing
/// when only the reader of the report went away).
fn fail(e: &Error) -> Outcome {
    if !e.is_broken_pipe() {
        eprintln!("{}", e.render());
    }
    Outcome::Failure
}

/// The project folder that holds `spec/`: the current directory, or the nearest ancestor with a
/// `spec/` folder, so `cargo run` works from anywhere in the checkout.
pub fn project_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    cwd.ancestors()
        .find(|dir| dir.join("spec").is_dir())
        .map(Path::to_path_buf)
        .unwrap_or(cwd)
}

/// The specs to read: those given, or every spec in `spec/`.
pub fn spec_paths(given: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    if !given.is_empty() {
        return Ok(given.to_vec());
    }
    let dir = project_root().join("spec");
    match crate::spec::spec_files_in(&dir) {
        Err(source) => Err(Error::ListSpecs { dir, source }),
        Ok(files) if files.is_empty() => Err(Error::NoSpecs { dir }),
        Ok(files) => Ok(files),
    }
}

/// `--format`: clap knows the report formats here, so `report` needs nothing of clap.
impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Format::Human,
            Format::Json,
            Format::Sarif,
            Format::Junit,
            Format::Github,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let (name, help) = match self {
            Format::Human => (
                "human",
                "rustc-style text with snippets (coloured on a terminal); validate shows one \
                 block per problem, with its count",
            ),
            Format::Json => (
                "json",
                "One JSON document: `{\"findings\": [...], \"problems\": [...], \"summary\": \
                 {...}}`, and `\"coverage\"` with --coverage",
            ),
            Format::Sarif => (
                "sarif",
                "SARIF 2.1.0, for GitHub code scanning and other SARIF viewers",
            ),
            Format::Junit => (
                "junit",
                "JUnit XML: one test case per exchange (per input file for lint)",
            ),
            Format::Github => (
                "github",
                "GitHub Actions workflow commands (`::error file=…,line=…,col=…::`)",
            ),
        };
        Some(PossibleValue::new(name).help(help))
    }
}

/// Where a report in `format` is written. Only the human report has colour, so only it goes
/// through anstream, which keeps colour on a terminal and strips it elsewhere; the other formats
/// have no colour to strip and every text they take from a capture or spec is already escaped
/// (`report::escape`), so they go to stdout as written: anstream's scan of a JSON report was
/// 2.5 % of a validate run's CPU.
pub(crate) fn report_out(format: Format) -> Box<dyn std::io::Write> {
    match format {
        Format::Human => Box::new(anstream::stdout().lock()),
        Format::Json | Format::Sarif | Format::Junit | Format::Github => {
            Box::new(std::io::stdout().lock())
        }
    }
}

/// Writes finished `diagnostics` (lint, generate) in `format`, one block per finding, grouped
/// into problems here so the report only renders.
pub(crate) fn render(
    format: Format,
    diagnostics: &[Diagnostic],
    summary: &Summary,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut set = crate::problem::ProblemSet::new();
    let ids: Vec<String> = diagnostics.iter().map(|d| set.add(d)).collect();
    let problems: Vec<Problem> = set.finish();
    report::render(format, diagnostics, &ids, &problems, summary, out)
}
