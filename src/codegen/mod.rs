//! `specsmith generate`: specs → codegen model → minijinja templates → formatted Rust.
//!
//! `model` decides *what* to emit (types, operations, all names final, through `naming`);
//! the templates in `templates/` decide *how it reads*; `render` runs them and formats the
//! result; [`check`] compares a fresh rendering with what is on disk. Output is byte-for-byte
//! deterministic: document order and sorted maps only, no timestamps.

use std::path::{Path, PathBuf};

use minijinja::value::{Serde, Value};
use minijinja::Environment;
use rayon::prelude::*;
use serde::Serialize;

use crate::diagnostic::Diagnostic;
use crate::spec::Spec;

pub mod check;
pub(crate) mod model;
pub(crate) mod naming;
pub(crate) mod render;

/// The codegen model of one spec, for the bench that times that stage alone.
pub use model::build;

/// Why generation failed (as opposed to warnings, which are diagnostics).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A template failed to load or render.
    #[error("template error: {0}")]
    Template(String),
    /// The rendered code does not parse: a generator or template bug.
    #[error("generated code for {file} (from {spec}) does not parse, which is a bug in the generator or its templates: {message}")]
    InvalidCode {
        /// The file being generated.
        file: String,
        /// The spec it came from.
        spec: String,
        /// What syn reported.
        message: String,
    },
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Module names a spec's title must not give: the crate's own files, and the crates and roots
/// that generated code names by path (`pub mod std;` would make `std::` ambiguous in the crate
/// root, and `pub use std::{types, Client}` would not compile). Every dependency of
/// `templates/Cargo.toml.jinja` is here.
const MODULE_RESERVED: &[&str] = &[
    "runtime",
    "lib",
    "main",
    "std",
    "core",
    "alloc",
    "serde",
    "serde_json",
    "serde_path_to_error",
    "reqwest",
    "bytes",
    "percent_encoding",
    "httpdate",
    "tokio",
    "futures_core",
    "futures_util",
];

/// One generated file, by path relative to the crate folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// `Cargo.toml`, `src/lib.rs`, `src/kommo.rs`, ...
    pub path: PathBuf,
    /// Its contents.
    pub contents: String,
}

/// One spec's module as two files: `src/<name>.rs` (the client) and `src/<name>/types.rs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleCode {
    /// The client and its operations.
    pub client: String,
    /// The schemas' types and the operations' parameter structs and status enums.
    pub types: String,
}

/// What a generation produced.
#[derive(Debug, Clone, Default)]
pub struct Output {
    /// Files in a stable order.
    pub files: Vec<GeneratedFile>,
    /// Warnings about spec features the generator could not express.
    pub diagnostics: Vec<Diagnostic>,
}

/// A spec to generate, with the path the generated header names.
pub struct Input<'a> {
    /// The loaded spec.
    pub spec: &'a Spec,
    /// How the header names it (`spec/kommo.yaml`).
    pub source: String,
    /// The module name the user chose (`--name`); `None` derives it from `info.title`.
    pub name: Option<String>,
}

impl Input<'_> {
    /// The module name before collisions are resolved: the chosen name, else the API's name
    /// in its title (`full` keeps the subtitle too, to tell apart specs of one API).
    fn wanted_module(&self, full: bool) -> String {
        let stem = self.spec.stem();
        match &self.name {
            Some(name) => {
                naming::api_module_name(&[naming::package_name(name).replace('-', "_")], &stem)
            }
            None => naming::api_module_name(&naming::title_words(&self.spec.title, full), &stem),
        }
    }

    /// The Cargo package name of a crate generated for this spec alone: the chosen name, else
    /// the API's name in its title (`kommo`), else the file stem.
    pub fn package(&self) -> String {
        match &self.name {
            Some(name) => naming::package_name(name),
            None => naming::package_name(&self.wanted_module(false)),
        }
    }
}

/// One module name per input, unique in the crate: from `--name` or the title (see
/// [`naming::title_words`]); inputs whose short names collide use their full titles
/// (`Kommo API v4 - Account` and `Kommo API v4 - Leads` give `kommo_account` and
/// `kommo_leads`), and whatever still collides is numbered.
fn module_names(inputs: &[Input<'_>]) -> Vec<String> {
    let short: Vec<String> = inputs.iter().map(|i| i.wanted_module(false)).collect();
    let mut scope = naming::Scope::with_reserved(MODULE_RESERVED);
    inputs
        .iter()
        .zip(&short)
        .map(|(input, name)| {
            let shared = short.iter().filter(|other| *other == name).count() > 1;
            let wanted = if shared {
                input.wanted_module(true)
            } else {
                name.clone()
            };
            scope.claim(&wanted)
        })
        .collect()
}

/// The generator: one template environment, reused for every spec of a run.
pub struct Generator {
    env: Environment<'static>,
}

#[derive(Serialize)]
struct CrateContext<'a> {
    source: String,
    package: &'a str,
    standalone: bool,
    modules: Vec<ModuleRef<'a>>,
}

#[derive(Serialize)]
struct ModuleRef<'a> {
    name: &'a str,
    title: &'a str,
    version: &'a str,
}

