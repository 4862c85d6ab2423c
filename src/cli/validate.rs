//! `specsmith validate`: drift reports on recorded traffic (see the validator issue).

use std::path::PathBuf;

use clap::Args;

use super::Outcome;

/// Arguments of `specsmith validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Spec to match against (repeatable). Default: every spec in spec/.
    #[arg(long = "spec", value_name = "FILE")]
    pub specs: Vec<PathBuf>,
    /// Capture files or folders.
    pub captures: Vec<PathBuf>,
}

/// Runs the validator.
pub fn run(_args: ValidateArgs) -> Outcome {
    eprintln!("error: `validate` is not built yet");
    Outcome::Failure
}
