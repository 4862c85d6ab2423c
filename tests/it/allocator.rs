//! The binary's allocator settings (`src/allocator.rs`): the defaults it gives mimalloc are the
//! ones mimalloc starts with, so they are in force before the first allocation, and an
//! environment variable still overrides them. mimalloc prints its options by name at start-up
//! when `MIMALLOC_VERBOSE` is set, which also checks the option ids the binary hard-codes;
//! `validate` prints them again once its specs are loaded, when it lengthens the purge delay.

use std::process::Command;

/// mimalloc's option table as printed at start-up by `specsmith --version`, with `env` set.
fn startup_options(env: &[(&str, &str)]) -> String {
    verbose_stderr(&["--version"], env)
}

/// What the binary, run with `args` from the project folder, prints on stderr with mimalloc
/// verbose and `env` set.
fn verbose_stderr(args: &[&str], env: &[(&str, &str)]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("MIMALLOC_VERBOSE", "1")
        .envs(env.iter().copied())
        .output()
        .expect("specsmith runs");
    assert!(output.status.code().is_some_and(|c| c < 2), "{output:?}");
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

/// A small validate run: the bundled Kommo spec and capture samples.
const VALIDATE: &[&str] = &[
    "validate",
    "--spec",
    "spec/kommo.yaml",
    "--format",
    "json",
    "captures",
];

#[test]
fn checks_run_with_a_purge_delay_once_the_specs_are_loaded() {
    let log = verbose_stderr(VALIDATE, &[]);
    let at_start = log.find("option 'purge_delay': 0 ");
    let checking = log.find("option 'purge_delay': 100 ");
    assert!(
        at_start.is_some() && checking.is_some() && at_start < checking,
        "no delay while loading, then 100 ms:\n{log}"
    );
}

#[test]
fn a_purge_delay_variable_holds_for_the_whole_run() {
    let log = verbose_stderr(VALIDATE, &[("MIMALLOC_PURGE_DELAY", "250")]);
    assert!(log.contains("option 'purge_delay': 250"), "{log}");
    assert!(
        !log.contains("option 'purge_delay': 100"),
        "overridden:\n{log}"
    );
}
