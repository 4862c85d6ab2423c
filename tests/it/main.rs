//! specsmith's integration tests, one binary (faster to link than one per file).
//! Each module tests one command from the outside, through the library API or the binary.

/// The binary's allocator: its memory settings are in force from the start.
#[cfg(target_os = "linux")] // the settings are set only there (see src/allocator.rs)
mod allocator;
/// Problems and baselines: findings grouped by root cause, CI failing only on new problems.
mod baseline;
/// The public corpus: load, lint, compile schemas, generate and compile; a sample in CI.
mod corpus;
/// `validate --coverage`: operations, statuses and properties the traffic exercised, every format.
mod coverage;
/// `specsmith generate`: snapshots, the committed crate in step, overrides, corpus crates compile.
mod generate;
/// Hostile captures: odd names, secrets, control characters, floods; every format.
mod hostile;
/// `specsmith lint`: the specs lint clean, bad input gets a located message and exit 2.
mod lint;
/// Multi-file specs: relative `$ref`s in every position, findings located in their own file.
mod multifile;
/// OpenAPI 3.1: loading into the shared model, lint, validation in the 2020-12 dialect.
mod openapi31;
/// `specsmith patch`: drift into a format-preserving diff, round trip, never a typo.
mod patch;
/// Recording: generated clients record their own traffic; it validates clean, credentials masked.
mod record;
/// Requests: parameters in every style, bodies, credentials, `--server`, located and secret-free.
mod requests;
/// Routing: multi-segment and empty path values, hints and route shapes for unmatched exchanges.
mod routes;
/// Parameter styles: what a client sends for every parameter of the specs reads back the same.
mod style;
/// `specsmith validate`: drift located in captures, report formats, secrets, bad input, exit codes.
mod validate;
/// Generated clients against the parameter model: what a client sends reads back as sent.
mod wire;

/// Says, in the test output whatever libtest captures, that a part needing `../shared` did not
/// run: `eprintln!` would be swallowed for a passing test, so this writes to the stderr handle
/// itself, which capture does not reach.
pub fn skipped(what: &str) {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: {what}; only the in-repository fixtures ran ***\n"
    );
}

/// Runs the binary from the project folder with `--format json`; returns the exit code and the
/// parsed report (a report that is not JSON fails the test, showing both streams).
pub fn specsmith_json(args: &[&str]) -> (i32, serde_json::Value) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args(args)
        .args(["--format", "json"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("specsmith runs");
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().expect("exit code"), report)
}

/// Every Rust file a generated crate in `dir` holds (`src/*.rs` and each module's
/// `src/<module>/types.rs`), concatenated: for asserting what was generated wherever the
/// layout puts it.
pub fn generated_code(dir: &std::path::Path) -> String {
    fn read(folder: &std::path::Path, code: &mut String) {
        let mut entries: Vec<_> = std::fs::read_dir(folder)
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                read(&path, code);
            } else if path.extension().is_some_and(|x| x == "rs") {
                code.push_str(&std::fs::read_to_string(&path).expect("readable"));
            }
        }
    }
    let mut code = String::new();
    read(&dir.join("src"), &mut code);
    code
}
