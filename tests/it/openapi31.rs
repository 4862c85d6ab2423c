//! OpenAPI 3.1 documents: they load into the same model as 3.0, lint, and validate traffic with
//! their schemas read as JSON Schema 2020-12.

use std::path::PathBuf;

use specsmith::spec::{self, model::OpenApiVersion};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/openapi31")
        .join(name)
}

#[test]
fn yaml_3_1_loads_webhooks_path_items_dialect_and_default_server() {
    let spec = spec::load(&fixture("constructs.yaml")).expect("3.1 YAML loads");
    assert_eq!(spec.openapi_version, OpenApiVersion::V3_1);
    assert_eq!(
        spec.json_schema_dialect.as_deref(),
        Some("https://spec.openapis.org/oas/3.1/dialect/base")
    );
    assert_eq!(spec.servers.len(), 1);
    assert_eq!(spec.servers[0].url, "/", "no `servers` means `/`");
    let ids: Vec<&str> = spec.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["getPet", "listPets"]);
    let get_pet = spec.operation("getPet").expect("getPet through pathItems");
    assert_eq!(get_pet.path, "/pets/{petId}");
    assert_eq!(get_pet.pointer, "/components/pathItems/Pet/get");
    assert_eq!(
        get_pet.parameters.len(),
        1,
        "path-item parameters inherited"
    );
    assert_eq!(spec.webhooks.len(), 1);
    assert_eq!(spec.webhooks[0].path, "petAdopted");
    assert!(spec.webhooks[0].request_body.is_some());
}

#[test]
fn json_3_1_1_loads() {
    let spec = spec::load(&fixture("minimal.json")).expect("3.1.1 JSON loads");
    assert_eq!(spec.openapi_version, OpenApiVersion::V3_1);
    assert_eq!(spec.operations.len(), 1);
    assert!(spec.webhooks.is_empty());
}

#[test]
fn swagger_2_names_a_converter() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs/err_swagger2.yaml");
    let err = spec::load(&path).expect_err("2.0 is refused");
    let text = format!("{err:?}");
    assert!(text.contains("swagger2openapi"), "{text}");
    assert!(text.contains("converter.swagger.io"), "{text}");
}

fn fastapi(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fastapi")
        .join(name)
}

/// Runs the binary with `--format json`; returns the exit code and the report.
fn run_json(args: &[&str]) -> (i32, serde_json::Value) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_specsmith"))
        .args(args)
        .args(["--format", "json"])
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

fn path_str(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn fastapi_spec_lints_clean() {
    let spec = fastapi("openapi.json");
    let (code, report) = run_json(&["lint", "--spec", path_str(&spec)]);
    assert_eq!(code, 0, "{report:#}");
}

#[test]
fn fastapi_traffic_validates_without_errors_or_warnings() {
    let spec = fastapi("openapi.json");
    let traffic = fastapi("traffic.ndjson");
    let (code, report) = run_json(&[
        "validate",
        "--spec",
        path_str(&spec),
        "--deny-warnings",
        path_str(&traffic),
    ]);
    let findings = report["findings"].as_array().expect("findings");
    let loud: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["severity"] != "info")
        .collect();
    assert!(loud.is_empty(), "{loud:#?}");
    assert_eq!(code, 0, "{report:#}");
    // The refused requests (422s) are still shown, as information.
    assert!(findings.iter().any(|f| f["kind"] == "request_body_mismatch"));
}

#[test]
fn fastapi_drift_is_named_at_its_line() {
    let spec = fastapi("openapi.json");
    let drift = fastapi("drift.ndjson");
    let (code, report) = run_json(&["validate", "--spec", path_str(&spec), path_str(&drift)]);
    assert_eq!(code, 1, "{report:#}");
    let got: Vec<(u64, String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap_or(0),
                f["kind"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    // (line, kind, text in the message): one finding per planted root cause.
    let expected: [(u64, &str, &str); 6] = [
        (1, "missing_required", "the body has bornAt instead"),
        (2, "enum_mismatch", "\"dgo\" is not one of"),
        (3, "type_mismatch", "expected integer, found string \"loud\""),
        (4, "missing_required", "missing required property name"),
        (5, "undocumented_status", "status 500 is not documented"),
        (6, "type_mismatch", "expected number, found string \"heavy\""),
    ];
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for ((line, kind, message), (want_line, want_kind, text)) in got.iter().zip(expected) {
        assert_eq!((*line, kind.as_str()), (want_line, want_kind), "{message}");
        assert!(message.contains(text), "line {line}: {message}");
    }
    let enum_hint = &report["findings"][1]["suggestion"];
    assert_eq!(enum_hint, "did you mean \"dog\"?");
}

#[test]
fn lint_on_3_1_finds_each_planted_problem() {
    let spec = fixture("lint_findings.yaml");
    let (code, report) = run_json(&["lint", "--spec", path_str(&spec)]);
    assert_eq!(code, 1, "{report:#}");
    let got: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["kind"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["suggestion"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let kinds: Vec<(&str, u64)> = got.iter().map(|(k, l, _)| (k.as_str(), *l)).collect();
    assert_eq!(
        kinds,
        [
            ("unknown_dialect", 2),
            // Paths are read before webhooks, so the webhook's id is the second use.
            ("duplicate_operation_id", 12),
            ("unresolved_ref", 16),
            ("invalid_example", 40),
        ],
        "{got:#?}"
    );
    assert!(got[0].2.contains("dialect/base"), "{got:#?}");
    assert!(got[2].2.contains("#/components/schemas/Order"), "{got:#?}");
}
