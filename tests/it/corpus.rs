//! The public corpus (`../shared/corpus/`): every spec loads, lints, has its response schemas
//! compiled the way the validator compiles them, generates a standalone crate, and the crates
//! compile clippy-clean in one shared target directory.
//!
//! `sample_generates_and_compiles` runs in CI. The fixtures that live in the repository (the
//! failure classes and `hostile.yaml`) always run, with their clippy check and their decode
//! programs (`<class>.decode.rs`, built as a binary of the class's crate and run); a fixed sample
//! of the external corpus joins them when `../shared/corpus` is present, and the test says
//! loudly when it is not. The full run is ignored by default (it compiles 144 crates); run it
//! with
//!
//! ```sh
//! cargo test --release --test it corpus_full -- --ignored --nocapture
//! ```
//!
//! `corpus_openapi31` runs the OpenAPI 3.1 specs alone the same way.
//!
//! It writes `target/corpus/report.md`: spec, operations, lint findings, schemas compiled,
//! generate ok, check ok, clippy warnings, time, reason.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use specsmith::spec;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `../shared/corpus` beside the checkout, or wherever `SPECSMITH_CORPUS` says (a worktree
/// elsewhere can point at the same corpus).
fn corpus_dir() -> PathBuf {
    std::env::var_os("SPECSMITH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/corpus"))
}

/// Every spec listed in the corpus' `INDEX.tsv` files, sorted.
fn corpus_specs() -> Vec<PathBuf> {
    let mut specs = Vec::new();
    for folder in ["official", "openapi-directory", "openapi31"] {
        let dir = corpus_dir().join(folder);
        let Ok(index) = std::fs::read_to_string(dir.join("INDEX.tsv")) else {
            continue;
        };
        for line in index.lines().skip(1) {
            if let Some(path) = line.split('\t').next().filter(|p| !p.is_empty()) {
                specs.push(dir.join(path));
            }
        }
    }
    specs.sort();
    specs
}

/// A Cargo package name for a corpus spec: `openapi-directory/ably.io/1.1.0/openapi.yaml` →
/// `corpus-ably-io-1-1-0`.
fn crate_name(spec: &Path) -> String {
    let Ok(rel) = spec.strip_prefix(corpus_dir()) else {
        let stem = spec.file_stem().map(|s| s.to_string_lossy().into_owned());
        return format!("fixture-{}", stem.unwrap_or_default().replace('_', "-"));
    };
    let rel = rel.to_string_lossy();
    let rel = rel
        .trim_start_matches("openapi-directory/")
        .trim_start_matches("official/")
        .trim_start_matches("openapi31/");
    let stem = rel
        .trim_end_matches("/openapi.yaml")
        .trim_end_matches(".yaml")
        .trim_end_matches(".json");
    let mut name = String::from("corpus-");
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    name.trim_end_matches('-').to_string()
}

/// One spec's results.
#[derive(Debug, Default, Clone)]
struct Row {
    spec: String,
    package: String,
    operations: usize,
    lint_findings: usize,
    schemas: usize,
    schema_failures: usize,
    generated: bool,
    warnings: usize,
    generate_ms: u128,
    checked: Option<bool>,
    clippy_warnings: usize,
    /// Whether a decode program was installed, and then whether it passed.
    decode: Option<bool>,
    reason: String,
}

/// Loads, lints and compiles every response schema of `path`; then generates its crate into
/// `crates/<package>`.
fn prepare(path: &Path, crates: &Path) -> Row {
    let mut row = Row {
        spec: path
            .strip_prefix(corpus_dir())
            .or_else(|_| path.strip_prefix(root()))
            .unwrap_or(path)
            .display()
            .to_string(),
        package: crate_name(path),
        ..Row::default()
    };
    match spec::load(path) {
        Err(d) => {
            row.reason = format!("load: {}", d.message);
            return row;
        }
        Ok(s) => {
            row.operations = s.operations.len();
            row.lint_findings = spec::lint(&s).len();
            for op in &s.operations {
                for media in op.responses.iter().flat_map(|r| &r.content) {
                    let Some(schema) = &media.schema else {
                        continue;
                    };
                    row.schemas += 1;
                    let converted = spec::to_json_schema(
                        &s.document,
                        &schema.pointer,
                        spec::ConvertOptions::default(),
                    );
                    if converted
                        .map(|c| spec::compile(&c).is_err())
                        .unwrap_or(true)
                    {
                        row.schema_failures += 1;
                    }
                }
            }
        }
    }
    let out = crates.join(&row.package);
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args(["generate", "--format", "json", "--spec"])
        .arg(path)
        .arg("--out")
        .arg(&out)
        // Titles repeat across the corpus (and a workspace cannot hold two packages of one
        // name), so each crate is named after its spec's path.
        .args(["--name", &row.package])
        .output()
        .expect("specsmith runs");
    row.generate_ms = started.elapsed().as_millis();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    row.warnings = report["findings"].as_array().map_or(0, Vec::len);
    row.generated = output.status.code() == Some(0) && out.join("src/lib.rs").is_file();
    let program = path.with_extension("decode.rs");
    if row.generated && program.is_file() {
        std::fs::create_dir_all(out.join("src/bin")).expect("bin dir");
        std::fs::copy(&program, out.join("src/bin/decode.rs")).expect("copy decode program");
        row.decode = Some(false);
    }
    if !row.generated {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let first = report["findings"]
            .as_array()
            .and_then(|f| f.iter().find(|d| d["severity"] == "error"))
            .and_then(|d| d["message"].as_str())
            .map(str::to_string)
            .unwrap_or_else(|| stderr.lines().next().unwrap_or("").to_string());
        row.reason = format!("generate (exit {:?}): {first}", output.status.code());
    }
    row
}

