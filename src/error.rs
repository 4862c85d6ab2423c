//! Why a run could not proceed: the crate's one error type, turned into exit status 2 in one
//! place ([`crate::cli::main`]).
//!
//! Findings are never errors: they are diagnostics, and decide exit 0 or 1. An [`Error`] is what
//! stops the run itself: a flag that makes no sense, a file that cannot be read or written.
//! Each variant names the path it is about and keeps the underlying error as its `source`, so
//! the message reads "cannot read baseline b.json" and the cause follows it.

use std::io;
use std::path::PathBuf;

/// What stopped a run (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Flags that contradict each other or name nothing.
    #[error("{0}")]
    Usage(String),
    /// The `spec/` folder could not be listed.
    #[error("cannot list specs in {dir} (pass --spec FILE)")]
    ListSpecs {
        /// The folder.
        dir: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The `spec/` folder holds no spec.
    #[error("no specs (*.yaml, *.yml, *.json) in {dir} (pass --spec FILE)")]
    NoSpecs {
        /// The folder.
        dir: PathBuf,
    },
    /// A file specsmith must read could not be read.
    #[error("cannot read {what} {path}")]
    Read {
        /// What the file is (`baseline`).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A file specsmith must write could not be written.
    #[error("cannot write {what} {path}")]
    Write {
        /// What the file is (`baseline`).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A baseline file that is not one this specsmith reads.
    #[error("baseline {path} is not a specsmith baseline: {reason}")]
    Baseline {
        /// The file.
        path: PathBuf,
        /// What is wrong, with its line and column when it does not parse.
        reason: String,
    },
    /// The report could not be written (a closed pipe is not reported).
    #[error("cannot write the report")]
    Report(#[source] io::Error),
    /// The validator could not run (a capture path, `--operation`, `--server`).
    #[error(transparent)]
    Validate(#[from] crate::validate::RunError),
    /// The generator could not run.
    #[error(transparent)]
    Generate(#[from] crate::codegen::Error),
}

impl Error {
    /// Whether the error is only that the reader went away (`specsmith … | head`): the run
    /// still exits 2, but says nothing.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Report(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }

    /// `error: …` with each cause on a `caused by:` line of its own, as people read it.
    pub fn render(&self) -> String {
        let mut text = format!("error: {self}");
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(&format!("\n  caused by: {cause}"));
            source = cause.source();
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_path_and_its_cause() {
        let e = Error::Read {
            what: "baseline",
            path: PathBuf::from("ci/baseline.json"),
            source: io::Error::new(io::ErrorKind::NotFound, "No such file or directory"),
        };
        assert_eq!(
            e.render(),
            "error: cannot read baseline ci/baseline.json\n  caused by: No such file or directory"
        );
        assert!(!e.is_broken_pipe());
        assert!(Error::Report(io::ErrorKind::BrokenPipe.into()).is_broken_pipe());
    }
}
