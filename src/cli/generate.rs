//! `specsmith generate`: Rust client code from specs (see the generator issue).

use std::path::PathBuf;

use clap::Args;

use super::Outcome;

/// Arguments of `specsmith generate`.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Spec to generate from (repeatable). Default: every spec in spec/.
    #[arg(long = "spec", value_name = "FILE")]
    pub specs: Vec<PathBuf>,
}

/// Runs the generator.
pub fn run(_args: GenerateArgs) -> Outcome {
    eprintln!("error: `generate` is not built yet");
    Outcome::Failure
}
