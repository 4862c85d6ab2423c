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
    assert_eq!(ids, ["getPet", "listPets", "getThing"]);
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

use crate::specsmith_json as run_json;

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
    assert!(findings
        .iter()
        .any(|f| f["kind"] == "request_body_mismatch"));
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
    let expected: [(u64, &str, &str); 7] = [
        (1, "missing_required", "the body has bornAt instead"),
        (2, "enum_mismatch", "\"Dog\" is not one of"),
        (
            3,
            "type_mismatch",
            "expected integer, found string \"loud\"",
        ),
        (4, "missing_required", "missing required property name"),
        (5, "undocumented_status", "status 500 is not documented"),
        (
            6,
            "type_mismatch",
            "expected number or null, found string \"heavy\"",
        ),
        (
            7,
            "enum_mismatch",
            "\"dgo\" is not a known pet_type: the union's members are tagged \"dog\", \"cat\"",
        ),
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

/// Every public 3.1 spec in `../shared/corpus/openapi31/` loads, lints without a panic, and has
/// its response schemas compiled as the validator compiles them. The corpus is `../shared/corpus`
/// or `SPECSMITH_CORPUS` (as in the benches); the test skips loudly without it.
#[test]
fn public_3_1_specs_load_lint_and_compile() {
    use specsmith::spec::{compile, to_json_schema, ConvertOptions, Direction};
    let corpus = std::env::var_os("SPECSMITH_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    let dir = corpus.join("openapi31");
    let Ok(index) = std::fs::read_to_string(dir.join("INDEX.tsv")) else {
        crate::skipped(&format!("3.1 corpus: {} is missing", dir.display()));
        return;
    };
    let mut loaded = 0;
    let mut not_loaded = Vec::new();
    let mut uncompiled = Vec::new();
    for rel in index.lines().skip(1).filter_map(|l| l.split('\t').next()) {
        let spec = match spec::load(&dir.join(rel)) {
            Ok(spec) => spec,
            Err(e) => {
                not_loaded.push(format!("{rel}: {}", e.message));
                continue;
            }
        };
        loaded += 1;
        assert_eq!(spec.openapi_version, OpenApiVersion::V3_1, "{rel}");
        let _ = spec::lint(&spec);
        let options = ConvertOptions::new(spec.openapi_version, Direction::Response);
        let schemas = spec
            .operations
            .iter()
            .flat_map(|o| &o.responses)
            .flat_map(|r| &r.content)
            .filter_map(|m| m.schema.as_ref());
        for schema in schemas {
            let converted = to_json_schema(&spec.document, &schema.pointer, options);
            if let Some(Err(e)) = converted.as_ref().map(compile) {
                uncompiled.push(format!("{rel} {}: {e}", schema.pointer));
            }
        }
    }
    eprintln!("3.1 corpus: {loaded} loaded; not loaded: {not_loaded:#?}; response schemas that do not compile: {uncompiled:#?}");
    assert!(not_loaded.is_empty(), "{not_loaded:#?}");
    assert!(loaded >= 27, "{loaded}");
}

/// What 3.1 can say, checked exactly, each drift one finding at its line: `type` arrays with
/// null, `const`, numeric `exclusiveMinimum`, `anyOf: [X, {type: null}]`, `prefixItems` with
/// `items: false`, `if`/`then`, `dependentRequired`, `patternProperties`, and unknown keys as
/// warnings in open objects but errors under `unevaluatedProperties: false`.
#[test]
fn constructs_of_3_1_validate_exactly() {
    let spec = fixture("constructs.yaml");
    let capture = fixture("constructs.ndjson");
    let (code, report) = run_json(&["validate", "--spec", path_str(&spec), path_str(&capture)]);
    assert_eq!(code, 1, "{report:#}");
    let got: Vec<(u64, String, String, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (
                f["line"].as_u64().unwrap_or(0),
                s("severity"),
                s("kind"),
                s("message"),
            )
        })
        .collect();
    let expected: &[(u64, &str, &str, &str)] = &[
        // Lines 1 and 2 are valid: nulls, const, the 2020-12 keywords all satisfied.
        (3, "warning", "unknown_property", "unknown property colour"),
        (
            4,
            "error",
            "constraint",
            "0 is less than or equal to the minimum of 0",
        ),
        (
            4,
            "error",
            "type_mismatch",
            "expected null or string, found integer 5",
        ),
        (4, "error", "enum_mismatch", "\"pets\" is not \"pet\""),
        (
            4,
            "error",
            "type_mismatch",
            "expected object or null, found string \"Ana\"",
        ),
        (
            5,
            "error",
            "missing_required",
            "missing required property cvv",
        ),
        (5, "error", "constraint", "3 is not allowed here"),
        (
            5,
            "error",
            "constraint",
            "2 is greater than the maximum of 1",
        ),
        (
            5,
            "error",
            "unknown_property",
            "unknown property extra (the schema allows no other",
        ),
        (
            6,
            "error",
            "type_mismatch",
            "expected number, found string \"a\"",
        ),
        (
            6,
            "error",
            "unknown_property",
            "unknown property vlaue, did you mean value?",
        ),
    ];
    assert_eq!(got.len(), expected.len(), "{got:#?}");
    for (g, (line, severity, kind, text)) in got.iter().zip(expected) {
        assert_eq!(
            (g.0, g.1.as_str(), g.2.as_str()),
            (*line, *severity, *kind),
            "{g:?}"
        );
        assert!(g.3.contains(text), "{g:?}");
    }
}
