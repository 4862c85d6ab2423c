//! `specsmith generate`: the committed crate kept in step (it is the golden copy of the bundled
//! specs' output), snapshots of the fixture modules, determinism, template overrides, the
//! hostile fixture, module names, webhooks and the CLI's exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;

use specsmith::codegen::{self, check, Generator, Input, Output};
use specsmith::spec;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const SPECS: [&str; 3] = [
    "spec/espocrm.yaml",
    "spec/kommo.yaml",
    "spec/v4marketing.yaml",
];

/// Generates the crate for `paths` (relative to the project), as `specsmith generate` does.
fn generate_with(generator: &Generator, paths: &[&str], package: &str, standalone: bool) -> Output {
    let specs: Vec<spec::Spec> = paths
        .iter()
        .map(|p| spec::load(&root().join(p)).unwrap_or_else(|d| panic!("{p}: {}", d.message)))
        .collect();
    let inputs: Vec<Input<'_>> = specs
        .iter()
        .zip(paths)
        .map(|(spec, p)| Input {
            spec,
            source: p.to_string(),
            name: None,
        })
        .collect();
    generator
        .crate_files(&inputs, package, standalone)
        .unwrap_or_else(|e| panic!("{e}"))
}

fn generate(paths: &[&str]) -> Output {
    let generator = Generator::new(None).expect("built-in templates load");
    generate_with(&generator, paths, "specsmith-generated", false)
}

fn file<'a>(output: &'a Output, path: &str) -> &'a str {
    output
        .files
        .iter()
        .find(|f| f.path == Path::new(path))
        .map(|f| f.contents.as_str())
        .unwrap_or_else(|| panic!("{path} not generated"))
}

/// The bundled specs are expressed completely: no fallback, no warning. (Their rendered files
/// are not snapshotted: `generated/` is the golden copy, guarded by the test below and by
/// `generate --check` in CI.)
#[test]
fn the_bundled_specs_generate_without_warnings() {
    let output = generate(&SPECS);
    assert!(output.diagnostics.is_empty(), "{:?}", output.diagnostics);
    assert_eq!(
        output.files.len(),
        9,
        "Cargo.toml, lib, runtime and three modules of two files"
    );
}

/// CI runs `specsmith generate --check`; this is the same guard inside `cargo test`.
#[test]
fn the_committed_crate_is_up_to_date() {
    let output = generate(&SPECS);
    let drift = check::check(&root().join("generated"), &output.files);
    assert!(
        drift.is_empty(),
        "generated/ is stale, run `cargo run -- generate`:\n{}",
        check::summary(Path::new("generated"), &drift)
    );
}

/// The paging fixture's module (client and types), which the generated crate's
/// `tests/paging.rs` runs on the wire against the bundled runtime; `SPECSMITH_BLESS=1` rewrites
/// it.
#[test]
fn paging_fixture_module_is_up_to_date() {
    let source = "tests/fixtures/paging/paging.yaml";
    let output = generate(&[source]);
    assert!(output.diagnostics.is_empty(), "{:?}", output.diagnostics);
    let folder = root().join("tests/fixtures/paging");
    let module = module_files(&output);
    for file in &module {
        let committed = folder.join(file.path.strip_prefix("src").expect("under src"));
        if std::env::var_os("SPECSMITH_BLESS").is_some() {
            std::fs::create_dir_all(committed.parent().expect("a folder")).expect("mkdir");
            std::fs::write(&committed, &file.contents).expect("write the fixture module");
        }
        let on_disk = std::fs::read_to_string(&committed).unwrap_or_default();
        assert!(
            on_disk == file.contents,
            "{} is stale: run `SPECSMITH_BLESS=1 cargo test --test it paging_fixture_module_is_up_to_date`",
            committed.display()
        );
    }
    let client = &module[0].contents;
    for stream in [
        "list_events_stream",
        "list_files_stream",
        "list_channels_stream",
        "list_customers_stream",
        "list_org_repos_stream",
    ] {
        assert!(client.contains(&format!("pub fn {stream}<'a>")), "{stream}");
    }
}

/// Shapes that only look like paging get no stream: a wrong guess walks pages that do not exist
/// or repeats one forever.
#[test]
fn paging_near_misses_get_no_stream() {
    let output = generate(&["tests/fixtures/paging/near_misses.yaml"]);
    let module = module_text(&output);
    assert!(
        module.contains("pub async fn after_without_ids("),
        "the methods are generated"
    );
    assert!(!module.contains("_stream"), "no stream for a near miss");
}