/// Compiles every generated crate in one workspace with a shared target directory, then records
/// per crate whether it compiled and how many clippy warnings it has.
fn check_all(work: &Path, rows: &mut [Row]) {
    let members: Vec<String> = rows
        .iter()
        .filter(|r| r.generated)
        .map(|r| format!("  \"crates/{}\",\n", r.package))
        .collect();
    if members.is_empty() {
        return;
    }
    let manifest = format!(
        "[workspace]\nresolver = \"2\"\nmembers = [\n{}]\n",
        members.concat()
    );
    std::fs::write(work.join("Cargo.toml"), manifest).expect("write workspace");
    // Standalone crates declare a workspace of their own; as members of this one they must not.
    for row in rows.iter().filter(|r| r.generated) {
        let path = work.join("crates").join(&row.package).join("Cargo.toml");
        let text = std::fs::read_to_string(&path).expect("generated Cargo.toml");
        let member: String = text
            .lines()
            .filter(|l| l.trim() != "[workspace]")
            .map(|l| format!("{l}\n"))
            .collect();
        std::fs::write(&path, member).expect("rewrite Cargo.toml");
    }
    // The repository's lock file pins the same dependency versions the bundled client uses, so
    // nothing new is resolved and the build runs offline.
    std::fs::copy(root().join("Cargo.lock"), work.join("Cargo.lock")).expect("copy Cargo.lock");
    let target = check_target();
    let output = Command::new(env!("CARGO"))
        .args([
            "clippy",
            "--workspace",
            "--keep-going",
            "--offline",
            "--quiet",
            "--message-format",
            "json",
        ])
        .current_dir(work)
        .env("CARGO_TARGET_DIR", &target)
        // Incremental caches of generated crates are never reused and took 3.6 GB for the
        // openapi31 run alone.
        .env("CARGO_INCREMENTAL", "0")
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for row in rows.iter_mut().filter(|r| r.generated) {
        row.checked = Some(true);
    }
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" {
            continue;
        }
        let package_id = message["package_id"].as_str().unwrap_or("");
        let Some(row) = rows
            .iter_mut()
            .find(|r| r.generated && package_id.contains(&format!("/crates/{}#", r.package)))
        else {
            continue;
        };
        match message["message"]["level"].as_str() {
            Some("error") => {
                if row.checked == Some(true) {
                    let text = message["message"]["rendered"].as_str().unwrap_or("");
                    row.reason = format!(
                        "cargo check: {}",
                        text.lines().take(2).collect::<Vec<_>>().join(" ")
                    );
                }
                row.checked = Some(false);
            }
            Some("warning") => row.clippy_warnings += 1,
            _ => {}
        }
    }
    if !output.status.success() && rows.iter().all(|r| r.checked != Some(false)) {
        // Cargo failed before compiling anything of ours (resolution, a dependency): say so.
        let stderr = String::from_utf8_lossy(&output.stderr);
        for row in rows.iter_mut().filter(|r| r.generated) {
            row.checked = Some(false);
            row.reason = format!("cargo: {}", stderr.lines().last().unwrap_or(""));
        }
    }
}

