use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use specsmith::spec;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures/specs").join(name)
}

/// Runs `specsmith lint --format json` and returns (exit code, parsed report).
fn lint_json(args: &[&str]) -> (i32, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .arg("lint")
        .args(["--format", "json"])
        .args(args)
        .current_dir(root())
        .output()
        .expect("specsmith runs");
    let code = output.status.code().expect("exit code");
    let report = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (code, report)
}

/// (kind, line, column) of each finding, with the file name only.
fn findings(report: &Value) -> Vec<(String, String, u64, u64)> {
    report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap_or("");
            let name = Path::new(file)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (
                f["kind"].as_str().unwrap_or("").to_string(),
                name,
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn bundled_specs_lint_clean_by_default() {
    let (code, report) = lint_json(&[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(report["summary"]["inputs"], 3);
}

#[test]
fn bundled_specs_load_into_the_shared_model() {
    let kommo = spec::load(&root().join("spec/kommo.yaml")).expect("kommo loads");
    let op = kommo.operation("getAccount").expect("getAccount");
    assert_eq!(
        (op.method.as_str(), op.path.as_str()),
        ("get", "/api/v4/account")
    );
    let with = &op.parameters[0];
    assert_eq!(with.name, "with");
    assert_eq!(with.style, spec::model::ParamStyle::Form);
    assert!(!with.explode, "with is sent comma-separated");
    assert_eq!(op.security, vec![vec!["bearerAuth".to_string()]]);
    assert_eq!(kommo.servers.len(), 2);
    assert_eq!(kommo.servers[0].variables[0].name, "subdomain");
    let ok = op.response_for(200).expect("200");
    assert_eq!(ok.content[0].name, "application/hal+json");
    let unauthorized = op.response_for(401).expect("401");
    assert_eq!(unauthorized.content[0].name, "application/problem+json");

    let espo = spec::load(&root().join("spec/espocrm.yaml")).expect("espocrm loads");
    let ids: Vec<&str> = espo.operations.iter().map(|o| o.id.as_str()).collect();
    for id in [
        "listAccounts",
        "createAccount",
        "getAccount",
        "updateAccount",
        "deleteAccount",
        "getAccountStream",
        "listAccountLinks",
        "linkAccount",
        "unlinkAccount",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let v4 = spec::load(&root().join("spec/v4marketing.yaml")).expect("v4 loads");
    let list = v4.operation("listUsers").expect("listUsers");
    let workspace = list
        .parameters
        .iter()
        .find(|p| p.name == "workspaceId")
        .expect("workspaceId");
    assert!(workspace.required);
    assert_eq!(
        list.security.len(),
        1,
        "both API-key headers in one requirement"
    );
    assert_eq!(list.security[0].len(), 2);
}

#[test]
fn unreadable_specs_get_a_located_message_and_exit_2() {
    /// (fixture, kind, line:column, text in the message)
    type Case = (&'static str, &'static str, Option<(u64, u64)>, &'static str);
    let cases: &[Case] = &[
        (
            "err_truncated.yaml",
            "syntax_error",
            Some((11, 1)),
            "invalid YAML",
        ),
        (
            "err_array.json",
            "invalid_document",
            Some((1, 1)),
            "found an array",
        ),
        (
            "err_swagger2.yaml",
            "unsupported_version",
            Some((1, 1)),
            "Swagger 2.0",
        ),
        (
            "err_version.yaml",
            "unsupported_version",
            Some((1, 1)),
            "unknown OpenAPI version \"4.0.0\"",
        ),
        ("err_empty.yaml", "invalid_document", None, "is empty"),
        (
            "err_shape.yaml",
            "invalid_document",
            Some((10, 11)),
            "unknown variant `somewhere`",
        ),
        (
            "err_shape31.yaml",
            "invalid_document",
            Some((10, 11)),
            "unknown parameter location `somewhere`",
        ),
    ];
    for (file, kind, at, text) in cases {
        let path = fixture(file);
        let (code, report) = lint_json(&["--spec", path.to_str().expect("utf-8 path")]);
        assert_eq!(code, 2, "{file}: {report:#}");
        let finding = &report["findings"][0];
        assert_eq!(finding["kind"], *kind, "{file}: {finding:#}");
        let message = finding["message"].as_str().expect("message");
        assert!(message.contains(text), "{file}: {message}");
        let got = finding["line"].as_u64().zip(finding["column"].as_u64());
        assert_eq!(got, *at, "{file}: {finding:#}");
    }
}

#[test]
fn missing_file_and_directory_exit_2() {
    let (code, report) = lint_json(&["--spec", "no/such/spec.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(report["findings"][0]["kind"], "unreadable_file");
    assert!(report["findings"][0]["message"]
        .as_str()
        .expect("message")
        .contains("no/such/spec.yaml"));

    let (code, report) = lint_json(&["--spec", "spec"]);
    assert_eq!(code, 2);
    assert!(report["findings"][0]["message"]
        .as_str()
        .expect("message")
        .contains("is a directory"));
}

#[test]
fn one_unreadable_spec_does_not_hide_findings_in_the_others() {
    let bad = fixture("err_truncated.yaml");
    let findings_file = fixture("findings_refs.yaml");
    let (code, report) = lint_json(&[
        "--spec",
        bad.to_str().expect("utf-8"),
        "--spec",
        findings_file.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 2, "unreadable input wins over findings");
    let kinds: Vec<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert!(kinds.contains(&"syntax_error".to_string()));
    assert!(kinds.contains(&"unresolved_ref".to_string()));
}

#[test]
fn every_check_fires_once_with_file_line_and_column() {
    let path = fixture("findings_refs.yaml");
    let (code, report) = lint_json(&["--spec", path.to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{report:#}");
    let got = findings(&report);
    let expected = [
        ("undeclared_path_parameter", 8, 5),
        ("unresolved_ref", 16, 17),
        ("duplicate_operation_id", 19, 7),
        ("unused_path_parameter", 21, 11),
        ("invalid_example", 33, 15),
        ("invalid_example", 34, 17),
        ("invalid_example", 43, 11),
        ("cyclic_ref", 44, 5),
        ("external_ref", 53, 7),
    ];
    let got_short: Vec<(&str, u64, u64)> = got
        .iter()
        .map(|(k, _, l, c)| (k.as_str(), *l, *c))
        .collect();
    assert_eq!(got_short, expected, "{report:#}");
    assert!(got.iter().all(|f| f.1 == "findings_refs.yaml"));
    let unresolved = &report["findings"][1];
    assert_eq!(
        unresolved["suggestion"], "did you mean \"#/components/schemas/Account\"?",
        "a typo in a $ref gets the nearest existing name"
    );
    assert!(unresolved["message"]
        .as_str()
        .expect("message")
        .contains("#/components/schemas/Acount"));
}

/// Held-out defects of issue 15: a variable named twice and a parameter declared twice.
#[test]
fn repeated_path_variables_and_parameters_are_errors() {
    let path = fixture("findings_paths.yaml");
    let (code, report) = lint_json(&["--spec", path.to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{report:#}");
    let got: Vec<(String, u64, u64)> = findings(&report)
        .into_iter()
        .map(|(k, _, l, c)| (k, l, c))
        .collect();
    let expected = [
        ("duplicate_path_variable", 7, 5),
        ("duplicate_parameter", 19, 9),
        ("duplicate_parameter", 28, 11),
    ];
    let expected: Vec<(String, u64, u64)> = expected
        .iter()
        .map(|(k, l, c)| (k.to_string(), *l, *c))
        .collect();
    assert_eq!(got, expected, "{report:#}");
}

#[test]
fn human_report_shows_the_line_and_the_fix() {
    let path = fixture("findings_refs.yaml");
    let output = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args(["lint", "--spec", path.to_str().expect("utf-8")])
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    let text = text.replace(path.to_str().expect("utf-8"), "findings_refs.yaml");
    insta::assert_snapshot!("lint_human_findings", text);
}

/// Cuts each bundled spec at many offsets and feeds garbage: loading and linting must return
/// diagnostics, never panic.
#[test]
fn truncated_and_garbage_specs_never_panic() {
    let mut inputs: Vec<(String, String)> = Vec::new();
    for name in ["kommo.yaml", "v4marketing.yaml", "espocrm.yaml"] {
        let text = std::fs::read_to_string(root().join("spec").join(name)).expect("spec");
        let step = (text.len() / 97).max(1);
        for cut in (0..text.len()).step_by(step) {
            if text.is_char_boundary(cut) {
                inputs.push((format!("{name}@{cut}"), text[..cut].to_string()));
            }
        }
    }
    let mut seed: u64 = 0x5eed;
    for i in 0..64 {
        let mut s = String::new();
        for _ in 0..(i * 7) {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let alphabet = b"{}[]:,\"'-# \n\tab01$ref&*!|>";
            s.push(alphabet[(seed >> 33) as usize % alphabet.len()] as char);
        }
        inputs.push((format!("garbage{i}.yaml"), s));
    }
    for (name, text) in inputs {
        if let Ok(spec) = spec::load_str(Path::new(&name), text) {
            let _ = spec::lint(&spec);
        }
    }
}

/// Every public corpus spec either loads or is refused with a located, named reason.
#[test]
fn corpus_specs_load_or_are_refused_clearly() {
    let corpus = root().join("../shared/corpus");
    if !corpus.is_dir() {
        crate::skipped(&format!("corpus load: {} not present", corpus.display()));
        return;
    }
    let mut files = Vec::new();
    let mut stack = vec![corpus];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable corpus").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            ) {
                files.push(path);
            }
        }
    }
    assert!(files.len() >= 100, "corpus has {} specs", files.len());
    let mut loaded = 0;
    for path in &files {
        match spec::load(path) {
            Ok(s) => {
                loaded += 1;
                // 3.1 makes `paths` optional: a document may hold only webhooks or components.
                let has_content = ["paths", "webhooks", "components"]
                    .iter()
                    .any(|k| s.document.get(k).is_some());
                assert!(
                    !s.operations.is_empty() || has_content,
                    "{}",
                    path.display()
                );
            }
            Err(d) => assert!(d.file.is_some() && !d.message.is_empty(), "{d:?}"),
        }
    }
    assert_eq!(loaded, files.len(), "every corpus spec (3.0 and 3.1) loads");
}

#[test]
fn references_to_another_kind_of_component_are_errors_generate_refuses() {
    let path = fixture("findings_wrong_kind_refs.yaml");
    let (code, report) = lint_json(&["--spec", path.to_str().expect("utf-8")]);
    assert_eq!(code, 1, "{report:#}");
    let got: Vec<(String, u64, u64)> = findings(&report)
        .into_iter()
        .map(|(k, _, l, c)| (k, l, c))
        .collect();
    let expected: Vec<(String, u64, u64)> = [(11, 11), (14, 11), (37, 11)]
        .iter()
        .map(|(l, c)| ("wrong_ref_kind".to_string(), *l, *c))
        .collect();
    assert_eq!(got, expected, "{report:#}");
    let message = report["findings"][0]["message"].as_str().unwrap_or("");
    assert!(
        message.contains("components/schemas") && message.contains("components/parameters"),
        "{message}"
    );

    // The parameter and the response would be dropped without a word: nothing is written.
    let out = tempfile::tempdir().expect("tempdir");
    let generated = Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args(["generate", "--spec", path.to_str().expect("utf-8"), "--out"])
        .arg(out.path())
        .output()
        .expect("specsmith runs");
    assert_eq!(generated.status.code(), Some(2), "{generated:?}");
    let said =
        String::from_utf8_lossy(&generated.stdout) + String::from_utf8_lossy(&generated.stderr);
    assert_eq!(said.matches("error: wrong_ref_kind").count(), 2, "{said}");
    assert!(!out.path().join("src").exists(), "no code is written");
}
