//! The `specsmith` binary: parse arguments, run, turn the outcome into an exit code.

use std::process::ExitCode;

mod allocator;

fn main() -> ExitCode {
    let code = specsmith::run();
    ExitCode::from(code as u8)
}