/// Builds and runs each installed decode program; a panic in one fails its row.
fn run_decoders(work: &Path, rows: &mut [Row]) {
    for row in rows.iter_mut() {
        if row.decode.is_none() || row.checked != Some(true) {
            continue;
        }
        let output = Command::new(env!("CARGO"))
            .args(["run", "--offline", "--quiet", "--bin", "decode", "-p"])
            .arg(&row.package)
            .current_dir(work)
            .env("CARGO_TARGET_DIR", check_target())
            .env("CARGO_INCREMENTAL", "0")
            .output()
            .expect("cargo runs");
        row.decode = Some(output.status.success());
        if !output.status.success() {
            row.reason = format!("decode: {}", String::from_utf8_lossy(&output.stderr));
        }
    }
}

/// The one target directory every generated crate is compiled in.
fn check_target() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("corpus-check")
}

fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| spec | operations | lint findings | schemas compiled | generate | warnings | check | clippy warnings | generate ms | reason |\n| --- | ---: | ---: | ---: | --- | ---: | --- | ---: | ---: | --- |\n",
    );
    for r in rows {
        let check = match r.checked {
            Some(true) => "ok",
            Some(false) => "FAIL",
            None => "-",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {}/{} | {} | {} | {} | {} | {} | {} |",
            r.spec,
            r.operations,
            r.lint_findings,
            r.schemas - r.schema_failures,
            r.schemas,
            if r.generated { "ok" } else { "FAIL" },
            r.warnings,
            check,
            r.clippy_warnings,
            r.generate_ms,
            r.reason.replace('|', "\\|")
        );
    }
    let generated = rows.iter().filter(|r| r.generated).count();
    let checked = rows.iter().filter(|r| r.checked == Some(true)).count();
    let clean = rows
        .iter()
        .filter(|r| r.checked == Some(true) && r.clippy_warnings == 0)
        .count();
    let _ = writeln!(
        out,
        "\n{} specs: {generated} generated ({:.1} %), {checked} compiled ({:.1} % of generated), {clean} clippy-clean",
        rows.len(),
        100.0 * generated as f64 / rows.len().max(1) as f64,
        100.0 * checked as f64 / generated.max(1) as f64,
    );
    out
}

fn run(specs: &[PathBuf], name: &str) -> Vec<Row> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let work = target.join(name);
    let crates = work.join("crates");
    let _ = std::fs::remove_dir_all(&crates);
    std::fs::create_dir_all(&crates).expect("work dir");
    let mut rows: Vec<Row> = specs.iter().map(|s| prepare(s, &crates)).collect();
    check_all(&work, &mut rows);
    run_decoders(&work, &mut rows);
    let report = table(&rows);
    std::fs::write(work.join("report.md"), &report).expect("write report");
    println!("{report}");
    rows
}

/// Specs of different shapes: oneOf with and without discriminator, allOf, anyOf, enums with odd
/// values, no operationIds, several media types, form bodies; plus the hostile fixture
/// (keywords, collisions, recursion), which lives in the repository.
const SAMPLE: &[&str] = &[
    "openapi-directory/ably.io/1.1.0/openapi.yaml",
    "openapi-directory/bbci.co.uk/1.0/openapi.yaml",
    "openapi-directory/configcat.com/v1/openapi.yaml",
    "openapi-directory/cpy.re/peertube/1.3.1/openapi.yaml",
    "openapi-directory/shutterstock.com/1.0.16/openapi.yaml",
    "openapi-directory/twitter.com/labs/1.12/openapi.yaml",
    "openapi-directory/whatsapp.local/1.0/openapi.yaml",
    // OpenAPI 3.1: a construct catalogue and a framework's (Fuego's) published spec.
    "openapi31/readmeio__oas-examples/3.1/json/schema-types.json",
    "openapi31/go-fuego__fuego/examples/petstore/lib/testdata/doc/openapi.golden.json",
];
const SAMPLE_FIXTURES: &[&str] = &[
    "tests/fixtures/codegen/hostile.yaml",
    "tests/fixtures/paging/paging.yaml",
    "tests/fixtures/multifile/api.yaml",
    "tests/fixtures/multifile/redocly-starter/openapi.yaml",
];

/// The failure-class fixtures (one minimal spec per class, `tests/fixtures/codegen/classes/`),
/// compiled in the same clippy run as the sample.
fn class_fixtures() -> Vec<PathBuf> {
    let dir = root().join("tests/fixtures/codegen/classes");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("class fixtures present")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    specs.sort();
    specs
}

/// The fixtures that live in the repository: the hostile spec and every failure class.
fn repo_fixtures() -> Vec<PathBuf> {
    SAMPLE_FIXTURES
        .iter()
        .map(|s| root().join(s))
        .chain(class_fixtures())
        .collect()
}

