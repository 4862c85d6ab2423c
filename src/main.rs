//! The `specsmith` binary: parse arguments, run, turn the outcome into an exit code.

use std::process::ExitCode;

mod allocator;

fn main() -> ExitCode {
    let code = specsmith::run_with(specsmith::Hooks {
        specs_loaded: allocator::specs_loaded,
        huge_entry: allocator::huge_entry,
        exits_after_run: true,
    });
    ExitCode::from(code as u8)
}
