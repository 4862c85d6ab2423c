//! The minijinja environment (built once per run) and the step from rendered text to formatted
//! Rust.
//!
//! Templates are embedded at compile time from `templates/`, so the binary needs no files at run
//! time; a `--templates DIR` replaces any of them by file name. Rendered Rust is parsed with
//! `syn` and printed with `prettyplease`: output that does not parse is a generator (or
//! template) bug, reported as an error naming the spec, and never written. `rustfmt` is not used
//! even when installed, because its output varies with the toolchain and `--check` must agree on
//! every machine.

use std::path::Path;

use minijinja::value::Value;
use minijinja::{Environment, UndefinedBehavior};

use super::Error;

/// The templates shipped with specsmith, by name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("macros.jinja", include_str!("../../templates/macros.jinja")),
    ("header.jinja", include_str!("../../templates/header.jinja")),
    (
        "Cargo.toml.jinja",
        include_str!("../../templates/Cargo.toml.jinja"),
    ),
    ("lib.rs.jinja", include_str!("../../templates/lib.rs.jinja")),
    (
        "runtime.rs.jinja",
        include_str!("../../templates/runtime.rs.jinja"),
    ),
    (
        "hooks.rs.jinja",
        include_str!("../../templates/hooks.rs.jinja"),
    ),
    (
        "record.rs.jinja",
        include_str!("../../templates/record.rs.jinja"),
    ),
    (
        "types.rs.jinja",
        include_str!("../../templates/types.rs.jinja"),
    ),
    (
        "paging.rs.jinja",
        include_str!("../../templates/paging.rs.jinja"),
    ),
    (
        "module.rs.jinja",
        include_str!("../../templates/module.rs.jinja"),
    ),
    (
        "type.rs.jinja",
        include_str!("../../templates/type.rs.jinja"),
    ),
    (
        "client.rs.jinja",
        include_str!("../../templates/client.rs.jinja"),
    ),
    (
        "method.rs.jinja",
        include_str!("../../templates/method.rs.jinja"),
    ),
    (
        "operation_types.rs.jinja",
        include_str!("../../templates/operation_types.rs.jinja"),
    ),
];

/// Builds the environment: the embedded templates, then every `*.jinja` file of `overrides`
/// in place of the template of the same name.
pub fn environment(overrides: Option<&Path>) -> Result<Environment<'static>, Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_filter("rust_str", rust_str);
    env.add_filter("rust_char", rust_char);
    env.add_filter("doc_lines", doc_lines);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| Error::Template(describe(&e)))?;
    }
    if let Some(dir) = overrides {
        let entries = std::fs::read_dir(dir).map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut paths: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jinja"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            env.add_template_owned(name, text)
                .map_err(|e| Error::Template(describe(&e)))?;
        }
    }
    Ok(env)
}

/// Renders template `name` with `context`.
pub fn render(env: &Environment<'_>, name: &str, context: Value) -> Result<String, Error> {
    env.get_template(name)
        .and_then(|t| t.render(context))
        .map_err(|e| Error::Template(describe(&e)))
}

/// Parses and pretty-prints generated Rust; `file` and `spec` name it in the error.
///
/// syn is built without `span-locations` (which makes every token track its line and costs a
/// third of the parse), so a failure is located afterwards: the longest prefix of top-level
/// chunks (split at lines that start in column 0) that still parses ends where the bad item
/// starts.
pub fn format_rust(text: &str, file: &str, spec: &str) -> Result<String, Error> {
    match syn::parse_file(text) {
        Ok(parsed) => Ok(prettyplease::unparse(&parsed)),
        Err(e) => {
            let (line, excerpt) = locate_failure(text);
            Err(Error::InvalidCode {
                file: file.to_string(),
                spec: spec.to_string(),
                message: format!("{e}, in the item at line {line} of the rendered text: {excerpt}"),
            })
        }
    }
}

/// The first line of the first top-level chunk after which the text stops parsing, by binary
/// search over chunk boundaries (a prefix ending at a boundary parses exactly when every item
/// before it does).
fn locate_failure(text: &str) -> (usize, String) {
    let lines: Vec<&str> = text.lines().collect();
    let mut starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with(|c: char| !c.is_whitespace() && c != '}' && c != ')'))
        .map(|(i, _)| i)
        .collect();
    starts.push(lines.len());
    let parses = |end: usize| syn::parse_file(&lines[..end].join("\n")).is_ok();
    // Invariant: the prefix up to starts[lo] parses; the one up to starts[hi] does not.
    let (mut lo, mut hi) = (0, starts.len() - 1);
    if !parses(starts[lo]) {
        return (
            1,
            lines
                .first()
                .map(|l| l.trim().to_string())
                .unwrap_or_default(),
        );
    }
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if parses(starts[mid]) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let bad = starts[lo];
    (
        bad + 1,
        lines
            .get(bad)
            .map(|l| l.trim().to_string())
            .unwrap_or_default(),
    )
}

/// The line a template puts between top-level items where the text may be cut (see
/// [`format_pieces`]). A comment, so text that keeps it still parses.
pub const SPLIT: &str = "// specsmith:split";

/// Formats text made of pieces separated by [`SPLIT`] lines: each piece is a valid file on its
/// own, so the pieces are parsed and printed in parallel and joined in order. The cut points
/// come from the templates, not from the number of threads, so the output does not depend on
/// the machine.
pub fn format_pieces(text: &str, file: &str, spec: &str) -> Result<String, Error> {
    use rayon::prelude::*;
    let pieces: Vec<&str> = text.split(SPLIT).collect();
    let formatted: Result<Vec<String>, Error> = pieces
        .par_iter()
        .map(|piece| format_rust(piece, file, spec))
        .collect();
    Ok(formatted?.concat())
}

/// A template error with its cause chain (minijinja puts the template name and line there).
fn describe(e: &minijinja::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message.push_str(&format!(": {s}"));
        source = s.source();
    }
    message
}

/// A Rust string literal for any text (Rust's own escaping, so `"`, `\`, control characters and
/// non-ASCII all come out valid).
fn rust_str(value: String) -> String {
    format!("{value:?}")
}

/// A Rust char literal for a one-character text.
fn rust_char(value: String) -> String {
    let c = value.chars().next().unwrap_or(' ');
    format!("{c:?}")
}

/// Doc text as `#[doc]` strings: one per line, with the space `///` would put after the slashes.
fn doc_lines(value: String) -> Vec<String> {
    value
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!(" {l}")
            }
        })
        .collect()
}
