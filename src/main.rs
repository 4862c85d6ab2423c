//! The `specsmith` binary: parse arguments, run, turn the outcome into an exit code.

use std::process::ExitCode;

/// specsmith allocates many small values (JSON trees, syntax trees, strings); mimalloc cuts the
/// time glibc's allocator takes on them by about a third on large specs and captures.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let code = specsmith::run();
    ExitCode::from(code as u8)
}