impl Generator {
    /// Loads the embedded templates, overridden by name from `templates` if given.
    pub fn new(templates: Option<&Path>) -> Result<Self, Error> {
        Ok(Generator {
            env: render::environment(templates)?,
        })
    }

    /// The Rust module for one spec, formatted (the client file and its `types` file), and
    /// the warnings it raised.
    pub fn module(
        &self,
        input: &Input<'_>,
        name: &str,
    ) -> Result<(ModuleCode, Vec<Diagnostic>), Error> {
        let (module, warnings) = model::build(input.spec, name, &input.source);
        let context = minijinja::context! {
            module => Value::from(Serde(&module)),
            source => &input.source,
            split => render::SPLIT,
        };
        let render_file = |template: &str, file: String| -> Result<String, Error> {
            let text = render::render(&self.env, template, context.clone())?;
            render::format_pieces(&text, &file, &input.source)
        };
        let code = ModuleCode {
            client: render_file("module.rs.jinja", format!("src/{name}.rs"))?,
            types: render_file("types.rs.jinja", format!("src/{name}/types.rs"))?,
        };
        Ok((code, warnings))
    }

    /// The files of a crate holding one module per input: `Cargo.toml`, `src/lib.rs`,
    /// `src/runtime.rs`, and `src/<name>.rs` with `src/<name>/types.rs` per module. A `standalone` crate is its own workspace and
    /// re-exports its one client at the root.
    pub fn crate_files(
        &self,
        inputs: &[Input<'_>],
        package: &str,
        standalone: bool,
    ) -> Result<Output, Error> {
        let names = module_names(inputs);
        let modules: Vec<Result<(ModuleCode, Vec<Diagnostic>), Error>> = inputs
            .par_iter()
            .zip(names.par_iter())
            .map(|(input, name)| self.module(input, name))
            .collect();
        let source = if inputs.len() == 1 {
            inputs[0].source.clone()
        } else {
            let list: Vec<&str> = inputs.iter().map(|i| i.source.as_str()).collect();
            list.join("`, `")
        };
        let context = CrateContext {
            source: source.clone(),
            package,
            standalone,
            modules: inputs
                .iter()
                .zip(&names)
                .map(|(i, name)| ModuleRef {
                    name,
                    title: &i.spec.title,
                    version: &i.spec.version,
                })
                .collect(),
        };
        let context = Value::from(Serde(&context));
        let mut out = Output::default();
        out.files.push(GeneratedFile {
            path: PathBuf::from("Cargo.toml"),
            contents: render::render(&self.env, "Cargo.toml.jinja", context.clone())?,
        });
        let lib = render::render(&self.env, "lib.rs.jinja", context.clone())?;
        out.files.push(GeneratedFile {
            path: PathBuf::from("src/lib.rs"),
            contents: render::format_rust(&lib, "src/lib.rs", &source)?,
        });
        let runtime = render::render(&self.env, "runtime.rs.jinja", context)?;
        out.files.push(GeneratedFile {
            path: PathBuf::from("src/runtime.rs"),
            contents: render::format_rust(&runtime, "src/runtime.rs", &source)?,
        });
        for (result, name) in modules.into_iter().zip(&names) {
            let (code, warnings) = result?;
            out.files.push(GeneratedFile {
                path: PathBuf::from(format!("src/{name}.rs")),
                contents: code.client,
            });
            out.files.push(GeneratedFile {
                path: PathBuf::from(format!("src/{name}/types.rs")),
                contents: code.types,
            });
            out.diagnostics.extend(warnings);
        }
        Ok(out)
    }
}

/// Writes `files` under `dir`, creating folders; files already identical are left untouched so
/// their modification times do not trigger rebuilds. Rust files in `dir/src/` that no spec
/// produces any more are removed, so a deleted spec does not leave a module behind.
pub fn write_files(dir: &Path, files: &[GeneratedFile]) -> Result<(), Error> {
    for extra in check::extra_files(dir, files) {
        let path = dir.join(extra);
        std::fs::remove_file(&path).map_err(|source| Error::Io { path, source })?;
    }
    for file in files {
        let path = dir.join(&file.path);
        if std::fs::read_to_string(&path).is_ok_and(|old| old == file.contents) {
            continue;
        }
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| Error::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&path, &file.contents).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::MODULE_RESERVED;

    /// A module named like a dependency makes `pub use <dep>::{types, Client}` ambiguous at the
    /// crate root, so a dependency added to the generated crate must be reserved too.
    #[test]
    fn every_dependency_of_a_generated_crate_is_a_reserved_module_name() {
        let manifest = include_str!("../../templates/Cargo.toml.jinja");
        let dependencies = manifest
            .split("[dependencies]")
            .nth(1)
            .and_then(|rest| rest.split("\n[").next())
            .expect("a [dependencies] table");
        let mut seen = 0;
        for line in dependencies.lines() {
            let Some((name, _)) = line.split_once('=') else {
                continue;
            };
            let name = name.trim().replace('-', "_");
            assert!(MODULE_RESERVED.contains(&name.as_str()), "{name}");
            seen += 1;
        }
        assert!(seen >= 8, "the dependencies were read ({seen})");
    }
}
