//! The `specsmith` binary: parse arguments, run, turn the outcome into an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let code = specsmith::cli::main();
    ExitCode::from(code as u8)
}