#[test]
fn output_is_byte_for_byte_deterministic() {
    let a = generate(&SPECS);
    let b = generate(&SPECS);
    assert_eq!(a.files, b.files);
    let hostile = ["tests/fixtures/codegen/hostile.yaml"];
    assert_eq!(generate(&hostile).files, generate(&hostile).files);
}

#[test]
fn every_file_names_its_source_and_says_not_to_edit() {
    let output = generate(&SPECS);
    for f in &output.files {
        let head: String = f.contents.lines().take(2).collect::<Vec<_>>().join("\n");
        assert!(
            head.contains("Generated by specsmith from `spec/"),
            "{}: {head}",
            f.path.display()
        );
        assert!(head.contains("Do not edit"), "{}: {head}", f.path.display());
    }
    assert!(file(&output, "src/kommo.rs")
        .starts_with("//! Generated by specsmith from `spec/kommo.yaml`."));
}

/// The one module of a single-spec output, named from the spec's title: its client file, then
/// its `types.rs`.
fn module_text(output: &Output) -> String {
    let files: Vec<&str> = module_files(output)
        .iter()
        .map(|f| f.contents.as_str())
        .collect();
    files.concat()
}

/// The files of the one module of a single-spec output: its client, then its `types.rs`.
fn module_files(output: &Output) -> Vec<&codegen::GeneratedFile> {
    let files: Vec<_> = output
        .files
        .iter()
        .filter(|f| f.path.starts_with("src/"))
        .filter(|f| {
            !["src/lib.rs", "src/runtime.rs"]
                .iter()
                .any(|p| f.path == Path::new(p))
        })
        .collect();
    assert_eq!(files.len(), 2, "one module: client and types");
    files
}

/// One line per warning, `severity line:column kind: message`, for snapshots.
fn warning_lines(output: &Output) -> String {
    let lines: Vec<String> = output
        .diagnostics
        .iter()
        .map(|d| {
            let at = d
                .location
                .as_ref()
                .map(|l| format!("{}:{}", l.line, l.column))
                .unwrap_or_default();
            format!(
                "{} {at} {}: {}",
                d.severity.as_str(),
                d.kind.as_str(),
                d.message
            )
        })
        .collect();
    lines.join("\n")
}

/// One minimal spec per failure class met in the public corpus
/// (`tests/fixtures/codegen/classes/README.md` says which class and where it was seen): each
/// module and its warnings are snapshotted so a fix stays fixed, and the corpus sample compiles
/// them under clippy.
#[test]
fn failure_classes() {
    let mut seen = 0;
    insta::glob!(
        root().join("tests/fixtures/codegen/classes"),
        "*.yaml",
        |path| {
            let relative = path
                .strip_prefix(root())
                .expect("fixtures are inside the project")
                .to_string_lossy()
                .into_owned();
            let output = generate(&[relative.as_str()]);
            let module = module_text(&output);
            insta::assert_snapshot!("class_module", module);
            insta::assert_snapshot!("class_warnings", warning_lines(&output));
            // Anything a class cannot express is a located warning, never an unlocated one.
            for d in &output.diagnostics {
                assert!(d.location.is_some(), "{relative}: unlocated {}", d.message);
            }
            seen += 1;
        }
    );
    assert!(seen >= 16, "every class fixture ran ({seen})");
}