/// The bundled specs after `specsmith patch --apply` on the bundled captures: the last step of
/// patch's round trip (patch, lint, validate, generate, compile) is this crate compiling
/// clippy-clean beside the fixtures.
fn patched_bundled_specs(dir: &Path) -> Vec<PathBuf> {
    let specs: Vec<PathBuf> = ["espocrm", "kommo", "v4marketing"]
        .iter()
        .map(|name| {
            let copy = dir.join(format!("patched_{name}.yaml"));
            std::fs::copy(root().join(format!("spec/{name}.yaml")), &copy).expect("spec copied");
            copy
        })
        .collect();
    let mut patch = std::process::Command::new(env!("CARGO_BIN_EXE_specsmith"));
    patch.args(["patch", "--apply"]);
    for spec in &specs {
        patch.arg("--spec").arg(spec);
    }
    let out = patch
        .arg(root().join("captures"))
        .current_dir(dir)
        .output()
        .expect("patch runs");
    assert_eq!(out.status.code(), Some(1), "a patch was applied: {out:?}");
    let patched = std::fs::read_to_string(&specs[1]).expect("patched kommo");
    assert!(patched.contains("mobile_feature_version"), "{patched}");
    specs
}

#[test]
fn sample_generates_and_compiles() {
    let mut specs = repo_fixtures();
    assert!(specs.len() >= 18, "class fixtures found");
    let patched = tempfile::tempdir().expect("temp dir");
    specs.extend(patched_bundled_specs(patched.path()));
    if corpus_dir().is_dir() {
        specs.extend(SAMPLE.iter().map(|s| corpus_dir().join(s)));
    } else {
        crate::skipped(&format!(
            "the corpus sample: {} is not present",
            corpus_dir().display()
        ));
    }
    let rows = run(&specs, "corpus-sample");
    for r in &rows {
        assert!(r.generated, "{}: {}", r.spec, r.reason);
        assert_eq!(r.checked, Some(true), "{}: {}", r.spec, r.reason);
        assert_eq!(r.clippy_warnings, 0, "{} is not clippy-clean", r.spec);
        assert_eq!(
            r.schema_failures, 0,
            "{}: schemas that do not compile",
            r.spec
        );
        assert_ne!(r.decode, Some(false), "{}: {}", r.spec, r.reason);
    }
    assert!(
        rows.iter().any(|r| r.decode == Some(true)),
        "decode programs ran"
    );
}

#[test]
#[ignore = "compiles 144 crates; run by hand, see the module docs"]
fn corpus_full() {
    let specs = corpus_specs();
    assert!(specs.len() >= 140, "corpus has {} specs", specs.len());
    let rows = run(&specs, "corpus");
    let generated = rows.iter().filter(|r| r.generated).count();
    let checked = rows.iter().filter(|r| r.checked == Some(true)).count();
    assert!(
        generated * 100 >= rows.len() * 97,
        "{generated}/{} generate",
        rows.len()
    );
    assert!(
        checked * 100 >= generated * 90,
        "{checked}/{generated} compile"
    );
}

/// The OpenAPI 3.1 specs alone (`../shared/corpus/openapi31/`, 27 specs, OpenAI's among
/// them): every one loads, generates and compiles clippy-clean (swagger-parser's deliberately
/// broken inputs too: their dangling schema `$ref`s are located errors and `serde_json::Value`).
#[test]
#[ignore = "compiles 27 crates, OpenAI's large; run by hand, see the module docs"]
fn corpus_openapi31() {
    let specs: Vec<PathBuf> = corpus_specs()
        .into_iter()
        .filter(|s| s.starts_with(corpus_dir().join("openapi31")))
        .collect();
    assert!(specs.len() >= 27, "openapi31 has {} specs", specs.len());
    let rows = run(&specs, "corpus-openapi31");
    for r in &rows {
        assert!(r.generated, "{}: {}", r.spec, r.reason);
        assert_eq!(r.checked, Some(true), "{}: {}", r.spec, r.reason);
        assert_eq!(r.clippy_warnings, 0, "{} is not clippy-clean", r.spec);
    }
}

#[test]
fn crate_names_are_unique_and_valid() {
    let specs = corpus_specs();
    if specs.is_empty() {
        crate::skipped(&format!(
            "crate names of corpus specs: {} is not present",
            corpus_dir().display()
        ));
        return;
    }
    let mut names: Vec<String> = specs.iter().map(|s| crate_name(s)).collect();
    assert!(names
        .iter()
        .all(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')));
    let total = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), total);
}
