//! `specsmith generate`: Rust client code from specs.
//!
//! Three modes: no flags regenerates the committed `generated/` crate from every spec in `spec/`;
//! `--check` renders in memory and fails (exit 1) when `generated/` is stale, which is what CI
//! runs; `--spec FILE --out DIR` writes a standalone crate for any spec.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::codegen::{self, Generator, Input};
use crate::diagnostic::{Diagnostic, Tally};
use crate::error::Error;
use crate::report::{Format, Summary};

use super::Outcome;

/// Arguments of `specsmith generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Spec to generate from (repeatable). Default: every spec in spec/.
    #[arg(long = "spec", value_name = "FILE")]
    pub specs: Vec<PathBuf>,
    /// Write a standalone client crate (DIR/Cargo.toml, DIR/src/) instead of generated/.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Name of the crate written by --out, and of its module (default: the API's name in the
    /// spec's info.title, without words such as "API" or a version).
    #[arg(long, value_name = "NAME", requires = "out")]
    pub name: Option<String>,
    /// Render in memory and exit 1 with a diff summary if the output folder differs.
    #[arg(long)]
    pub check: bool,
    /// Folder of templates that replace the built-in ones by file name (e.g. type.rs.jinja).
    #[arg(long, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Output format of warnings.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Runs the generator; exit 0 when written (or up to date with `--check`), 1 when `--check`
/// finds drift, 2 when a spec cannot be read or the output cannot be produced. Errors in the
/// spec that the client works around (a path variable no parameter declares) are reported and
/// counted but do not fail the run: `lint` is the command that fails on them.
pub fn run(args: GenerateArgs) -> Result<Outcome, Error> {
    let paths = super::spec_paths(&args.specs)?;
    if args.out.is_some() && paths.len() != 1 {
        return Err(Error::Usage(
            "--out writes one crate for one spec: pass exactly one --spec FILE".to_string(),
        ));
    }
    let root = super::project_root();
    let (dir, standalone) = match &args.out {
        Some(dir) => (dir.clone(), true),
        None => (root.join("generated"), false),
    };
    let mut specs = Vec::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut worked_around: Vec<Diagnostic> = Vec::new();
    for path in &paths {
        match crate::spec::load(path) {
            // A `$ref` that cannot be followed would drop a parameter, response, body or header:
            // refused. In a schema position the type is `serde_json::Value`, and the error is
            // reported with the code.
            Ok(spec) => {
                let broken = crate::spec::lint::broken_refs_by_place(&spec);
                diagnostics.extend(broken.blocking);
                worked_around.extend(broken.in_schemas);
                specs.push(spec);
            }
            Err(d) => diagnostics.push(*d),
        }
    }
    if !diagnostics.is_empty() {
        emit(args.format, &diagnostics, paths.len(), "no code generated")?;
        return Ok(Outcome::Failure);
    }
    let inputs: Vec<Input<'_>> = specs
        .iter()
        .zip(&paths)
        .map(|(spec, path)| Input {
            spec,
            source: display_path(path, &root),
            name: args.name.clone(),
        })
        .collect();
    // The bundled crate is a dev-dependency of specsmith under this name.
    let package = match inputs.first() {
        Some(input) if standalone => input.package(),
        _ => "specsmith-generated".to_string(),
    };
    let result = Generator::new(args.templates.as_deref())
        .and_then(|g| g.crate_files(&inputs, &package, standalone));
    let mut output = result?;
    output.diagnostics.splice(0..0, worked_around);
    if args.check {
        let drift = codegen::check::check(&dir, &output.files);
        if drift.is_empty() {
            emit(
                args.format,
                &output.diagnostics,
                paths.len(),
                &format!("{} is up to date", dir.display()),
            )?;
            return Ok(Outcome::Clean);
        }
        emit(
            args.format,
            &output.diagnostics,
            paths.len(),
            &format!("{} is out of date", dir.display()),
        )?;
        eprint!("{}", codegen::check::summary(&dir, &drift));
        eprintln!("run `specsmith generate` and commit the result");
        return Ok(Outcome::Findings);
    }
    codegen::write_files(&dir, &output.files)?;
    emit(
        args.format,
        &output.diagnostics,
        paths.len(),
        &format!(
            "{} file(s) written to {}",
            output.files.len(),
            dir.display()
        ),
    )?;
    Ok(Outcome::Clean)
}

fn emit(
    format: Format,
    diagnostics: &[Diagnostic],
    inputs: usize,
    line: &str,
) -> Result<(), Error> {
    let tally = Tally::of(diagnostics);
    let summary = Summary {
        command: "generate",
        inputs,
        tally,
        lines: vec![if tally.errors > 0 {
            format!(
                "{inputs} spec(s): {line}; {} error(s), {} warning(s)",
                tally.errors, tally.warnings
            )
        } else {
            format!("{inputs} spec(s): {line}; {} warning(s)", tally.warnings)
        }],
    };
    let mut out = super::report_out(format);
    super::render(format, diagnostics, &summary, &mut out).map_err(Error::Report)
}

/// The spec path as the generated header names it: relative to the project when inside it (so
/// the output does not depend on where the checkout lives), else as given.
fn display_path(path: &Path, root: &Path) -> String {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let shown = absolute
        .strip_prefix(&root)
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| path.to_path_buf());
    shown.to_string_lossy().replace('\\', "/")
}