/// The hostile fixture: keywords, digits, case-only collisions, recursion, every composition
/// keyword. Its module and its warnings (located, never a panic) are snapshotted.
#[test]
fn hostile_names_and_shapes() {
    let output = generate(&["tests/fixtures/codegen/hostile.yaml"]);
    let module = module_text(&output);
    let module = module.as_str();
    insta::assert_snapshot!("hostile_module", module);
    insta::assert_snapshot!("hostile_warnings", warning_lines(&output));
    // Regression guards for the peers' failures.
    assert!(
        module.contains("pub struct Forest(pub Vec<Forest>);"),
        "self-referencing alias must be a newtype"
    );
    assert!(
        module.contains("pub next: Box<Node>,"),
        "recursion is boxed"
    );
    assert!(
        module.contains("pub children: Option<Vec<Node>>,"),
        "a Vec breaks recursion without a Box"
    );
    assert!(
        module.contains("pub tree: Box<Tree>,"),
        "mutual recursion is boxed once"
    );
    assert!(
        module.contains("pub branch: Option<Branch>,"),
        "and only once"
    );
    assert!(
        module.contains("Some(\"cat\") | Some(\"kitty\")"),
        "discriminator mapping"
    );
    assert!(
        module.contains("pub note: Option<Option<String>>,"),
        "absent vs null in request bodies"
    );
    assert!(module.contains("pub r#type: Option<String>,"));
    assert!(module.contains("pub self_: Option<String>,"));
    assert!(module.contains("pub foo_bar_2: Option<String>,"));
    assert!(module.contains("pub _2fa: Option<bool>,"));
    assert!(
        module.contains("pub enum Either {\n    Animal(Animal),\n    Variant1(EitherVariant1),"),
        "untagged variants: the most constrained first"
    );
}

/// Regression (issue 15's held-out defect): a spec file named like a Rust keyword (`type.yaml`,
/// `self.yaml`) or like a crate the generated code names by path (`std.yaml`) used to give
/// `pub mod type;` or an ambiguous `std`. Module names now avoid both.
#[test]
fn spec_files_named_like_keywords_or_std_generate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let names = ["type", "self", "std", "serde"];
    let paths: Vec<String> = names
        .iter()
        .map(|n| {
            let text = format!("openapi: 3.0.0\ninfo: {{ title: {n} API, version: \"1\" }}\npaths:\n  /a:\n    get:\n      operationId: getA\n      responses: {{ \"200\": {{ description: ok }} }}\n");
            let path = dir.path().join(format!("spec_{n}.yaml"));
            std::fs::write(&path, text).expect("write");
            path.to_string_lossy().into_owned()
        })
        .collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let generator = Generator::new(None).expect("built-in templates load");
    let output = generate_with(&generator, &paths, "keywords", false);
    let lib = file(&output, "src/lib.rs");
    for module in ["type_", "self_", "std_2", "serde_2"] {
        assert!(
            lib.contains(&format!("pub mod {module};")),
            "{module}: {lib}"
        );
        file(&output, &format!("src/{module}.rs"));
    }
    let standalone = generate_with(&generator, &paths[..1], "type-client", true);
    assert!(file(&standalone, "src/lib.rs").contains("pub use type_::{types, Client};"));
}

/// OpenAPI 3.1 `webhooks` get no client methods, and generate says so once, located.
#[test]
fn webhooks_are_skipped_with_one_located_note() {
    let output = generate(&["tests/fixtures/openapi31/constructs.yaml"]);
    let notes: Vec<_> = output
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("webhook"))
        .collect();
    assert_eq!(notes.len(), 1, "{}", warning_lines(&output));
    assert!(notes[0].location.is_some(), "located");
    assert!(!module_text(&output).contains("fn pet_adopted"));
}

#[test]
fn templates_are_overridable_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("header.jinja"),
        "//! Made by our own generator from {{ source }}. Do not edit.\n",
    )
    .expect("write");
    let generator = Generator::new(Some(dir.path())).expect("templates load");
    let output = generate_with(&generator, &["spec/kommo.yaml"], "kommo-client", true);
    assert!(file(&output, "src/kommo.rs")
        .starts_with("//! Made by our own generator from spec/kommo.yaml."));
    assert!(file(&output, "src/lib.rs").starts_with("//! Made by our own generator"));
    // Templates not overridden are the built-in ones.
    assert!(file(&output, "src/kommo.rs").contains("pub async fn get_account("));
    assert!(
        file(&output, "Cargo.toml").contains("[workspace]"),
        "standalone crates are their own workspace"
    );
}

#[test]
fn a_template_that_renders_invalid_rust_is_an_error_naming_the_spec() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("type.rs.jinja"),
        "pub struct {{ t.name }} {\n",
    )
    .expect("write");
    let generator = Generator::new(Some(dir.path())).expect("templates load");
    let spec = spec::load(&root().join("spec/kommo.yaml")).expect("loads");
    let input = Input {
        spec: &spec,
        source: "spec/kommo.yaml".to_string(),
        name: None,
    };
    let err = generator
        .crate_files(&[input], "x", true)
        .expect_err("broken code");
    let message = err.to_string();
    assert!(
        matches!(err, codegen::Error::InvalidCode { .. }),
        "{message}"
    );
    assert!(
        message.contains("spec/kommo.yaml") && message.contains("src/kommo/types.rs"),
        "{message}"
    );

    std::fs::write(dir.path().join("type.rs.jinja"), "{% if %}").expect("write");
    let err = Generator::new(Some(dir.path()))
        .err()
        .expect("syntax error");
    assert!(err.to_string().contains("type.rs.jinja"), "{err}");
}

