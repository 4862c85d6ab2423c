//! The binary's allocator settings (`src/allocator.rs`): the defaults it gives mimalloc are the
//! ones mimalloc starts with, so they are in force before the first allocation, and an
//! environment variable still overrides them. mimalloc prints its options by name at start-up
//! when `MIMALLOC_VERBOSE` is set, which also checks the option ids the binary hard-codes.

use std::process::Command;

/// mimalloc's option table as printed at start-up by `specsmith --version`, with `env` set.
fn startup_options(env: &[(&str, &str)]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .arg("--version")
        .env("MIMALLOC_VERBOSE", "1")
        .envs(env.iter().copied())
        .output()
        .expect("specsmith runs");
    assert!(output.status.success(), "{output:?}");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn memory_is_committed_lazily_and_returned_at_once_from_the_start() {
    let options = startup_options(&[]);
    for line in ["option 'arena_eager_commit': 0", "option 'purge_delay': 0"] {
        assert!(options.contains(line), "{line:?} missing from:\n{options}");
    }
}

#[test]
fn a_mimalloc_variable_still_overrides_the_binarys_defaults() {
    let options = startup_options(&[("MIMALLOC_PURGE_DELAY", "250")]);
    assert!(
        options.contains("option 'purge_delay': 250"),
        "the variable was ignored:\n{options}"
    );
    assert!(
        options.contains("option 'arena_eager_commit': 0"),
        "{options}"
    );
}