fn specsmith(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `specsmith generate --spec FIXTURE --out DIR/crate EXTRA…` in a fresh temporary
/// directory; returns it (kept alive), the crate folder and the run's (exit code, stdout, stderr).
fn generate_fixture(
    fixture: &str,
    extra: &[&str],
) -> (tempfile::TempDir, PathBuf, (i32, String, String)) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("crate");
    let spec = root().join(fixture);
    let mut args = vec![
        "generate",
        "--spec",
        spec.to_str().expect("utf-8 path"),
        "--out",
        out.to_str().expect("utf-8 path"),
    ];
    args.extend_from_slice(extra);
    let run = specsmith(&args, &root());
    (dir, out, run)
}

/// A dangling `$ref` where a schema goes loses no parameter or response: `generate` reports it
/// as a located error with its suggestion, types the field `serde_json::Value`, and writes the
/// crate (a spec with such a typo still gets a client).
#[test]
fn a_dangling_schema_reference_is_a_located_error_and_a_value() {
    let (_dir, out, (code, stdout, stderr)) = generate_fixture(
        "tests/fixtures/specs/findings_schema_refs.yaml",
        &["--format", "json"],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("json report");
    let errors: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{report:#}");
    assert_eq!(errors[0]["kind"], "unresolved_ref");
    assert_eq!(errors[0]["line"], 25, "{report:#}");
    assert_eq!(
        errors[0]["suggestion"],
        "did you mean \"#/components/schemas/Owner\"?"
    );
    let code = crate::generated_code(&out);
    assert!(code.contains("serde_json::Value"), "{code}");
}

/// A path variable no parameter declares is a located error, counted in the summary; the crate
/// is written (the variable becomes a string argument) and the run passes, since `lint` is the
/// command that fails on spec errors.
#[test]
fn cli_reports_generate_errors_and_still_writes() {
    let (_dir, out, (code, stdout, stderr)) = generate_fixture(
        "tests/fixtures/codegen/classes/path_parameter_names.yaml",
        &[],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("6 error(s), 1 warning(s)"), "{stdout}");
    assert!(stdout.contains("undeclared_path_parameter"), "{stdout}");
    let module = crate::generated_code(&out);
    assert!(
        !module.contains("\"/teams/{team}\"") && module.contains("path.push_str(\"/teams/\")"),
        "no literal template variable is requested"
    );
}

/// A local `$ref` that points at nothing, or a chain of them that never reaches a definition,
/// would drop the parameter, body, response or header behind it: `generate` refuses the spec
/// with a located error for each (exit 2, no code), as it does for a relative file it cannot
/// follow.
#[test]
fn cli_refuses_a_spec_with_unresolved_local_references() {
    let (_dir, out, (code, stdout, stderr)) = generate_fixture(
        "tests/fixtures/specs/err_local_refs.yaml",
        &["--format", "json"],
    );
    assert_eq!(code, 2, "{stdout}{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("json report");
    let mut found: Vec<(u64, String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or_default(),
                f["kind"].as_str().unwrap_or_default().to_string(),
                f["suggestion"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    found.sort();
    let expected = [
        (
            13,
            "unresolved_ref",
            "did you mean \"#/components/parameters/Limit\"?",
        ),
        (
            16,
            "unresolved_ref",
            "did you mean \"#/components/requestBodies/NewPet\"?",
        ),
        (22, "unresolved_ref", ""),
        (
            24,
            "unresolved_ref",
            "did you mean \"#/components/responses/NotFound\"?",
        ),
        (
            32,
            "cyclic_ref",
            "point one of these references at the definition itself",
        ),
    ];
    let expected: Vec<(u64, String, String)> = expected
        .iter()
        .map(|(l, k, s)| (*l, k.to_string(), s.to_string()))
        .collect();
    assert_eq!(found, expected, "{report:#}");
    assert!(
        stdout.contains("#/components/parameters/Loop -> #/components/parameters/Loop2 -> #/components/parameters/Loop"),
        "the cycle is named from its first member: {stdout}"
    );
    assert!(!out.exists(), "no code generated");
}

#[test]
fn cli_writes_a_standalone_crate_and_check_detects_drift() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("kommo-client");
    let spec = root().join("spec/kommo.yaml");
    let spec = spec.to_str().expect("utf-8 path");
    let out_s = out.to_str().expect("utf-8 path");
    let (code, stdout, stderr) = specsmith(&["generate", "--spec", spec, "--out", out_s], &root());
    assert_eq!(code, 0, "{stdout}{stderr}");
    for f in [
        "Cargo.toml",
        "src/lib.rs",
        "src/runtime.rs",
        "src/kommo.rs",
        "src/kommo/types.rs",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let (code, _, stderr) = specsmith(
        &["generate", "--spec", spec, "--out", out_s, "--check"],
        &root(),
    );
    assert_eq!(code, 0, "{stderr}");

    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).expect("manifest");
    assert!(
        manifest.contains("name = \"kommo\""),
        "named from the title, not the folder: {manifest}"
    );
    let module = out.join("src/kommo/types.rs");
    let text = std::fs::read_to_string(&module).expect("read");
    std::fs::write(
        &module,
        text.replace("pub struct Account {", "pub struct Acount {"),
    )
    .expect("write");
    std::fs::remove_file(out.join("src/runtime.rs")).expect("remove");
    std::fs::write(out.join("src/old_spec.rs"), "//! left by a removed spec\n").expect("write");
    let (code, _, stderr) = specsmith(
        &["generate", "--spec", spec, "--out", out_s, "--check"],
        &root(),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("src/kommo/types.rs: out of date (+1 -1 lines)"),
        "{stderr}"
    );
    assert!(stderr.contains("+pub struct Account {"), "{stderr}");
    assert!(stderr.contains("src/runtime.rs: missing"), "{stderr}");
    assert!(
        stderr.contains("src/old_spec.rs: no spec generates it any more"),
        "{stderr}"
    );
    // Regenerating repairs all three.
    let (code, _, stderr) = specsmith(&["generate", "--spec", spec, "--out", out_s], &root());
    assert_eq!(code, 0, "{stderr}");
    assert!(!out.join("src/old_spec.rs").exists());
    let (code, _, stderr) = specsmith(
        &["generate", "--spec", spec, "--out", out_s, "--check"],
        &root(),
    );
    assert_eq!(code, 0, "{stderr}");

    let (code, _, stderr) = specsmith(&["generate", "--spec", "nope.yaml", "--check"], &root());
    assert_eq!(code, 2, "{stderr}");
}

/// `--name` names the crate and its module; without it both come from the title, never from
/// the output folder; `--name` without `--out` is refused (the bundled crate's name is fixed).
#[test]
fn cli_name_sets_the_crate_and_module_names() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("whatever-folder");
    let spec = root().join("spec/v4marketing.yaml");
    let spec = spec.to_str().expect("utf-8 path");
    let out_s = out.to_str().expect("utf-8 path");
    let (code, stdout, stderr) = specsmith(
        &[
            "generate", "--spec", spec, "--out", out_s, "--name", "Acme CRM",
        ],
        &root(),
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).expect("manifest");
    assert!(manifest.contains("name = \"acme-crm\""), "{manifest}");
    let lib = std::fs::read_to_string(out.join("src/lib.rs")).expect("lib");
    assert!(lib.contains("pub mod acme_crm;"), "{lib}");
    assert!(lib.contains("pub use acme_crm::{types, Client};"), "{lib}");
    assert!(out.join("src/acme_crm/types.rs").is_file());

    let out = dir.path().join("other");
    let out_s = out.to_str().expect("utf-8 path");
    let (code, stdout, stderr) = specsmith(&["generate", "--spec", spec, "--out", out_s], &root());
    assert_eq!(code, 0, "{stdout}{stderr}");
    let manifest = std::fs::read_to_string(out.join("Cargo.toml")).expect("manifest");
    assert!(manifest.contains("name = \"v4-marketing\""), "{manifest}");

    let (code, _, _) = specsmith(&["generate", "--check", "--name", "x"], &root());
    assert_eq!(code, 2, "--name needs --out");
}
